import test from 'ava';
import { Stat } from '../../firmware/stats';
import { parseIp } from '../../firmware/wire/ip-address';
import {
  BROADCAST_MAC, OUR_IP, OUR_MAC, PEER_IP, PEER_MAC, assertNoLeaks, changed, ethernet, feed, ipv4, makeRig, memoryOf,
  parseSent, resolveNeighbours, snapshot,
} from './harness';

const SEGMENT = [0x30, 0x39, 0x00, 0x50, 1, 2, 3, 4, 5, 6, 7, 8];

function tcpFrame(overrides?: { dstIp?: number; options?: number[]; flagsFragment?: number }, payload = SEGMENT): number[] {
  const o = overrides || {};
  return ethernet(OUR_MAC, PEER_MAC, 0x0800, ipv4({
    protocol: 6, srcIp: PEER_IP, dstIp: o.dstIp === undefined ? OUR_IP : o.dstIp, options: o.options,
    flagsFragment: o.flagsFragment,
  }, payload));
}

test('a TCP segment reaches the transport with its exact bounds, addresses (signed, as Transport.input says) and time', (t) => {
  const rig = makeRig();
  const memory = memoryOf(rig);
  const before = snapshot(rig.stats);
  rig.clock.t = 777;
  feed(rig, tcpFrame());
  t.deepEqual(changed(before, rig.stats), { ipIn: 1 });
  t.deepEqual(rig.tcp.calls, [{ segment: SEGMENT, srcIp: PEER_IP | 0, dstIp: OUR_IP | 0, now: 777 }]);
  assertNoLeaks(t, rig, memory);
});

test('IP options are skipped and Ethernet padding is cut off by the total length', (t) => {
  const rig = makeRig();
  const memory = memoryOf(rig);
  feed(rig, tcpFrame({ options: [1, 1, 1, 0] }));
  feed(rig, tcpFrame().concat([0, 0, 0, 0, 0, 0, 0, 0]));
  t.is(rig.tcp.calls.length, 2);
  t.deepEqual(rig.tcp.calls[0].segment, SEGMENT);
  t.deepEqual(rig.tcp.calls[1].segment, SEGMENT);
  assertNoLeaks(t, rig, memory);
});

test('destinations accepted: ours, limited and subnet broadcast, anything while unconfigured', (t) => {
  const rig = makeRig();
  const memory = memoryOf(rig);
  feed(rig, tcpFrame({ dstIp: 0xffffffff }));
  feed(rig, tcpFrame({ dstIp: parseIp('192.0.2.255') }));
  feed(rig, tcpFrame({ dstIp: parseIp('192.0.2.3') }));
  feed(rig, tcpFrame({ dstIp: parseIp('10.0.0.1') }));
  t.is(rig.tcp.calls.length, 2);
  t.is(rig.stats[Stat.dropIpNotForUs], 2);
  rig.netif.setAddress(0, 0, 0);
  t.is(rig.netif.localIp(), 0);
  feed(rig, tcpFrame({ dstIp: parseIp('10.0.0.1') }));
  t.is(rig.tcp.calls.length, 3);
  rig.netif.setAddress(parseIp('10.0.0.1'), parseIp('255.0.0.0'), parseIp('10.0.0.254'));
  feed(rig, tcpFrame({ dstIp: parseIp('10.0.0.1') }));
  feed(rig, tcpFrame({ dstIp: parseIp('10.255.255.255') }));
  feed(rig, tcpFrame({ dstIp: OUR_IP }));
  t.is(rig.tcp.calls.length, 5);
  t.is(rig.stats[Stat.dropIpNotForUs], 3);
  assertNoLeaks(t, rig, memory);
});

/** Each malformed variant and the one counter it must land in. */
const MALFORMED: [string, (frame: number[]) => number[], string][] = [
  ['frame shorter than an Ethernet header', (f) => f.slice(0, 13), 'dropFrameShort'],
  ['unicast to another MAC', (f) => [2, 0, 0, 0, 0, 9].concat(f.slice(6)), 'dropNotForUs'],
  ['multicast MAC', (f) => [1, 0, 0x5e, 0, 0, 1].concat(f.slice(6)), 'dropNotForUs'],
  ['IPv6 EtherType', (f) => f.slice(0, 12).concat([0x86, 0xdd], f.slice(14)), 'dropEtherType'],
  ['fewer than 20 IP bytes', (f) => f.slice(0, 33), 'dropIpShort'],
  ['version 6', (f) => withByte(f, 14, 0x65), 'dropIpVersion'],
  ['IHL 4', (f) => withByte(f, 14, 0x44), 'dropIpHeaderLength'],
  ['IHL beyond the frame', (f) => withByte(f.slice(0, 40), 14, 0x4f), 'dropIpHeaderLength'],
  ['bad header checksum', (f) => withByte(f, 24, f[24] ^ 1), 'dropIpChecksum'],
  ['total length below the header', (f) => fixed(withByte(f, 17, 19)), 'dropIpTotalLength'],
  ['total length beyond the frame', (f) => fixed(withByte(f, 17, f[17] + 1)), 'dropIpTotalLength'],
  ['more fragments', (f) => fixed(withByte(f, 20, 0x20)), 'dropIpFragment'],
  ['fragment offset', (f) => fixed(withByte(withByte(f, 20, 0), 21, 1)), 'dropIpFragment'],
  ['unknown protocol', (f) => fixed(withByte(f, 23, 47)), 'dropIpProtocol'],
];

function withByte(frame: number[], index: number, value: number): number[] {
  const copy = frame.slice();
  copy[index] = value & 0xff;
  return copy;
}

/** Recomputes the IPv4 header checksum after a field was changed on purpose. */
function fixed(frame: number[]): number[] {
  const header = frame.slice(14, 34);
  header[10] = 0;
  header[11] = 0;
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (header[i] << 8) | header[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const checksum = ~sum & 0xffff;
  return frame.slice(0, 24).concat([checksum >>> 8, checksum & 0xff], frame.slice(26));
}

for (const [name, mutate, counter] of MALFORMED) {
  test('dropped and counted once: ' + name, (t) => {
    const rig = makeRig();
    const memory = memoryOf(rig);
    const before = snapshot(rig.stats);
    feed(rig, mutate(tcpFrame()));
    // ipIn counts packets that passed IPv4's checks, before the protocol is looked at.
    const expected: { [name: string]: number } = counter === 'dropIpProtocol' ? { ipIn: 1 } : {};
    expected[counter] = 1;
    t.deepEqual(changed(before, rig.stats), expected);
    t.is(rig.tcp.calls.length, 0);
    t.is(rig.nic.take().length, 0);
    assertNoLeaks(t, rig, memory);
  });
}

test('protocol 6 before the stack has attached TCP is an unknown protocol', (t) => {
  const rig = makeRig();
  const memory = memoryOf(rig);
  rig.netif.tcp = null;
  feed(rig, tcpFrame());
  t.is(rig.stats[Stat.dropIpProtocol], 1);
  assertNoLeaks(t, rig, memory);
});

test('a length argument beyond the buffer is clamped, not trusted', (t) => {
  const rig = makeRig();
  const memory = memoryOf(rig);
  const frame = Uint8Array.from(tcpFrame());
  rig.netif.input(frame, frame.length + 100, rig.clock.t);
  t.is(rig.tcp.calls.length, 1);
  assertNoLeaks(t, rig, memory);
});

test('send writes a 20-byte header: TTL 64, DF, incrementing identification, valid checksum', (t) => {
  const rig = makeRig();
  const memory = memoryOf(rig);
  resolveNeighbours(rig);
  const before = snapshot(rig.stats);
  const netif = rig.netif;
  t.is(netif.payloadOffset, 34);
  t.is(netif.maxPayload, 1480);
  t.is(netif.frame.length, 1514);
  netif.frame.set([9, 8, 7], netif.payloadOffset);
  t.true(netif.send(PEER_IP, 6, 3));
  t.true(netif.send(PEER_IP, 6, 3));
  const [first, second] = rig.nic.take().map((frame) => parseSent(frame));
  t.deepEqual(first.dstMac, PEER_MAC);
  t.deepEqual(first.srcMac, OUR_MAC);
  t.is(first.headerLength, 20);
  t.is(first.totalLength, 23);
  t.is(first.ttl, 64);
  t.is(first.flagsFragment, 0x4000);
  t.is(first.protocol, 6);
  t.is(first.srcIp, OUR_IP);
  t.is(first.dstIp, PEER_IP);
  t.true(first.headerChecksumValid);
  t.deepEqual(first.payload, [9, 8, 7]);
  t.is(second.identification, (first.identification + 1) & 0xffff);
  t.false(netif.send(PEER_IP, 6, 1481));
  t.false(netif.send(PEER_IP, 6, -1));
  t.true(netif.send(PEER_IP, 6, 1480));
  t.is(rig.nic.take()[0].length, 1514);
  t.deepEqual(changed(before, rig.stats), { ipOut: 3, framesOut: 3 });
  assertNoLeaks(t, rig, memory);
});

test('IP-only link (SLIP): bare packets both ways, no ARP, payload at offset 20', (t) => {
  const rig = makeRig({}, false, 296);
  const memory = memoryOf(rig);
  const netif = rig.netif;
  t.is(netif.payloadOffset, 20);
  t.is(netif.maxPayload, 276);
  t.is(netif.frame.length, 296);
  netif.frame.set([1, 2], 20);
  t.true(netif.send(parseIp('203.0.113.5'), 17, 2));
  const sent = rig.nic.take();
  t.is(sent.length, 1);
  t.is(sent[0].length, 22);
  const packet = parseSent(sent[0], false);
  t.is(packet.dstIp, parseIp('203.0.113.5'));
  t.true(packet.headerChecksumValid);
  t.is(rig.stats[Stat.arpRequestsSent], 0);

  const bare = ipv4({ protocol: 6, srcIp: PEER_IP, dstIp: OUR_IP }, SEGMENT);
  feed(rig, bare);
  t.deepEqual(rig.tcp.calls.map((c) => c.segment), [SEGMENT]);
  // An Ethernet frame on a SLIP link is not an IPv4 packet.
  feed(rig, tcpFrame());
  t.is(rig.stats[Stat.dropIpVersion], 1);
  feed(rig, bare.slice(0, 19));
  t.is(rig.stats[Stat.dropIpShort], 1);

  rig.nic.up = false;
  t.false(netif.send(PEER_IP, 17, 2));
  t.is(rig.stats[Stat.dropLinkDown], 1);
  rig.nic.up = true;
  // No ARP on this link, so no cache and no pending buffers are allocated.
  t.is(memory['arp.pending'], 0);
  t.is(memory['arp.cache'], 0);
  t.is(memory['netif.arpFrame'], 6);
  assertNoLeaks(t, rig, memory);
});

test('memory report names every structure and matches the buffers', (t) => {
  const rig = makeRig({ arpEntries: 4, arpPendingFrames: 2, udpBindings: 3 });
  const memory = memoryOf(rig);
  t.is(memory['netif.txFrame'], 1514);
  t.true(memory['arp.pending'] >= 2 * 1514);
  t.true(memory['arp.cache'] >= 4 * (4 + 6 + 1));
  t.true(memory['udp.bindings'] >= 3 * 2);
  t.true(memory['netif.arpFrame'] >= 42);
  feed(rig, ethernet(BROADCAST_MAC, PEER_MAC, 0x0800, []));
  assertNoLeaks(t, rig, memory);
});
