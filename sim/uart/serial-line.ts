import { Uart } from '../../hal/bus';

/** What a serial line needs of a clock: the virtual clock or anything that counts milliseconds. */
export interface LineClock {
  now(): number;
}

export interface SerialLineOptions {
  /** Bits per second on the wire; each byte costs 10 bit times (8N1). 115200 unless given. */
  baud?: number;
  /** Bytes each end's receive ring holds, as the UART driver's buffer on a board; 4096 unless given. */
  receiveBuffer?: number;
}

/**
 * One end of a serial line: a Uart whose receive side is a fixed ring (bytes that find it full
 * are lost and counted, as a board's UART buffer overflows when nobody reads it) and whose
 * writes go onto the wire towards the other end.
 */
export class SerialPort implements Uart {
  /** Bytes lost because this end's receive ring was full. */
  overruns = 0;
  /** Bytes read by the host. */
  bytesRead = 0;
  peer: SerialPort | null = null;
  private readonly ring: Uint8Array;
  /** When each byte in the ring has fully arrived: it cannot be read before. */
  private readonly arrival: Float64Array;
  private head = 0;
  private count = 0;

  constructor(private readonly line: SerialLine, capacity: number) {
    this.ring = new Uint8Array(capacity);
    this.arrival = new Float64Array(capacity);
  }

  write(data: Uint8Array, offset: number, length: number): void {
    this.line.carry(this, data, offset, length);
  }

  read(data: Uint8Array, offset: number, length: number): number {
    const now = this.line.clock.now();
    const capacity = this.ring.length;
    let moved = 0;
    while (moved < length && this.count > 0 && this.arrival[this.head] <= now) {
      data[offset + moved++] = this.ring[this.head];
      this.head = (this.head + 1) % capacity;
      this.count--;
    }
    this.bytesRead += moved;
    return moved;
  }

  /** Bytes in the ring, arrived or still on the wire. */
  waiting(): number {
    return this.count;
  }

  /** Called by the line: a byte that finishes arriving at `time`. */
  arrive(byte: number, time: number): void {
    if (this.count === this.ring.length) {
      this.overruns++;
      return;
    }
    const tail = (this.head + this.count) % this.ring.length;
    this.ring[tail] = byte;
    this.arrival[tail] = time;
    this.count++;
  }
}

/**
 * A null-modem cable between two UARTs on a clock. Each direction is serialised at the baud
 * rate: a byte written at time t arrives when the bytes before it have and 10 bit times more
 * have passed. Unplugging the cable loses every byte written while it is out (bytes already on
 * the wire still arrive). Optional corruption flips bits at random, as noise on a long line.
 */
export class SerialLine {
  readonly a: SerialPort;
  readonly b: SerialPort;
  connected = true;
  /** Bytes lost to an unplugged cable. */
  cutBytes = 0;
  /** Probability that a byte is corrupted in transit; bytes corrupted so far. */
  corruption = 0;
  corrupted = 0;
  private readonly byteTime: number;
  private freeAtA = 0;
  private freeAtB = 0;
  private noise = 0x2545f491;

  constructor(readonly clock: LineClock, options: SerialLineOptions = {}) {
    this.byteTime = 10000 / (options.baud || 115200);
    const capacity = options.receiveBuffer || 4096;
    this.a = new SerialPort(this, capacity);
    this.b = new SerialPort(this, capacity);
    this.a.peer = this.b;
    this.b.peer = this.a;
  }

  carry(from: SerialPort, data: Uint8Array, offset: number, length: number): void {
    if (!this.connected) {
      this.cutBytes += length;
      return;
    }
    const to = from.peer as SerialPort;
    let time = Math.max(this.clock.now(), from === this.a ? this.freeAtA : this.freeAtB);
    for (let i = 0; i < length; i++) {
      time += this.byteTime;
      let byte = data[offset + i];
      if (this.corruption > 0 && this.random() < this.corruption) {
        byte ^= 1 << (this.random() * 8);
        this.corrupted++;
      }
      to.arrive(byte, time);
    }
    if (from === this.a) this.freeAtA = time;
    else this.freeAtB = time;
  }

  private random(): number {
    let x = this.noise;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.noise = x >>> 0;
    return this.noise / 4294967296;
  }
}
