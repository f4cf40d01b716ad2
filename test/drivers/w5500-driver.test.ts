import test, { ExecutionContext } from 'ava';
import { W5500Counter, W5500Driver } from '../../hal/drivers/w5500';
import { FakeSpi } from '../../sim/chips/fake-spi';
import { W5500Model, W5500ModelOptions } from '../../sim/chips/w5500-model';
import { VirtualClock } from '../../sim/clock';
import { macFor } from '../../sim/host';
import { Link } from '../../sim/link';
import { NodeHal } from '../../sim/node-hal';
import { pattern } from './w5500-harness';

const OUR_MAC = macFor(2);
const PROBE_MAC = macFor(9);
const BROADCAST = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

/** The driver over the model, and a raw probe on the same link that records and injects frames. */
class Bench {
  readonly clock = new VirtualClock();
  readonly link = new Link(this.clock);
  readonly model: W5500Model;
  readonly spi: FakeSpi;
  readonly driver: W5500Driver;
  readonly heard: Uint8Array[] = [];
  readonly delivered: Uint8Array[] = [];
  readonly probePort: number;

  constructor(options: W5500ModelOptions = {}) {
    this.model = new W5500Model(this.link, options);
    this.spi = new FakeSpi(this.model);
    this.driver = new W5500Driver(this.spi, new NodeHal(this.clock, 3), OUR_MAC);
    this.probePort = this.link.attach({ deliver: (frame, length) => this.heard.push(frame.slice(0, length)) });
  }

  /** Sends a frame from the probe and lets the link carry it. */
  inject(destination: Uint8Array, etherType: number, payload: Uint8Array): Uint8Array {
    const frame = new Uint8Array(14 + payload.length);
    frame.set(destination, 0);
    frame.set(PROBE_MAC, 6);
    frame[12] = etherType >>> 8;
    frame[13] = etherType & 0xff;
    frame.set(payload, 14);
    this.link.transmit(this.probePort, frame, frame.length);
    this.clock.run();
    return frame;
  }

  poll(): number {
    return this.driver.poll({ input: (frame, length) => this.delivered.push(frame.slice(0, length)) });
  }
}

function noFaults(t: ExecutionContext, bench: Bench): void {
  t.deepEqual(bench.model.faults, [], 'no datasheet violations');
  t.is(bench.driver.counters[W5500Counter.chipTimeouts], 0, 'no chip timeouts');
}

test('reset: VERSIONR checked, MAC set, all 16 KB to socket 0, socket 0 open in filtered MACRAW, link up', (t) => {
  const bench = new Bench();
  t.true(bench.driver.reset());
  t.deepEqual([...bench.model.common.subarray(0x09, 0x0f)], [...OUR_MAC], 'SHAR');
  for (let socket = 0; socket < 8; socket++) {
    const registers = bench.model.socketRegisters[socket];
    t.deepEqual([registers[0x1e], registers[0x1f]], socket === 0 ? [16, 16] : [0, 0], 'buffer sizes of socket ' + socket);
  }
  t.is(bench.model.socketRegisters[0][0x00], 0xb4, 'Sn_MR: MACRAW, MAC filter, multicast and IPv6 blocked');
  t.true(bench.driver.linkUp());
  t.is(bench.poll(), 0, 'nothing waiting');
  noFaults(t, bench);
});

test('no W5500 answering (wrong VERSIONR): reset fails, the NIC stays down and sends nothing', (t) => {
  const bench = new Bench({ version: 0 });
  t.false(bench.driver.reset());
  t.false(bench.driver.linkUp());
  const before = bench.spi.transactions;
  t.is(bench.poll(), 0);
  bench.driver.transmit(new Uint8Array(60), 60);
  t.is(bench.spi.transactions, before, 'no SPI traffic while down');
  t.is(bench.driver.counters[W5500Counter.txDropped], 1);
  bench.clock.run();
  t.deepEqual(bench.heard, []);
});

test('the MAC filter passes our unicast and broadcast, and drops other unicast, multicast and IPv6', (t) => {
  const bench = new Bench();
  t.true(bench.driver.reset());
  const ours = bench.inject(OUR_MAC, 0x0800, pattern(50, 1));
  const broadcast = bench.inject(BROADCAST, 0x0806, pattern(28, 2));
  bench.inject(macFor(77), 0x0800, pattern(50, 3));
  bench.inject(new Uint8Array([0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb]), 0x0800, pattern(50, 4));
  bench.inject(BROADCAST, 0x86dd, pattern(50, 5));
  t.is(bench.poll(), 2);
  t.deepEqual(bench.delivered, [ours, broadcast]);
  t.is(bench.model.filtered, 3);
  noFaults(t, bench);
});

test('frames of every size arrive whole and in order across RX buffer and 16-bit pointer wrap-around', (t) => {
  const bench = new Bench({ openPointer: 0xffd0 });
  t.true(bench.driver.reset());
  const sent: Uint8Array[] = [];
  let seed = 10;
  for (let batch = 0; batch < 40; batch++) {
    const frames = 1 + (batch % 9);
    for (let i = 0; i < frames; i++) {
      const length = 46 + ((seed * 379) % 1455);
      sent.push(bench.inject(OUR_MAC, 0x0800, pattern(length, seed++)));
    }
    t.is(bench.poll(), frames, 'batch ' + batch);
  }
  t.is(bench.delivered.length, sent.length);
  t.true(bench.delivered.every((frame, i) => Buffer.from(frame).equals(Buffer.from(sent[i]))), 'every frame byte for byte');
  t.is(bench.model.rxOverflows, 0);
  t.is(bench.model.rxWaiting(), 0, 'RECV released everything');
  noFaults(t, bench);
});

test('a frame that does not fit the free RX space is dropped by the chip; the ones before and after it arrive', (t) => {
  const bench = new Bench();
  t.true(bench.driver.reset());
  const sent: Uint8Array[] = [];
  for (let i = 0; i < 12; i++) sent.push(bench.inject(OUR_MAC, 0x0800, pattern(1500, 20 + i)));
  t.is(bench.model.rxOverflows, 2, '10 full frames fill 16 KB, 2 are dropped');
  t.is(bench.poll(), 10);
  const after = bench.inject(OUR_MAC, 0x0800, pattern(100, 40));
  t.is(bench.poll(), 1);
  t.deepEqual(bench.delivered, sent.slice(0, 10).concat([after]));
  noFaults(t, bench);
});

test('an impossible MACRAW length header makes the driver reopen socket 0 and carry on', (t) => {
  const bench = new Bench();
  t.true(bench.driver.reset());
  bench.inject(OUR_MAC, 0x0800, pattern(200, 50));
  bench.inject(OUR_MAC, 0x0800, pattern(200, 51));
  bench.model.rxMemory[bench.model.rxReadOffset()] = 0x7f;
  t.is(bench.poll(), 0);
  t.is(bench.driver.counters[W5500Counter.rxResyncs], 1);
  t.true(bench.driver.linkUp(), 'socket 0 is open again');
  t.is(bench.model.rxWaiting(), 0, 'OPEN discarded what the buffer held');
  const later = bench.inject(OUR_MAC, 0x0800, pattern(300, 52));
  t.is(bench.poll(), 1);
  t.deepEqual(bench.delivered, [later]);
  noFaults(t, bench);
});

test('transmit: the frame goes out whole, short frames padded to 60 by the chip, across TX wrap-around', (t) => {
  const bench = new Bench({ openPointer: 0xfff8 });
  t.true(bench.driver.reset());
  const frames: Uint8Array[] = [];
  for (let i = 0; i < 30; i++) {
    const frame = pattern(i === 0 ? 42 : 60 + ((i * 997) % 1455), 60 + i);
    frames.push(frame.slice());
    bench.driver.transmit(frame, frame.length);
    frame.fill(0);
  }
  bench.clock.run();
  t.is(bench.heard.length, frames.length);
  t.is(bench.heard[0].length, 60, 'padded');
  t.deepEqual([...bench.heard[0].subarray(0, 42)], [...frames[0]]);
  t.deepEqual([...bench.heard[0].subarray(42)], new Array(18).fill(0));
  t.true(frames.every((frame, i) => i === 0 || Buffer.from(bench.heard[i]).equals(Buffer.from(frame))), 'byte for byte');
  t.is(bench.driver.counters[W5500Counter.framesSent], 30);
  t.is(bench.model.socketRegisters[0][0x02], 0, 'SEND_OK cleared each time');
  noFaults(t, bench);
});

test('transmit refuses oversize frames and frames while the cable is out, counting them', (t) => {
  const bench = new Bench();
  t.true(bench.driver.reset());
  bench.driver.transmit(new Uint8Array(1515), 1515);
  bench.model.cable = false;
  t.is(bench.poll(), 0);
  t.false(bench.driver.linkUp(), 'PHYCFGR.LNK read by poll');
  bench.driver.transmit(new Uint8Array(100), 100);
  bench.model.cable = true;
  bench.poll();
  t.true(bench.driver.linkUp());
  bench.driver.transmit(new Uint8Array(100), 100);
  bench.clock.run();
  t.is(bench.driver.counters[W5500Counter.txDropped], 2);
  t.is(bench.heard.length, 1);
  noFaults(t, bench);
});

test('the model enforces the SPI frame format: fixed-length frames work, misuse is recorded as a fault', (t) => {
  const bench = new Bench();
  const spi = bench.spi;
  // Two FDM frames (OM = 01, one data byte each) in one transaction: read VERSIONR and PHYCFGR.
  const fdm = new Uint8Array([0x00, 0x39, 0x01, 0, 0x00, 0x2e, 0x01, 0]);
  spi.transfer(fdm, 0, fdm.length);
  t.is(fdm[3], 0x04, 'VERSIONR');
  t.is(fdm[7] & 0x80, 0x80, 'PHYCFGR: PHY out of reset');
  // A variable-length write of two bytes to socket 0's Sn_RX_RSR, which is read-only.
  const misuse = new Uint8Array([0x00, 0x26, 0x0c, 0x12, 0x34]);
  spi.transfer(misuse, 0, misuse.length);
  t.is(bench.model.faults.length, 2, 'two bytes written to a read-only register');
  const reserved = new Uint8Array([0x00, 0x00, 0x20, 0]);
  spi.transfer(reserved, 0, reserved.length);
  t.true(bench.model.faults[2].startsWith('reserved block select'));
});
