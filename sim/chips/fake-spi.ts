import { SpiBus } from '../../hal/bus';

/** A register-level chip model: sees each SPI transaction whole, as the chip sees chip select low to high. */
export interface SpiChipModel {
  /**
   * One transaction: reads the bytes the host shifted out from data[offset..offset+length) and
   * overwrites them with what the chip shifts back, exactly as SpiBus.transfer promises.
   */
  transaction(data: Uint8Array, offset: number, length: number): void;
}

/**
 * The simulator's SPI bus: hands every transfer to a chip model, and counts transactions and
 * bytes so tests can measure what a driver costs on the wire. A transfer outside the buffer is
 * a driver bug and throws, since no board would survive it either.
 */
export class FakeSpi implements SpiBus {
  transactions = 0;
  bytes = 0;

  constructor(readonly chip: SpiChipModel) {}

  transfer(data: Uint8Array, offset: number, length: number): void {
    if (!(offset >= 0 && length >= 0 && offset + length <= data.length)) {
      throw new RangeError('FakeSpi: transfer of ' + length + ' bytes at ' + offset + ' outside a buffer of ' + data.length);
    }
    this.transactions++;
    this.bytes += length;
    this.chip.transaction(data, offset, length);
  }
}
