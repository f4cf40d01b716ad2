import { ExecutionContext } from 'ava';
import { Stm32EthCounter, Stm32EthDriver, Stm32EthWiring } from '../../hal/drivers/stm32-eth';
import { Stm32EthModel, Stm32EthModelOptions } from '../../sim/chips/stm32-eth-model';
import { VirtualClock } from '../../sim/clock';
import { macFor } from '../../sim/host';
import { Link } from '../../sim/link';
import { NodeHal } from '../../sim/node-hal';
import { PolledBoard } from './slip-harness';
import { DEVICE_IP, Peer, injectFrame, leakCheck } from './w5500-harness';

export const OUR_MAC = macFor(2);
/** The NUCLEO-F767ZI's wiring (boards/common/profiles.ts) with small rings, so that tests fill them. */
export const WIRING: Stm32EthWiring = { pins: 'A1 A2 A7 C1 C4 C5 G11 G13 B13', phyAddress: 0, rxDescriptors: 4, txDescriptors: 2 };

export function modelOptions(options: Stm32EthModelOptions = {}): Stm32EthModelOptions {
  return Object.assign({ pins: WIRING.pins, phyAddress: WIRING.phyAddress }, options);
}

/** The driver over the model, with a raw probe on the link that records and injects frames. */
export class EthBench {
  readonly clock = new VirtualClock();
  readonly link = new Link(this.clock);
  readonly model: Stm32EthModel;
  readonly driver: Stm32EthDriver;
  readonly heard: Uint8Array[] = [];
  readonly delivered: Uint8Array[] = [];
  readonly probePort: number;

  constructor(options: Stm32EthModelOptions = {}, wiring: Stm32EthWiring = WIRING) {
    this.model = new Stm32EthModel(this.link, this.clock, modelOptions(options));
    this.driver = new Stm32EthDriver(this.model, new NodeHal(this.clock, 3), OUR_MAC, wiring);
    this.probePort = this.link.attach({ deliver: (frame, length) => this.heard.push(frame.slice(0, length)) });
  }

  /** Resets the MAC and polls every ms until the link is up (or `limit` ms pass); returns reset()'s answer. */
  start(limit = 500): boolean {
    const ok = this.driver.reset();
    for (let ms = 0; ms < limit && !this.driver.linkUp(); ms++) this.advance(1);
    return ok;
  }

  advance(ms: number): void {
    for (let i = 0; i < ms; i++) {
      this.clock.runUntil(this.clock.now() + 1);
      this.poll();
    }
  }

  inject(destination: Uint8Array, length: number, seed: number): Uint8Array {
    return injectFrame(this.link, this.probePort, this.clock, destination, length, seed);
  }

  poll(): number {
    return this.driver.poll({ input: (frame, length) => this.delivered.push(frame.slice(0, length)) });
  }
}

export function noFaults(t: ExecutionContext, model: Stm32EthModel, driver: Stm32EthDriver): void {
  t.deepEqual(model.faults, [], 'no reference-manual violations');
  t.is(driver.counters[Stm32EthCounter.chipTimeouts], 0, 'no chip timeouts');
  t.is(model.ringsAtRest(), '', 'rings back to their start: receive descriptors the DMA\'s, transmit descriptors the driver\'s');
}

/** The whole stack over the driver over the model, and a peer, on one simulated link. */
export interface EthRun {
  clock: VirtualClock;
  link: Link;
  model: Stm32EthModel;
  board: PolledBoard<Stm32EthDriver>;
  peer: Peer;
}

export function setUpRun(options: Stm32EthModelOptions = {}, config: { [field: string]: unknown } = {},
  peerConfig: { [field: string]: unknown } = {}, pollInterval = 1, wiring: Stm32EthWiring = WIRING): EthRun {
  const clock = new VirtualClock();
  const link = new Link(clock, { delay: 0.2 });
  const model = new Stm32EthModel(link, clock, modelOptions(options));
  const board = new PolledBoard(clock, (hal) => new Stm32EthDriver(model, hal, OUR_MAC, wiring),
    Object.assign({ ip: DEVICE_IP }, config), 77, pollInterval);
  const peer = new Peer(clock, link, peerConfig);
  board.nic.reset();
  board.start();
  return { clock, link, model, board, peer };
}

/** Stops both ends, drains the clock, and checks the stack's pools, the model's faults and the rings. */
export function tearDownRun(t: ExecutionContext, run: EthRun): void {
  run.board.stop();
  run.peer.host.stop();
  run.clock.run();
  // Frames that arrived after the loop's last poll (the last ACKs) are taken as a last poll would.
  run.model.settle();
  run.board.nic.poll({ input() {} });
  run.clock.run();
  t.is(run.clock.pending(), 0, 'simulation drained');
  leakCheck(t, run.board.stack, run.board.memoryAtStart, 'device');
  noFaults(t, run.model, run.board.nic);
}
