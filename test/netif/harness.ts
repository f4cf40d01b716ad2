import { Nic } from '../../hal/hal';
import { NodeHal } from '../../sim/node-hal';
import { Config, resolveConfig } from '../../firmware/config';
import { Stat, statNames } from '../../firmware/stats';
import { Transport } from '../../firmware/layers';
import { NetworkInterface } from '../../firmware/network-interface';
import { ArpState } from '../../firmware/arp-cache';
import { parseIp } from '../../firmware/wire/ip-address';
import { UdpSink } from '../../firmware/udp';

/**
 * Fixtures for the netif tests. Frames sent *to* the interface are built here with plain
 * code and a reference checksum, independent of the firmware's writers, so a writer bug
 * cannot hide behind a matching parser.
 */

export const OUR_MAC = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];
export const PEER_MAC = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02];
export const GATEWAY_MAC = [0x02, 0x00, 0x00, 0x00, 0x00, 0xfe];
export const BROADCAST_MAC = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
export const OUR_IP = parseIp('192.0.2.2');
export const PEER_IP = parseIp('192.0.2.9');
export const GATEWAY_IP = parseIp('192.0.2.1');
export const REMOTE_IP = parseIp('198.51.100.7');

export class FakeNic implements Nic {
  readonly mac: Uint8Array;
  up = true;
  readonly sent: Uint8Array[] = [];

  constructor(readonly ethernet: boolean, readonly mtu: number) {
    this.mac = ethernet ? Uint8Array.from(OUR_MAC) : new Uint8Array(6);
  }

  transmit(frame: Uint8Array, length: number): void {
    this.sent.push(frame.slice(0, length));
  }

  linkUp(): boolean {
    return this.up;
  }

  take(): Uint8Array[] {
    return this.sent.splice(0, this.sent.length);
  }
}

export interface TransportCall {
  segment: number[];
  srcIp: number;
  dstIp: number;
  now: number;
}

export class FakeTransport implements Transport {
  readonly calls: TransportCall[] = [];
  input(buf: Uint8Array, offset: number, length: number, srcIp: number, dstIp: number, now: number): void {
    this.calls.push({ segment: Array.from(buf.subarray(offset, offset + length)), srcIp, dstIp, now });
  }
}

export interface Datagram {
  payload: number[];
  srcIp: number;
  srcPort: number;
  dstPort: number;
}

export class RecordingSink implements UdpSink {
  readonly datagrams: Datagram[] = [];
  datagram(buf: Uint8Array, offset: number, length: number, srcIp: number, srcPort: number, dstPort: number): void {
    this.datagrams.push({ payload: Array.from(buf.subarray(offset, offset + length)), srcIp, srcPort, dstPort });
  }
}

export interface Rig {
  config: Config;
  clock: { t: number; now(): number };
  hal: NodeHal;
  nic: FakeNic;
  stats: Uint32Array;
  netif: NetworkInterface;
  tcp: FakeTransport;
}

export function makeRig(overrides?: { [field: string]: unknown }, ethernet = true, mtu = 1500): Rig {
  const clock = { t: 1000, now(): number { return this.t; } };
  const hal = new NodeHal(clock, 42);
  const nic = new FakeNic(ethernet, mtu);
  const stats = new Uint32Array(Stat.COUNT);
  const config = resolveConfig(Object.assign({ ip: '192.0.2.2', netmask: '255.255.255.0', gateway: '192.0.2.1' }, overrides || {}));
  const netif = new NetworkInterface(config, hal, nic, stats);
  const tcp = new FakeTransport();
  netif.tcp = tcp;
  return { config, clock, hal, nic, stats, netif, tcp };
}

/** RFC 1071 by the book, for building and checking frames independently of the HAL. */
export function referenceChecksum(bytes: ArrayLike<number>, initial = 0): number {
  let sum = initial;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i] << 8) | (i + 1 < bytes.length ? bytes[i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export function u16(value: number): number[] {
  return [(value >>> 8) & 0xff, value & 0xff];
}

export function u32(value: number): number[] {
  return [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

export function read16(bytes: ArrayLike<number>, offset: number): number {
  return (bytes[offset] << 8) | bytes[offset + 1];
}

export function read32(bytes: ArrayLike<number>, offset: number): number {
  return ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0;
}

export function ethernet(dstMac: number[], srcMac: number[], etherType: number, payload: number[]): number[] {
  return dstMac.concat(srcMac, u16(etherType), payload);
}

export interface Ipv4Options {
  protocol: number;
  srcIp: number;
  dstIp: number;
  flagsFragment?: number;
  options?: number[];
  ttl?: number;
}

export function ipv4(o: Ipv4Options, payload: number[]): number[] {
  const options = o.options || [];
  const headerLength = 20 + options.length;
  const header = [0x40 | (headerLength >> 2), 0].concat(u16(headerLength + payload.length), u16(0x1234),
    u16(o.flagsFragment === undefined ? 0x4000 : o.flagsFragment), [o.ttl || 64, o.protocol], [0, 0],
    u32(o.srcIp), u32(o.dstIp), options);
  const checksum = referenceChecksum(header);
  header[10] = checksum >>> 8;
  header[11] = checksum & 0xff;
  return header.concat(payload);
}

function pseudoHeaderSum(srcIp: number, dstIp: number, protocol: number, length: number): number {
  return (srcIp >>> 16) + (srcIp & 0xffff) + (dstIp >>> 16) + (dstIp & 0xffff) + protocol + length;
}

export function udp(srcIp: number, dstIp: number, srcPort: number, dstPort: number, payload: number[], withChecksum = true): number[] {
  const datagram = u16(srcPort).concat(u16(dstPort), u16(8 + payload.length), [0, 0], payload);
  if (withChecksum) {
    const checksum = referenceChecksum(datagram, pseudoHeaderSum(srcIp, dstIp, 17, datagram.length)) || 0xffff;
    datagram[6] = checksum >>> 8;
    datagram[7] = checksum & 0xff;
  }
  return datagram;
}

export function icmp(type: number, code: number, rest: number[], body: number[]): number[] {
  const message = [type, code, 0, 0].concat(rest, body);
  const checksum = referenceChecksum(message);
  message[2] = checksum >>> 8;
  message[3] = checksum & 0xff;
  return message;
}

export function arp(operation: number, senderMac: number[], senderIp: number, targetMac: number[], targetIp: number): number[] {
  return [0, 1, 8, 0, 6, 4, 0, operation].concat(senderMac, u32(senderIp), targetMac, u32(targetIp));
}

/** An ARP reply from `ip` at `mac`, addressed to this host. */
export function arpReplyFrame(ip: number, mac: number[]): Uint8Array {
  return Uint8Array.from(ethernet(OUR_MAC, mac, 0x0806, arp(2, mac, ip, OUR_MAC, OUR_IP)));
}

/** A UDP datagram from the peer to this host, as an Ethernet frame. */
export function udpFrame(dstPort: number, payload: number[], srcIp = PEER_IP, srcPort = 40000): Uint8Array {
  return Uint8Array.from(ethernet(OUR_MAC, PEER_MAC, 0x0800,
    ipv4({ protocol: 17, srcIp, dstIp: OUR_IP }, udp(srcIp, OUR_IP, srcPort, dstPort, payload))));
}

export function feed(rig: Rig, frame: ArrayLike<number>): void {
  const bytes = Uint8Array.from(frame as ArrayLike<number>);
  rig.netif.input(bytes, bytes.length, rig.clock.t);
}

/** Puts the peer (and the gateway) into the ARP cache by feeding their replies to our requests. */
export function resolveNeighbours(rig: Rig): void {
  feed(rig, ethernet(OUR_MAC, PEER_MAC, 0x0806, arp(1, PEER_MAC, PEER_IP, [0, 0, 0, 0, 0, 0], OUR_IP)));
  feed(rig, ethernet(OUR_MAC, GATEWAY_MAC, 0x0806, arp(1, GATEWAY_MAC, GATEWAY_IP, [0, 0, 0, 0, 0, 0], OUR_IP)));
  rig.nic.take();
}

export function pendingFrames(rig: Rig): number {
  let held = 0;
  const lengths = rig.netif.arp.pendingLength;
  for (let i = 0; i < lengths.length; i++) if (lengths[i] !== 0) held++;
  return held;
}

export function cacheEntries(rig: Rig, state: ArpState): number {
  let count = 0;
  const arpCache = rig.netif.arp;
  for (let i = 0; i < arpCache.size; i++) if (arpCache.state[i] === state) count++;
  return count;
}

/**
 * The leak check every test ends with: no frame left in the pending buffers once every
 * resolution has finished or timed out, the cache within its bounds, and the memory report
 * exactly what it was at creation.
 */
export function assertNoLeaks(t: { is(a: unknown, b: unknown, m?: string): void; deepEqual(a: unknown, b: unknown, m?: string): void; true(a: boolean, m?: string): void }, rig: Rig, memoryAtStart: { [k: string]: number }): void {
  const arpCache = rig.netif.arp;
  // Let every resolution in flight finish: retries × interval, plus one interval to give up.
  for (let step = 0; step <= rig.config.arpRetries + 1; step++) {
    rig.clock.t += rig.config.arpRetryInterval;
    rig.netif.tick(rig.clock.t);
  }
  t.is(pendingFrames(rig), 0, 'pending frames left');
  t.is(cacheEntries(rig, ArpState.RESOLVING), 0, 'resolutions left');
  t.true(cacheEntries(rig, ArpState.RESOLVED) <= arpCache.size, 'cache within bounds');
  const memory: { [k: string]: number } = {};
  rig.netif.reportMemory(memory);
  t.deepEqual(memory, memoryAtStart, 'memory report moved');
}

export function memoryOf(rig: Rig): { [k: string]: number } {
  const memory: { [k: string]: number } = {};
  rig.netif.reportMemory(memory);
  return memory;
}

/** Copy of the counters, to compare before and after one frame. */
export function snapshot(stats: Uint32Array): number[] {
  return Array.from(stats);
}

export function changed(before: number[], stats: Uint32Array): { [name: string]: number } {
  const names: { [name: string]: number } = {};
  for (let i = 0; i < stats.length; i++) if (stats[i] !== before[i]) names[statNames()[i]] = stats[i] - before[i];
  return names;
}

export interface SentPacket {
  dstMac: number[];
  srcMac: number[];
  etherType: number;
  headerLength: number;
  totalLength: number;
  identification: number;
  flagsFragment: number;
  ttl: number;
  protocol: number;
  headerChecksumValid: boolean;
  srcIp: number;
  dstIp: number;
  payload: number[];
}

/** Decodes a transmitted frame with plain code (no firmware helpers). */
export function parseSent(frame: Uint8Array, withEthernet = true): SentPacket {
  const bytes = Array.from(frame);
  const at = withEthernet ? 14 : 0;
  const headerLength = (bytes[at] & 15) * 4;
  const totalLength = read16(bytes, at + 2);
  return {
    dstMac: withEthernet ? bytes.slice(0, 6) : [],
    srcMac: withEthernet ? bytes.slice(6, 12) : [],
    etherType: withEthernet ? read16(bytes, 12) : 0x0800,
    headerLength,
    totalLength,
    identification: read16(bytes, at + 4),
    flagsFragment: read16(bytes, at + 6),
    ttl: bytes[at + 8],
    protocol: bytes[at + 9],
    headerChecksumValid: referenceChecksum(bytes.slice(at, at + headerLength)) === 0,
    srcIp: read32(bytes, at + 12),
    dstIp: read32(bytes, at + 16),
    payload: bytes.slice(at + headerLength, at + totalLength),
  };
}

/** True when a UDP or TCP segment's checksum over the pseudo-header verifies. */
export function transportChecksumValid(segment: number[], srcIp: number, dstIp: number, protocol: number): boolean {
  return referenceChecksum(segment, pseudoHeaderSum(srcIp, dstIp, protocol, segment.length)) === 0;
}
