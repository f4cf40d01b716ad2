import test from 'ava';
import { VirtualClock } from '../../sim/clock';
import { Device, macFor, SimHost } from '../../sim/host';
import { Link } from '../../sim/link';
import { SimNic } from '../../sim/sim-nic';

/** A device that records ticks and frames, and answers every frame with one of its own (reusing one buffer). */
class EchoDevice implements Device {
  readonly ticks: number[] = [];
  readonly frames: string[] = [];
  private readonly buffer = new Uint8Array(1514);
  constructor(private readonly name: string, public nic: SimNic | null = null) {}
  input(frame: Uint8Array, length: number): void {
    this.frames.push(Buffer.from(frame.subarray(0, length)).toString());
    if (this.nic && length < 20) {
      const reply = Buffer.from(this.name + ':' + Buffer.from(frame.subarray(0, length)).toString());
      this.buffer.set(reply);
      this.nic.transmit(this.buffer, reply.length);
    }
  }
  tick(now: number): void {
    this.ticks.push(now);
  }
}

test('macFor gives locally administered unicast addresses', (t) => {
  t.deepEqual([...macFor(1)], [2, 0, 0, 0, 0, 1]);
  t.deepEqual([...macFor(0x1234)], [2, 0, 0, 0, 0x12, 0x34]);
  t.not((macFor(7)[0] & 2), 0, 'locally administered bit');
  t.is(macFor(7)[0] & 1, 0, 'unicast');
});

test('a SimNic copies its MAC, carries frames both ways and counts them', (t) => {
  const clock = new VirtualClock();
  const link = new Link(clock, { delay: 1 });
  const mac = macFor(1);
  const a = new SimNic(link, { mac });
  mac[5] = 99;
  t.deepEqual([...a.mac], [2, 0, 0, 0, 0, 1]);
  t.true(a.ethernet);
  t.is(a.mtu, 1500);
  const b = new SimNic(link, { mac: macFor(2) });
  const deviceA = new EchoDevice('a');
  const deviceB = new EchoDevice('b', b);
  a.receiver = deviceA;
  b.receiver = deviceB;
  const frame = new Uint8Array(Buffer.from('hello'));
  a.transmit(frame, 5);
  frame.fill(0); // the stack reuses its buffer at once
  clock.run();
  t.deepEqual(deviceB.frames, ['hello']);
  t.deepEqual(deviceA.frames, ['b:hello']);
  t.is(a.transmitted, 1);
  t.is(a.received, 1);
  t.is(b.transmitted, 1);
  t.is(clock.now(), 2);
  t.is(clock.pending(), 0);
});

test('an IP-only NIC has a zero MAC and its own MTU; oversize frames are dropped and counted', (t) => {
  const clock = new VirtualClock();
  const link = new Link(clock);
  const slip = new SimNic(link, { ethernet: false, mtu: 296, mac: macFor(5) });
  const peer = new SimNic(link, { ethernet: false, mtu: 296 });
  const device = new EchoDevice('peer');
  peer.receiver = device;
  t.false(slip.ethernet);
  t.deepEqual([...slip.mac], [0, 0, 0, 0, 0, 0]);
  slip.transmit(new Uint8Array(297), 297);
  slip.transmit(new Uint8Array(10), 11);
  t.is(slip.oversize, 2);
  slip.transmit(new Uint8Array(296), 296);
  const ethernet = new SimNic(link, { mac: macFor(3) });
  ethernet.transmit(new Uint8Array(1514), 1514);
  ethernet.transmit(new Uint8Array(1515), 1515);
  t.is(ethernet.oversize, 1);
  clock.run();
  t.is(device.frames.length, 2);
  t.throws(() => new SimNic(link, {}), { instanceOf: RangeError });
  t.is(clock.pending(), 0);
});

test('linkUp follows the cable and the link; an unplugged cable stops frames both ways', (t) => {
  const clock = new VirtualClock();
  const link = new Link(clock);
  const a = new SimNic(link, { mac: macFor(1) });
  const b = new SimNic(link, { mac: macFor(2) });
  const deviceB = new EchoDevice('b');
  b.receiver = deviceB;
  t.true(a.linkUp());
  link.up = false;
  t.false(a.linkUp());
  t.false(b.linkUp());
  link.up = true;
  a.cable = false;
  t.false(a.linkUp());
  t.true(b.linkUp());
  a.transmit(new Uint8Array(60), 60);
  t.is(a.dropped, 1);
  t.is(link.counters(a.port).sent, 0);
  a.cable = true;
  b.cable = false;
  a.transmit(new Uint8Array(60), 60);
  clock.run();
  t.is(b.dropped, 1);
  t.deepEqual(deviceB.frames, []);
  b.cable = true;
  a.transmit(new Uint8Array(60), 60);
  clock.run();
  t.is(deviceB.frames.length, 1);
  t.is(clock.pending(), 0);
});

test('a SimHost ticks its device on virtual time, delivers frames only while running, and stops cleanly', (t) => {
  const clock = new VirtualClock();
  const link = new Link(clock);
  const nic = new SimNic(link, { mac: macFor(1) });
  const sender = new SimNic(link, { mac: macFor(2) });
  const device = new EchoDevice('host');
  const host = new SimHost(clock, nic, device, 25);
  sender.transmit(new Uint8Array(Buffer.from('early')), 5);
  clock.run();
  t.is(nic.dropped, 1, 'a host that is not running drops frames');
  clock.runUntil(10);
  host.start();
  host.start();
  t.true(host.running);
  clock.runUntil(110);
  t.deepEqual(device.ticks, [35, 60, 85, 110]);
  sender.transmit(new Uint8Array(Buffer.from('ping')), 4);
  clock.runUntil(1000);
  t.deepEqual(device.frames, ['ping']);
  t.is(device.ticks.length, 39);
  t.is(host.ticks, 39);
  host.stop();
  host.stop();
  t.false(host.running);
  t.is(clock.pending(), 0, 'stop cancels the tick timer so the clock drains');
  t.is(clock.run(), 0);
  sender.transmit(new Uint8Array(60), 60);
  clock.run();
  t.deepEqual(device.frames, ['ping']);
  host.start();
  clock.runUntil(clock.now() + 25);
  t.is(device.ticks[device.ticks.length - 1], 1025);
  host.stop();
  t.is(clock.pending(), 0);
});

test('a device may stop its own host from inside tick', (t) => {
  const clock = new VirtualClock();
  const link = new Link(clock);
  const nic = new SimNic(link, { mac: macFor(1) });
  let host: SimHost | null = null;
  const ticks: number[] = [];
  host = new SimHost(clock, nic, {
    input: () => undefined,
    tick: (now) => {
      ticks.push(now);
      if (ticks.length === 3 && host) host.stop();
    },
  });
  host.start();
  t.is(clock.run(100), 3);
  t.deepEqual(ticks, [10, 20, 30]);
  t.is(clock.pending(), 0);
  t.throws(() => new SimHost(clock, nic, { input: () => undefined, tick: () => undefined }, 0), { instanceOf: RangeError });
});

test('two hosts exchange frames over an impaired link and the run replays exactly', (t) => {
  const run = () => {
    const clock = new VirtualClock();
    const link = new Link(clock, { seed: 9, delay: 2, jitter: 1, loss: 0.2, duplicate: 0.1 });
    const nicA = new SimNic(link, { mac: macFor(1) });
    const nicB = new SimNic(link, { mac: macFor(2) });
    const a = new EchoDevice('a');
    const b = new EchoDevice('b', nicB);
    const hostA = new SimHost(clock, nicA, a);
    const hostB = new SimHost(clock, nicB, b);
    hostA.start();
    hostB.start();
    for (let i = 0; i < 200; i++) clock.at(i * 3, () => nicA.transmit(new Uint8Array(Buffer.from('m' + i)), ('m' + i).length));
    clock.runUntil(1000);
    hostA.stop();
    hostB.stop();
    clock.run();
    return { answers: a.frames, pending: clock.pending(), totals: link.totals() };
  };
  const first = run();
  const second = run();
  t.deepEqual(first.answers, second.answers);
  t.deepEqual(first.totals, second.totals);
  t.true(first.answers.length > 100 && first.answers.length < 200);
  t.is(first.pending, 0);
});
