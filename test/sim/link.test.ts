import test from 'ava';
import { VirtualClock } from '../../sim/clock';
import { Impairments, Link, LinkEndpoint, LinkOptions } from '../../sim/link';

interface Arrival {
  sequence: number;
  time: number;
  bytes: Uint8Array;
}

/** Records every frame it receives, with the arrival time. */
class Probe implements LinkEndpoint {
  readonly arrivals: Arrival[] = [];
  constructor(private readonly clock: VirtualClock) {}
  deliver(frame: Uint8Array, length: number): void {
    const view = new DataView(frame.buffer, frame.byteOffset, length);
    this.arrivals.push({ sequence: view.getUint32(0), time: this.clock.now(), bytes: frame.slice(0, length) });
  }
  sequences(): number[] {
    return this.arrivals.map((arrival) => arrival.sequence);
  }
}

/** A sender's frame: a 4-byte sequence number, then a fixed pattern; one buffer reused as a stack would. */
function frameSender(link: Link, port: number, size = 100): (sequence: number) => Uint8Array {
  const buffer = new Uint8Array(1600);
  return (sequence: number) => {
    for (let i = 4; i < size; i++) buffer[i] = (i * 7) & 0xff;
    new DataView(buffer.buffer).setUint32(0, sequence);
    link.transmit(port, buffer, size);
    return buffer.slice(0, size);
  };
}

function setup(options: LinkOptions = {}, endpoints = 2) {
  const clock = new VirtualClock();
  const link = new Link(clock, options);
  const probes: Probe[] = [];
  for (let i = 0; i < endpoints; i++) {
    const probe = new Probe(clock);
    link.attach(probe);
    probes.push(probe);
  }
  return { clock, link, probes, send: frameSender(link, 0) };
}

/** Sends `count` frames 1 ms apart and runs the clock dry; returns the receiver's sequences. */
function sendMany(options: LinkOptions, count: number): { link: Link; clock: VirtualClock; received: Probe } {
  const { clock, link, probes, send } = setup(options);
  for (let i = 0; i < count; i++) clock.at(i, () => send(i));
  clock.run();
  return { link, clock, received: probes[1] };
}

test('a frame reaches every other endpoint, not its sender, as a copy', (t) => {
  const { clock, link, probes } = setup({}, 4);
  const sendFrom2 = frameSender(link, 2);
  const original = sendFrom2(77);
  t.is(clock.pending(), 1);
  t.deepEqual(probes.map((probe) => probe.arrivals.length), [0, 0, 0, 0], 'nothing is delivered synchronously');
  sendFrom2(78); // reuses the sender's buffer: the first frame must already be a copy
  clock.run();
  t.deepEqual(probes.map((probe) => probe.sequences()), [[77, 78], [77, 78], [], [77, 78]]);
  t.deepEqual(probes[0].arrivals[0].bytes, original);
  t.is(link.counters(2).sent, 2);
  t.is(link.counters(2).delivered, 2);
  t.is(link.counters(0).received, 2);
  t.is(link.counters(2).received, 0);
  t.is(link.totals().received, 6);
  t.is(clock.pending(), 0);
});

test('each receiver gets its own buffer', (t) => {
  const clock = new VirtualClock();
  const link = new Link(clock);
  const buffers: Uint8Array[] = [];
  for (let i = 0; i < 3; i++) link.attach({ deliver: (frame) => buffers.push(frame) });
  link.transmit(0, new Uint8Array([1, 2, 3]), 3);
  clock.run();
  t.is(buffers.length, 2);
  t.not(buffers[0].buffer, buffers[1].buffer);
  buffers[0][0] = 99;
  t.is(buffers[1][0], 1);
  t.is(clock.pending(), 0);
});

test('fixed delay and bounded jitter, without reordering', (t) => {
  const { received, clock } = sendMany({ delay: 5, jitter: 3, seed: 3 }, 2000);
  const arrivals = received.arrivals;
  t.is(arrivals.length, 2000);
  let outOfOrder = 0;
  let minimum = Infinity;
  let maximum = 0;
  for (let i = 0; i < arrivals.length; i++) {
    if (arrivals[i].sequence !== i) outOfOrder++;
    const latency = arrivals[i].time - i;
    minimum = Math.min(minimum, latency);
    maximum = Math.max(maximum, latency);
  }
  t.is(outOfOrder, 0, 'jitter alone keeps the order');
  t.true(minimum >= 5 && minimum < 5.1);
  t.true(maximum < 8 && maximum > 7.9);
  t.is(clock.pending(), 0);
});

test('loss is close to its probability, counted, and replays exactly for a seed', (t) => {
  const count = 20000;
  const first = sendMany({ loss: 0.1, seed: 11 }, count);
  const lost = first.link.counters(0).lost;
  t.true(Math.abs(lost / count - 0.1) < 0.01, 'lost ' + lost);
  t.is(first.received.arrivals.length, count - lost);
  t.is(first.link.counters(0).delivered, count - lost);
  const again = sendMany({ loss: 0.1, seed: 11 }, count);
  t.deepEqual(again.received.sequences(), first.received.sequences());
  const other = sendMany({ loss: 0.1, seed: 12 }, count);
  t.notDeepEqual(other.received.sequences(), first.received.sequences());
  t.is(first.clock.pending() + again.clock.pending() + other.clock.pending(), 0);
});

test('a whole impaired run (every impairment at once) replays exactly for a seed', (t) => {
  const options: LinkOptions = {
    seed: 5, delay: 2, jitter: 4, loss: 0.05, duplicate: 0.05, reorder: 0.05, reorderDelay: 7, corrupt: 0.05,
    bandwidth: 200000, queueLimit: 8,
  };
  const runs = [sendMany(options, 3000), sendMany(options, 3000)];
  const describe = (probe: Probe) => probe.arrivals.map((a) => a.sequence + '@' + a.time + ':' + Buffer.from(a.bytes).toString('hex'));
  t.deepEqual(describe(runs[0].received), describe(runs[1].received));
  t.deepEqual(runs[0].link.totals(), runs[1].link.totals());
  const counters = runs[0].link.counters(0);
  t.true(counters.lost > 0 && counters.duplicated > 0 && counters.reordered > 0 && counters.corrupted > 0);
  t.is(runs[0].clock.pending() + runs[1].clock.pending(), 0);
});

test('duplication is close to its probability and the copy arrives too', (t) => {
  const count = 20000;
  const { link, received, clock } = sendMany({ duplicate: 0.05, seed: 21 }, count);
  const duplicated = link.counters(0).duplicated;
  t.true(Math.abs(duplicated / count - 0.05) < 0.006, 'duplicated ' + duplicated);
  t.is(received.arrivals.length, count + duplicated);
  t.is(link.counters(0).delivered, count + duplicated);
  const seen = new Map<number, number>();
  for (const sequence of received.sequences()) seen.set(sequence, (seen.get(sequence) || 0) + 1);
  t.is([...seen.values()].filter((times) => times === 2).length, duplicated);
  t.is(clock.pending(), 0);
});

test('reordering holds frames back so that later frames overtake them', (t) => {
  const count = 10000;
  const { link, received, clock } = sendMany({ delay: 1, reorder: 0.02, reorderDelay: 5.5, seed: 31 }, count);
  const reordered = link.counters(0).reordered;
  t.true(Math.abs(reordered / count - 0.02) < 0.005, 'reordered ' + reordered);
  const sequences = received.sequences();
  t.is(sequences.length, count);
  let overtaken = 0;
  for (let i = 1; i < sequences.length; i++) if (sequences[i] < sequences[i - 1]) overtaken++;
  // Frames are 1 ms apart and held back 5.5 ms, so each held-back frame arrives after later ones.
  t.is(overtaken, reordered);
  t.deepEqual([...sequences].sort((a, b) => a - b), sequences.map((_, i) => i));
  t.is(clock.pending(), 0);
});

test('corruption flips exactly one bit of a frame', (t) => {
  const count = 5000;
  const { clock, link, probes, send } = setup({ corrupt: 0.2, seed: 41 });
  const sent: Uint8Array[] = [];
  for (let i = 0; i < count; i++) clock.at(i, () => sent.push(send(i)));
  clock.run();
  const corrupted = link.counters(0).corrupted;
  t.true(Math.abs(corrupted / count - 0.2) < 0.02, 'corrupted ' + corrupted);
  const arrivals = probes[1].arrivals;
  t.is(arrivals.length, count);
  let differing = 0;
  let badFlips = 0;
  const bitPositions = new Set<number>();
  for (let i = 0; i < count; i++) {
    const got = arrivals[i].bytes;
    const want = sent[i];
    let flippedBits = 0;
    for (let byte = 0; byte < want.length; byte++) {
      let difference = got[byte] ^ want[byte];
      if (difference) bitPositions.add(byte * 8 + Math.log2(difference & -difference));
      while (difference) {
        flippedBits += difference & 1;
        difference >>>= 1;
      }
    }
    if (flippedBits > 0) differing++;
    if (flippedBits > 1) badFlips++;
  }
  t.is(badFlips, 0);
  t.is(differing, corrupted);
  t.true(bitPositions.size > 400, 'flips spread over the frame: ' + bitPositions.size + ' of 800 bits');
  t.is(clock.pending(), 0);
});

test('a bandwidth cap serialises frames at the given rate and tail-drops a full queue', (t) => {
  const { clock, link, probes, send } = setup({ bandwidth: 1000, queueLimit: 5, delay: 2 });
  for (let i = 0; i < 8; i++) send(i); // 100-byte frames at 1000 B/s: 100 ms each
  t.is(link.counters(0).queueDrops, 3);
  clock.runUntil(250);
  send(8); // two frames have left the queue by now: room again
  clock.run();
  t.deepEqual(probes[1].sequences(), [0, 1, 2, 3, 4, 8]);
  t.deepEqual(probes[1].arrivals.map((arrival) => arrival.time), [102, 202, 302, 402, 502, 602]);
  t.is(link.counters(0).sent, 9);
  t.is(link.counters(0).delivered, 6);
  // An idle transmitter starts at once.
  clock.runUntil(1000);
  send(9);
  clock.run();
  t.is(probes[1].arrivals[6].time, 1102);
  t.is(clock.pending(), 0);
});

test('a transmitter kept busy for a long run keeps exact timing and queue accounting', (t) => {
  const { clock, link, probes, send } = setup({ bandwidth: 100000, queueLimit: 3 });
  // 100-byte frames take 1 ms; two are offered every 2 ms, so the queue hovers at one or two.
  for (let i = 0; i < 3000; i++) clock.at(Math.floor(i / 2) * 2, () => send(i));
  clock.run();
  t.is(link.counters(0).queueDrops, 0);
  const late = probes[1].arrivals.filter((arrival, i) => arrival.sequence !== i || arrival.time !== i + 1);
  t.deepEqual(late, []);
  t.is(clock.pending(), 0);
});

test('the cap is per direction: each port has its own transmitter', (t) => {
  const { clock, link, probes, send } = setup({ bandwidth: 10000 });
  const sendBack = frameSender(link, 1);
  send(1);
  sendBack(2);
  clock.run();
  t.deepEqual(probes[1].arrivals.map((arrival) => arrival.time), [10]);
  t.deepEqual(probes[0].arrivals.map((arrival) => arrival.time), [10]);
  t.is(clock.pending(), 0);
});

test('a cut link drops frames when sent and frames in flight, and carries again when restored', (t) => {
  const { clock, link, probes, send } = setup({ delay: 10 });
  send(1);
  clock.runUntil(5);
  link.up = false;
  send(2);
  clock.run();
  t.deepEqual(probes[1].sequences(), []);
  t.is(link.counters(0).cutDrops, 2);
  link.up = true;
  send(3);
  clock.run();
  t.deepEqual(probes[1].sequences(), [3]);
  t.is(clock.pending(), 0);
});

test('impairments set for one port apply to that direction only, and can change at run time', (t) => {
  const { clock, link, probes, send } = setup();
  const sendBack = frameSender(link, 1);
  link.impair({ up: false }, 0);
  send(1);
  sendBack(2);
  clock.run();
  t.deepEqual(probes[1].sequences(), []);
  t.deepEqual(probes[0].sequences(), [2]);
  t.is(link.counters(0).cutDrops, 1);
  link.impair({ up: true, delay: 3 }, 0);
  t.is(link.impairments(0).delay, 3);
  t.is(link.impairments(1).delay, 0);
  send(3);
  clock.run();
  t.deepEqual(probes[1].arrivals.map((arrival) => [arrival.sequence, arrival.time]), [[3, 3]]);
  link.impair({ delay: 1 });
  t.is(link.impairments(0).delay, 1);
  t.is(link.impairments(1).delay, 1);
  const late = new Probe(clock);
  t.is(link.impairments(link.attach(late)).delay, 1, 'a port attached later gets the link-wide settings');
  t.is(clock.pending(), 0);
});

test('taps see every frame the segment carries, with its time, until removed', (t) => {
  const { clock, link, send } = setup({ delay: 4, loss: 0.5, seed: 2 });
  const seen: string[] = [];
  const tap = link.addTap((frame, length, time, from) => seen.push(new DataView(frame.buffer, frame.byteOffset).getUint32(0) + '@' + time + '/' + length + '<' + from));
  for (let i = 0; i < 20; i++) clock.at(i, () => send(i));
  clock.run();
  t.is(seen.length, link.counters(0).delivered);
  t.true(seen.length > 0 && seen.length < 20);
  for (const entry of seen) {
    const [sequence, rest] = entry.split('@');
    t.is(rest, Number(sequence) + 4 + '/100<0');
  }
  link.removeTap(tap);
  const before = seen.length;
  link.impair({ loss: 0 });
  send(99);
  clock.run();
  t.is(seen.length, before);
  t.is(clock.pending(), 0);
});

test('invalid impairments and unknown ports are refused', (t) => {
  const clock = new VirtualClock();
  t.throws(() => new Link(clock, { loss: 1.5 }), { instanceOf: RangeError });
  const link = new Link(clock);
  t.throws(() => link.impair({ delay: -1 }), { instanceOf: RangeError });
  t.throws(() => link.impair({ jitter: NaN }), { instanceOf: RangeError });
  t.throws(() => link.impair({ bogus: 1 } as unknown as Partial<Impairments>), { instanceOf: RangeError });
  t.throws(() => link.impair({ up: 1 } as unknown as Partial<Impairments>), { instanceOf: RangeError });
  t.throws(() => link.transmit(0, new Uint8Array(10), 10), { instanceOf: RangeError });
  t.throws(() => link.impair({ loss: 0.5 }, 3), { instanceOf: RangeError });
  t.is(clock.pending(), 0);
});
