/**
 * What the firmware needs from the platform. The firmware sees only these interfaces; an
 * implementation for the Espruino interpreter lives in hal/espruino, one for Node in sim/.
 * Every method here may be called on the per-packet path, so implementations must not
 * allocate per call and must use the platform's native bulk operations.
 */

/** A network interface that carries whole frames (Ethernet) or bare IPv4 packets (SLIP). */
export interface Nic {
  /** 6-byte MAC address; all zeros on an IP-only link. */
  readonly mac: Uint8Array;
  /** true when frames carry an Ethernet II header, false for IP-only links such as SLIP. */
  readonly ethernet: boolean;
  /** Largest IP packet the link carries (1500 on Ethernet). */
  readonly mtu: number;
  /**
   * Transmits frame[0..length). The driver must copy or send before returning: the stack
   * reuses the same buffer for the next frame.
   */
  transmit(frame: Uint8Array, length: number): void;
  /** false while the link is down (cable out, chip not ready). */
  linkUp(): boolean;
}

/** Variables free and in all, and the bytes one takes: process.memory()'s own fields. @external */
export interface HeapMemory {
  free: number;
  total: number;
  blocksize: number;
}

export interface Hal {
  /** Milliseconds since an arbitrary origin, monotonic. */
  now(): number;
  /**
   * A uniformly random 32-bit unsigned integer (hardware RNG on a board). `secret`: the value
   * keys a hash an attacker must not predict (ISNs, SYN cookies), so it comes from the platform's
   * real random source even where the rest is seeded so that a run can be replayed.
   */
  random32(secret?: boolean): number;
  /**
   * Ones'-complement sum (RFC 1071) of buf[offset..offset+length), big-endian 16-bit words,
   * an odd last byte padded with zero, added to `initial` (a folded 16-bit partial sum).
   * Returns the folded, not inverted, 16-bit sum.
   */
  checksum(buf: Uint8Array, offset: number, length: number, initial: number): number;
  /** dst[dstOffset..] = src[srcOffset..srcOffset+length), regions may belong to the same buffer but do not overlap. */
  copy(dst: Uint8Array, dstOffset: number, src: Uint8Array, srcOffset: number, length: number): void;
  /**
   * buf[offset..offset+length) as a string of one character per byte, and back: how bytes meet the
   * interpreter's string APIs (NetworkJS, a socket's 'binary' encoding). Natively on a board
   * (String.fromCharCode.apply takes at most 256 arguments there).
   */
  text(buf: Uint8Array, offset: number, length: number): string;
  bytes(text: string): Uint8Array;
  /**
   * The interpreter's variable pool (process.memory() on a board, which collects garbage first;
   * an emulated budget in the simulator). Free bytes are free * blocksize.
   */
  memory(): HeapMemory;
  /** One line of console diagnostics. */
  log(line: string): void;
}
