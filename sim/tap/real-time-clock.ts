import { VirtualClock, TimerCallback } from '../clock';

/** Poll interval, ms, while delayed events are pending: the granularity of delays on the wall clock. */
const pumpInterval = 1;

/**
 * The simulator's clock on wall time, for a device attached to real peers (the TAP bridge):
 * now() is milliseconds since construction, and scheduled events run when that time comes.
 * It is a VirtualClock so a Link (sim/link.ts) runs on it unchanged, with one difference that
 * keeps a relay fast: an event due now (a frame with no delay) runs at once, inside at(),
 * after every event already due, so the order of delivery is kept. Later events sit in the
 * VirtualClock's heap and a 1 ms timer runs them while any are pending.
 */
export class RealTimeClock extends VirtualClock {
  private readonly origin = performance.now();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly pump = () => {
    this.timer = null;
    if (this.stopped) return;
    this.runUntil(this.now());
    this.arm();
  };

  override now(): number {
    return performance.now() - this.origin;
  }

  /** Returns 0 for an event run at once (nothing left to cancel). After stop(), nothing is scheduled or run. */
  override at(time: number, fn: TimerCallback): number {
    if (this.stopped) return 0;
    const now = this.now();
    if (time <= now) {
      this.runUntil(now);
      fn();
      return 0;
    }
    const id = super.at(time, fn);
    this.arm();
    return id;
  }

  override after(delay: number, fn: TimerCallback): number {
    return this.at(this.now() + delay, fn);
  }

  /** Drops every pending event and stops the pump, so the process can exit. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    if (this.timer === null && this.pending() > 0) this.timer = setTimeout(this.pump, pumpInterval);
  }
}
