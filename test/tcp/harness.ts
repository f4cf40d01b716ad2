import { ExecutionContext } from 'ava';
import { Config, resolveConfig } from '../../firmware/config';
import { IpOutput } from '../../firmware/layers';
import { MemoryReport } from '../../firmware/memory-report';
import { Stat, statNames } from '../../firmware/stats';
import { Tcp } from '../../firmware/tcp/tcp';
import { TcpEventSink } from '../../firmware/tcp/tcp-api';
import { SlotFlag } from '../../firmware/tcp/slot-table';
import { transportChecksum } from '../../firmware/wire/checksum';
import { parseIp } from '../../firmware/wire/ip-address';
import { parseTcpHeader, writeTcpHeader, TcpField, TcpFlag } from '../../firmware/wire/tcp-header';
import { NodeHal } from '../../sim/node-hal';

export const LOCAL_IP = parseIp('192.0.2.2');
export const PEER_IP = parseIp('192.0.2.9');
export const FIN = TcpFlag.FIN;
export const SYN = TcpFlag.SYN;
export const RST = TcpFlag.RST;
export const PSH = TcpFlag.PSH;
export const ACK = TcpFlag.ACK;

export class ManualClock {
  t = 1000;
  now(): number {
    return this.t;
  }
}

/** A segment as it went out (or is to go in), decoded for assertions. */
export interface Segment {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  mss: number;
  data: Uint8Array;
  dstIp: number;
}

export function decode(bytes: Uint8Array, dstIp: number): Segment {
  const fields = new Uint32Array(TcpField.COUNT);
  const fault = parseTcpHeader(bytes, 0, bytes.length, fields);
  if (fault >= 0) throw new Error('engine sent a malformed segment: stat ' + fault);
  const headerLength = fields[TcpField.HEADER_LENGTH];
  return {
    srcPort: fields[TcpField.SOURCE_PORT], dstPort: fields[TcpField.DESTINATION_PORT],
    seq: fields[TcpField.SEQUENCE], ack: fields[TcpField.ACKNOWLEDGMENT], flags: fields[TcpField.FLAGS],
    window: fields[TcpField.WINDOW], mss: fields[TcpField.MSS], data: bytes.slice(headerLength), dstIp,
  };
}

export function flagNames(flags: number): string {
  const names: string[] = [];
  if (flags & SYN) names.push('SYN');
  if (flags & ACK) names.push('ACK');
  if (flags & FIN) names.push('FIN');
  if (flags & RST) names.push('RST');
  if (flags & PSH) names.push('PSH');
  return names.join('|') || 'none';
}

/** IpOutput that records (a copy of) each segment and can forward it, as a wire would. */
export class FakeIp implements IpOutput {
  readonly frame = new Uint8Array(1514);
  readonly payloadOffset = 34;
  readonly maxPayload: number;
  readonly sent: Segment[] = [];
  forward: ((bytes: Uint8Array, dstIp: number) => void) | null = null;
  up = true;

  constructor(readonly address: number, mtu: number, private readonly hal: NodeHal) {
    this.maxPayload = mtu - 20;
  }

  localIp(): number {
    return this.address;
  }

  send(dstIp: number, protocol: number, payloadLength: number): boolean {
    if (protocol !== 6) throw new Error('not TCP');
    const bytes = this.frame.slice(this.payloadOffset, this.payloadOffset + payloadLength);
    if (transportChecksum(this.hal, bytes, 0, bytes.length, this.address, dstIp, 6) !== 0) throw new Error('bad checksum sent');
    if (!this.up) return false;
    this.sent.push(decode(bytes, dstIp));
    if (this.forward) this.forward(bytes, dstIp);
    return true;
  }

  /** Takes every segment sent since the last call. */
  take(): Segment[] {
    return this.sent.splice(0, this.sent.length);
  }
}

export class EventLog implements TcpEventSink {
  readonly socket: { slot: number; events: number }[] = [];
  readonly listener: { listener: number; events: number }[] = [];
  socketEvent(slot: number, events: number): void {
    this.socket.push({ slot, events });
  }
  listenerEvent(listener: number, events: number): void {
    this.listener.push({ listener, events });
  }
  /** OR of all events seen for a slot, then forgets them. */
  take(slot: number): number {
    let events = 0;
    for (let i = this.socket.length - 1; i >= 0; i--) {
      if (this.socket[i].slot === slot) {
        events |= this.socket[i].events;
        this.socket.splice(i, 1);
      }
    }
    return events;
  }
}

export interface SegmentSpec {
  srcPort?: number;
  dstPort?: number;
  seq: number;
  ack?: number;
  flags: number;
  window?: number;
  mss?: number;
  data?: Uint8Array | string;
  srcIp?: number;
}

/** One engine with a fake IP layer and a manual clock: the fixture for per-state tests. */
export interface EnvOptions {
  seed?: number;
  address?: number;
  mtu?: number;
  clock?: ManualClock;
}

export class Env {
  readonly clock: ManualClock;
  readonly hal: NodeHal;
  readonly config: Config;
  readonly stats = new Uint32Array(Stat.COUNT);
  readonly ip: FakeIp;
  readonly tcp: Tcp;
  readonly events = new EventLog();
  readonly memoryAtStart: MemoryReport = {};

  constructor(overrides?: { [field: string]: unknown }, options: EnvOptions = {}) {
    this.clock = options.clock || new ManualClock();
    this.hal = new NodeHal(this.clock, options.seed || 1);
    this.config = resolveConfig(overrides);
    this.ip = new FakeIp(options.address || LOCAL_IP, options.mtu || 1500, this.hal);
    this.tcp = new Tcp(this.config, this.hal, this.stats, this.ip);
    this.tcp.reportMemory(this.memoryAtStart);
  }

  get now(): number {
    return this.clock.t;
  }

  stat(name: string): number {
    const index = statNames().indexOf(name);
    if (index < 0) throw new Error('no counter ' + name);
    return this.stats[index];
  }

  /** Builds a checksummed segment from the peer to us and feeds it to input(). */
  inject(spec: SegmentSpec): void {
    const bytes = build(this.hal, spec, spec.srcIp === undefined ? PEER_IP : spec.srcIp, this.ip.address);
    this.tcp.input(bytes, 0, bytes.length, spec.srcIp === undefined ? PEER_IP : spec.srcIp, this.ip.address, this.clock.t);
    this.tcp.pollEvents(this.events);
  }

  /** Raw bytes in (for malformed segments). */
  injectRaw(bytes: Uint8Array, srcIp = PEER_IP): void {
    this.tcp.input(bytes, 0, bytes.length, srcIp, this.ip.address, this.clock.t);
    this.tcp.pollEvents(this.events);
  }

  /** Advances the clock to `to` (absolute) in steps of config.tickInterval, ticking. */
  advanceTo(to: number): void {
    const step = this.config.tickInterval;
    while (this.clock.t + step <= to) {
      this.clock.t += step;
      this.tcp.tick(this.clock.t);
      this.tcp.pollEvents(this.events);
    }
    if (this.clock.t < to) {
      this.clock.t = to;
      this.tcp.tick(to);
      this.tcp.pollEvents(this.events);
    }
  }

  advance(ms: number): void {
    this.advanceTo(this.clock.t + ms);
  }

  take(): Segment[] {
    return this.ip.take();
  }

  /** Exactly one segment must have gone out; returns it. */
  one(t: ExecutionContext, what = 'one segment'): Segment {
    const sent = this.ip.take();
    if (sent.length !== 1) t.fail(what + ': expected 1 segment, got ' + sent.length + ' ' + sent.map(describe).join(' / '));
    return sent[0];
  }

  slotsInUse(): number {
    let used = 0;
    for (let i = 0; i < this.tcp.slotCount; i++) if (this.tcp.slots.flags[i] & SlotFlag.IN_USE) used++;
    return used;
  }

  /**
   * The lwIP-style leak check every test ends with: no slot in use, SYN queue empty, every open
   * listener's accept queue empty, the TIME_WAIT table at the expected count, memory unchanged.
   */
  leakCheck(t: ExecutionContext, timeWait = 0): void {
    t.is(this.slotsInUse(), 0, 'all slots free');
    t.is(this.tcp.synQueue.count, 0, 'SYN queue empty');
    for (let l = 0; l < this.config.listeners; l++) {
      if (this.tcp.listenerPort(l)) t.is(this.tcp.acceptQueueLength(l), 0, 'accept queue of listener ' + l + ' empty');
    }
    t.is(this.tcp.timeWait.count, timeWait, 'TIME_WAIT records');
    const report: MemoryReport = {};
    this.tcp.reportMemory(report);
    t.deepEqual(report, this.memoryAtStart, 'memory report unchanged');
  }
}

export function build(hal: NodeHal, spec: SegmentSpec, srcIp: number, dstIp: number): Uint8Array {
  const data = typeof spec.data === 'string' ? new TextEncoder().encode(spec.data) : spec.data || new Uint8Array(0);
  const bytes = new Uint8Array(24 + data.length);
  const headerLength = writeTcpHeader(bytes, 0, spec.srcPort === undefined ? PEER_PORT : spec.srcPort,
    spec.dstPort === undefined ? LOCAL_PORT : spec.dstPort, spec.seq >>> 0, (spec.ack || 0) >>> 0, spec.flags,
    spec.window === undefined ? 8192 : spec.window, spec.mss || 0);
  bytes.set(data, headerLength);
  const segment = bytes.subarray(0, headerLength + data.length);
  const sum = transportChecksum(hal, segment, 0, segment.length, srcIp, dstIp, 6);
  segment[16] = sum >>> 8;
  segment[17] = sum & 255;
  return segment.slice();
}

export const PEER_PORT = 40000;
export const LOCAL_PORT = 80;

export function describe(s: Segment): string {
  return flagNames(s.flags) + ' seq=' + s.seq + ' ack=' + s.ack + ' win=' + s.window + ' len=' + s.data.length;
}

/** Asserts the exact shape of a reply segment. */
export function expectSegment(t: ExecutionContext, s: Segment | undefined, want: { flags: number; seq?: number; ack?: number; length?: number; window?: number }, what = ''): void {
  if (!s) {
    t.fail(what + ': no segment');
    return;
  }
  t.is(flagNames(s.flags & ~PSH), flagNames(want.flags & ~PSH), what + ' flags (' + describe(s) + ')');
  if (want.seq !== undefined) t.is(s.seq, want.seq >>> 0, what + ' seq');
  if (want.ack !== undefined) t.is(s.ack, want.ack >>> 0, what + ' ack');
  if (want.length !== undefined) t.is(s.data.length, want.length, what + ' length');
  if (want.window !== undefined) t.is(s.window, want.window, what + ' window');
}

export const PEER_ISS = 0x10000000;

/** Active open to the peer, completed by a SYN-ACK: returns the slot and our ISS. */
export function openClient(t: ExecutionContext, env: Env, options: { window?: number; mss?: number; peerIss?: number } = {}): { slot: number; iss: number; irs: number } {
  const slot = env.tcp.connect(PEER_IP, LOCAL_PORT_REMOTE, 0, env.now);
  t.true(slot >= 0, 'connect');
  const syn = env.one(t, 'SYN');
  const irs = options.peerIss === undefined ? PEER_ISS : options.peerIss;
  env.inject({ srcPort: LOCAL_PORT_REMOTE, dstPort: syn.srcPort, seq: irs, ack: syn.seq + 1, flags: SYN | ACK,
    window: options.window === undefined ? 8192 : options.window, mss: options.mss === undefined ? 1460 : options.mss });
  const ack = env.one(t, 'ACK of SYN-ACK');
  expectSegment(t, ack, { flags: ACK, seq: syn.seq + 1, ack: irs + 1 }, 'handshake ACK');
  t.is(env.events.take(slot) & 1, 1, 'CONNECTED');
  return { slot, iss: syn.seq, irs };
}

/** The port a client connects to in openClient. */
export const LOCAL_PORT_REMOTE = 7;

/** Passive open through a listener on LOCAL_PORT, accepted: returns the slot, listener and our ISS. */
export function openServer(t: ExecutionContext, env: Env, options: { window?: number; mss?: number; peerIss?: number; srcPort?: number } = {}): { slot: number; listener: number; iss: number; irs: number } {
  let listener = -1;
  for (let l = 0; l < env.config.listeners; l++) if (env.tcp.listenerPort(l) === LOCAL_PORT) listener = l;
  if (listener < 0) listener = env.tcp.listen(LOCAL_PORT, 4);
  const irs = options.peerIss === undefined ? PEER_ISS : options.peerIss;
  const srcPort = options.srcPort === undefined ? PEER_PORT : options.srcPort;
  env.inject({ srcPort, seq: irs, flags: SYN, window: options.window === undefined ? 8192 : options.window, mss: options.mss === undefined ? 1460 : options.mss });
  const synAck = env.one(t, 'SYN-ACK');
  expectSegment(t, synAck, { flags: SYN | ACK, ack: irs + 1 }, 'SYN-ACK');
  env.inject({ srcPort, seq: irs + 1, ack: synAck.seq + 1, flags: ACK, window: options.window === undefined ? 8192 : options.window });
  t.deepEqual(env.take(), [], 'nothing sent on the handshake ACK');
  const slot = env.tcp.accept(listener);
  t.true(slot >= 0, 'accept');
  return { slot, listener, iss: synAck.seq, irs };
}

/** Sends `n` bytes of a pattern from the peer. */
export function pattern(n: number, start = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (start + i * 7 + (i >> 8)) & 255;
  return out;
}

/** Two engines back to back, with a queue between them (no real IPv4 layer needed). */
export class Pair {
  readonly clock = new ManualClock();
  readonly a: Env;
  readonly b: Env;
  private readonly queue: { to: Env; from: number; bytes: Uint8Array }[] = [];
  /** Return false to drop a segment in flight (loss injection). */
  filter: ((from: Env, segment: Segment, bytes: Uint8Array) => boolean) | null = null;

  constructor(overrides?: { [field: string]: unknown }, overridesB?: { [field: string]: unknown }) {
    this.a = new Env(overrides, { seed: 11, address: parseIp('10.0.0.1'), clock: this.clock });
    this.b = new Env(overridesB || overrides, { seed: 22, address: parseIp('10.0.0.2'), clock: this.clock });
    this.a.ip.forward = (bytes, dstIp) => this.enqueue(this.a, this.b, bytes, dstIp);
    this.b.ip.forward = (bytes, dstIp) => this.enqueue(this.b, this.a, bytes, dstIp);
  }

  private enqueue(from: Env, to: Env, bytes: Uint8Array, dstIp: number): void {
    if (dstIp !== to.ip.address) return;
    if (this.filter && !this.filter(from, decode(bytes, dstIp), bytes)) return;
    this.queue.push({ to, from: from.ip.address, bytes });
  }

  /** Delivers queued segments until none are left (each delivery may queue more). */
  deliver(limit = 100000): void {
    let n = 0;
    while (this.queue.length > 0 && n++ < limit) {
      const item = this.queue.shift()!;
      item.to.tcp.input(item.bytes, 0, item.bytes.length, item.from, item.to.ip.address, this.clock.t);
      item.to.tcp.pollEvents(item.to.events);
    }
    this.a.ip.take();
    this.b.ip.take();
  }

  /** Advances time in ticks, delivering after each tick, and calling `step` (the application) each time. */
  run(ms: number, step?: () => void): void {
    const end = this.clock.t + ms;
    const tick = this.a.config.tickInterval;
    this.deliver();
    while (this.clock.t < end) {
      this.clock.t += tick;
      this.a.tcp.tick(this.clock.t);
      this.b.tcp.tick(this.clock.t);
      this.a.tcp.pollEvents(this.a.events);
      this.b.tcp.pollEvents(this.b.events);
      this.deliver();
      if (step) step();
      this.deliver();
    }
  }
}
