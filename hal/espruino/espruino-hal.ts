import { Hal, HeapMemory } from '../hal';
import { withNodeFallback } from '../../firmware/features';

/*
 * The interpreter's globals this file uses, declared here rather than taken from @types/espruino
 * (which lacks process.memory and console, and collides with @types/node): the file then
 * type-checks in the bundle build, in the Node build that a board file pulls it into, and in tests.
 */
declare const E: { sum(values: Uint16Array): number; hwRand(): number; toString(bytes: Uint8Array): string; toUint8Array(text: string): Uint8Array };
declare function getTime(): number;
declare const process: { memory(): HeapMemory };
declare const console: { log(line: string): void };

const enum Tuning {
  /**
   * Below this many bytes a JavaScript loop beats making a Uint16Array view for E.sum: a loop
   * step costs about 10 µs on the interpreter and the view plus the native call about 70 µs
   * (ESPRUINO.md: 1500 bytes at 135/s by loop, 13,100/s through E.sum).
   */
  nativeSumMinBytes = 16,
  /** What memory() reports under Node, where the interpreter's heap does not exist: 16 MB, all free. */
  nodeVariables = 1 << 20,
  nodeBlocksize = 16,
}

/**
 * The HAL on the Espruino interpreter: getTime, E.hwRand, E.sum over a Uint16Array view for
 * checksums, typed-array set for copies, process.memory for the heap. The self-test's bundle also
 * runs under Node (`node dist/selftest.js`), where `E` is undefined: that is detected once here,
 * and plain JavaScript is used instead; a board's bundle leaves those stand-ins out
 * (firmware/features.ts, withNodeFallback). All Espruino targets are little-endian, which the
 * checksum relies on.
 */
export class EspruinoHal implements Hal {
  /** false under Node, where each method falls back to plain JavaScript. */
  private readonly native: boolean;

  constructor() {
    this.native = typeof E !== 'undefined';
  }

  now(): number {
    return withNodeFallback && !this.native ? Date.now() : getTime() * 1000;
  }

  random32(): number {
    return withNodeFallback && !this.native ? (Math.random() * 4294967296) >>> 0 : E.hwRand() >>> 0;
  }

  /**
   * A ones'-complement sum does not depend on byte order (RFC 1071): E.sum over little-endian
   * words aligned with our big-endian pairing gives the byte-swapped sum, and over words
   * shifted by one byte (an odd start) gives the sum itself. The bytes a view cannot cover,
   * an odd first and an odd last one, are added by hand.
   */
  checksum(buf: Uint8Array, offset: number, length: number, initial: number): number {
    let sum = initial;
    if ((withNodeFallback && !this.native) || length < Tuning.nativeSumMinBytes) {
      const end = offset + (length & ~1);
      for (let i = offset; i < end; i += 2) sum += (buf[i] << 8) | buf[i + 1];
      if (length & 1) sum += buf[offset + length - 1] << 8;
    } else {
      const oddStart = (buf.byteOffset + offset) & 1;
      if (oddStart) sum += buf[offset] << 8;
      const first = offset + oddStart;
      const words = (length - oddStart) >> 1;
      const last = first + words * 2;
      if (last < offset + length) sum += buf[last] << (oddStart ? 0 : 8);
      const total = E.sum(new Uint16Array(buf.buffer, buf.byteOffset + first, words));
      // % 65535 keeps any size exact; a non-zero multiple of 65535 is ones'-complement 0xffff.
      let folded = total % 65535;
      if (folded === 0 && total !== 0) folded = 0xffff;
      sum += oddStart ? folded : ((folded & 0xff) << 8) | (folded >>> 8);
    }
    sum = (sum & 0xffff) + (sum >>> 16);
    sum = (sum & 0xffff) + (sum >>> 16);
    return sum;
  }

  copy(dst: Uint8Array, dstOffset: number, src: Uint8Array, srcOffset: number, length: number): void {
    dst.set(src.subarray(srcOffset, srcOffset + length), dstOffset);
  }

  text(buf: Uint8Array, offset: number, length: number): string {
    const bytes = buf.subarray(offset, offset + length);
    return withNodeFallback && !this.native ? String.fromCharCode.apply(null, bytes as unknown as number[]) : E.toString(bytes);
  }

  bytes(text: string): Uint8Array {
    if (!withNodeFallback || this.native) return E.toUint8Array(text);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return bytes;
  }

  /** On a board this also runs the garbage collector, so only the heap watchdog's interval calls it. */
  memory(): HeapMemory {
    return withNodeFallback && !this.native ? { free: Tuning.nodeVariables, total: Tuning.nodeVariables, blocksize: Tuning.nodeBlocksize } : process.memory();
  }

  log(line: string): void {
    console.log(line);
  }
}
