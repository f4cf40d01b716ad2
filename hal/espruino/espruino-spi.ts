import { SpiBus } from '../bus';

/** The interpreter's SPI object (SPI1, SPI2 or `new SPI()`), already set up by the board with pins, baud and mode. @external */
export interface EspruinoSpiPort {
  /** Shifts `data` out with `cs` held low and returns what came back, as a new array of the same type. */
  send(data: Uint8Array, cs: unknown): Uint8Array;
}

const enum ViewCache {
  /** Distinct (buffer, offset, length) transfers remembered; drivers use a handful (register reads and writes of 1-3 sizes, frames). */
  size = 8,
}

/**
 * SpiBus over the interpreter's SPI: one `send` per transaction with the chip select pin, so the
 * native code toggles it around the whole transfer. `send` returns a fresh array (the interpreter
 * offers no in-place transfer); its bytes are copied back with a native `set`. The view of
 * data[offset..offset+length) that `send` needs is cached per buffer, offset and length, so
 * the register traffic of a driver, which repeats the same few shapes, makes no new views.
 */
export class EspruinoSpi implements SpiBus {
  private readonly buffers: (Uint8Array | null)[] = [];
  private readonly views: (Uint8Array | null)[] = [];
  private readonly offsets = new Int32Array(ViewCache.size);
  private readonly lengths = new Int32Array(ViewCache.size);
  private nextSlot = 0;

  constructor(private readonly spi: EspruinoSpiPort, private readonly cs: unknown) {
    for (let i = 0; i < ViewCache.size; i++) {
      this.buffers.push(null);
      this.views.push(null);
    }
  }

  transfer(data: Uint8Array, offset: number, length: number): void {
    let view: Uint8Array | null = null;
    for (let i = 0; i < ViewCache.size; i++) {
      if (this.buffers[i] === data && this.offsets[i] === offset && this.lengths[i] === length) {
        view = this.views[i];
        break;
      }
    }
    if (view === null) {
      view = offset === 0 && length === data.length ? data : data.subarray(offset, offset + length);
      const slot = this.nextSlot;
      this.nextSlot = (slot + 1) % ViewCache.size;
      this.buffers[slot] = data;
      this.views[slot] = view;
      this.offsets[slot] = offset;
      this.lengths[slot] = length;
    }
    data.set(this.spi.send(view, this.cs), offset);
  }
}
