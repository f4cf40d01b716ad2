import { ExecutionContext } from 'ava';
import { resolveConfig } from '../../firmware/config';
import { Stack } from '../../firmware/stack';
import { Stat, statNames } from '../../firmware/stats';
import { Net } from '../../firmware/api/net';
import { Services } from '../../firmware/services/services';
import { SlotFlag } from '../../firmware/tcp/slot-table';
import { TcpState } from '../../firmware/tcp/state';
import { parseIp } from '../../firmware/wire/ip-address';
import { VirtualClock } from '../../sim/clock';
import { Link, LinkOptions } from '../../sim/link';
import { SimNic } from '../../sim/sim-nic';
import { SimHost, macFor } from '../../sim/host';
import { NodeHal } from '../../sim/node-hal';
import { PcapWriter } from '../../sim/pcap';
import * as path from 'path';

/**
 * A simulated Ethernet segment with whole stacks on it (Stack + Net + SimNic + SimHost on one
 * VirtualClock), for the seed and scenario tests. Each device ticks every config.tickInterval
 * ms of virtual time, as a board's setInterval would.
 *
 *   const network = buildNetwork({ seed: 7, hosts: [{ name: 'a', ip: '192.0.2.2' },
 *     { name: 'b', ip: '192.0.2.9', config: { sockets: 2 } }], link: { loss: 0.1 }, capture: 'loss' });
 *   const a = network.host('a');            // { stack, net, hal, nic, host, ... }
 *   network.runUntil(() => done, 60000);    // virtual ms, never a real sleep
 *   expectNoLeaks(t, a);                    // every pool back to its starting count
 *
 * With the environment variable PCAP_DIR set, `capture` names a pcap file written there
 * (open it in Wireshark); the file is completed when the test process exits.
 */

/** What a scenario checks stays flat: the stack's fixed memory and every pool's live count. */
export interface LiveCounts {
  memoryTotal: number;
  slotsInUse: number;
  synQueue: number;
  acceptQueues: number;
  arpPending: number;
  timeWait: number;
}

export interface Device {
  readonly name: string;
  readonly ip: number;
  readonly stack: Stack;
  readonly net: Net;
  readonly hal: NodeHal;
  readonly nic: SimNic;
  readonly host: SimHost;
  /** Counts at creation, for the leak check. */
  readonly start: LiveCounts;
}

/** Captures still being written; each is completed when the test process exits. */
const openCaptures: PcapWriter[] = [];

export class Network {
  readonly clock = new VirtualClock();
  readonly link: Link;
  readonly devices: Device[] = [];

  constructor(linkOptions: LinkOptions = {}) {
    this.link = new Link(this.clock, linkOptions);
  }

  /** A powered device at `ip` (dotted) with config overrides over the defaults. */
  add(name: string, ip: string, overrides: { [field: string]: unknown } = {}): Device {
    const config = resolveConfig(Object.assign({ ip, netmask: '255.255.255.0' }, overrides));
    const hal = new NodeHal(this.clock, 1000 + this.devices.length * 7919);
    const nic = new SimNic(this.link, { mac: macFor(this.devices.length + 1) });
    const stack = new Stack(config, hal, nic);
    const net = new Net(stack);
    const host = new SimHost(this.clock, nic, stack, config.tickInterval);
    host.start();
    const partial = { name, ip: parseIp(ip), stack, net, hal, nic, host } as Device;
    const device = Object.assign(partial, { start: liveCounts(partial) });
    this.devices.push(device);
    return device;
  }

  get now(): number {
    return this.clock.now();
  }

  /** The device called `name`. */
  host(name: string): Device {
    for (const device of this.devices) if (device.name === name) return device;
    throw new Error('no host ' + name);
  }

  /** Captures the link to $PCAP_DIR/<name>.pcap when PCAP_DIR is set; does nothing otherwise. */
  capture(name: string): void {
    const directory = process.env.PCAP_DIR;
    if (!directory) return;
    if (openCaptures.length === 0) process.on('exit', () => openCaptures.forEach((writer) => writer.close()));
    openCaptures.push(new PcapWriter({ path: path.join(directory, name + '.pcap') }).attachTo(this.link));
  }

  /** Runs the simulation for `ms` of virtual time. */
  run(ms: number): void {
    this.clock.runUntil(this.clock.now() + ms);
  }

  /** Runs until `done()` holds (checked every `step` ms) or `limit` ms have passed; returns whether it held. */
  runUntil(done: () => boolean, limit: number, step = 1): boolean {
    const end = this.clock.now() + limit;
    while (!done()) {
      if (this.clock.now() >= end) return false;
      this.run(step);
    }
    return true;
  }
}

/** What buildNetwork takes: the link's seed and impairments, and each host with its config overrides. */
export interface NetworkSpec {
  seed?: number;
  hosts: { name: string; ip: string; config?: { [field: string]: unknown } }[];
  link?: LinkOptions;
  /** pcap file name (without .pcap) used when PCAP_DIR is set. */
  capture?: string;
}

export function buildNetwork(spec: NetworkSpec): Network {
  const network = new Network(Object.assign({ seed: spec.seed === undefined ? 1 : spec.seed }, spec.link));
  for (const host of spec.hosts) network.add(host.name, host.ip, host.config);
  if (spec.capture) network.capture(spec.capture);
  return network;
}

export function liveCounts(device: { stack: Stack }): LiveCounts {
  const stack = device.stack;
  const tcp = stack.tcp;
  let slotsInUse = 0;
  for (let i = 0; i < tcp.slotCount; i++) if (tcp.slots.flags[i] & SlotFlag.IN_USE) slotsInUse++;
  let acceptQueues = 0;
  for (let l = 0; l < stack.config.listeners; l++) {
    if (tcp.listenerPort(l)) acceptQueues += tcp.acceptQueueLength(l) - tcp.synQueue.countFor(l);
  }
  let arpPending = 0;
  const lengths = stack.netif.arp.pendingLength;
  for (let i = 0; i < lengths.length; i++) if (lengths[i] !== 0) arpPending++;
  return {
    memoryTotal: stack.memory().total, slotsInUse, synQueue: tcp.synQueue.count, acceptQueues, arpPending,
    timeWait: tcp.timeWait.count,
  };
}

export function stat(device: Device, name: string): number {
  const index = statNames().indexOf(name);
  if (index < 0) throw new Error('no counter ' + name);
  return device.stack.stats[index];
}

/** The counters a scenario reports: TIME_WAIT recycling, listen-queue overflow and shedding. */
export function resourceCounts(device: Device): { [name: string]: number } {
  const s = device.stack.stats;
  return {
    twInserted: s[Stat.twInserted], twRecycled: s[Stat.twRecycled], twExpired: s[Stat.twExpired],
    twSynReopened: s[Stat.twSynReopened], twSynAnsweredWithAck: s[Stat.twSynAnsweredWithAck], twRstIgnored: s[Stat.twRstIgnored],
    tcpSynQueueFull: s[Stat.tcpSynQueueFull], tcpSynCookiesSent: s[Stat.tcpSynCookiesSent],
    tcpSynCookiesAccepted: s[Stat.tcpSynCookiesAccepted], tcpSynQueueTimeouts: s[Stat.tcpSynQueueTimeouts],
    tcpAcceptQueueFull: s[Stat.tcpAcceptQueueFull], tcpEmfile: s[Stat.tcpEmfile], tcpAddrNotAvail: s[Stat.tcpAddrNotAvail],
    tcpAborts: s[Stat.tcpAborts], arpQueueDrops: s[Stat.arpQueueDrops],
  };
}

/** The firmware's own echo (7) and HTTP (80) services on `device`, polled every millisecond of virtual time as a board's loop would. */
export function startServices(network: Network, device: { stack: Stack }): Services {
  const services = new Services(device.stack);
  services.start();
  const poll = (): void => {
    services.poll(network.clock.now());
    network.clock.after(1, poll);
  };
  poll();
  return services;
}

/**
 * The leak check every scenario ends with (as lwIP's unit tests do): memory as at creation,
 * no slot, SYN record, accepted-but-unclaimed connection or ARP-held frame left, and the
 * TIME_WAIT table at the count the scenario expects.
 */
export function assertBackToStart(t: ExecutionContext, device: Device, timeWait = 0): void {
  const now = liveCounts(device);
  t.deepEqual(now, Object.assign({}, device.start, { timeWait }), device.name + ': pools back to their starting counts');
}

/**
 * assertBackToStart, plus every slot's own record: no flag left set on a free slot, and no slot
 * still owned by the application.
 */
export function expectNoLeaks(t: ExecutionContext, device: Device, timeWait = 0): void {
  const slots = device.stack.tcp.slots;
  const left: string[] = [];
  for (let i = 0; i < device.stack.tcp.slotCount; i++) {
    if (slots.flags[i] !== 0 && (slots.state[i] !== TcpState.CLOSED || slots.flags[i] & SlotFlag.HELD)) {
      left.push('slot ' + i + ' state ' + slots.state[i] + ' flags ' + slots.flags[i]);
    }
  }
  t.deepEqual(left, [], device.name + ': every slot free');
  assertBackToStart(t, device, timeWait);
}
