import { Arena, Cut } from '../arena';
import { Uart } from '../bus';

/** The interpreter's Serial object (Serial1, Serial2, ...), already set up by the board with baud rate and pins. @external */
export interface EspruinoSerialPort {
  on(event: 'data', handler: (data: string) => void): void;
  write(data: Uint8Array): void;
}

declare const E: { toUint8Array(data: string): Uint8Array };

/**
 * Uart over the interpreter's Serial: 'data' events (strings, the interpreter's only way to
 * deliver serial input) are converted natively and stored in a fixed receive ring that read()
 * drains; bytes that find the ring full are lost and counted, as with a hardware FIFO. Size the
 * ring for what arrives between two polls of the board's loop (two full SLIP frames is plenty).
 */
export class EspruinoUart implements Uart {
  /** Bytes lost because the ring was full, in [0]: as a property, a count past a few thousand would cost the interpreter a variable of its own. */
  readonly overruns: Uint32Array;
  private readonly ring: Uint8Array;
  private head = 0;
  private count = 0;

  constructor(private readonly serial: EspruinoSerialPort, capacity: number) {
    const arena = new Arena(4 + capacity);
    this.overruns = arena.cut(Cut.U32, 1);
    this.ring = arena.cut(Cut.U8, capacity);
    serial.on('data', (data: string) => {
      const bytes = E.toUint8Array(data);
      const ring = this.ring;
      let length = bytes.length;
      const room = ring.length - this.count;
      if (length > room) {
        this.overruns[0] += length - room;
        length = room;
      }
      const tail = (this.head + this.count) % ring.length;
      const first = length < ring.length - tail ? length : ring.length - tail;
      ring.set(bytes.subarray(0, first), tail);
      if (first < length) ring.set(bytes.subarray(first, length), 0);
      this.count += length;
    });
  }

  write(data: Uint8Array, offset: number, length: number): void {
    this.serial.write(offset === 0 && length === data.length ? data : data.subarray(offset, offset + length));
  }

  read(data: Uint8Array, offset: number, length: number): number {
    const ring = this.ring;
    let moved = 0;
    while (moved < length && this.count > 0) {
      const run = Math.min(length - moved, this.count, ring.length - this.head);
      data.set(ring.subarray(this.head, this.head + run), offset + moved);
      moved += run;
      this.head = (this.head + run) % ring.length;
      this.count -= run;
    }
    return moved;
  }
}
