import test, { ExecutionContext } from 'ava';
import { Socket } from '../../firmware/api/net';
import { SlotFlag } from '../../firmware/tcp/slot-table';
import { parseIp } from '../../firmware/wire/ip-address';
import { Link } from '../../sim/link';
import { Device, Network, buildNetwork, stat } from '../seeds/network';
import { RawPeer, RawSegment } from '../seeds/raw-peer';
import { read16, read32, u32 } from '../netif/harness';
import { ACK, RST, SYN } from '../tcp/harness';
import { Collector, exchange, pattern, sameBytes, settleAndCheck } from './flows';

/**
 * Selective acknowledgments (RFC 2018) and the loss recovery built on them (RFC 6675), early
 * retransmit (RFC 5827) and limited transmit (RFC 3042), between whole stacks on the simulated
 * link and against a RawPeer that writes its own options: negotiation, the blocks on the wire,
 * which bytes a sender resends, and what it does with blocks that make no sense.
 */

const CLIENT = '192.0.2.2';
const SERVER = '192.0.2.9';
const PORT = 7;
const SACK_PERMITTED = [1, 1, 4, 2];
const wideRings = { sendBuffer: 65535, receiveBuffer: 65535, sockets: 2, memoryBudget: 1 << 20 };

/** Whether the options offer SACK-permitted, and the SACK blocks they carry as [left, right]. */
function sackOptions(options: number[]): { permitted: boolean; blocks: number[][] } {
  const found = { permitted: false, blocks: [] as number[][] };
  for (let at = 0; at < options.length;) {
    const kind = options[at];
    if (kind === 0) break;
    if (kind === 1) {
      at++;
      continue;
    }
    if (kind === 4) found.permitted = true;
    if (kind === 5) for (let edge = at + 2; edge + 8 <= at + options[at + 1]; edge += 8) found.blocks.push([read32(options, edge), read32(options, edge + 4)]);
    at += options[at + 1];
  }
  return found;
}

/** A TCP segment as the link carried it from `fromPort`. */
interface WireSegment {
  fromPort: number;
  flags: number;
  seq: number;
  length: number;
  options: number[];
}

function parseFrame(frame: Uint8Array, fromPort: number): WireSegment | null {
  if (read16(frame, 12) !== 0x0800 || frame[23] !== 6) return null;
  const ihl = (frame[14] & 15) * 4;
  const tcp = 14 + ihl;
  const header = (frame[tcp + 12] >> 4) * 4;
  return {
    fromPort, flags: frame[tcp + 13], seq: read32(frame, tcp + 4), length: read16(frame, 16) - ihl - header,
    options: Array.from(frame.subarray(tcp + 20, tcp + header)),
  };
}

/** Every TCP segment the link carries, in order. */
function wiretap(link: Link): WireSegment[] {
  const seen: WireSegment[] = [];
  link.addTap((frame, length, _time, fromPort) => {
    const segment = parseFrame(frame.subarray(0, length), fromPort);
    if (segment) seen.push(segment);
  });
  return seen;
}

/** Loses the segments `drop` picks before the link sees them (a deterministic loss, unlike the link's). */
function dropWhere(link: Link, drop: (segment: WireSegment) => boolean): void {
  const transmit = link.transmit.bind(link);
  link.transmit = (fromPort: number, frame: Uint8Array, length: number) => {
    const segment = parseFrame(frame.subarray(0, length), fromPort);
    if (!segment || !drop(segment)) transmit(fromPort, frame, length);
  };
}

/** Bytes a port sent again below the highest sequence number it had sent before. */
function resentBytes(segments: WireSegment[], fromPort: number): number {
  let highest = -1;
  let isn = 0;
  let resent = 0;
  for (const segment of segments) {
    if (segment.fromPort !== fromPort) continue;
    if (segment.flags & SYN) isn = segment.seq;
    const end = (segment.seq - isn + segment.length) >>> 0;
    if (segment.length > 0 && end <= highest) resent += segment.length;
    if (end > highest) highest = end;
  }
  return resent;
}

function sackAgreed(device: Device): boolean[] {
  const slots = device.stack.tcp.slots;
  const agreed: boolean[] = [];
  for (let i = 0; i < device.stack.tcp.slotCount; i++) if (slots.flags[i] & SlotFlag.IN_USE) agreed.push((slots.flags[i] & SlotFlag.SACK) !== 0);
  return agreed;
}

function pair(seed: number, delay: number, clientConfig: { [field: string]: unknown }, serverConfig: { [field: string]: unknown }) {
  const network = buildNetwork({
    seed, link: { delay },
    hosts: [{ name: 'client', ip: CLIENT, config: clientConfig }, { name: 'server', ip: SERVER, config: serverConfig }],
  });
  return { network, client: network.host('client'), server: network.host('server') };
}

for (const serverOffers of [true, false]) {
  test(`SACK is agreed ${serverOffers ? 'when both ends offer it' : 'by neither end when the server does not offer it'}`, (t) => {
    const { network, client, server } = pair(41, 1, {}, { sack: serverOffers });
    const wire = wiretap(network.link);
    const up = pattern(20000, 1);
    const down = pattern(20000, 2);
    const flow = exchange(client, server, PORT, up, down);
    t.true(network.runUntil(() => flow.server !== null, 5000), 'connected');
    t.deepEqual(sackAgreed(client), [serverOffers]);
    t.deepEqual(sackAgreed(server), [serverOffers]);
    const syns = wire.filter((s) => s.flags & SYN);
    t.deepEqual(syns.map((s) => sackOptions(s.options).permitted), [true, serverOffers], 'SYN offers; SYN-ACK answers in kind');
    t.true(network.runUntil(flow.closed, 10000), 'both sides closed');
    sameBytes(t, flow.toServer, up, 'to the server');
    sameBytes(t, flow.toClient, down, 'to the client');
    t.true(wire.every((s) => sackOptions(s.options).blocks.length === 0), 'no hole, no SACK blocks');
    settleAndCheck(t, network);
  });
}

/** A device listening on PORT and a RawPeer client at CLIENT that connects to it by hand. */
function rawRig(seed: number, onConnection: (socket: Socket) => void) {
  const network = new Network({ delay: 1, seed });
  const device = network.add('device', SERVER);
  const clientIp = parseIp(CLIENT);
  const deviceIp = parseIp(SERVER);
  const raw = new RawPeer(network.link, 50, (address) => address === clientIp);
  device.net.createServer((socket: Socket) => {
    socket.on('error', () => undefined);
    onConnection(socket);
  }).listen(PORT);
  const send = (srcPort: number, seq: number, ack: number, flags: number, options: number[], data?: number[]) =>
    raw.segment(device.nic.mac, { srcIp: clientIp, dstIp: deviceIp, srcPort, dstPort: PORT, seq, ack, flags, data, options, mss: flags & SYN ? 1000 : 0 });
  const replies = (): RawSegment[] => {
    network.run(20);
    return raw.take();
  };
  return { network, device, send, replies };
}

test('a SYN without SACK-permitted gets a SYN-ACK without it; with it, ACKs carry the receive ring\'s ranges, latest first', (t) => {
  const received = new Collector(500);
  const r = rawRig(42, (socket) => socket.on('data', (chunk: Uint8Array) => received.take(chunk)));
  const isn = 0x20000000;
  r.send(40001, isn, 0, SYN, []);
  const plain = r.replies();
  t.is(plain.length, 1);
  t.false(sackOptions(plain[0].options).permitted, 'not offered to a peer that did not offer it');
  r.send(40001, isn + 1, 0, RST, []);

  r.send(40002, isn, 0, SYN, SACK_PERMITTED);
  const synAck = r.replies();
  t.true(sackOptions(synAck[0].options).permitted, 'offered back');
  const ack = synAck[0].seq + 1;
  const base = isn + 1;
  r.send(40002, base, ack, ACK, []);
  r.replies();
  t.deepEqual(sackAgreed(r.device), [true]);
  const data = Array.from(pattern(500, 3));
  const segment = (from: number) => r.send(40002, base + from, ack, ACK, [], data.slice(from, from + 100));
  const lastAck = () => {
    const acks = r.replies().filter((s) => s.length === 0);
    return { ack: acks[acks.length - 1].ack - base, blocks: sackOptions(acks[acks.length - 1].options).blocks.map((b) => [b[0] - base, b[1] - base]) };
  };
  segment(0);
  segment(200);
  t.deepEqual(lastAck(), { ack: 100, blocks: [[200, 300]] });
  segment(400);
  t.deepEqual(lastAck(), { ack: 100, blocks: [[400, 500], [200, 300]] }, 'the range just added first');
  segment(200);
  t.deepEqual(lastAck(), { ack: 100, blocks: [[200, 300], [400, 500]] }, 'a duplicate in a range makes it the latest');
  segment(100);
  t.deepEqual(lastAck(), { ack: 300, blocks: [[400, 500]] });
  segment(300);
  t.deepEqual(lastAck(), { ack: 500, blocks: [] }, 'no hole, no blocks');
  t.is(stat(r.device, 'tcpSackBlocksOut'), 6);
  sameBytes(t, received, Uint8Array.from(data), 'in order');
  r.send(40002, base + 500, ack, RST, []);
  settleAndCheck(t, r.network);
});

test('SACK blocks that are reversed, beyond snd.max, straddle snd.una or come in a malformed option are dropped and counted, never thrown', (t) => {
  const r = rawRig(43, (socket) => socket.write(pattern(3000, 4)));
  const isn = 0x30000000;
  r.send(40003, isn, 0, SYN, SACK_PERMITTED);
  const synAck = r.replies();
  const una = synAck[0].seq + 1;
  r.send(40003, isn + 1, una, ACK, []);
  const data = r.replies().filter((s) => s.length > 0);
  t.deepEqual(data.map((s) => [s.seq - una, s.length]), [[0, 1000], [1000, 1000], [2000, 1000]], 'three segments of the peer\'s MSS');
  const block = (left: number, right: number) => [1, 1, 5, 10].concat(u32((una + left) >>> 0), u32((una + right) >>> 0));
  const bad: [string, number[]][] = [
    ['reversed', block(2000, 1000)],
    ['beyond snd.max', block(2000, 5000)],
    ['straddling snd.una', block(-500, 1000)],
    ['option length 11', [5, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0]],
  ];
  for (const [what, options] of bad) {
    const before = stat(r.device, 'dropTcpSackBlocks');
    t.notThrows(() => r.send(40003, isn + 1, una, ACK, options), what);
    r.replies();
    t.is(stat(r.device, 'dropTcpSackBlocks'), before + 1, what + ' counted');
  }
  // A D-SACK (RFC 2883) block below snd.una reports a duplicate: ignored, not counted as nonsense.
  r.send(40003, isn + 1, una + 1000, ACK, block(0, 1000));
  r.replies();
  t.is(stat(r.device, 'dropTcpSackBlocks'), 4);
  t.is(stat(r.device, 'tcpSackBlocksIn'), 4, 'every well-formed block counted as received');
  r.send(40003, isn + 1, una + 3000, ACK, []);
  r.replies();
  t.is(r.device.stack.tcp.slots.sendLength[0], 0, 'everything acknowledged, the connection still sound');
  r.send(40003, isn + 1, una + 3000, RST, []);
  settleAndCheck(t, r.network);
});

/**
 * The client sends `size` bytes to the server; for each offset in `lose` (ascending), the first data
 * segment it sends from that offset on (relative to its ISN) is lost, once.
 */
function transferLosing(t: ExecutionContext, seed: number, config: { [field: string]: unknown }, size: number, lose: number[]) {
  const { network, client, server } = pair(seed, 5, config, config);
  const wire = wiretap(network.link);
  let isn = -1;
  const pending = lose.slice();
  dropWhere(network.link, (segment) => {
    if (segment.fromPort !== client.nic.port) return false;
    if (segment.flags & SYN) isn = segment.seq;
    if (segment.length === 0 || pending.length === 0 || ((segment.seq - isn - 1) >>> 0) < pending[0]) return false;
    pending.shift();
    return true;
  });
  const up = pattern(size, seed);
  const flow = exchange(client, server, PORT, up, new Uint8Array(0));
  t.true(network.runUntil(flow.closed, 60000), 'finished');
  sameBytes(t, flow.toServer, up, 'to the server');
  t.deepEqual(pending, [], 'every chosen segment was lost');
  const counts = {
    resent: resentBytes(wire, client.nic.port), rto: stat(client, 'tcpRtoTimeouts'), fast: stat(client, 'tcpFastRetransmits'),
    sack: stat(client, 'tcpSackRetransmits'), early: stat(client, 'tcpEarlyRetransmits'),
  };
  t.log(JSON.stringify(counts));
  settleAndCheck(t, network);
  return counts;
}

test('one segment lost in a 64 KB window: that segment alone is resent, without a timeout', (t) => {
  const counts = transferLosing(t, 44, wideRings, 400000, [40 * 1460]);
  t.is(counts.resent, 1460);
  t.is(counts.rto, 0);
  t.is(counts.fast, 1);
});

test('three segments lost in one 64 KB window: the holes alone are resent, the later ones from the SACK scoreboard, without a timeout', (t) => {
  const counts = transferLosing(t, 45, wideRings, 400000, [40 * 1460, 46 * 1460, 52 * 1460]);
  t.is(counts.resent, 3 * 1460);
  t.is(counts.rto, 0);
  t.is(counts.fast, 1, 'one recovery episode');
  t.is(counts.sack, 2);
});

test('4 KB rings: a single loss is recovered by early retransmit, without a timeout', (t) => {
  const counts = transferLosing(t, 46, {}, 60000, [20 * 1460]);
  t.is(counts.rto, 0);
  t.is(counts.early, 1);
  t.is(counts.resent, 1460);
});

for (const [name, config] of [['4 KB', {}], ['64 KB', wideRings]] as [string, { [field: string]: unknown }][]) {
  test(`1 MB each way at once with ${name} rings, 5% loss and 10% reordering in both directions, byte for byte`, (t) => {
    const network = buildNetwork({
      seed: 47, link: { delay: 1, loss: 0.05, reorder: 0.1 },
      hosts: [{ name: 'client', ip: CLIENT, config }, { name: 'server', ip: SERVER, config }],
    });
    const client = network.host('client');
    const server = network.host('server');
    const up = pattern(1 << 20, 5);
    const down = pattern(1 << 20, 6);
    const started = network.now;
    const flow = exchange(client, server, PORT, up, down);
    t.true(network.runUntil(flow.closed, 1200000, 10), 'finished (errors ' + flow.errors.join() + ')');
    t.deepEqual(flow.errors, []);
    sameBytes(t, flow.toServer, up, 'up');
    sameBytes(t, flow.toClient, down, 'down');
    const names = ['tcpRetransmits', 'tcpRtoTimeouts', 'tcpFastRetransmits', 'tcpEarlyRetransmits', 'tcpSackRetransmits', 'tcpSackBlocksOut', 'tcpSackBlocksIn', 'dropTcpSackBlocks'];
    const counts: { [name: string]: number } = {};
    for (const counter of names) counts[counter] = stat(client, counter) + stat(server, counter);
    t.log(name + ': ' + (network.now - started) + ' virtual ms ' + JSON.stringify(counts));
    t.true(counts.tcpSackBlocksOut > 0 && counts.tcpSackBlocksIn > 0);
    t.is(counts.dropTcpSackBlocks, 0, 'our own blocks always make sense');
    settleAndCheck(t, network);
  });
}

test('reordering alone: a segment held back past three later ones is resent needlessly, the D-SACK for it undoes the window cut', (t) => {
  const { network, client, server } = pair(48, 5, wideRings, wideRings);
  const held = 40 * 1460;
  const slot = 0;
  const slots = client.stack.tcp.slots;
  let isn = -1;
  let cwndBefore = 0;
  const transmit = network.link.transmit.bind(network.link);
  network.link.transmit = (fromPort: number, frame: Uint8Array, length: number) => {
    const segment = parseFrame(frame.subarray(0, length), fromPort);
    if (segment && fromPort === client.nic.port && (segment.flags & SYN)) isn = segment.seq;
    if (segment && fromPort === client.nic.port && segment.length > 0 && cwndBefore === 0 && ((segment.seq - isn - 1) >>> 0) === held) {
      cwndBefore = slots.cwnd[slot];
      const late = frame.slice(0, length);
      network.clock.after(15, () => transmit(fromPort, late, length));
      return;
    }
    transmit(fromPort, frame, length);
  };
  const up = pattern(400000, 48);
  const flow = exchange(client, server, PORT, up, new Uint8Array(0));
  t.true(network.runUntil(() => stat(client, 'tcpSpuriousRecoveriesUndone') > 0 || flow.closed(), 60000), 'undone');
  t.is(stat(client, 'tcpFastRetransmits'), 1, 'the reordering looked like a loss');
  t.is(stat(client, 'tcpSpuriousRecoveriesUndone'), 1);
  t.true(stat(server, 'tcpSackBlocksOut') > 0 && stat(client, 'tcpDsacksIn') === 1, 'the receiver reported the duplicate');
  t.true(slots.cwnd[slot] >= cwndBefore, 'cwnd ' + slots.cwnd[slot] + ' back to at least ' + cwndBefore);
  t.is(slots.ssthresh[slot], 0xffffffff, 'still in slow start, as before the episode');
  t.is(slots.dupThreshold[slot], 4, 'one more duplicate needed before the next fast retransmit');
  t.true(network.runUntil(flow.closed, 60000), 'finished');
  sameBytes(t, flow.toServer, up, 'to the server');
  t.is(stat(client, 'tcpRtoTimeouts'), 0);
  settleAndCheck(t, network);
});
