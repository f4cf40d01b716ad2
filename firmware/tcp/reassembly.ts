import { Arena, Cut } from '../../hal/arena';
/**
 * The out-of-order assembler: which sequence ranges beyond rcv.nxt each slot already holds in
 * its receive ring (the bytes themselves sit in the ring at their offset). At most `perSlot`
 * ranges per slot, kept sorted, disjoint and non-adjacent, as absolute sequence numbers
 * [start, end); every comparison is made relative to rcv.nxt so that wraparound is harmless.
 * The sender's SACK scoreboard is the same structure relative to snd.una: the ranges the peer
 * reported holding beyond it.
 */
export class Reassembly {
  readonly start: Uint32Array;
  readonly end: Uint32Array;
  /** Ranges held per slot; 0 means no hole. */
  readonly count: Uint8Array;
  /** First sequence number of the latest range added: the receiver's first SACK block is the range holding it (RFC 2018 4). */
  readonly latest: Uint32Array;

  constructor(slots: number, readonly perSlot: number) {
    const arena = new Arena(4 * (2 * slots * perSlot + slots) + slots);
    this.start = arena.cut(Cut.U32, slots * perSlot);
    this.end = arena.cut(Cut.U32, slots * perSlot);
    this.latest = arena.cut(Cut.U32, slots);
    this.count = arena.cut(Cut.U8, slots);
  }

  /**
   * Records [first, last) (both beyond rcvNxt), merging with every range it touches. Returns
   * false, changing nothing, when it would need a range and all are taken.
   */
  add(slot: number, first: number, last: number, rcvNxt: number): boolean {
    const start = this.start;
    const end = this.end;
    const base = slot * this.perSlot;
    const n = this.count[slot];
    let low = (first - rcvNxt) >>> 0;
    let high = (last - rcvNxt) >>> 0;
    let i = 0;
    while (i < n && ((end[base + i] - rcvNxt) >>> 0) < low) i++;
    let j = i;
    while (j < n && ((start[base + j] - rcvNxt) >>> 0) <= high) {
      const s = (start[base + j] - rcvNxt) >>> 0;
      const e = (end[base + j] - rcvNxt) >>> 0;
      if (s < low) low = s;
      if (e > high) high = e;
      j++;
    }
    const merged = j - i;
    if (merged === 0) {
      if (n === this.perSlot) return false;
      for (let k = n; k > i; k--) {
        start[base + k] = start[base + k - 1];
        end[base + k] = end[base + k - 1];
      }
      this.count[slot] = n + 1;
    } else if (merged > 1) {
      for (let k = j; k < n; k++) {
        start[base + k - merged + 1] = start[base + k];
        end[base + k - merged + 1] = end[base + k];
      }
      this.count[slot] = n - merged + 1;
    }
    start[base + i] = (rcvNxt + low) >>> 0;
    end[base + i] = (rcvNxt + high) >>> 0;
    this.latest[slot] = first;
    return true;
  }

  /**
   * Removes the ranges that in-order data has reached (start at or before rcvNxt) and returns
   * how far the in-order edge moves past rcvNxt because of them.
   */
  advance(slot: number, rcvNxt: number): number {
    const start = this.start;
    const end = this.end;
    const base = slot * this.perSlot;
    let n = this.count[slot];
    let edge = rcvNxt;
    while (n > 0 && ((start[base] - edge) | 0) <= 0) {
      if (((end[base] - edge) | 0) > 0) edge = end[base];
      n--;
      for (let k = 0; k < n; k++) {
        start[base + k] = start[base + k + 1];
        end[base + k] = end[base + k + 1];
      }
    }
    this.count[slot] = n;
    return (edge - rcvNxt) >>> 0;
  }

  /** Bytes the slot's ranges cover. */
  held(slot: number): number {
    const base = slot * this.perSlot;
    let total = 0;
    for (let k = 0; k < this.count[slot]; k++) total += (this.end[base + k] - this.start[base + k]) >>> 0;
    return total;
  }
}
