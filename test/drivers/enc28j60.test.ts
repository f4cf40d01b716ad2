import test, { ExecutionContext } from 'ava';
import { statNames } from '../../firmware/stats';
import { Enc28j60Counter, Enc28j60Driver } from '../../hal/drivers/enc28j60';
import { Enc28j60Model, Enc28j60ModelOptions } from '../../sim/chips/enc28j60-model';
import { FakeSpi } from '../../sim/chips/fake-spi';
import { VirtualClock } from '../../sim/clock';
import { macFor } from '../../sim/host';
import { Link } from '../../sim/link';
import { NodeHal } from '../../sim/node-hal';
import { PolledBoard } from './slip-harness';
import { DEVICE_IP, Peer, echo, handshake, injectFrame, leakCheck, pattern, runUntil, sameBytes } from './w5500-harness';

const MEGABYTE = 1 << 20;
const OUR_MAC = macFor(2);

function stat(stats: Uint32Array, name: string): number {
  return stats[statNames.indexOf(name)];
}

/** The driver over the model, with a raw probe on the link that records and injects frames. */
class Bench {
  readonly clock = new VirtualClock();
  readonly link = new Link(this.clock);
  readonly model: Enc28j60Model;
  readonly spi: FakeSpi;
  readonly driver: Enc28j60Driver;
  readonly heard: Uint8Array[] = [];
  readonly delivered: Uint8Array[] = [];
  readonly probePort: number;

  constructor(options: Enc28j60ModelOptions = {}) {
    this.model = new Enc28j60Model(this.link, this.clock, options);
    this.spi = new FakeSpi(this.model);
    this.driver = new Enc28j60Driver(this.spi, new NodeHal(this.clock, 3), OUR_MAC);
    this.probePort = this.link.attach({ deliver: (frame, length) => this.heard.push(frame.slice(0, length)) });
  }

  /** Resets the chip and polls through the reset delay. */
  start(): void {
    this.driver.reset();
    for (let ms = 0; ms < 5; ms++) {
      this.poll();
      this.clock.runUntil(this.clock.now() + 1);
    }
  }

  inject(destination: Uint8Array, length: number, seed: number): Uint8Array {
    return injectFrame(this.link, this.probePort, this.clock, destination, length, seed);
  }

  poll(): number {
    return this.driver.poll({ input: (frame, length) => this.delivered.push(frame.slice(0, length)) });
  }
}

function noFaults(t: ExecutionContext, model: Enc28j60Model, driver: Enc28j60Driver): void {
  t.deepEqual(model.faults, [], 'no datasheet or errata violations');
  t.is(driver.counters[Enc28j60Counter.chipTimeouts], 0, 'no chip timeouts');
}

test('reset waits out the errata delay, then sets up ring, MAC, PHY and filters, and enables reception', (t) => {
  const bench = new Bench();
  bench.driver.reset();
  const afterReset = bench.spi.transactions;
  bench.poll();
  t.is(bench.spi.transactions, afterReset, 'nothing touches the chip within 2 ms of SRC');
  t.false(bench.driver.linkUp());
  bench.clock.runUntil(2);
  bench.poll();
  t.true(bench.driver.linkUp(), 'up after the delay');
  t.is(bench.driver.revision, 6);
  const m = bench.model;
  t.is(m.pair(0x08), 0, 'ERXST at 0 (errata)');
  t.is(m.pair(0x0a) & 1, 1, 'ERXND odd');
  t.is(m.pair(0x0c), m.pair(0x0a), 'ERXRDPT starts at ERXND: odd');
  t.is(m.pair(0x04), m.pair(0x0a) + 1, 'transmit buffer right above the ring');
  t.deepEqual([4, 5, 2, 3, 0, 1].map((a) => m.registers[0x60 + a]), Array.from(OUR_MAC), 'MAADR1-6');
  t.is(m.registers[0x20 + 0x18], 0xa1, 'ERXFCON: unicast, CRC, broadcast');
  t.is(m.registers[0x40 + 0x02] & 0x30, 0x30, 'MACON3: padding and CRC');
  t.is(m.pair(0x40 + 0x0a), 1518, 'MAMXFL');
  t.is(m.phy[0x10], 0x0100, 'PHCON2.HDLDIS');
  t.is(m.registers[0x1f] & 0x04, 0x04, 'ECON1.RXEN');
  noFaults(t, m, bench.driver);
});

test('no chip (EREVID 0): the NIC stays down and sends nothing', (t) => {
  const bench = new Bench({ revision: 0 });
  bench.start();
  t.false(bench.driver.linkUp());
  const before = bench.spi.transactions;
  t.is(bench.poll(), 0);
  bench.driver.transmit(new Uint8Array(60), 60);
  t.is(bench.spi.transactions, before, 'no SPI traffic while down');
  t.is(bench.driver.counters[Enc28j60Counter.txDropped], 1);
});

test('the receive ring wraps many times: every frame intact, ERXRDPT always odd, filters applied', (t) => {
  const bench = new Bench();
  bench.start();
  const sent: Uint8Array[] = [];
  let seed = 1;
  for (let round = 0; round < 60; round++) {
    const burst = 1 + (round % 5);
    for (let i = 0; i < burst; i++) {
      const length = 14 + ((round * 397 + i * 131) % 1501);
      sent.push(bench.inject(OUR_MAC, length, seed++));
    }
    bench.inject(macFor(77), 100, seed++);
    bench.poll();
    bench.poll();
  }
  t.is(bench.delivered.length, sent.length);
  for (let i = 0; i < sent.length; i++) {
    const got = bench.delivered[i];
    const want = sent[i];
    const padded = Math.max(60, want.length);
    t.is(got.length, padded, 'frame ' + i + ' length (short frames padded to 60)');
    t.true(Buffer.from(got.subarray(0, want.length)).equals(Buffer.from(want)), 'frame ' + i + ' bytes');
  }
  t.true(bench.model.filtered >= 60, 'frames for another MAC were filtered');
  t.is(bench.model.registers[0x20 + 0x19], 0, 'EPKTCNT back to 0');
  t.is(bench.driver.counters[Enc28j60Counter.rxResyncs], 0);
  noFaults(t, bench.model, bench.driver);
});

test('transmit: control byte, ETXND, TXRTS; the chip pads short frames and they reach the wire', (t) => {
  const bench = new Bench();
  bench.start();
  const frame = pattern(1514, 4);
  bench.driver.transmit(frame, 1514);
  bench.driver.transmit(frame, 20);
  bench.poll();
  bench.clock.run();
  t.is(bench.heard.length, 2);
  t.true(Buffer.from(bench.heard[0]).equals(Buffer.from(frame)));
  t.is(bench.heard[1].length, 60);
  t.true(Buffer.from(bench.heard[1].subarray(0, 20)).equals(Buffer.from(frame.subarray(0, 20))));
  bench.driver.transmit(frame, 1515);
  t.is(bench.driver.counters[Enc28j60Counter.txDropped], 1, 'too long for Ethernet');
  noFaults(t, bench.model, bench.driver);
});

test('the model catches drivers that ignore the errata: even ERXRDPT, writes right after SRC, TXRTS on a stalled transmitter', (t) => {
  const bench = new Bench({ txAbortEvery: 1 });
  bench.start();
  const spi = bench.spi;
  // WCR ERXRDPTL = 0x00, WCR ERXRDPTH = 0x10 (bank 0 is selected after the driver's last receive-ring write)
  bench.model.registers[0x1f] &= ~3;
  spi.transfer(new Uint8Array([0x40 | 0x0c, 0x00]), 0, 2);
  spi.transfer(new Uint8Array([0x40 | 0x0d, 0x10]), 0, 2);
  t.regex(bench.model.faults[0] || '', /even ERXRDPT/);
  bench.driver.transmit(new Uint8Array(60), 60);
  bench.poll();
  t.is(bench.model.txAborts, 1, 'the first transmission aborts');
  // BFS ECON1 TXRTS without the TXRST pulse
  spi.transfer(new Uint8Array([0x80 | 0x1f, 0x08]), 0, 2);
  t.regex(bench.model.faults[1] || '', /stalled/);
  spi.transfer(new Uint8Array([0xff]), 0, 1);
  spi.transfer(new Uint8Array([0x40 | 0x1b, 0x80]), 0, 2);
  t.regex(bench.model.faults[2] || '', /after SRC/);
});

test('a transmission aborted by a late collision stalls the transmitter; the driver resets it before the next frame', (t) => {
  const bench = new Bench({ txAbortEvery: 3 });
  bench.start();
  const frame = pattern(200, 5);
  for (let i = 0; i < 9; i++) {
    bench.driver.transmit(frame, 200);
    bench.poll();
  }
  bench.clock.run();
  t.is(bench.model.txAborts, 3, 'the 3rd, 6th and 9th aborted');
  t.is(bench.driver.counters[Enc28j60Counter.txAborts], 2, 'the driver sees an abort when it sends the next frame');
  t.is(bench.heard.length, 6, 'the rest went out');
  noFaults(t, bench.model, bench.driver);
});

// ---- the whole stack over the driver over the model, against a peer on the simulated link ----

interface Run {
  clock: VirtualClock;
  link: Link;
  model: Enc28j60Model;
  spi: FakeSpi;
  board: PolledBoard<Enc28j60Driver>;
  peer: Peer;
}

function setUp(options: Enc28j60ModelOptions = {}, config: { [field: string]: unknown } = {}, peerConfig: { [field: string]: unknown } = {}, pollInterval = 1): Run {
  const clock = new VirtualClock();
  const link = new Link(clock, { delay: 0.2 });
  const model = new Enc28j60Model(link, clock, options);
  const spi = new FakeSpi(model);
  const board = new PolledBoard(clock, (hal) => new Enc28j60Driver(spi, hal, OUR_MAC),
    Object.assign({ ip: DEVICE_IP }, config), 77, pollInterval);
  const peer = new Peer(clock, link, peerConfig);
  board.nic.reset();
  board.start();
  return { clock, link, model, spi, board, peer };
}

function tearDown(t: ExecutionContext, run: Run): void {
  run.board.stop();
  run.peer.host.stop();
  run.clock.run();
  t.is(run.clock.pending(), 0, 'simulation drained');
  leakCheck(t, run.board.stack, run.board.memoryAtStart, 'device');
  noFaults(t, run.model, run.board.nic);
}

test('handshake over the ENC28J60: ARP and the connection go through the chip', (t) => {
  const run = setUp();
  handshake(t, run.clock, run.board.net, run.peer.net, DEVICE_IP);
  t.true(run.board.nic.counters[Enc28j60Counter.framesReceived] >= 3);
  t.true(run.board.nic.counters[Enc28j60Counter.framesSent] >= 3);
  tearDown(t, run);
});

test('1 MB each way through the echo server over the ENC28J60, byte for byte, the ring wrapping hundreds of times', (t) => {
  const run = setUp();
  const data = pattern(MEGABYTE, 21);
  const flow = echo(run.board.net, run.peer.net, DEVICE_IP, data);
  const ms = runUntil(run.clock, () => flow.closed.client && flow.closed.server, 600000);
  sameBytes(t, flow.received, data);
  t.deepEqual(flow.errors, []);
  const counters = run.board.nic.counters;
  t.is(counters[Enc28j60Counter.rxResyncs], 0);
  t.is(counters[Enc28j60Counter.txDropped], 0);
  t.is(run.model.rxOverflows, 0);
  t.log('virtual ' + ms + ' ms; frames in ' + counters[Enc28j60Counter.framesReceived] + ', out ' +
    counters[Enc28j60Counter.framesSent] + '; SPI transactions ' + run.spi.transactions + ', bytes ' + run.spi.bytes);
  tearDown(t, run);
});

test('cable out for 3 s in the middle of 1 MB: PHSTAT2 reports link down, TCP retransmits, the transfer completes', (t) => {
  const run = setUp();
  const data = pattern(MEGABYTE, 22);
  const flow = echo(run.board.net, run.peer.net, DEVICE_IP, data);
  runUntil(run.clock, () => flow.received.length >= data.length / 3, 600000);
  t.true(flow.received.length < data.length, 'pulled mid-transfer');
  run.model.cable = false;
  runUntil(run.clock, () => false, 100);
  t.false(run.board.nic.linkUp(), 'the driver reports link down');
  runUntil(run.clock, () => false, 2900);
  run.model.cable = true;
  runUntil(run.clock, () => flow.closed.client && flow.closed.server, 600000);
  t.true(run.board.nic.linkUp());
  sameBytes(t, flow.received, data);
  t.deepEqual(flow.errors, []);
  t.true(stat(run.board.stack.stats, 'dropLinkDown') > 0 || run.model.linkDrops > 0, 'the outage cost frames');
  t.true(stat(run.peer.stack.stats, 'tcpRetransmits') + stat(run.board.stack.stats, 'tcpRetransmits') > 0, 'TCP retransmitted');
  tearDown(t, run);
});

test('cable out for longer than the user timeout: both ends fail with ETIMEDOUT and free everything', (t) => {
  const run = setUp({}, { userTimeout: 20000 }, { userTimeout: 20000 });
  const data = pattern(MEGABYTE, 23);
  const flow = echo(run.board.net, run.peer.net, DEVICE_IP, data);
  runUntil(run.clock, () => flow.received.length >= data.length / 4, 600000);
  run.model.cable = false;
  runUntil(run.clock, () => flow.closed.client && flow.closed.server, 120000);
  run.model.cable = true;
  t.true(flow.closed.client && flow.closed.server, 'both sockets closed');
  t.deepEqual(flow.errors.sort(), ['client ETIMEDOUT', 'server ETIMEDOUT']);
  tearDown(t, run);
});

test('a slow loop (poll every 20 ms) overflows the 6.5 KB ring: the chip drops frames, TCP recovers, the ring stays sound', (t) => {
  const big = { sockets: 2, sendBuffer: 16384, receiveBuffer: 16384, memoryBudget: 1 << 20 };
  const run = setUp({}, big, big, 20);
  const data = pattern(256 * 1024, 24);
  const flow = echo(run.board.net, run.peer.net, DEVICE_IP, data);
  runUntil(run.clock, () => flow.closed.client && flow.closed.server, 600000);
  sameBytes(t, flow.received, data);
  t.true(run.model.rxOverflows > 0, 'the chip dropped ' + run.model.rxOverflows + ' frames');
  t.is(run.board.nic.counters[Enc28j60Counter.rxResyncs], 0);
  tearDown(t, run);
});

test('late collisions abort every 7th transmission: the driver resets the transmitter each time, TCP delivers intact', (t) => {
  const run = setUp({ txAbortEvery: 7 });
  const data = pattern(256 * 1024, 25);
  const flow = echo(run.board.net, run.peer.net, DEVICE_IP, data);
  runUntil(run.clock, () => flow.closed.client && flow.closed.server, 600000);
  sameBytes(t, flow.received, data);
  t.true(run.model.txAborts >= 3, run.model.txAborts + ' aborts');
  t.is(run.board.nic.counters[Enc28j60Counter.txAborts], run.model.txAborts);
  tearDown(t, run);
});
