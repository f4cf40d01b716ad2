import test from 'ava';
import { Stm32EthCounter } from '../../hal/drivers/stm32-eth';
import { Stm32EthModel } from '../../sim/chips/stm32-eth-model';
import { VirtualClock } from '../../sim/clock';
import { macFor } from '../../sim/host';
import { Link } from '../../sim/link';
import { pattern } from './w5500-harness';
import { EthBench, OUR_MAC, WIRING, modelOptions, noFaults } from './stm32-eth-harness';

const BROADCAST = new Uint8Array([255, 255, 255, 255, 255, 255]);
const ETH = 0x40028000;
const DMASR = ETH + 0x1014;
const DMAOMR = ETH + 0x1018;
const MACCR = ETH;

/** MACA0LR and MACA0HR for our address: the first four bytes from the low byte up, then the last two and MO (bit 31). */
const MACA0LR_VALUE = (OUR_MAC[0] | (OUR_MAC[1] << 8) | (OUR_MAC[2] << 16) | (OUR_MAC[3] << 24)) >>> 0;
const MACA0HR_VALUE = (0x80000000 | (OUR_MAC[5] << 8) | OUR_MAC[4]) >>> 0;

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

test('reset: RMII selected in reset, clocks, pins in AF11, address, filter, rings to the DMA; the PHY resets and negotiates 100 Mbit/s full duplex', (t) => {
  const bench = new EthBench();
  t.true(bench.driver.reset());
  const m = bench.model;
  t.is(m.peek32(0x40013804) & (1 << 23), 1 << 23, 'SYSCFG_PMC.MII_RMII_SEL');
  t.is(m.peek32(0x40023830) & 0x0e000000, 0x0e000000, 'ETHMAC, TX and RX clocks');
  t.is(m.peek32(ETH + 0x44), MACA0LR_VALUE, 'MACA0LR holds the first four bytes, first in the low byte');
  t.is(m.peek32(ETH + 0x40), MACA0HR_VALUE, 'MACA0HR: the last two, and MO');
  t.is(m.peek32(ETH + 0x04), 0, 'MACFFR: perfect filter, broadcast on');
  t.is(m.peek32(DMAOMR) & 0x02202002, 0x02202002, 'DMAOMR: store-and-forward both ways, started both ways');
  t.false(bench.driver.linkUp(), 'link down until the PHY has negotiated');
  for (let ms = 0; ms < 200 && !bench.driver.linkUp(); ms++) bench.advance(1);
  t.true(bench.driver.linkUp());
  t.is(m.peek32(MACCR) & 0x480c, 0x480c, 'MACCR: 100 Mbit/s, full duplex, receiver and transmitter on');
  t.is(m.phy[4], 0x01e1, 'ANAR: all four modes advertised');
  noFaults(t, m, bench.driver);
});

test('auto-negotiation with a 10 Mbit/s half-duplex partner: the MAC is set to match and frames pass both ways', (t) => {
  const bench = new EthBench({ partner: 0x0021 });
  t.true(bench.start());
  t.is(bench.model.peek32(MACCR) & 0x4800, 0, 'MACCR: FES and DM clear');
  bench.inject(OUR_MAC, 100, 1);
  bench.poll();
  bench.driver.transmit(pattern(80, 2), 80);
  bench.clock.run();
  t.is(bench.delivered.length, 1);
  t.is(bench.heard.length, 1);
  noFaults(t, bench.model, bench.driver);
});

test('no REF_CLK: the DMA reset never ends, reset() says so and the NIC stays down; no PHY at the address: the same', (t) => {
  const noClock = new EthBench({ refClock: false });
  t.false(noClock.driver.reset());
  t.is(noClock.driver.counters[Stm32EthCounter.chipTimeouts], 1);
  noClock.driver.transmit(new Uint8Array(60), 60);
  t.is(noClock.driver.counters[Stm32EthCounter.txDropped], 1);
  t.is(noClock.poll(), 0);
  noClock.model.setRefClock(true);
  noClock.advance(2200);
  t.true(noClock.driver.linkUp(), 'the driver retried by itself once the clock ran');
  t.is(noClock.driver.counters[Stm32EthCounter.chipTimeouts], 1);
  const noPhy = new EthBench({ phyAddress: 1 });
  t.false(noPhy.driver.reset(), 'nothing answers at MDIO address 0');
  t.deepEqual(noPhy.model.faults, []);
});

test('the receive ring wraps many times: every frame intact and in order, short frames padded, other unicast and multicast dropped', (t) => {
  const bench = new EthBench();
  t.true(bench.start());
  const sent: Uint8Array[] = [];
  let seed = 1;
  for (let round = 0; round < 60; round++) {
    const burst = 1 + (round % WIRING.rxDescriptors);
    for (let i = 0; i < burst; i++) sent.push(bench.inject(round % 7 === 0 ? BROADCAST : OUR_MAC, 14 + ((round * 397 + i * 131) % 1501), seed++));
    bench.inject(macFor(77), 100, seed++);
    bench.inject(new Uint8Array([0x01, 0, 0x5e, 0, 0, 1]), 100, seed++);
    bench.poll();
  }
  t.is(bench.delivered.length, sent.length);
  for (let i = 0; i < sent.length; i++) {
    const want = sent[i];
    t.is(bench.delivered[i].length, Math.max(60, want.length), 'frame ' + i + ' length (short frames padded to 60)');
    t.true(same(bench.delivered[i].subarray(0, want.length), want), 'frame ' + i + ' bytes');
  }
  t.is(bench.model.filtered, 120, 'another station\'s unicast and a multicast per round');
  t.is(bench.driver.counters[Stm32EthCounter.rxErrors], 0);
  noFaults(t, bench.model, bench.driver);
});

test('a flood overruns the receive ring: the DMA suspends (RBUS) and discards, MFC counts, the driver resumes it and counts; the link stays up', (t) => {
  const bench = new EthBench();
  t.true(bench.start());
  const flood = 25;
  for (let i = 0; i < flood; i++) bench.inject(OUR_MAC, 600, 100 + i);
  t.is(bench.model.received, WIRING.rxDescriptors, 'the ring holds ' + WIRING.rxDescriptors);
  t.is(bench.model.missedNoDescriptor, flood - WIRING.rxDescriptors);
  t.is((bench.model.peek32(DMASR) >>> 17) & 7, 4, 'receive DMA suspended');
  t.is(bench.poll(), WIRING.rxDescriptors);
  const counters = bench.driver.counters;
  t.is(counters[Stm32EthCounter.rxResumes], 1, 'the driver cleared RBUS and wrote the poll demand');
  t.is((bench.model.peek32(DMASR) >>> 17) & 7, 1, 'receive DMA running again');
  bench.advance(60);
  t.is(counters[Stm32EthCounter.rxMissed], flood - WIRING.rxDescriptors, 'DMAMFBOCR.MFC read into the counters');
  const after = bench.inject(OUR_MAC, 300, 999);
  bench.poll();
  t.true(same(bench.delivered[bench.delivered.length - 1], after), 'frames flow again');
  t.true(bench.driver.linkUp());
  t.is(counters[Stm32EthCounter.linkDrops], 0);
  noFaults(t, bench.model, bench.driver);
});

test('with DFRF the FIFO holds frames while the ring is full; beyond its 2 KB they are lost and MFA counts them as overflows', (t) => {
  const bench = new EthBench();
  t.true(bench.start());
  bench.model.poke32(DMAOMR, bench.model.peek32(DMAOMR) | (1 << 24));
  const flood = 12;
  for (let i = 0; i < flood; i++) bench.inject(OUR_MAC, 500, 200 + i);
  // 4 in the ring, four frames of 504 bytes with their CRC in the 2 KB FIFO, the rest overflow.
  const held = 4;
  t.is(bench.model.fifoOverflows, flood - WIRING.rxDescriptors - held);
  t.not((bench.model.peek32(DMASR) & (1 << 4)), 0, 'DMASR.ROS');
  let polls = 0;
  while (bench.delivered.length < WIRING.rxDescriptors + held && polls++ < 10) bench.poll();
  t.is(bench.delivered.length, WIRING.rxDescriptors + held, 'the held frames came through once descriptors were free');
  bench.advance(60);
  t.is(bench.driver.counters[Stm32EthCounter.rxOverflows], flood - WIRING.rxDescriptors - held);
  for (let i = 0; i < bench.delivered.length; i++) t.is(bench.delivered[i][20], pattern(500, 200 + i)[20], 'in order');
  noFaults(t, bench.model, bench.driver);
});

test('transmit ring full: transmit() waits for the wire (back-pressure), nothing is lost, frames leave in order', (t) => {
  const bench = new EthBench({ txLatency: 40 });
  t.true(bench.start());
  const frames: Uint8Array[] = [];
  for (let i = 0; i < 20; i++) {
    frames.push(pattern(100 + i * 50, 300 + i));
    bench.driver.transmit(frames[i], frames[i].length);
  }
  bench.model.settle();
  bench.clock.run();
  const counters = bench.driver.counters;
  t.true(counters[Stm32EthCounter.txWaits] >= 18, counters[Stm32EthCounter.txWaits] + ' waits for a descriptor');
  t.is(counters[Stm32EthCounter.txDropped], 0);
  t.is(counters[Stm32EthCounter.framesSent], 20);
  t.is(bench.heard.length, 20);
  for (let i = 0; i < 20; i++) t.true(same(bench.heard[i], frames[i]), 'frame ' + i);
  noFaults(t, bench.model, bench.driver);
});

test('a transmit DMA that never gives a descriptor back: transmit() gives up after a bounded wait and counts it', (t) => {
  const bench = new EthBench({ txLatency: -1 });
  t.true(bench.start());
  for (let i = 0; i < WIRING.txDescriptors + 1; i++) bench.driver.transmit(pattern(100, i), 100);
  const counters = bench.driver.counters;
  t.is(counters[Stm32EthCounter.chipTimeouts], 1);
  t.is(counters[Stm32EthCounter.txDropped], 1);
  t.is(counters[Stm32EthCounter.framesSent], WIRING.txDescriptors);
});

test('cable pulled: the latched link status reports it, sends are refused; plugged back in, auto-negotiation and the MAC mode again', (t) => {
  const bench = new EthBench();
  t.true(bench.start());
  bench.model.setCable(false);
  bench.advance(60);
  t.false(bench.driver.linkUp());
  t.is(bench.driver.counters[Stm32EthCounter.linkDrops], 1);
  bench.driver.transmit(pattern(100, 1), 100);
  t.is(bench.driver.counters[Stm32EthCounter.txDropped], 1);
  bench.model.setCable(true);
  bench.advance(120);
  t.true(bench.driver.linkUp());
  bench.driver.transmit(pattern(100, 2), 100);
  bench.clock.run();
  t.is(bench.heard.length, 1);
  noFaults(t, bench.model, bench.driver);
});

test('the interpreter moves the buffers (E.defrag): the next link check sees the new address and re-initialises the MAC there', (t) => {
  const bench = new EthBench();
  t.true(bench.start());
  bench.model.moveMemory();
  bench.advance(60);
  t.is(bench.driver.counters[Stm32EthCounter.bufferMoves], 1);
  bench.advance(200);
  t.true(bench.driver.linkUp());
  const frame = bench.inject(OUR_MAC, 400, 5);
  bench.poll();
  t.true(same(bench.delivered[bench.delivered.length - 1], frame));
  noFaults(t, bench.model, bench.driver);
});

test('the model: chained descriptors (RCH/TCH), a frame split across small buffers with FS/LS and the length with CRC, truncation (DE), faults', (t) => {
  const clock = new VirtualClock();
  const link = new Link(clock);
  const model = new Stm32EthModel(link, clock, modelOptions());
  const heard: Uint8Array[] = [];
  const probe = link.attach({ deliver: (frame, length) => heard.push(frame.slice(0, length)) });
  model.poke32(0x40023830, 0x0e000000);
  model.poke32(0x40013804, 0);
  const memory = new Uint8Array(4096);
  const words = new Uint32Array(memory.buffer, 0, 64);
  const base = model.addressOf(memory);
  // three chained receive descriptors of 256 bytes at 0, 16, 32; buffers from 1024; then two transmit descriptors at 64, 80
  for (let i = 0; i < 3; i++) {
    words[i * 4] = 0x80000000;
    words[i * 4 + 1] = (1 << 14) | 256;
    words[i * 4 + 2] = base + 1024 + i * 256;
    words[i * 4 + 3] = base + ((i + 1) % 3) * 16;
  }
  model.poke32(ETH + 0x100c, base);
  model.poke32(ETH + 0x44, MACA0LR_VALUE);
  model.poke32(ETH + 0x40, MACA0HR_VALUE);
  model.poke32(ETH + 0x1018, 0x02);
  t.deepEqual(model.faults, ['reception started with SYSCFG_PMC selecting MII, not RMII',
    ...WIRING.pins.split(' ').map((pin) => 'RMII pin ' + pin + ' not in alternate function 11 (mode 0, AF 0)')]);
  model.faults.length = 0;
  for (let ms = 0; ms < 40 && !model.phyLinkUp(); ms++) clock.runUntil(clock.now() + 1);
  model.poke32(MACCR, 0xc80c);
  const frame = pattern(600, 7);
  frame.set(OUR_MAC, 0);
  link.transmit(probe, frame, 600);
  clock.run();
  t.is(words[0] >>> 0, (0x0200 | 0) >>> 0, 'first descriptor: FS, released');
  t.is(words[4] >>> 0, 0, 'middle descriptor: neither FS nor LS');
  t.is(words[8] >>> 0, (0x0100 | (604 << 16)) >>> 0, 'last: LS and the frame length with its CRC');
  t.true(same(memory.subarray(1024, 1024 + 600), frame), 'the bytes, across three buffers in chain order');
  t.is((model.peek32(DMASR) >>> 17) & 7, 4, 'suspended: the next descriptor is the host\'s');
  words[0] = 0x80000000;
  words[4] = 0x80000000;
  model.poke32(ETH + 0x1014, 0x80);
  model.poke32(ETH + 0x1008, 0);
  link.transmit(probe, frame, 600);
  clock.run();
  t.is(words[0] >>> 0, 0x0200, 'truncated frame: FS');
  t.is(words[4] >>> 0, (0x8000 | 0x4000 | 0x0100 | (512 << 16)) >>> 0, 'then ES, DE and LS where the ring ran out');
  // transmit: a frame gathered from two chained descriptors
  words[16] = (0x80000000 | (1 << 28) | (1 << 20)) >>> 0;
  words[17] = 100;
  words[18] = base + 2048;
  words[19] = base + 80;
  words[20] = (0x80000000 | (1 << 29) | (1 << 20)) >>> 0;
  words[21] = 50;
  words[22] = base + 2148;
  words[23] = base + 64;
  memory.set(pattern(150, 9), 2048);
  model.poke32(ETH + 0x1010, base + 64);
  model.poke32(ETH + 0x1018, 0x2002);
  clock.run();
  t.is(heard.length, 1);
  t.true(same(heard[0], pattern(150, 9)));
  t.is(words[16] & 0x80000000, 0, 'both handed back');
  t.is(words[20] & 0x80000000, 0);
  t.is((model.peek32(DMASR) >>> 20) & 7, 6, 'transmit DMA suspended on a descriptor it does not own');
  model.poke32(ETH + 0x100c, base);
  t.regex(model.faults.join(), /DMARDLAR written while that DMA was running/);
  model.poke32(0x40023810, 0x02000000);
  model.peek32(MACCR);
  t.regex(model.faults.join(), /MAC unclocked or in reset/);
});
