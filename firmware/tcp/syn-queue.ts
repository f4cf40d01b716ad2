import { Arena, Cut } from '../../hal/arena';
/** `listener` value of a free record; listener ids are below it (Config.listeners <= 64). */
export const enum SynQueueSlot {
  free = 255,
}

/**
 * Half-open connections (SYN received, SYN-ACK sent) as compact records shared by all
 * listeners, 29 bytes each, instead of socket slots: a SYN flood fills this queue, never the
 * socket pool. The engine reads and updates the fields in place (retries, deadline) and
 * removes a record when the handshake completes, times out or is reset.
 */
export class SynQueue {
  /** Records in use. */
  count = 0;
  /** Owning listener id, SynQueueSlot.free when the record is unused. */
  readonly listener: Uint8Array;
  readonly remoteIp: Uint32Array;
  readonly remotePort: Uint16Array;
  readonly localPort: Uint16Array;
  /** The peer's initial sequence number and ours. */
  readonly irs: Uint32Array;
  readonly iss: Uint32Array;
  /** MSS the peer announced (or the default when it did not). */
  readonly mss: Uint16Array;
  /** 1 when the peer's SYN offered SACK-permitted and we accept it: our SYN-ACK offers it back. */
  readonly sackPermitted: Uint8Array;
  /** SYN-ACK retransmissions so far. */
  readonly retries: Uint8Array;
  /** Next SYN-ACK retransmission or expiry, ms (absolute, so Float64: no 32-bit wrap to handle). */
  readonly deadline: Float64Array;

  constructor(readonly capacity: number) {
    const arena = new Arena(capacity * (8 + 3 * 4 + 3 * 2 + 3));
    this.deadline = arena.cut(Cut.F64, capacity);
    this.remoteIp = arena.cut(Cut.U32, capacity);
    this.irs = arena.cut(Cut.U32, capacity);
    this.iss = arena.cut(Cut.U32, capacity);
    this.remotePort = arena.cut(Cut.U16, capacity);
    this.localPort = arena.cut(Cut.U16, capacity);
    this.mss = arena.cut(Cut.U16, capacity);
    this.listener = arena.cut(Cut.U8, capacity);
    this.sackPermitted = arena.cut(Cut.U8, capacity);
    this.retries = arena.cut(Cut.U8, capacity);
    this.listener.fill(SynQueueSlot.free);
  }

  /** Takes a free record (retries 0); returns its index, or -1 when the queue is full. */
  add(listener: number, remoteIp: number, remotePort: number, localPort: number, irs: number, iss: number, mss: number, sackPermitted: boolean, deadline: number): number {
    if (this.count === this.capacity) return -1;
    let index = 0;
    while (this.listener[index] !== SynQueueSlot.free) index++;
    this.listener[index] = listener;
    this.remoteIp[index] = remoteIp;
    this.remotePort[index] = remotePort;
    this.localPort[index] = localPort;
    this.irs[index] = irs;
    this.iss[index] = iss;
    this.mss[index] = mss;
    this.sackPermitted[index] = sackPermitted ? 1 : 0;
    this.retries[index] = 0;
    this.deadline[index] = deadline;
    this.count++;
    return index;
  }

  /** Index of the record for the 4-tuple (the local address is the host's own), -1 if none. */
  find(remoteIp: number, remotePort: number, localPort: number): number {
    let remaining = this.count;
    for (let index = 0; remaining > 0; index++) {
      if (this.listener[index] === SynQueueSlot.free) continue;
      if (this.remotePort[index] === remotePort && this.localPort[index] === localPort && this.remoteIp[index] === remoteIp) return index;
      remaining--;
    }
    return -1;
  }

  /** Frees a record; a free or out-of-range index is ignored. */
  remove(index: number): void {
    if (index < 0 || index >= this.capacity || this.listener[index] === SynQueueSlot.free) return;
    this.listener[index] = SynQueueSlot.free;
    this.count--;
  }

  /** Records held by a listener (for its backlog accounting). */
  countFor(listener: number): number {
    let found = 0;
    for (let index = 0; index < this.capacity; index++) if (this.listener[index] === listener) found++;
    return found;
  }

  /** Frees a closed listener's records; returns how many. */
  removeListener(listener: number): number {
    if (listener === SynQueueSlot.free) return 0;
    let removed = 0;
    for (let index = 0; index < this.capacity; index++) {
      if (this.listener[index] === listener) {
        this.listener[index] = SynQueueSlot.free;
        removed++;
      }
    }
    this.count -= removed;
    return removed;
  }
}
