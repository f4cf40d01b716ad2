import { randomBytes } from 'crypto';
import { Hal, HeapMemory } from '../hal/hal';

/**
 * The HAL on Node: time from the simulator's virtual clock, a seeded random source so a run
 * can be replayed, plain loops for checksum (V8 compiles them well) and typed-array copies.
 * Secrets (the ISN and SYN-cookie keys) come from Node's crypto, so one seed does not give two
 * runs the same sequence numbers, unless `replaySecrets` asks for them from the seed too.
 * Free memory is an emulated budget that tests move to drive the heap watchdog.
 */
export class NodeHal implements Hal {
  freeBytes = 1 << 20;
  totalBytes = 1 << 20;
  private seed: number;
  readonly lines: string[] = [];
  /** Also hands each log line here when set (a terminal, or the console prompt's print). */
  echo: ((line: string) => void) | null = null;

  constructor(private readonly clock: { now(): number }, seed: number, private readonly replaySecrets = false) {
    this.seed = seed >>> 0 || 1;
  }

  now(): number {
    return this.clock.now();
  }

  /**
   * xorshift32: deterministic per seed, which is what replayable simulations need. A secret
   * still advances it, so every other value a seed gives stays the same.
   */
  random32(secret?: boolean): number {
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    return secret && !this.replaySecrets ? randomBytes(4).readUInt32LE(0) : this.seed;
  }

  checksum(buf: Uint8Array, offset: number, length: number, initial: number): number {
    let sum = initial;
    const end = offset + (length & ~1);
    for (let i = offset; i < end; i += 2) sum += (buf[i] << 8) | buf[i + 1];
    if (length & 1) sum += buf[offset + length - 1] << 8;
    sum = (sum & 0xffff) + (sum >>> 16);
    sum = (sum & 0xffff) + (sum >>> 16);
    return sum;
  }

  copy(dst: Uint8Array, dstOffset: number, src: Uint8Array, srcOffset: number, length: number): void {
    dst.set(src.subarray(srcOffset, srcOffset + length), dstOffset);
  }

  text(buf: Uint8Array, offset: number, length: number): string {
    return Buffer.from(buf.buffer, buf.byteOffset + offset, length).toString('latin1');
  }

  bytes(text: string): Uint8Array {
    return new Uint8Array(Buffer.from(text, 'latin1'));
  }

  /** The emulated budget, counted in bytes (one-byte variables): `freeBytes` of `totalBytes` free. */
  memory(): HeapMemory {
    return { free: this.freeBytes, total: this.totalBytes, blocksize: 1 };
  }

  log(line: string): void {
    if (this.lines.length >= 1000) this.lines.shift();
    this.lines.push(line);
    if (this.echo) this.echo(line);
  }
}
