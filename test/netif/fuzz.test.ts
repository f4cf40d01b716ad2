import test from 'ava';
import fc from 'fast-check';
import { Stat, statNames } from '../../firmware/stats';
import { UdpSink } from '../../firmware/udp';
import { parseIp } from '../../firmware/wire/ip-address';
import {
  GATEWAY_IP, OUR_IP, OUR_MAC, PEER_IP, PEER_MAC, REMOTE_IP, Rig, arp, assertNoLeaks, ethernet, icmp, ipv4, makeRig,
  memoryOf, referenceChecksum, u16, udp,
} from './harness';

/**
 * NetworkInterface.input against generated frames: random bytes, and valid frames of every
 * kind with one mutation (truncation, lying IHL, total length or UDP length, fragments, a
 * corrupted byte, with or without a repaired IPv4 checksum). Invariants: nothing throws,
 * every frame ends in exactly one outcome counter (or is delivered to TCP), sinks see exactly
 * what udpIn counts, transports never see bytes outside the frame, and memory does not move.
 */

/** The counters of which each received frame must increment exactly one (TCP deliveries are counted by the fake). */
const OUTCOMES: Stat[] = [
  Stat.dropFrameShort, Stat.dropEtherType, Stat.dropNotForUs, Stat.dropArpMalformed, Stat.arpIn,
  Stat.dropIpShort, Stat.dropIpVersion, Stat.dropIpHeaderLength, Stat.dropIpChecksum, Stat.dropIpTotalLength,
  Stat.dropIpFragment, Stat.dropIpNotForUs, Stat.dropIpProtocol, Stat.icmpIn, Stat.dropIcmpChecksum,
  Stat.dropIcmpShort, Stat.udpIn, Stat.dropUdpChecksum, Stat.dropUdpLength, Stat.dropUdpNoPort,
];

const KINDS = ['arpRequest', 'arpReply', 'echo', 'unreachable', 'icmpOther', 'udpBound', 'udpEcho', 'udpUnbound',
  'udpNoChecksum', 'tcp', 'otherProtocol'] as const;
const MUTATIONS = ['none', 'truncate', 'ihl', 'totalLength', 'udpLength', 'fragment', 'flipBit', 'setByte'] as const;

const address = fc.oneof(
  fc.constantFrom(OUR_IP, PEER_IP, REMOTE_IP, GATEWAY_IP, 0xffffffff, parseIp('192.0.2.255'), 0, parseIp('224.0.0.1')),
  fc.integer({ min: 0, max: 0xffffffff }),
);

const validFrame = fc.record({
  kind: fc.constantFrom(...KINDS),
  payload: fc.uint8Array({ maxLength: 48 }),
  srcIp: address,
  dstIp: fc.oneof(fc.constant(OUR_IP), address),
  options: fc.constantFrom(0, 0, 0, 4, 40),
  mutation: fc.constantFrom(...MUTATIONS),
  position: fc.nat(),
  value: fc.integer({ min: 0, max: 0xffff }),
  repairIpChecksum: fc.boolean(),
});

type ValidFrame = typeof validFrame extends fc.Arbitrary<infer T> ? T : never;

function transportFor(f: ValidFrame): { protocol: number; bytes: number[] } {
  const payload = Array.from(f.payload);
  switch (f.kind) {
    case 'echo': return { protocol: 1, bytes: icmp(8, 0, [0, 1, 0, 2], payload) };
    case 'unreachable': return { protocol: 1, bytes: icmp(3, 3, [0, 0, 0, 0], ipv4({ protocol: 17, srcIp: OUR_IP, dstIp: f.srcIp }, payload)) };
    case 'icmpOther': return { protocol: 1, bytes: icmp(13, 0, [0, 0, 0, 0], payload) };
    case 'udpBound': return { protocol: 17, bytes: udp(f.srcIp, f.dstIp, 40000, 5000, payload) };
    case 'udpEcho': return { protocol: 17, bytes: udp(f.srcIp, f.dstIp, 40001, 7, payload) };
    case 'udpUnbound': return { protocol: 17, bytes: udp(f.srcIp, f.dstIp, 40000, 6000, payload) };
    case 'udpNoChecksum': return { protocol: 17, bytes: udp(f.srcIp, f.dstIp, 40000, 5000, payload, false) };
    case 'tcp': return { protocol: 6, bytes: u16(40000).concat(u16(80), payload) };
    default: return { protocol: 99, bytes: payload };
  }
}

/** Builds the frame (Ethernet or bare IPv4), applies the mutation; positions are relative to the IPv4 header. */
function build(f: ValidFrame, withEthernet: boolean): number[] {
  const link = withEthernet ? 14 : 0;
  let frame: number[];
  if (f.kind === 'arpRequest' || f.kind === 'arpReply') {
    const packet = arp(f.kind === 'arpRequest' ? 1 : 2, PEER_MAC, f.srcIp, OUR_MAC, f.dstIp);
    frame = withEthernet ? ethernet(OUR_MAC, PEER_MAC, 0x0806, packet) : packet;
  } else {
    const transport = transportFor(f);
    const options = new Array(f.options).fill(1);
    const packet = ipv4({ protocol: transport.protocol, srcIp: f.srcIp, dstIp: f.dstIp, options }, transport.bytes);
    frame = withEthernet ? ethernet(OUR_MAC, PEER_MAC, 0x0800, packet) : packet;
  }
  const headerLength = 20 + f.options;
  const transportAt = link + headerLength;
  switch (f.mutation) {
    case 'truncate': frame = frame.slice(0, f.position % (frame.length + 1)); break;
    case 'ihl': frame[link] = 0x40 | (f.value & 15); break;
    case 'totalLength': frame[link + 2] = f.value >>> 8; frame[link + 3] = f.value & 0xff; break;
    case 'udpLength':
      if (transportAt + 6 <= frame.length) { frame[transportAt + 4] = f.value >>> 8; frame[transportAt + 5] = f.value & 0xff; }
      break;
    case 'fragment': frame[link + 6] = (f.value >>> 8) & 0xbf; frame[link + 7] = f.value & 0xff; break;
    case 'flipBit': if (frame.length > 0) frame[f.position % frame.length] ^= 1 << (f.value & 7); break;
    case 'setByte': if (frame.length > 0) frame[f.position % frame.length] = f.value & 0xff; break;
    default: break;
  }
  const ihl = (frame[link] & 15) * 4;
  if (f.repairIpChecksum && f.kind !== 'arpRequest' && f.kind !== 'arpReply' && ihl >= 20 && link + ihl <= frame.length) {
    frame[link + 10] = 0;
    frame[link + 11] = 0;
    const checksum = referenceChecksum(frame.slice(link, link + ihl));
    frame[link + 10] = checksum >>> 8;
    frame[link + 11] = checksum & 0xff;
  }
  return frame;
}

function frames(withEthernet: boolean): fc.Arbitrary<number[]> {
  const ipHeaderThenNoise = fc.uint8Array({ minLength: 0, maxLength: 80 }).map((noise) =>
    (withEthernet ? OUR_MAC.concat(PEER_MAC, [8, 0]) : []).concat([0x45], Array.from(noise)));
  return fc.oneof(
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 120 }).map((bytes) => Array.from(bytes)) },
    { weight: 1, arbitrary: ipHeaderThenNoise },
    { weight: 4, arbitrary: validFrame.map((f) => build(f, withEthernet)) },
  );
}

interface Counts {
  udpDelivered: number;
}

function attachSinks(rig: Rig, counts: Counts): void {
  const counting: UdpSink = {
    datagram(buf, offset, length) {
      if (offset < 0 || length < 0 || offset + length > buf.length) throw new Error('UDP payload outside the frame');
      counts.udpDelivered++;
    },
  };
  const udpLayer = rig.netif.udp!;
  const echo: UdpSink = {
    datagram(buf, offset, length, srcIp, srcPort, dstPort) {
      counts.udpDelivered++;
      udpLayer.sendTo(srcIp, srcPort, dstPort, buf, offset, length);
    },
  };
  udpLayer.bind(5000, counting);
  udpLayer.bind(7, echo);
}

function run(t: import('ava').ExecutionContext, rig: Rig, withEthernet: boolean, numRuns: number, seed: number): void {
  const memory = memoryOf(rig);
  const counts: Counts = { udpDelivered: 0 };
  attachSinks(rig, counts);
  const outcomeTotal = (): number => {
    let sum = rig.tcp.calls.length;
    for (const stat of OUTCOMES) sum += rig.stats[stat];
    return sum;
  };
  let inputs = 0;
  fc.assert(fc.property(frames(withEthernet), (bytes) => {
    const frame = Uint8Array.from(bytes);
    const before = outcomeTotal();
    const tcpBefore = rig.tcp.calls.length;
    rig.netif.input(frame, frame.length, rig.clock.t);
    inputs++;
    if (outcomeTotal() - before !== 1) return false;
    if (rig.tcp.calls.length > tcpBefore && rig.tcp.calls[tcpBefore].segment.length > frame.length) return false;
    if (counts.udpDelivered !== rig.stats[Stat.udpIn]) return false;
    rig.nic.take();
    rig.tcp.calls.length = 0;
    if ((inputs & 15) === 0) {
      rig.clock.t += 250;
      rig.netif.tick(rig.clock.t);
    }
    return true;
  }), { numRuns, seed, endOnFailure: true });
  t.is(inputs, numRuns);
  t.true(rig.stats[Stat.arpIn] > 0 || !withEthernet);
  // The generators must reach every layer, not just bounce off the first check.
  const often = numRuns / 400;
  for (const stat of [Stat.udpIn, Stat.icmpEchoReplies, Stat.icmpUnreachableIn, Stat.dropUdpLength, Stat.dropUdpChecksum,
    Stat.dropUdpNoPort, Stat.dropIpFragment, Stat.dropIpTotalLength, Stat.dropIpHeaderLength, Stat.dropIcmpChecksum]) {
    t.true(rig.stats[stat] > often, statNames()[stat]);
  }
  assertNoLeaks(t, rig, memory);
}

test('fuzz: 100,000 Ethernet frames, each delivered or counted exactly once', (t) => {
  run(t, makeRig({ arpEntries: 4, arpPendingFrames: 2 }), true, 100000, 20240601);
});

test('fuzz: 20,000 packets on an IP-only link', (t) => {
  run(t, makeRig({}, false, 576), false, 20000, 7);
});
