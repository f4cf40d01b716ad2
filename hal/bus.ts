import { Nic } from './hal';

/**
 * The buses a NIC driver talks to. On a board these wrap the interpreter's SPI and Serial
 * objects (hal/espruino); in the simulator they lead to register-level chip models (sim/chips)
 * or a pseudo-terminal, so the same driver code runs in both.
 */

/** One SPI peripheral with its own chip select. */
export interface SpiBus {
  /**
   * One transaction with chip select held low throughout: shifts out data[offset..offset+length)
   * and overwrites those same bytes with what the chip shifted back.
   */
  transfer(data: Uint8Array, offset: number, length: number): void;
}

/** A serial port, buffered by its implementation on both sides. */
export interface Uart {
  /** Queues data[offset..offset+length) for sending. */
  write(data: Uint8Array, offset: number, length: number): void;
  /** Moves up to `length` received bytes into data at `offset`; returns how many (0 when none are waiting). */
  read(data: Uint8Array, offset: number, length: number): number;
}

/** Where a driver hands each received frame: Stack.input. */
export interface FrameSink {
  input(frame: Uint8Array, length: number): void;
}

/** A NIC whose received frames the board's loop collects by polling (an interrupt pin only hastens the poll). */
export interface PolledNic extends Nic {
  /** Hands every frame waiting in the chip to `sink`, in order; returns how many. Never throws. */
  poll(sink: FrameSink): number;
}

/**
 * Memory-mapped I/O: a peripheral's registers, and the bus addresses of buffers its DMA engine
 * reads and writes. On a board, peek32/poke32 and E.getAddressOf (hal/espruino/espruino-mmio.ts);
 * in the simulator a register-level chip model (sim/chips) that maps the same addresses.
 */
export interface Mmio {
  peek32(address: number): number;
  poke32(address: number, value: number): void;
  /**
   * The bus address of the array's first byte, which a DMA engine may use, or 0 when the array
   * has none (on the interpreter: its data is not one flat block).
   */
  addressOf(array: Uint8Array): number;
}
