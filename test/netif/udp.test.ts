import test from 'ava';
import { Err } from '../../firmware/errors';
import { Stat } from '../../firmware/stats';
import { UdpSink } from '../../firmware/udp';
import { parseIp } from '../../firmware/wire/ip-address';
import {
  OUR_IP, OUR_MAC, PEER_IP, PEER_MAC, RecordingSink, assertNoLeaks, changed, ethernet, feed, icmp, ipv4, makeRig,
  memoryOf, parseSent, resolveNeighbours, snapshot, transportChecksumValid, udp, udpFrame,
} from './harness';

test('bind: index, EADDRINUSE, EMFILE, EINVAL; unbind frees the binding', (t) => {
  const rig = makeRig({ udpBindings: 2 });
  const memory = memoryOf(rig);
  const udpLayer = rig.netif.udp!;
  const sink = new RecordingSink();
  t.is(udpLayer.bind(53, sink), 0);
  t.is(udpLayer.bind(68, sink), 1);
  t.is(udpLayer.bind(53, sink), Err.EADDRINUSE);
  t.is(udpLayer.bind(123, sink), Err.EMFILE);
  t.is(udpLayer.bind(0, sink), Err.EINVAL);
  t.is(udpLayer.bind(65536, sink), Err.EINVAL);
  t.is(udpLayer.bind(1.5, sink), Err.EINVAL);
  udpLayer.unbind(53);
  t.is(udpLayer.bind(123, sink), 0);
  udpLayer.unbind(999);
  udpLayer.unbind(0);
  t.is(udpLayer.bind(53, sink), Err.EMFILE);
  assertNoLeaks(t, rig, memory);
});

test('a datagram reaches its sink with payload, source and ports', (t) => {
  const rig = makeRig();
  const memory = memoryOf(rig);
  const sink = new RecordingSink();
  rig.netif.udp!.bind(5000, sink);
  const before = snapshot(rig.stats);
  feed(rig, udpFrame(5000, [1, 2, 3]));
  t.deepEqual(changed(before, rig.stats), { ipIn: 1, udpIn: 1 });
  t.deepEqual(sink.datagrams, [{ payload: [1, 2, 3], srcIp: PEER_IP, srcPort: 40000, dstPort: 5000 }]);
  assertNoLeaks(t, rig, memory);
});

test('checksum 0 means none; a wrong one is dropped; the UDP length bounds the payload', (t) => {
  const rig = makeRig();
  const memory = memoryOf(rig);
  const sink = new RecordingSink();
  rig.netif.udp!.bind(5000, sink);
  const plain = udp(PEER_IP, OUR_IP, 40000, 5000, [9, 9], false);
  feed(rig, ethernet(OUR_MAC, PEER_MAC, 0x0800, ipv4({ protocol: 17, srcIp: PEER_IP, dstIp: OUR_IP }, plain)));
  t.is(sink.datagrams.length, 1);

  const corrupt = udp(PEER_IP, OUR_IP, 40000, 5000, [9, 9]);
  corrupt[8] ^= 1;
  feed(rig, ethernet(OUR_MAC, PEER_MAC, 0x0800, ipv4({ protocol: 17, srcIp: PEER_IP, dstIp: OUR_IP }, corrupt)));
  t.is(rig.stats[Stat.dropUdpChecksum], 1);

  // IP carries two stray bytes after a datagram whose own length says 10: they are not payload.
  const trailing = udp(PEER_IP, OUR_IP, 40000, 5000, [4, 5]).concat([0xee, 0xee]);
  feed(rig, ethernet(OUR_MAC, PEER_MAC, 0x0800, ipv4({ protocol: 17, srcIp: PEER_IP, dstIp: OUR_IP }, trailing)));
  t.deepEqual(sink.datagrams[1].payload, [4, 5]);

  for (const length of [7, 0, 11, 0xffff]) {
    const lying = udp(PEER_IP, OUR_IP, 40000, 5000, [1, 2], false);
    lying[4] = length >>> 8;
    lying[5] = length & 0xff;
    feed(rig, ethernet(OUR_MAC, PEER_MAC, 0x0800, ipv4({ protocol: 17, srcIp: PEER_IP, dstIp: OUR_IP }, lying)));
  }
  feed(rig, ethernet(OUR_MAC, PEER_MAC, 0x0800, ipv4({ protocol: 17, srcIp: PEER_IP, dstIp: OUR_IP }, [0, 1, 0, 2, 0])));
  t.is(rig.stats[Stat.dropUdpLength], 5);
  t.is(sink.datagrams.length, 2);
  t.is(rig.nic.take().length, 0);
  assertNoLeaks(t, rig, memory);
});

test('no binding: counted and answered with an exact ICMP port unreachable', (t) => {
  const rig = makeRig();
  const memory = memoryOf(rig);
  resolveNeighbours(rig);
  const frame = Array.from(udpFrame(7777, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
  const before = snapshot(rig.stats);
  feed(rig, frame);
  t.deepEqual(changed(before, rig.stats), { ipIn: 1, dropUdpNoPort: 1, ipOut: 1, framesOut: 1 });
  const reply = parseSent(rig.nic.take()[0]);
  t.is(reply.dstIp, PEER_IP);
  t.is(reply.protocol, 1);
  // Quote: the offending IPv4 header and the first 8 bytes of its payload (the UDP header).
  t.deepEqual(reply.payload, icmp(3, 3, [0, 0, 0, 0], frame.slice(14, 14 + 28)));
  assertNoLeaks(t, rig, memory);
});

test('no binding on a broadcast: counted, never answered', (t) => {
  const rig = makeRig();
  const memory = memoryOf(rig);
  resolveNeighbours(rig);
  feed(rig, ethernet([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], PEER_MAC, 0x0800,
    ipv4({ protocol: 17, srcIp: PEER_IP, dstIp: 0xffffffff }, udp(PEER_IP, 0xffffffff, 68, 67, [1]))));
  t.is(rig.stats[Stat.dropUdpNoPort], 1);
  t.is(rig.nic.take().length, 0);
  assertNoLeaks(t, rig, memory);
});

test('sendTo: exact datagram with a valid checksum, counted; too large is refused', (t) => {
  const rig = makeRig();
  const memory = memoryOf(rig);
  resolveNeighbours(rig);
  const data = Uint8Array.from([0, 0, 10, 20, 30, 40, 50, 0]);
  t.true(rig.netif.udp!.sendTo(PEER_IP, 53, 1234, data, 2, 5));
  const packet = parseSent(rig.nic.take()[0]);
  t.deepEqual(packet.dstMac, PEER_MAC);
  t.is(packet.protocol, 17);
  t.deepEqual(packet.payload, udp(OUR_IP, PEER_IP, 1234, 53, [10, 20, 30, 40, 50]));
  t.true(transportChecksumValid(packet.payload, OUR_IP, PEER_IP, 17));
  t.is(rig.stats[Stat.udpOut], 1);

  const big = new Uint8Array(1473);
  t.false(rig.netif.udp!.sendTo(PEER_IP, 53, 1234, big, 0, 1473));
  t.true(rig.netif.udp!.sendTo(PEER_IP, 53, 1234, big, 0, 1472));
  t.is(rig.nic.take()[0].length, 1514);
  rig.nic.up = false;
  t.false(rig.netif.udp!.sendTo(PEER_IP, 53, 1234, data, 0, 1));
  t.is(rig.stats[Stat.udpOut], 2);
  rig.nic.up = true;
  assertNoLeaks(t, rig, memory);
});

test('sendTo can send a payload already built in the transmit frame', (t) => {
  const rig = makeRig();
  const memory = memoryOf(rig);
  resolveNeighbours(rig);
  const netif = rig.netif;
  netif.frame.set([7, 7, 7], netif.payloadOffset + 8);
  t.true(netif.udp!.sendTo(0xffffffff, 67, 68, netif.frame, netif.payloadOffset + 8, 3));
  const packet = parseSent(rig.nic.take()[0]);
  t.deepEqual(packet.payload, udp(OUR_IP, 0xffffffff, 68, 67, [7, 7, 7]));
  assertNoLeaks(t, rig, memory);
});

test('a sink may answer from inside datagram(): an echo server', (t) => {
  const rig = makeRig();
  const memory = memoryOf(rig);
  resolveNeighbours(rig);
  const udpLayer = rig.netif.udp!;
  const echo: UdpSink = {
    datagram(buf, offset, length, srcIp, srcPort, dstPort) {
      udpLayer.sendTo(srcIp, srcPort, dstPort, buf, offset, length);
    },
  };
  udpLayer.bind(7, echo);
  feed(rig, udpFrame(7, [104, 105]));
  const packet = parseSent(rig.nic.take()[0]);
  t.is(packet.dstIp, PEER_IP);
  t.deepEqual(packet.payload, udp(OUR_IP, PEER_IP, 7, 40000, [104, 105]));
  assertNoLeaks(t, rig, memory);
});

test('DHCP-style: while unconfigured a broadcast datagram to a bound port is delivered', (t) => {
  const rig = makeRig({ ip: '0.0.0.0', gateway: '0.0.0.0' });
  const memory = memoryOf(rig);
  const sink = new RecordingSink();
  rig.netif.udp!.bind(68, sink);
  const server = parseIp('192.0.2.1');
  const offered = parseIp('192.0.2.123');
  feed(rig, ethernet(OUR_MAC, PEER_MAC, 0x0800, ipv4({ protocol: 17, srcIp: server, dstIp: offered }, udp(server, offered, 67, 68, [2, 1]))));
  t.deepEqual(sink.datagrams.map((d) => d.payload), [[2, 1]]);
  // No configured address: nothing to answer from.
  feed(rig, ethernet(OUR_MAC, PEER_MAC, 0x0800, ipv4({ protocol: 17, srcIp: server, dstIp: offered }, udp(server, offered, 67, 999, [2, 1]))));
  t.is(rig.nic.take().length, 0);
  assertNoLeaks(t, rig, memory);
});
