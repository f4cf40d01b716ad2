import { SpiBus } from '../bus';

/** The interpreter's SPI object (SPI1, SPI2 or `new SPI()`), already set up by the board with pins, baud and mode. @external */
export interface EspruinoSpiPort {
  /** Shifts `data` out with `cs` held low and returns what came back, as a new array of the same type. */
  send(data: Uint8Array, cs: unknown): Uint8Array;
}

/**
 * SpiBus over the interpreter's SPI: one `send` per transaction with the chip select pin, so the
 * native code toggles it around the whole transfer. `send` returns a fresh array (the interpreter
 * offers no in-place transfer); its bytes are copied back with a native `set`. A transfer of
 * part of a buffer sends a view of that part. Views are not cached: the interpreter allocates
 * the reply array of every transfer anyway, and telling a cached buffer from another would take
 * `===`, which on the interpreter compares typed arrays element by element (2v29,
 * jsvMathsOpTypeEqual): about 7 ms for a 1,520-byte frame buffer on the Linux build.
 */
export class EspruinoSpi implements SpiBus {
  constructor(private readonly spi: EspruinoSpiPort, private readonly cs: unknown) {}

  transfer(data: Uint8Array, offset: number, length: number): void {
    data.set(this.spi.send(offset === 0 && length === data.length ? data : data.subarray(offset, offset + length), this.cs), offset);
  }
}
