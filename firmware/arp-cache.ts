import { Hal } from '../hal/hal';
import { Stat } from './stats';
import { MemoryReport } from './memory-report';
import { EthernetField } from './wire/ethernet';
import { Arena, Cut } from '../hal/arena';

export const enum ArpState {
  FREE = 0,
  /** A request is out; frames for this address wait in the pending buffers. */
  RESOLVING = 1,
  RESOLVED = 2,
}

/**
 * The neighbour table (RFC 826) and the frames waiting for it, as fixed struct-of-arrays
 * indexed by entry and by pending buffer. The protocol (requests, replies, retries) lives in
 * NetworkInterface; this class only keeps the records and picks what to evict. The arrays are
 * public so that the console can list entries (ip, mac, state, age).
 */
export class ArpCache {
  readonly size: number;
  readonly ip: Uint32Array;
  /** Six bytes per entry, entry * 6 onwards. */
  readonly mac: Uint8Array;
  readonly state: Uint8Array;
  /** Requests repeated so far while RESOLVING. */
  readonly retries: Uint8Array;
  /** Last confirmation (RESOLVED) or last request (RESOLVING), milliseconds modulo 2^32. */
  readonly updated: Uint32Array;
  /** Last time a frame went out through the entry: the least recently used one is evicted. */
  readonly used: Uint32Array;
  /** Whole link frames held while their next hop resolves; length 0 marks a free buffer. */
  readonly pending: Uint8Array[];
  readonly pendingLength: Uint16Array;
  readonly pendingIp: Uint32Array;
  /**
   * Arrival order, so that frames for one next hop leave in the order they were sent: one past the
   * newest frame still held, so no counter is kept between frames (as a property, a count past a
   * few thousand would cost the interpreter a variable of its own).
   */
  private readonly pendingOrder: Uint32Array;

  constructor(entries: number, pendingFrames: number, frameSize: number, private readonly hal: Hal, private readonly stats: Uint32Array) {
    this.size = entries;
    const arena = new Arena(4 * (3 * entries + 2 * pendingFrames) + 2 * pendingFrames + entries * (EthernetField.MAC_LENGTH + 2));
    this.ip = arena.cut(Cut.U32, entries);
    this.updated = arena.cut(Cut.U32, entries);
    this.used = arena.cut(Cut.U32, entries);
    this.pendingIp = arena.cut(Cut.U32, pendingFrames);
    this.pendingOrder = arena.cut(Cut.U32, pendingFrames);
    this.pendingLength = arena.cut(Cut.U16, pendingFrames);
    this.mac = arena.cut(Cut.U8, entries * EthernetField.MAC_LENGTH);
    this.state = arena.cut(Cut.U8, entries);
    this.retries = arena.cut(Cut.U8, entries);
    this.pending = [];
    for (let i = 0; i < pendingFrames; i++) this.pending.push(new Uint8Array(frameSize));
  }

  /** The entry for `ip` in any state but FREE, or -1. */
  find(ip: number): number {
    for (let entry = 0; entry < this.size; entry++) {
      if (this.state[entry] !== ArpState.FREE && this.ip[entry] === ip) return entry;
    }
    return -1;
  }

  /**
   * A RESOLVING entry for `ip` (not already present): a free one, else the least recently used
   * one is evicted (Stat.arpCacheEvictions) together with any frames it was holding.
   */
  claim(ip: number, now: number): number {
    let victim = 0;
    let victimAge = -1;
    for (let entry = 0; entry < this.size; entry++) {
      if (this.state[entry] === ArpState.FREE) {
        victim = entry;
        victimAge = -1;
        break;
      }
      const age = (now - this.used[entry]) >>> 0;
      if (age > victimAge) {
        victim = entry;
        victimAge = age;
      }
    }
    if (victimAge >= 0) {
      this.stats[Stat.arpCacheEvictions]++;
      if (this.state[victim] === ArpState.RESOLVING) this.dropPending(this.ip[victim]);
    }
    this.ip[victim] = ip;
    this.state[victim] = ArpState.RESOLVING;
    this.retries[victim] = 0;
    this.updated[victim] = now;
    this.used[victim] = now;
    return victim;
  }

  /** Milliseconds since the entry was confirmed (RESOLVED) or last requested (RESOLVING). */
  age(entry: number, now: number): number {
    return (now - this.updated[entry]) >>> 0;
  }

  /** Copies frame[0..length) into a free pending buffer for next hop `ip`; false when none is free. */
  hold(frame: Uint8Array, length: number, ip: number): boolean {
    const lengths = this.pendingLength;
    const orders = this.pendingOrder;
    let free = -1;
    let order = 0;
    for (let i = 0; i < lengths.length; i++) {
      if (lengths[i] === 0) free = i;
      else if (((orders[i] + 1 - order) | 0) > 0) order = orders[i] + 1;
    }
    if (free < 0) return false;
    this.hal.copy(this.pending[free], 0, frame, 0, length);
    lengths[free] = length;
    this.pendingIp[free] = ip;
    orders[free] = order;
    return true;
  }

  /** The oldest pending buffer held for `ip`, or -1. The caller frees it by zeroing pendingLength. */
  nextPending(ip: number): number {
    let oldest = -1;
    for (let i = 0; i < this.pending.length; i++) {
      if (this.pendingLength[i] !== 0 && this.pendingIp[i] === ip &&
        (oldest < 0 || ((this.pendingOrder[i] - this.pendingOrder[oldest]) | 0) < 0)) oldest = i;
    }
    return oldest;
  }

  /** Frees every buffer held for `ip`, each counted in Stat.arpQueueDrops. */
  dropPending(ip: number): void {
    for (let i = 0; i < this.pending.length; i++) {
      if (this.pendingLength[i] !== 0 && this.pendingIp[i] === ip) {
        this.pendingLength[i] = 0;
        this.stats[Stat.arpQueueDrops]++;
      }
    }
  }

  reportMemory(report: MemoryReport): void {
    // The pending frames' records share the cache's arena; they are counted with the frames.
    let pendingBytes = 10 * this.pending.length;
    for (let i = 0; i < this.pending.length; i++) pendingBytes += this.pending[i].byteLength;
    report['arp.cache'] = this.ip.buffer.byteLength - 10 * this.pending.length;
    report['arp.pending'] = pendingBytes;
  }
}
