/** A callback scheduled on the virtual clock. */
export type TimerCallback = () => void;

/**
 * A timer id packs the slot that holds the event and that slot's generation, so a stale id
 * (its event already ran or was cancelled, and the slot reused) is recognised without a map.
 */
const slotRange = 0x1000000;
const generationLimit = 0x20000000;

/**
 * Simulated time in milliseconds (fractions allowed). Nothing happens between events: time
 * jumps to the next event, so minutes of timeouts cost microseconds. Events are ordered by
 * time, then by scheduling order, so events at the same time run in the order they were
 * scheduled. They sit in an indexed binary heap kept in typed arrays (grown by doubling, keys
 * stored inline for cache locality), which keeps millions of events cheap and allows
 * cancellation in O(log n).
 */
export class VirtualClock {
  private current = 0;
  private scheduled = 0;
  private size = 0;
  private slotsUsed = 0;
  private freeCount = 0;
  /** The heap: entry i is the event in slot heap[i], due at heapTimes[i], scheduled as number heapOrders[i]. */
  private heap = new Int32Array(1024);
  private heapTimes = new Float64Array(1024);
  private heapOrders = new Float64Array(1024);
  /** Per slot: its heap index (-1 while free) and generation. */
  private positions = new Int32Array(1024).fill(-1);
  private generations = new Float64Array(1024).fill(1);
  private freeSlots = new Int32Array(1024);
  private callbacks: (TimerCallback | undefined)[] = [];

  now(): number {
    return this.current;
  }

  /** Events scheduled and not yet run or cancelled; zero when a simulation has drained. */
  pending(): number {
    return this.size;
  }

  /** Schedules fn at an absolute time (not before now); returns a timer id for cancel(). */
  at(time: number, fn: TimerCallback): number {
    if (!(time >= this.current) || time === Infinity) {
      throw new RangeError('VirtualClock.at: time ' + time + ' is not a finite time from now (' + this.current + ')');
    }
    let slot: number;
    if (this.freeCount > 0) {
      slot = this.freeSlots[--this.freeCount];
    } else {
      if (this.slotsUsed === slotRange) throw new RangeError('VirtualClock: more than ' + slotRange + ' pending events');
      if (this.slotsUsed === this.heap.length) this.grow();
      slot = this.slotsUsed++;
    }
    this.callbacks[slot] = fn;
    this.siftUp(this.size++, time, this.scheduled++, slot);
    return this.generations[slot] * slotRange + slot;
  }

  /** Schedules fn `delay` ms from now. */
  after(delay: number, fn: TimerCallback): number {
    if (!(delay >= 0)) throw new RangeError('VirtualClock.after: negative or invalid delay ' + delay);
    return this.at(this.current + delay, fn);
  }

  /** Removes a pending event; false when it already ran, was cancelled, or the id is unknown. */
  cancel(id: number): boolean {
    if (!(id > 0)) return false;
    const slot = id % slotRange;
    if (slot >= this.slotsUsed || this.positions[slot] < 0 || this.generations[slot] * slotRange + slot !== id) return false;
    this.removeAt(this.positions[slot]);
    this.release(slot);
    return true;
  }

  /** Runs the earliest event, advancing time to it; false when none is pending. */
  step(): boolean {
    if (this.size === 0) return false;
    const slot = this.heap[0];
    this.current = this.heapTimes[0];
    this.removeAt(0);
    const fn = this.callbacks[slot] as TimerCallback;
    this.release(slot);
    fn();
    return true;
  }

  /** Runs every event due at or before `time` (including ones they schedule), then sets now to `time`. */
  runUntil(time: number): void {
    while (this.size > 0 && this.heapTimes[0] <= time) this.step();
    if (time > this.current) this.current = time;
  }

  /** Runs events until none is pending or `maxEvents` have run; returns how many ran. */
  run(maxEvents = Infinity): number {
    let count = 0;
    while (count < maxEvents && this.step()) count++;
    return count;
  }

  private release(slot: number): void {
    this.callbacks[slot] = undefined;
    this.positions[slot] = -1;
    const generation = this.generations[slot] + 1;
    this.generations[slot] = generation === generationLimit ? 1 : generation;
    this.freeSlots[this.freeCount++] = slot;
  }

  private grow(): void {
    const capacity = this.heap.length * 2;
    const heap = new Int32Array(capacity);
    const heapTimes = new Float64Array(capacity);
    const heapOrders = new Float64Array(capacity);
    const positions = new Int32Array(capacity).fill(-1);
    const generations = new Float64Array(capacity).fill(1);
    heap.set(this.heap);
    heapTimes.set(this.heapTimes);
    heapOrders.set(this.heapOrders);
    positions.set(this.positions);
    generations.set(this.generations);
    this.heap = heap;
    this.heapTimes = heapTimes;
    this.heapOrders = heapOrders;
    this.positions = positions;
    this.generations = generations;
    // Free slots only exist below slotsUsed, which equalled the old capacity: none are pending here.
    this.freeSlots = new Int32Array(capacity);
  }

  private removeAt(index: number): void {
    const last = --this.size;
    if (index === last) return;
    const time = this.heapTimes[last];
    const order = this.heapOrders[last];
    const slot = this.heap[last];
    const parent = (index - 1) >> 1;
    if (index > 0 && (time < this.heapTimes[parent] || (time === this.heapTimes[parent] && order < this.heapOrders[parent]))) {
      this.siftUp(index, time, order, slot);
    } else {
      this.siftDown(index, time, order, slot);
    }
  }

  /** Moves the hole at `index` up until (time, order) fits, then puts the slot there. */
  private siftUp(index: number, time: number, order: number, slot: number): void {
    const heap = this.heap;
    const heapTimes = this.heapTimes;
    const heapOrders = this.heapOrders;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentTime = heapTimes[parent];
      if (time > parentTime || (time === parentTime && order > heapOrders[parent])) break;
      heap[index] = heap[parent];
      heapTimes[index] = parentTime;
      heapOrders[index] = heapOrders[parent];
      this.positions[heap[index]] = index;
      index = parent;
    }
    heap[index] = slot;
    heapTimes[index] = time;
    heapOrders[index] = order;
    this.positions[slot] = index;
  }

  private siftDown(index: number, time: number, order: number, slot: number): void {
    const heap = this.heap;
    const heapTimes = this.heapTimes;
    const heapOrders = this.heapOrders;
    const size = this.size;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= size) break;
      let childTime = heapTimes[child];
      const right = child + 1;
      if (right < size) {
        const rightTime = heapTimes[right];
        if (rightTime < childTime || (rightTime === childTime && heapOrders[right] < heapOrders[child])) {
          child = right;
          childTime = rightTime;
        }
      }
      if (time < childTime || (time === childTime && order < heapOrders[child])) break;
      heap[index] = heap[child];
      heapTimes[index] = childTime;
      heapOrders[index] = heapOrders[child];
      this.positions[heap[index]] = index;
      index = child;
    }
    heap[index] = slot;
    heapTimes[index] = time;
    heapOrders[index] = order;
    this.positions[slot] = index;
  }
}
