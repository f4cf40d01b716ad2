import { VirtualClock } from './clock';
import { SimNic } from './sim-nic';

/** What a simulated host runs: the stack (firmware/stack.ts) or a test double. */
export interface Device {
  input(frame: Uint8Array, length: number): void;
  tick(now: number): void;
}

/** A locally administered unicast MAC, 02:00:ii:ii:ii:ii with the index big-endian (index 1 → 02:00:00:00:00:01). */
export function macFor(index: number): Uint8Array {
  return new Uint8Array([2, 0, (index >>> 24) & 0xff, (index >>> 16) & 0xff, (index >>> 8) & 0xff, index & 0xff]);
}

/**
 * A powered machine on the simulated network: while started, frames reaching its NIC go to
 * device.input, and device.tick(now) runs every `tickInterval` ms of virtual time, as a board's
 * setInterval would call it. Stopping powers it off: frames are dropped by the NIC and the tick
 * timer is cancelled, so the clock can drain.
 */
export class SimHost {
  /** Ticks delivered since construction. */
  ticks = 0;
  private timer = 0;
  private nextTick = 0;
  private readonly onTick: () => void;

  constructor(readonly clock: VirtualClock, readonly nic: SimNic, readonly device: Device, readonly tickInterval = 10) {
    if (!(tickInterval > 0)) throw new RangeError('SimHost: tickInterval must be > 0');
    this.onTick = () => {
      this.nextTick += this.tickInterval;
      this.timer = this.clock.at(this.nextTick, this.onTick);
      this.ticks++;
      this.device.tick(this.clock.now());
    };
  }

  get running(): boolean {
    return this.timer !== 0;
  }

  start(): void {
    if (this.running) return;
    this.nic.receiver = this.device;
    this.nextTick = this.clock.now() + this.tickInterval;
    this.timer = this.clock.at(this.nextTick, this.onTick);
  }

  stop(): void {
    if (!this.running) return;
    this.clock.cancel(this.timer);
    this.timer = 0;
    this.nic.receiver = null;
  }
}
