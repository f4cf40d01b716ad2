import test from 'ava';
import { Stat } from '../../firmware/stats';
import { UnreachableSink } from '../../firmware/network-interface';
import { parseIp } from '../../firmware/wire/ip-address';
import {
  OUR_IP, OUR_MAC, PEER_IP, PEER_MAC, REMOTE_IP, assertNoLeaks, changed, ethernet, feed, icmp, ipv4, makeRig,
  memoryOf, parseSent, referenceChecksum, resolveNeighbours, snapshot, u16, u32,
} from './harness';

function icmpFrame(message: number[], dstIp = OUR_IP, srcIp = PEER_IP): number[] {
  return ethernet(OUR_MAC, PEER_MAC, 0x0800, ipv4({ protocol: 1, srcIp, dstIp }, message));
}

const ECHO_BODY = [0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67];

test('echo request: exact echo reply back to the sender', (t) => {
  const rig = makeRig();
  const memory = memoryOf(rig);
  resolveNeighbours(rig);
  const before = snapshot(rig.stats);
  feed(rig, icmpFrame(icmp(8, 0, [0xbe, 0xef, 0x00, 0x01], ECHO_BODY)));
  t.deepEqual(changed(before, rig.stats), { ipIn: 1, icmpIn: 1, icmpEchoReplies: 1, ipOut: 1, framesOut: 1 });
  const sent = rig.nic.take();
  t.is(sent.length, 1);
  const reply = parseSent(sent[0]);
  t.deepEqual(reply.dstMac, PEER_MAC);
  t.is(reply.srcIp, OUR_IP);
  t.is(reply.dstIp, PEER_IP);
  t.is(reply.protocol, 1);
  t.true(reply.headerChecksumValid);
  t.deepEqual(reply.payload, icmp(0, 0, [0xbe, 0xef, 0x00, 0x01], ECHO_BODY));
  assertNoLeaks(t, rig, memory);
});

test('echo request from an unresolved sender is answered once ARP resolves it', (t) => {
  const rig = makeRig();
  const memory = memoryOf(rig);
  feed(rig, icmpFrame(icmp(8, 0, [0, 1, 0, 2], [])));
  t.is(rig.nic.take().length, 1);
  feed(rig, ethernet(OUR_MAC, PEER_MAC, 0x0806, [0, 1, 8, 0, 6, 4, 0, 2].concat(PEER_MAC, u32(PEER_IP), OUR_MAC, u32(OUR_IP))));
  const sent = rig.nic.take();
  t.is(sent.length, 1);
  t.deepEqual(parseSent(sent[0]).payload, icmp(0, 0, [0, 1, 0, 2], []));
  assertNoLeaks(t, rig, memory);
});

test('echo requests that are not answered: broadcast destination, broadcast or multicast source', (t) => {
  const rig = makeRig();
  const memory = memoryOf(rig);
  resolveNeighbours(rig);
  const request = icmp(8, 0, [0, 1, 0, 1], ECHO_BODY);
  feed(rig, icmpFrame(request, 0xffffffff));
  feed(rig, icmpFrame(request, parseIp('192.0.2.255')));
  feed(rig, icmpFrame(request, OUR_IP, parseIp('192.0.2.255')));
  feed(rig, icmpFrame(request, OUR_IP, parseIp('224.0.0.1')));
  feed(rig, icmpFrame(request, OUR_IP, 0));
  t.is(rig.stats[Stat.icmpIn], 5);
  t.is(rig.stats[Stat.icmpEchoReplies], 0);
  t.is(rig.nic.take().length, 0);
  assertNoLeaks(t, rig, memory);
});

test('ICMP with a bad checksum, or shorter than 8 bytes, is dropped and counted', (t) => {
  const rig = makeRig();
  const memory = memoryOf(rig);
  resolveNeighbours(rig);
  const bad = icmp(8, 0, [0, 1, 0, 1], ECHO_BODY);
  bad[5] ^= 0x40;
  let before = snapshot(rig.stats);
  feed(rig, icmpFrame(bad));
  t.deepEqual(changed(before, rig.stats), { ipIn: 1, dropIcmpChecksum: 1 });
  // Four bytes whose checksum is right: an echo request without identifier or sequence.
  const short = [8, 0, 0, 0];
  const checksum = referenceChecksum(short);
  short[2] = checksum >>> 8;
  short[3] = checksum & 0xff;
  before = snapshot(rig.stats);
  feed(rig, icmpFrame(short));
  t.deepEqual(changed(before, rig.stats), { ipIn: 1, dropIcmpShort: 1 });
  t.is(rig.nic.take().length, 0);
  assertNoLeaks(t, rig, memory);
});

test('destination unreachable is counted and handed to the sink with the quoted addresses and ports', (t) => {
  const rig = makeRig();
  const memory = memoryOf(rig);
  const calls: number[][] = [];
  const sink: UnreachableSink = {
    destinationUnreachable(code, protocol, remoteIp, remotePort, localPort) {
      calls.push([code, protocol, remoteIp, remotePort, localPort]);
    },
  };
  // The quoted packet is one we sent: from us (port 49152) to a remote host's port 80, with an IP option.
  const quoted = ipv4({ protocol: 6, srcIp: OUR_IP, dstIp: REMOTE_IP, options: [1, 1, 1, 0] }, u16(49152).concat(u16(80), [0, 0, 0, 1]));
  feed(rig, icmpFrame(icmp(3, 1, [0, 0, 0, 0], quoted)));
  t.is(rig.stats[Stat.icmpUnreachableIn], 1);
  t.deepEqual(calls, []);
  rig.netif.unreachable = sink;
  feed(rig, icmpFrame(icmp(3, 1, [0, 0, 0, 0], quoted)));
  t.deepEqual(calls, [[1, 6, REMOTE_IP, 80, 49152]]);
  // Quoting too little to read the ports: counted, not reported.
  feed(rig, icmpFrame(icmp(3, 3, [0, 0, 0, 0], quoted.slice(0, 26))));
  feed(rig, icmpFrame(icmp(3, 3, [0, 0, 0, 0], [0x43].concat(quoted.slice(1)))));
  t.is(calls.length, 1);
  t.is(rig.stats[Stat.icmpUnreachableIn], 4);
  assertNoLeaks(t, rig, memory);
});

test('other ICMP types (echo reply, time exceeded) are counted and otherwise ignored', (t) => {
  const rig = makeRig();
  const memory = memoryOf(rig);
  feed(rig, icmpFrame(icmp(0, 0, [0, 1, 0, 1], [])));
  feed(rig, icmpFrame(icmp(11, 0, [0, 0, 0, 0], [])));
  t.is(rig.stats[Stat.icmpOtherIn], 2);
  t.is(rig.stats[Stat.icmpIn], 2);
  t.is(rig.nic.take().length, 0);
  assertNoLeaks(t, rig, memory);
});

test('ping over an IP-only link', (t) => {
  const rig = makeRig({}, false, 576);
  const memory = memoryOf(rig);
  feed(rig, ipv4({ protocol: 1, srcIp: REMOTE_IP, dstIp: OUR_IP }, icmp(8, 0, [0, 9, 0, 9], ECHO_BODY)));
  const sent = rig.nic.take();
  t.is(sent.length, 1);
  const reply = parseSent(sent[0], false);
  t.is(reply.dstIp, REMOTE_IP);
  t.deepEqual(reply.payload, icmp(0, 0, [0, 9, 0, 9], ECHO_BODY));
  assertNoLeaks(t, rig, memory);
});

test('an echo request larger than our MTU is counted but not answered', (t) => {
  const rig = makeRig({}, false, 100);
  const memory = memoryOf(rig);
  const big = ipv4({ protocol: 1, srcIp: REMOTE_IP, dstIp: OUR_IP }, icmp(8, 0, [0, 1, 0, 1], new Array(200).fill(7)));
  feed(rig, big);
  t.is(rig.stats[Stat.icmpIn], 1);
  t.is(rig.nic.take().length, 0);
  assertNoLeaks(t, rig, memory);
});
