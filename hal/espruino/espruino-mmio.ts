import { Mmio } from '../bus';

/* The interpreter's register and address natives (src/jswrap_io.c jswrap_io_peek/poke; src/jswrap_espruino.c
 * jswrap_espruino_getAddressOf, which returns jsvGetDataPointer's address of a flat string's data and 0 otherwise). */
declare function peek32(address: number): number;
declare function poke32(address: number, value: number): void;
declare const E: { getAddressOf(value: unknown, flatAddress: boolean): number };

/**
 * Mmio on a board: peek32/poke32 reach the chip's registers, E.getAddressOf(array, true) the bus
 * address of a typed array's data. On the interpreter's Linux build these touch the process's own
 * memory, so a board file uses this only once it knows it is on its chip.
 */
export class EspruinoMmio implements Mmio {
  peek32(address: number): number {
    return peek32(address) >>> 0;
  }

  poke32(address: number, value: number): void {
    poke32(address, value);
  }

  addressOf(array: Uint8Array): number {
    return E.getAddressOf(array, true) >>> 0;
  }
}
