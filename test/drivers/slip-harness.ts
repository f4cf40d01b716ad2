import { resolveConfig } from '../../firmware/config';
import { Stack } from '../../firmware/stack';
import { Net } from '../../firmware/api/net';
import { MemoryReport } from '../../firmware/memory-report';
import { PolledNic } from '../../hal/bus';
import { VirtualClock } from '../../sim/clock';
import { NodeHal } from '../../sim/node-hal';

/**
 * A board as its main loop runs it: the whole stack and the net API over a polled driver. The
 * loop polls the driver every `pollInterval` ms and ticks the stack every tickInterval, on the
 * virtual clock. The driver is made by `makeNic` from the board's HAL, since drivers need it.
 */
export class PolledBoard<N extends PolledNic> {
  readonly hal: NodeHal;
  readonly nic: N;
  readonly stack: Stack;
  readonly net: Net;
  readonly memoryAtStart: MemoryReport;
  private pollTimer = 0;
  private tickTimer = 0;

  constructor(readonly clock: VirtualClock, makeNic: (hal: NodeHal) => N, config: { [field: string]: unknown },
    seed: number, readonly pollInterval = 1) {
    this.hal = new NodeHal(clock, seed);
    this.nic = makeNic(this.hal);
    this.stack = new Stack(resolveConfig(config), this.hal, this.nic);
    this.net = new Net(this.stack);
    this.memoryAtStart = Object.assign({}, this.stack.memory());
  }

  start(): void {
    const poll = () => {
      this.pollTimer = this.clock.after(this.pollInterval, poll);
      this.nic.poll(this.stack);
    };
    const tick = () => {
      this.tickTimer = this.clock.after(this.stack.config.tickInterval, tick);
      this.stack.tick(this.clock.now());
    };
    this.pollTimer = this.clock.after(this.pollInterval, poll);
    this.tickTimer = this.clock.after(this.stack.config.tickInterval, tick);
  }

  stop(): void {
    this.clock.cancel(this.pollTimer);
    this.clock.cancel(this.tickTimer);
  }
}
