import { Stat } from '../stats';
import { Arena, Cut } from '../../hal/arena';

/** Indices into TimeWaitTable.recycledAge, ms; -1 until a record has been recycled. */
export const enum RecycledAge {
  /** The age of the most recently recycled record. */
  LAST = 0,
  /** The smallest since creation. */
  MIN = 1,
  COUNT = 2,
}

/**
 * TIME_WAIT without sockets: a fixed ring of compact records (20 bytes each) that outlive the
 * socket slot they came from. The duration is constant, so insertion order is expiry order:
 * the oldest record is at the head, expiry pops the head, and inserting into a full table
 * recycles the head. Under churn the effective TIME_WAIT shrinks to capacity / rate; the age
 * of each recycled record is recorded so that this shows on the console.
 *
 * A removed record is marked dead with local port 0 (never a valid connection port) and left
 * in place as a hole; holes reaching the head are dropped, and the others are squeezed out when
 * an insert finds the ring full. Every position that holds no live record has port 0, so
 * remove() there does nothing. Indices returned by find/first/next stay valid until the next
 * insert, expire or shed (an insert may move records to squeeze holes out).
 */
export class TimeWaitTable {
  /** Live records. */
  count = 0;
  /**
   * How long recycled records had spent in the table (RecycledAge). A typed array, not two
   * properties: on the interpreter an age past a few thousand ms would cost each property a variable.
   */
  readonly recycledAge: Int32Array;
  readonly remoteIp: Uint32Array;
  readonly localPort: Uint16Array;
  readonly remotePort: Uint16Array;
  readonly sndNxt: Uint32Array;
  readonly rcvNxt: Uint32Array;
  /** (insertion time + duration) wrapped to u32: expired when ((expiry - now) | 0) <= 0. */
  readonly expiry: Uint32Array;
  /** Ring position of the oldest record; it is live whenever `used` > 0. */
  private head = 0;
  /** Ring positions from the head that hold a record, live or dead. */
  private used = 0;

  constructor(readonly capacity: number, private readonly duration: number, private readonly stats: Uint32Array) {
    const arena = new Arena(4 * RecycledAge.COUNT + capacity * (4 * 4 + 2 * 2));
    const ages = arena.cut(Cut.I32, RecycledAge.COUNT);
    ages[RecycledAge.LAST] = ages[RecycledAge.MIN] = -1;
    this.recycledAge = ages;
    this.remoteIp = arena.cut(Cut.U32, capacity);
    this.sndNxt = arena.cut(Cut.U32, capacity);
    this.rcvNxt = arena.cut(Cut.U32, capacity);
    this.expiry = arena.cut(Cut.U32, capacity);
    this.localPort = arena.cut(Cut.U16, capacity);
    this.remotePort = arena.cut(Cut.U16, capacity);
  }

  /**
   * Adds a record expiring at now + duration. Returns true when it had to recycle a live
   * record (the oldest) to make room. A local port of 0 is not a connection and is ignored.
   */
  insert(remoteIp: number, localPort: number, remotePort: number, sndNxt: number, rcvNxt: number, now: number): boolean {
    if (localPort === 0) return false;
    const capacity = this.capacity;
    const ports = this.localPort;
    let recycled = false;
    if (this.used === capacity) {
      if (this.count < capacity) {
        // Squeeze the holes out, oldest first, so the new record can still go at the tail.
        let write = this.head;
        let read = this.head;
        for (let n = 0; n < capacity; n++) {
          if (ports[read] !== 0) {
            if (write !== read) {
              this.remoteIp[write] = this.remoteIp[read];
              ports[write] = ports[read];
              this.remotePort[write] = this.remotePort[read];
              this.sndNxt[write] = this.sndNxt[read];
              this.rcvNxt[write] = this.rcvNxt[read];
              this.expiry[write] = this.expiry[read];
              ports[read] = 0;
            }
            if (++write === capacity) write = 0;
          }
          if (++read === capacity) read = 0;
        }
        this.used = this.count;
      } else {
        // Full of live records: the oldest gives way (counted, with its age), never the new one,
        // whose peer is the likeliest to still send old duplicates; the closing socket never waits.
        const head = this.head;
        const remaining = (this.expiry[head] - now) | 0;
        if (remaining <= 0) {
          this.stats[Stat.twExpired]++;
        } else {
          const age = this.duration - remaining;
          const ages = this.recycledAge;
          ages[RecycledAge.LAST] = age;
          if (ages[RecycledAge.MIN] < 0 || age < ages[RecycledAge.MIN]) ages[RecycledAge.MIN] = age;
          this.stats[Stat.twRecycled]++;
          recycled = true;
        }
        // A full ring with every record live has no holes, so the next head is live too.
        ports[head] = 0;
        this.head = head + 1 === capacity ? 0 : head + 1;
        this.used--;
        this.count--;
      }
    }
    let tail = this.head + this.used;
    if (tail >= capacity) tail -= capacity;
    this.remoteIp[tail] = remoteIp;
    ports[tail] = localPort;
    this.remotePort[tail] = remotePort;
    this.sndNxt[tail] = sndNxt;
    this.rcvNxt[tail] = rcvNxt;
    this.expiry[tail] = (now + this.duration) >>> 0;
    this.used++;
    this.count++;
    this.stats[Stat.twInserted]++;
    return recycled;
  }

  /** Index of the live record for the 4-tuple (the local address is the host's own), -1 if none. */
  find(remoteIp: number, localPort: number, remotePort: number): number {
    if (localPort === 0) return -1;
    const capacity = this.capacity;
    let index = this.head;
    for (let n = this.used; n > 0; n--) {
      if (this.localPort[index] === localPort && this.remotePort[index] === remotePort && this.remoteIp[index] === remoteIp) return index;
      if (++index === capacity) index = 0;
    }
    return -1;
  }

  /** Drops one record before its time (a SYN reopened its 4-tuple, or it is being refreshed). */
  remove(index: number): void {
    const ports = this.localPort;
    // Also false for an index out of range (undefined).
    if (!(ports[index] > 0)) return;
    ports[index] = 0;
    this.count--;
    while (this.used > 0 && ports[this.head] === 0) {
      if (++this.head === this.capacity) this.head = 0;
      this.used--;
    }
  }

  /** Pops expired records from the head; returns how many. */
  expire(now: number): number {
    const capacity = this.capacity;
    const ports = this.localPort;
    let expired = 0;
    while (this.used > 0 && ((this.expiry[this.head] - now) | 0) <= 0) {
      ports[this.head] = 0;
      expired++;
      this.count--;
      do {
        if (++this.head === capacity) this.head = 0;
        this.used--;
      } while (this.used > 0 && ports[this.head] === 0);
    }
    this.stats[Stat.twExpired] += expired;
    return expired;
  }

  /** Drops up to `count` oldest live records regardless of age (heap watchdog); returns how many. */
  shed(count: number): number {
    const capacity = this.capacity;
    const ports = this.localPort;
    let shed = 0;
    while (shed < count && this.used > 0) {
      ports[this.head] = 0;
      shed++;
      this.count--;
      do {
        if (++this.head === capacity) this.head = 0;
        this.used--;
      } while (this.used > 0 && ports[this.head] === 0);
    }
    return shed;
  }

  /** Index of the oldest live record, or -1. */
  first(): number {
    return this.used > 0 ? this.head : -1;
  }

  /** Index of the next live record after `index` in expiry order, or -1. */
  next(index: number): number {
    const capacity = this.capacity;
    let offset = index - this.head;
    if (offset < 0) offset += capacity;
    for (offset++; offset < this.used; offset++) {
      let position = this.head + offset;
      if (position >= capacity) position -= capacity;
      if (this.localPort[position] !== 0) return position;
    }
    return -1;
  }
}
