import { Hal } from '../../hal/hal';

/** SYN-cookie layout and timing. */
export const enum Cookie {
  /** One counter period, ms: a cookie is accepted in the period it was made and the next. */
  period = 64000,
  counterShift = 27,
  counterMask = 31,
  mssShift = 24,
  mssMask = 7,
  hashMask = 0xffffff,
}

/**
 * MSS values a cookie can encode, ascending; the 3-bit index in a cookie selects one. The first
 * is TcpLimit.MIN_PEER_MSS, below which a SYN is refused, so a cookie never promises more than the peer offered.
 */
export const cookieMss: number[] = [48, 216, 536, 1200, 1360, 1400, 1440, 1460];

/** Largest index whose cookieMss is <= mss (0 if none). */
export function cookieMssIndex(mss: number): number {
  let index = cookieMss.length - 1;
  while (index > 0 && cookieMss[index] > mss) index--;
  return index;
}

/**
 * HalfSipHash-2-4 with a 32-bit output, as in the reference implementation (veorq/SipHash,
 * halfsiphash.c). The key is key[keyOffset], key[keyOffset + 1] (little-endian words of the
 * 8 key bytes); the message is `byteLength` bytes packed little-endian into `message` words,
 * bytes of a partial last word beyond byteLength ignored. Only add, rotate and xor on int32
 * values, which the interpreter computes exactly as V8 does. One loop with one round body
 * (each message block gets 2 rounds, then a zero block with v2 ^= 0xff gets the 4
 * finalization rounds) keeps this to a single function.
 */
export function halfSipHash(key: Uint32Array, keyOffset: number, message: Uint32Array, byteLength: number): number {
  const k0 = key[keyOffset] | 0;
  const k1 = key[keyOffset + 1] | 0;
  let v0 = k0;
  let v1 = k1;
  let v2 = k0 ^ 0x6c796765;
  let v3 = k1 ^ 0x74656462;
  const fullWords = byteLength >>> 2;
  const left = byteLength & 3;
  const lastBlock = (byteLength << 24) | (left === 0 ? 0 : message[fullWords] & ((1 << (left << 3)) - 1));
  for (let block = 0; block <= fullWords + 1; block++) {
    let m = 0;
    let rounds = 2;
    if (block < fullWords) m = message[block] | 0;
    else if (block === fullWords) m = lastBlock;
    else {
      v2 ^= 0xff;
      rounds = 4;
    }
    v3 ^= m;
    for (let round = 0; round < rounds; round++) {
      v0 = (v0 + v1) | 0;
      v1 = (v1 << 5) | (v1 >>> 27);
      v1 ^= v0;
      v0 = (v0 << 16) | (v0 >>> 16);
      v2 = (v2 + v3) | 0;
      v3 = (v3 << 8) | (v3 >>> 24);
      v3 ^= v2;
      v0 = (v0 + v3) | 0;
      v3 = (v3 << 7) | (v3 >>> 25);
      v3 ^= v0;
      v2 = (v2 + v1) | 0;
      v1 = (v1 << 13) | (v1 >>> 19);
      v1 ^= v2;
      v2 = (v2 << 16) | (v2 >>> 16);
    }
    v0 ^= m;
  }
  return (v1 ^ v3) >>> 0;
}

/**
 * Keyed hashing for initial sequence numbers (RFC 6528) and SYN cookies. Two independent
 * 64-bit keys drawn at boot: one for ISNs, one for cookies, so that a cookie reveals nothing
 * about the ISN offsets of other connections. Nothing is allocated per call.
 */
export class SequenceSecrets {
  /** ISN key in words 0-1, cookie key in words 2-3. */
  private readonly keys = new Uint32Array(4);
  /** localIp, remoteIp, ports, peerIsn, counter, MSS index: the longest message hashed. */
  private readonly message = new Uint32Array(6);

  constructor(hal: Hal) {
    for (let i = 0; i < 4; i++) this.keys[i] = hal.random32(true);
  }

  /** RFC 6528: ISN = M + F(localIp, localPort, remoteIp, remotePort, key), M a 4-microsecond clock = now(ms) * 250, wrapped to u32. */
  isn(localIp: number, localPort: number, remoteIp: number, remotePort: number, now: number): number {
    const message = this.message;
    message[0] = localIp;
    message[1] = remoteIp;
    message[2] = (localPort << 16) | (remotePort & 0xffff);
    return ((now * 250) + halfSipHash(this.keys, 0, message, 12)) >>> 0;
  }

  /**
   * SYN cookie to use as our ISS when the SYN queue is full: top 5 bits a 64-second time
   * counter, next 3 bits an index into cookieMss, low 24 bits a keyed hash of (4-tuple,
   * peerIsn, full counter, MSS index). The hash covers the full counter, not only its 5 bits,
   * so a cookie cannot be replayed when the 5-bit counter comes round again, and it covers
   * the MSS index, so those 3 bits cannot be altered either.
   */
  cookie(localIp: number, localPort: number, remoteIp: number, remotePort: number, peerIsn: number, mssIndex: number, now: number): number {
    const counter = (now / Cookie.period) >>> 0;
    const message = this.message;
    message[0] = localIp;
    message[1] = remoteIp;
    message[2] = (localPort << 16) | (remotePort & 0xffff);
    message[3] = peerIsn;
    message[4] = counter;
    message[5] = mssIndex & Cookie.mssMask;
    return (
      (((counter & Cookie.counterMask) << Cookie.counterShift) |
        ((mssIndex & Cookie.mssMask) << Cookie.mssShift) |
        (halfSipHash(this.keys, 2, message, 24) & Cookie.hashMask)) >>>
      0
    );
  }

  /** For the ACK completing a cookie handshake: cookie = ack - 1, peerIsn = seq - 1. Returns the MSS index when valid and made in the current or previous counter period, else -1. */
  checkCookie(localIp: number, localPort: number, remoteIp: number, remotePort: number, peerIsn: number, cookie: number, now: number): number {
    const current = (now / Cookie.period) >>> 0;
    const cookieCounter = cookie >>> Cookie.counterShift;
    const mssIndex = (cookie >>> Cookie.mssShift) & Cookie.mssMask;
    // The current and previous periods differ in their low 5 bits, so at most one can match.
    let made = current;
    if (cookieCounter !== (current & Cookie.counterMask)) {
      if (current === 0 || cookieCounter !== ((current - 1) & Cookie.counterMask)) return -1;
      made = current - 1;
    }
    const expected = this.cookie(localIp, localPort, remoteIp, remotePort, peerIsn, mssIndex, made * Cookie.period);
    return expected === cookie >>> 0 ? mssIndex : -1;
  }
}
