/**
 * xoshiro128** (Blackman and Vigna). The seed is spread over the 128-bit state by a Weyl
 * sequence through MurmurHash3's finaliser, a bijection, so nearby seeds give unrelated
 * streams and the state is never all zeros. Every random choice in the simulator comes from one of these, so a run
 * replays exactly from its seed.
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let state = seed >>> 0;
    const words = new Uint32Array(4);
    for (let i = 0; i < 4; i++) {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      words[i] = z ^ (z >>> 16);
    }
    this.a = words[0];
    this.b = words[1];
    this.c = words[2];
    this.d = words[3];
  }

  /** A uniformly random unsigned 32-bit integer. */
  uint32(): number {
    const b = this.b;
    const scrambled = Math.imul(rotateLeft(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    this.c ^= this.a;
    this.d ^= b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotateLeft(this.d, 11);
    return scrambled;
  }

  /** A uniformly random number in [0, 1). */
  next(): number {
    return this.uint32() / 0x100000000;
  }

  /** A uniformly random integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

function rotateLeft(x: number, bits: number): number {
  return (x << bits) | (x >>> (32 - bits));
}
