import { FrameSink, PolledNic, Uart } from '../bus';
import { Hal } from '../hal';

/** RFC 1055 framing bytes. */
const enum Slip {
  END = 0xc0,
  ESC = 0xdb,
  ESC_END = 0xdc,
  ESC_ESC = 0xdd,
  /** Bytes moved from the UART per read: small enough to stay cheap, large enough that a frame takes a dozen reads. */
  readChunk = 128,
  /** Reads per poll, so a flood on the line cannot starve the board's loop; what is left waits in the UART's ring. */
  readsPerPoll = 32,
}

/** Driver counters, indexes into `SlipNic.counters`. */
export const enum SlipCounter {
  framesReceived = 0,
  framesSent = 1,
  /** A frame longer than the MTU: discarded up to the next END. */
  rxOversize = 2,
  /** ESC followed by anything but ESC_END or ESC_ESC (line noise, a lost byte): the frame is discarded. */
  rxBadEscape = 3,
  /** A frame the stack handed over that exceeds the MTU. */
  txDropped = 4,
  COUNT = 5,
}

/**
 * SLIP (RFC 1055) over a UART: bare IPv4 packets, no link header, no ARP. Transmit escapes
 * END and ESC and wraps the packet in END bytes (the leading END flushes whatever noise the
 * line picked up since the last frame). poll() decodes whatever the UART has received into one
 * fixed frame buffer, across calls, and hands each complete packet to the sink. Runs of plain
 * bytes are found with the native indexOf and moved with hal.copy, so no JavaScript loop runs
 * per byte. A UART cannot tell whether anyone is listening at the far end, so the link is
 * always up: a pulled cable shows as lost packets, which TCP retransmits.
 */
export class SlipNic implements PolledNic {
  readonly mac = new Uint8Array(6);
  readonly ethernet = false;
  readonly counters = new Uint32Array(SlipCounter.COUNT);
  /** Worst case: every byte escaped, plus the two ENDs. */
  private readonly tx: Uint8Array;
  private readonly raw = new Uint8Array(Slip.readChunk);
  private readonly frame: Uint8Array;
  private frameLength = 0;
  /** The last byte read was ESC; the next one says which byte it stands for. */
  private escaped = false;
  /** The frame being received is already known bad: skip to the next END. */
  private discarding = false;

  constructor(private readonly uart: Uart, private readonly hal: Hal, readonly mtu: number) {
    this.tx = new Uint8Array(2 * mtu + 2);
    this.frame = new Uint8Array(mtu);
  }

  linkUp(): boolean {
    return true;
  }

  transmit(frame: Uint8Array, length: number): void {
    if (length > this.mtu || length > frame.length) {
      this.counters[SlipCounter.txDropped]++;
      return;
    }
    const tx = this.tx;
    const hal = this.hal;
    tx[0] = Slip.END;
    let out = 1;
    let position = 0;
    // indexOf searches past `length` into stale bytes, so a hit at or beyond it means none.
    let nextEnd = -1;
    let nextEsc = -1;
    while (position < length) {
      if (nextEnd < position) {
        nextEnd = frame.indexOf(Slip.END, position);
        if (nextEnd < 0 || nextEnd > length) nextEnd = length;
      }
      if (nextEsc < position) {
        nextEsc = frame.indexOf(Slip.ESC, position);
        if (nextEsc < 0 || nextEsc > length) nextEsc = length;
      }
      const special = nextEnd < nextEsc ? nextEnd : nextEsc;
      hal.copy(tx, out, frame, position, special - position);
      out += special - position;
      if (special === length) break;
      tx[out] = Slip.ESC;
      tx[out + 1] = special === nextEnd ? Slip.ESC_END : Slip.ESC_ESC;
      out += 2;
      position = special + 1;
    }
    tx[out++] = Slip.END;
    this.uart.write(tx, 0, out);
    this.counters[SlipCounter.framesSent]++;
  }

  poll(sink: FrameSink): number {
    const raw = this.raw;
    const frame = this.frame;
    const counters = this.counters;
    let delivered = 0;
    for (let reads = 0; reads < Slip.readsPerPoll; reads++) {
      const count = this.uart.read(raw, 0, Slip.readChunk);
      if (count <= 0) break;
      let position = 0;
      let nextEnd = -1;
      let nextEsc = -1;
      while (position < count) {
        if (this.escaped) {
          this.escaped = false;
          const byte = raw[position++];
          if (byte === Slip.ESC_END || byte === Slip.ESC_ESC) {
            if (this.frameLength < this.mtu) {
              frame[this.frameLength++] = byte === Slip.ESC_END ? Slip.END : Slip.ESC;
            } else if (!this.discarding) {
              this.discarding = true;
              counters[SlipCounter.rxOversize]++;
            }
          } else if (byte === Slip.END) {
            // An END right after ESC: the frame is garbled, but the END still ends it.
            counters[SlipCounter.rxBadEscape]++;
            this.frameLength = 0;
            this.discarding = false;
          } else if (!this.discarding) {
            this.discarding = true;
            counters[SlipCounter.rxBadEscape]++;
          }
          continue;
        }
        if (nextEnd < position) {
          nextEnd = raw.indexOf(Slip.END, position);
          if (nextEnd < 0 || nextEnd > count) nextEnd = count;
        }
        if (nextEsc < position) {
          nextEsc = raw.indexOf(Slip.ESC, position);
          if (nextEsc < 0 || nextEsc > count) nextEsc = count;
        }
        const special = nextEnd < nextEsc ? nextEnd : nextEsc;
        const run = special - position;
        if (!this.discarding && run > 0) {
          if (this.frameLength + run > this.mtu) {
            this.discarding = true;
            counters[SlipCounter.rxOversize]++;
          } else {
            this.hal.copy(frame, this.frameLength, raw, position, run);
            this.frameLength += run;
          }
        }
        position = special + 1;
        if (special === count) break;
        if (special === nextEsc) {
          this.escaped = true;
        } else {
          // Back-to-back ENDs (the leading END of each frame) make empty frames: not errors.
          if (!this.discarding && this.frameLength > 0) {
            counters[SlipCounter.framesReceived]++;
            delivered++;
            sink.input(frame, this.frameLength);
          }
          this.frameLength = 0;
          this.discarding = false;
        }
      }
    }
    return delivered;
  }
}
