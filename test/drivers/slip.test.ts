import test, { ExecutionContext } from 'ava';
import { statNames } from '../../firmware/stats';
import { SlipCounter, SlipNic } from '../../hal/drivers/slip';
import { VirtualClock } from '../../sim/clock';
import { NodeHal } from '../../sim/node-hal';
import { SerialLine, SerialLineOptions } from '../../sim/uart/serial-line';
import { PolledBoard } from './slip-harness';
import { echo, handshake, leakCheck, pattern, runUntil, sameBytes } from './w5500-harness';

const DEVICE_IP = '192.0.2.2';
const PEER_IP = '192.0.2.1';
const MEGABYTE = 1 << 20;

function stat(stats: Uint32Array, name: string): number {
  return stats[statNames().indexOf(name)];
}

/** The driver alone on one end of a line; the other end is a raw port the test writes and reads. */
function bench(mtu = 1500): { clock: VirtualClock; line: SerialLine; nic: SlipNic; delivered: number[][] } {
  const clock = new VirtualClock();
  const line = new SerialLine(clock, { baud: 1000000, receiveBuffer: 16384 });
  const nic = new SlipNic(line.a, new NodeHal(clock, 1), mtu);
  return { clock, line, nic, delivered: [] };
}

function pollAll(b: ReturnType<typeof bench>): number {
  b.clock.runUntil(b.clock.now() + 1000);
  let total = 0;
  for (;;) {
    const n = b.nic.poll({ input: (frame, length) => b.delivered.push(Array.from(frame.subarray(0, length))) });
    if (n === 0 && b.line.a.waiting() === 0) return total;
    total += n;
  }
}

function sendRaw(b: ReturnType<typeof bench>, bytes: number[]): void {
  b.line.b.write(new Uint8Array(bytes), 0, bytes.length);
}

function readRaw(b: ReturnType<typeof bench>): number[] {
  b.clock.runUntil(b.clock.now() + 1000);
  const buffer = new Uint8Array(65536);
  const n = b.line.b.read(buffer, 0, buffer.length);
  return Array.from(buffer.subarray(0, n));
}

test('transmit escapes END and ESC, and frames the packet with a leading and a trailing END', (t) => {
  const b = bench();
  const packet = new Uint8Array([1, 0xc0, 2, 0xdb, 0xdb, 0xc0, 0xdc, 0xdd, 3]);
  b.nic.transmit(packet, packet.length);
  t.deepEqual(readRaw(b), [0xc0, 1, 0xdb, 0xdc, 2, 0xdb, 0xdd, 0xdb, 0xdd, 0xdb, 0xdc, 0xdc, 0xdd, 3, 0xc0]);
  b.nic.transmit(packet, 3);
  t.deepEqual(readRaw(b), [0xc0, 1, 0xdb, 0xdc, 2, 0xc0], 'only `length` bytes, stale bytes after it ignored');
  t.is(b.nic.counters[SlipCounter.framesSent], 2);
});

test('round trip of every byte value, frames split across reads at every position', (t) => {
  const b = bench();
  const packet = new Uint8Array(600);
  for (let i = 0; i < packet.length; i++) packet[i] = i % 3 === 0 ? 0xc0 : i % 5 === 0 ? 0xdb : i & 0xff;
  for (let frame = 0; frame < 20; frame++) {
    packet[0] = frame;
    b.nic.transmit(packet, packet.length - frame * 7);
  }
  const wire = readRaw(b);
  // Feed the wire back in slices of odd sizes so ESC pairs and ENDs straddle reads.
  let offset = 0;
  let size = 1;
  while (offset < wire.length) {
    sendRaw(b, wire.slice(offset, offset + size));
    pollAll(b);
    offset += size;
    size = (size * 7 + 3) % 311 + 1;
  }
  t.is(b.delivered.length, 20);
  for (let frame = 0; frame < 20; frame++) {
    packet[0] = frame;
    t.deepEqual(b.delivered[frame], Array.from(packet.subarray(0, packet.length - frame * 7)), 'frame ' + frame);
  }
  t.is(b.nic.counters[SlipCounter.framesReceived], 20);
  t.is(b.nic.counters[SlipCounter.rxOversize] + b.nic.counters[SlipCounter.rxBadEscape], 0);
});

test('oversized and garbled frames are dropped and counted; the decoder resynchronises on the next END', (t) => {
  const b = bench(64);
  const good = [0x45, 1, 2, 3];
  const tooLong: number[] = [];
  for (let i = 0; i < 65; i++) tooLong.push(i);
  sendRaw(b, [0xc0].concat(tooLong, [0xc0], good, [0xc0]));
  sendRaw(b, [0xc0, 9, 0xdb, 0x41, 9, 0xc0].concat(good, [0xc0]));
  sendRaw(b, [0xc0, 9, 0xdb, 0xc0].concat(good, [0xc0]));
  sendRaw(b, [0xc0, 0xc0, 0xc0].concat(good, [0xc0, 0xc0]));
  // Exactly the MTU, with an escaped byte as the last one, still fits.
  const full = tooLong.slice(0, 63).concat([0xdb, 0xdc]);
  sendRaw(b, [0xc0].concat(full, [0xc0]));
  pollAll(b);
  t.deepEqual(b.delivered.slice(0, 4), [good, good, good, good]);
  t.deepEqual(b.delivered[4], tooLong.slice(0, 63).concat([0xc0]));
  t.is(b.delivered.length, 5);
  t.is(b.nic.counters[SlipCounter.rxOversize], 1);
  t.is(b.nic.counters[SlipCounter.rxBadEscape], 2);
  const big = new Uint8Array(65);
  b.nic.transmit(big, 65);
  t.is(b.nic.counters[SlipCounter.txDropped], 1, 'a packet over the MTU is not sent');
  t.deepEqual(readRaw(b), []);
});

interface Run {
  clock: VirtualClock;
  line: SerialLine;
  device: PolledBoard<SlipNic>;
  peer: PolledBoard<SlipNic>;
}

function setUp(lineOptions: SerialLineOptions, config: { [field: string]: unknown } = {}): Run {
  const clock = new VirtualClock();
  const line = new SerialLine(clock, lineOptions);
  const device = new PolledBoard(clock, (hal) => new SlipNic(line.a, hal, 1500), Object.assign({ ip: DEVICE_IP }, config), 77);
  const peer = new PolledBoard(clock, (hal) => new SlipNic(line.b, hal, 1500), Object.assign({ ip: PEER_IP }, config), 99);
  device.start();
  peer.start();
  return { clock, line, device, peer };
}

function tearDown(t: ExecutionContext, run: Run): void {
  run.device.stop();
  run.peer.stop();
  run.clock.run();
  t.is(run.clock.pending(), 0, 'simulation drained');
  leakCheck(t, run.device.stack, run.device.memoryAtStart, 'device');
  leakCheck(t, run.peer.stack, run.peer.memoryAtStart, 'peer');
  t.is(run.line.a.overruns + run.line.b.overruns, 0, 'no UART overruns');
}

test('handshake over SLIP at 115200 baud: no ARP, the connection opens and closes cleanly', (t) => {
  const run = setUp({ baud: 115200 });
  handshake(t, run.clock, run.device.net, run.peer.net, DEVICE_IP);
  t.true(run.device.nic.counters[SlipCounter.framesReceived] >= 3);
  t.is(stat(run.device.stack.stats, 'arpRequestsSent'), 0, 'no ARP on an IP-only link');
  tearDown(t, run);
});

test('1 MB each way through the echo server over SLIP, byte for byte', (t) => {
  const run = setUp({ baud: 2000000, receiveBuffer: 16384 });
  const data = pattern(MEGABYTE, 11);
  const flow = echo(run.device.net, run.peer.net, DEVICE_IP, data);
  const ms = runUntil(run.clock, () => flow.closed.client && flow.closed.server, 600000);
  sameBytes(t, flow.received, data);
  t.deepEqual(flow.errors, []);
  const counters = run.device.nic.counters;
  t.is(counters[SlipCounter.rxOversize] + counters[SlipCounter.rxBadEscape], 0);
  t.log('virtual ' + ms + ' ms; packets in ' + counters[SlipCounter.framesReceived] + ', out ' + counters[SlipCounter.framesSent]);
  tearDown(t, run);
});

test('cable unplugged for 3 s mid-transfer: frames cut in half are dropped, TCP retransmits, the transfer completes', (t) => {
  const run = setUp({ baud: 1000000, receiveBuffer: 16384 });
  const data = pattern(256 * 1024, 12);
  const flow = echo(run.device.net, run.peer.net, DEVICE_IP, data);
  runUntil(run.clock, () => flow.received.length >= data.length / 3, 600000);
  t.true(flow.received.length < data.length, 'unplugged mid-transfer');
  run.line.connected = false;
  runUntil(run.clock, () => false, 3000);
  run.line.connected = true;
  runUntil(run.clock, () => flow.closed.client && flow.closed.server, 600000);
  sameBytes(t, flow.received, data);
  t.deepEqual(flow.errors, []);
  t.true(run.line.cutBytes > 0, 'the outage lost ' + run.line.cutBytes + ' bytes');
  t.true(stat(run.peer.stack.stats, 'tcpRetransmits') + stat(run.device.stack.stats, 'tcpRetransmits') > 0, 'TCP retransmitted');
  tearDown(t, run);
});

test('cable unplugged for longer than the user timeout: both ends fail with ETIMEDOUT and free everything', (t) => {
  const run = setUp({ baud: 1000000, receiveBuffer: 16384 }, { userTimeout: 20000 });
  const data = pattern(256 * 1024, 13);
  const flow = echo(run.device.net, run.peer.net, DEVICE_IP, data);
  runUntil(run.clock, () => flow.received.length >= data.length / 4, 600000);
  run.line.connected = false;
  runUntil(run.clock, () => flow.closed.client && flow.closed.server, 120000);
  run.line.connected = true;
  t.true(flow.closed.client && flow.closed.server, 'both sockets closed');
  t.deepEqual(flow.errors.sort(), ['client ETIMEDOUT', 'server ETIMEDOUT']);
  tearDown(t, run);
});

test('a noisy line: corrupted bytes cost packets (bad escapes in the driver, bad checksums in the stack), TCP delivers intact', (t) => {
  const run = setUp({ baud: 1000000, receiveBuffer: 16384 });
  run.line.corruption = 0.00002;
  const data = pattern(256 * 1024, 14);
  const flow = echo(run.device.net, run.peer.net, DEVICE_IP, data);
  runUntil(run.clock, () => flow.closed.client && flow.closed.server, 600000);
  sameBytes(t, flow.received, data);
  t.true(run.line.corrupted > 0, run.line.corrupted + ' bytes corrupted');
  tearDown(t, run);
});
