import test from 'ava';
import fc from 'fast-check';
import { Socket } from '../../firmware/api/net';
import { Stat, statNames } from '../../firmware/stats';
import { parseIp } from '../../firmware/wire/ip-address';
import { arp, ethernet, ipv4, referenceChecksum, u16, u32, udp } from '../netif/harness';
import { buildNetwork, stat } from '../seeds/network';
import { Collector, pattern, sameBytes, settleAndCheck } from './flows';

/**
 * 100,000 generated frames into a live Stack (real Stack + Net on the simulated link) that has a
 * listener and an established connection: random bytes, and valid Ethernet/IPv4/TCP/UDP frames
 * with one lie each (truncated headers, IP total length, IHL, TCP data offset, option lengths,
 * bad checksums), every flag combination and sequence numbers anywhere except inside the live
 * connection's receive window (where a well-formed segment is, by design, data: no stack can
 * tell a blind injection there from the peer). Invariants: nothing throws, every frame ends in
 * exactly one outcome counter (a drop, or delivery to a protocol), a segment reaching TCP is
 * dropped at most once, memory does not move, and the connection still carries data exactly.
 */

const DEVICE = '192.0.2.2';
const PEER = '192.0.2.9';
const LISTEN_PORT = 80;
const FRAMES = 100000;

/** Each frame handed to the stack increments exactly one of these. */
const OUTCOMES: Stat[] = [
  Stat.dropFrameShort, Stat.dropEtherType, Stat.dropNotForUs, Stat.dropArpMalformed, Stat.arpIn,
  Stat.dropIpShort, Stat.dropIpVersion, Stat.dropIpHeaderLength, Stat.dropIpChecksum, Stat.dropIpTotalLength,
  Stat.dropIpFragment, Stat.dropIpNotForUs, Stat.dropIpProtocol, Stat.icmpIn, Stat.dropIcmpChecksum,
  Stat.dropIcmpShort, Stat.udpIn, Stat.dropUdpChecksum, Stat.dropUdpLength, Stat.dropUdpNoPort, Stat.tcpIn,
];

const TCP_DROPS: Stat[] = [
  Stat.dropTcpShort, Stat.dropTcpChecksum, Stat.dropTcpHeaderLength, Stat.dropTcpOptions, Stat.dropTcpFlags,
  Stat.dropTcpNoSocket, Stat.dropTcpOutOfWindow, Stat.dropTcpBadAck, Stat.dropTcpOutOfOrderFull,
];

const TARGETS = ['connection', 'listener', 'closedPort'] as const;
const MUTATIONS = ['none', 'none', 'truncate', 'ihl', 'totalLength', 'dataOffset', 'optionLength', 'checksum', 'flipBit'] as const;

const tcpFrame = fc.record({
  target: fc.constantFrom(...TARGETS),
  fromPeer: fc.boolean(),
  flags: fc.integer({ min: 0, max: 0xff }),
  seqOffset: fc.integer({ min: 0, max: 0xffffffff }),
  ack: fc.integer({ min: 0, max: 0xffffffff }),
  window: fc.integer({ min: 0, max: 0xffff }),
  options: fc.oneof(
    fc.constant([] as number[]),
    fc.constant([2, 4, 5, 0xb4]),
    fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 }),
  ),
  payload: fc.uint8Array({ maxLength: 64 }),
  mutation: fc.constantFrom(...MUTATIONS),
  position: fc.nat(),
  value: fc.integer({ min: 0, max: 0xffff }),
  repairChecksums: fc.boolean(),
});

type TcpFrameSpec = typeof tcpFrame extends fc.Arbitrary<infer T> ? T : never;

test('fuzz: 100,000 frames into a live stack with a listener and an established connection', (t) => {
  const network = buildNetwork({ seed: 71, link: { delay: 1 }, capture: 'fuzz', hosts: [{ name: 'device', ip: DEVICE }, { name: 'peer', ip: PEER }] });
  const device = network.host('device');
  const peer = network.host('peer');
  const deviceMac = Array.from(device.nic.mac);
  const peerMac = Array.from(peer.nic.mac);
  const deviceIp = parseIp(DEVICE);
  const peerIp = parseIp(PEER);

  let serverSide: Socket | null = null;
  const toDevice = new Collector(32 * 1024);
  const server = device.net.createServer((socket: Socket) => {
    serverSide = socket;
    socket.on('data', (chunk: Uint8Array) => toDevice.take(chunk));
  }).listen(LISTEN_PORT);
  const client = peer.net.connect({ host: DEVICE, port: LISTEN_PORT });
  const toPeer = new Collector(32 * 1024);
  client.on('data', (chunk: Uint8Array) => toPeer.take(chunk));
  t.true(network.runUntil(() => serverSide !== null && !client.connecting, 2000), 'established');
  const live = (serverSide as unknown as Socket).slot;
  const slots = device.stack.tcp.slots;
  const memoryTotal = device.stack.memory().total;

  const flagsSeen = new Uint8Array(256);
  /** A TCP segment with a correct checksum, then its one lie. */
  function build(f: TcpFrameSpec): Uint8Array {
    flagsSeen[f.flags] = 1;
    const srcIp = f.fromPeer || f.target === 'connection' ? peerIp : parseIp('192.0.2.77');
    const srcMac = srcIp === peerIp ? peerMac : [2, 0, 0, 0, 0, 0x77];
    let srcPort = 1024 + (f.value % 60000);
    let dstPort = 9999;
    let seq = f.seqOffset;
    if (f.target === 'connection') {
      srcPort = client.localPort;
      dstPort = LISTEN_PORT;
      // Anywhere but the receive window and just below it (an overlap would be data).
      const offset = f.seqOffset | 0;
      seq = (slots.rcvNxt[live] + (offset > -70000 && offset < 70000 ? offset + 140000 : offset)) >>> 0;
    } else if (f.target === 'listener') {
      dstPort = LISTEN_PORT;
    }
    const options = f.options.slice(0, 40);
    while (options.length % 4 !== 0) options.push(1);
    const payload = Array.from(f.payload);
    const segment = u16(srcPort).concat(u16(dstPort), u32(seq), u32(f.ack), [((20 + options.length) / 4) << 4, f.flags],
      u16(f.window), [0, 0, 0, 0], options, payload);
    setTcpChecksum(segment, srcIp);
    const frame = ethernet(deviceMac, srcMac, 0x0800, ipv4({ protocol: 6, srcIp, dstIp: deviceIp }, segment));
    const ip = 14;
    const tcp = 34;
    switch (f.mutation) {
      case 'truncate': frame.length = f.position % (frame.length + 1); break;
      case 'ihl': frame[ip] = 0x40 | (f.value & 15); break;
      case 'totalLength': frame[ip + 2] = f.value >>> 8; frame[ip + 3] = f.value & 0xff; break;
      case 'dataOffset': frame[tcp + 12] = (f.value & 15) << 4; break;
      case 'optionLength':
        if (options.length > 0) frame[tcp + 20 + 1] = f.value & 0xff;
        else frame[tcp + 12] = 0x60;
        frame[tcp + 20] = 2 + (f.value >>> 8) % 7;
        break;
      case 'checksum': frame[tcp + 16] ^= 1 + (f.value & 0x7f); break;
      case 'flipBit': frame[f.position % frame.length] ^= 1 << (f.value & 7); break;
      default: break;
    }
    if (f.repairChecksums && f.mutation !== 'checksum' && f.mutation !== 'truncate' && f.mutation !== 'flipBit') {
      const tcpBytes = frame.slice(tcp);
      tcpBytes[16] = 0;
      tcpBytes[17] = 0;
      setTcpChecksum(tcpBytes, srcIp);
      frame.splice(tcp, tcpBytes.length, ...tcpBytes);
      const ihl = (frame[ip] & 15) * 4;
      if (ihl >= 20 && ip + ihl <= frame.length) {
        frame[ip + 10] = 0;
        frame[ip + 11] = 0;
        const checksum = referenceChecksum(frame.slice(ip, ip + ihl));
        frame[ip + 10] = checksum >>> 8;
        frame[ip + 11] = checksum & 0xff;
      }
    }
    return Uint8Array.from(frame);
  }

  function setTcpChecksum(segment: number[], srcIp: number): void {
    const pseudo = (srcIp >>> 16) + (srcIp & 0xffff) + (deviceIp >>> 16) + (deviceIp & 0xffff) + 6 + segment.length;
    const checksum = referenceChecksum(segment, pseudo);
    segment[16] = checksum >>> 8;
    segment[17] = checksum & 0xff;
  }

  const frames = fc.oneof(
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 120 }) },
    {
      weight: 1, arbitrary: fc.uint8Array({ maxLength: 80 }).map((noise) =>
        Uint8Array.from(deviceMac.concat(peerMac, [8, 0, 0x45], Array.from(noise)))),
    },
    {
      // UDP, intact or with a lying length, truncated, or with one byte changed.
      weight: 1, arbitrary: fc.tuple(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 0, max: 0xffff }), fc.boolean(),
        fc.integer({ min: 0, max: 3 }), fc.nat()).map(([payload, port, sum, mutation, position]) => {
        const frame = ethernet(deviceMac, peerMac, 0x0800, ipv4({ protocol: 17, srcIp: peerIp, dstIp: deviceIp },
          udp(peerIp, deviceIp, 40000, port, Array.from(payload), sum)));
        if (mutation === 1) frame.splice(38, 2, port >>> 8, port & 0xff);
        else if (mutation === 2) frame.length = position % (frame.length + 1);
        else if (mutation === 3) frame[position % frame.length] = port & 0xff;
        return Uint8Array.from(frame);
      }),
    },
    {
      // ARP from a stranger only: a lie about the peer's MAC would (rightly) cut the connection off.
      weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.nat({ max: 30 })).map(([operation, cut]) => {
        const packet = arp(operation, [2, 0, 0, 0, 0, 0x66], parseIp('192.0.2.66'), deviceMac, deviceIp);
        return Uint8Array.from(ethernet(deviceMac, [2, 0, 0, 0, 0, 0x66], 0x0806, packet.slice(0, 28 - (cut > 25 ? cut : 0))));
      }),
    },
    { weight: 8, arbitrary: tcpFrame.map(build) },
  );

  const outcomes = (): number => {
    let sum = 0;
    for (const s of OUTCOMES) sum += device.stack.stats[s];
    return sum;
  };
  const tcpDrops = (): number => {
    let sum = 0;
    for (const s of TCP_DROPS) sum += device.stack.stats[s];
    return sum;
  };
  let inputs = 0;
  const realStart = Date.now();
  fc.assert(fc.property(frames, (frame) => {
    const before = outcomes();
    const dropsBefore = tcpDrops();
    const tcpBefore = device.stack.stats[Stat.tcpIn];
    device.stack.input(frame, frame.length);
    inputs++;
    if (outcomes() - before !== 1) throw new Error('frame ended in ' + (outcomes() - before) + ' outcomes');
    const drops = tcpDrops() - dropsBefore;
    if (drops > device.stack.stats[Stat.tcpIn] - tcpBefore) throw new Error('one segment counted as ' + drops + ' drops');
    if (device.stack.memory().total !== memoryTotal) throw new Error('memory total moved');
    if ((inputs & 31) === 0) network.run(1);
    return true;
  }), { numRuns: FRAMES, seed: 20261123, endOnFailure: true, includeErrorInReport: true });
  const realMs = Date.now() - realStart;
  t.is(inputs, FRAMES);
  t.is(flagsSeen.reduce((sum, seen) => sum + seen, 0), 256, 'every combination of the eight flag bits sent');
  t.is(device.stack.stats[Stat.framesIn] >= FRAMES, true);
  // The generator reaches every layer and every TCP check, not just the first one.
  for (const s of [Stat.dropFrameShort, Stat.dropIpHeaderLength, Stat.dropIpTotalLength, Stat.dropUdpNoPort, Stat.dropUdpLength, Stat.dropUdpChecksum,
    Stat.arpIn, Stat.dropTcpShort, Stat.dropTcpChecksum, Stat.dropTcpHeaderLength, Stat.dropTcpOptions, Stat.dropTcpFlags,
    Stat.dropTcpNoSocket, Stat.dropTcpOutOfWindow, Stat.tcpChallengeAcks, Stat.tcpSynCookiesSent]) {
    t.true(device.stack.stats[s] > 20, statNames()[s] + ' reached: ' + device.stack.stats[s]);
  }
  const counts: { [name: string]: number } = {};
  for (const s of OUTCOMES.concat(TCP_DROPS)) counts[statNames()[s]] = device.stack.stats[s];
  t.log('fuzz', FRAMES, 'frames in', realMs, 'ms;', JSON.stringify(counts));

  // Half-open records, ARP waits and challenge-ACK budgets run out; the connection lives on.
  network.run(device.stack.config.synReceivedTimeout + 5000);
  t.false(client.destroyed, 'the established connection survived');
  const up = pattern(20000, 71);
  const down = pattern(20000, 72);
  client.write(up);
  (serverSide as unknown as Socket).write(down);
  t.true(network.runUntil(() => toDevice.length === up.length && toPeer.length === down.length, 10000), 'data still flows');
  sameBytes(t, toDevice, up, 'peer to device after the fuzz');
  sameBytes(t, toPeer, down, 'device to peer after the fuzz');
  t.is(stat(peer, 'tcpResets') + stat(device, 'tcpResets'), 0, 'no reset got through');
  client.end();
  t.true(network.runUntil(() => client.destroyed, 5000));
  server.close();
  settleAndCheck(t, network);
});
