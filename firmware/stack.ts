import { Config } from './config';
import { Hal, Nic } from '../hal/hal';
import { Stat } from './stats';
import { MemoryReport } from './memory-report';
import { NetworkInterface } from './network-interface';
import { Tcp } from './tcp/tcp';
import { TcpEventSink } from './tcp/tcp-api';
import { DnsResolver } from './dns';
import { DhcpClient } from './dhcp';
import { Udp } from './udp';
import { HeapWatchdog } from './watchdog';
import { withDhcp, withDns, withConfigCheck } from './features';

export const enum StackLimit {
  /** The interpreter's NetworkJS chunk (net->chunkSize): it never asks recv for more. */
  SCRATCH = 536,
}

/** What the API layer implements to hear about sockets; `afterEvents` runs once per input/tick, after the socket events. */
export interface StackEventSink extends TcpEventSink {
  afterEvents(): void;
}

/**
 * The whole stack for one interface: frames in through `input`, every timer through `tick`,
 * and TCP events handed to the API layer only after a frame or tick has been fully processed,
 * so an application handler can call back into the stack safely.
 */
export class Stack {
  readonly stats: Uint32Array;
  /**
   * Bytes any caller may use within one synchronous call and must not keep across calls: the
   * services' reads and writes and the NetworkJS adapter's recv share it instead of each holding
   * its own (StackLimit.SCRATCH, the interpreter's largest recv chunk).
   */
  readonly scratch: Uint8Array;
  readonly netif: NetworkInterface;
  readonly tcp: Tcp;
  /** null in a bundle built without the resolver (firmware/features.ts). */
  readonly dns: DnsResolver | null;
  /** null unless config.dhcp (and the bundle has the client). */
  readonly dhcp: DhcpClient | null;
  /** Set `stack.watchdog.listener` to hear each heap-pressure step (firmware/watchdog.ts). */
  readonly watchdog: HeapWatchdog;
  private sink: StackEventSink | null = null;
  private readonly memoryReport: MemoryReport;

  constructor(readonly config: Config, readonly hal: Hal, nic: Nic) {
    this.stats = new Uint32Array(Stat.COUNT);
    this.scratch = new Uint8Array(StackLimit.SCRATCH);
    this.netif = new NetworkInterface(config, hal, nic, this.stats);
    this.tcp = new Tcp(config, hal, this.stats, this.netif);
    this.netif.tcp = this.tcp;
    this.dns = withDns ? new DnsResolver(config, hal, this.netif.udp as Udp, this.netif, this.stats) : null;
    this.dhcp = withDhcp && config.dhcp ? new DhcpClient(config, hal, this.netif, nic.mac, this.stats, this.dns) : null;
    this.watchdog = new HeapWatchdog(config, hal, this.stats, this.tcp);
    const report: MemoryReport = { 'stack.counters': this.stats.byteLength, 'stack.scratch': this.scratch.byteLength };
    this.netif.reportMemory(report);
    this.tcp.reportMemory(report);
    if (this.dns) this.dns.reportMemory(report);
    if (this.dhcp) this.dhcp.reportMemory(report);
    let total = 0;
    for (const structure in report) total += report[structure];
    report['total'] = total;
    if (withConfigCheck && total > config.memoryBudget) {
      let largest = 'stack.counters';
      for (const structure in report) {
        if (structure !== 'total' && report[structure] > report[largest]) largest = structure;
      }
      throw new Error('stack: ' + total + ' bytes exceed the memory budget of ' + config.memoryBudget +
        '; largest structure ' + largest + ' takes ' + report[largest]);
    }
    this.memoryReport = report;
  }

  /** One received frame (Ethernet, or a bare IPv4 packet on an IP-only link). Never throws. */
  input(frame: Uint8Array, length: number): void {
    this.stats[Stat.framesIn]++;
    this.netif.input(frame, length, this.hal.now());
    this.dispatch();
  }

  /** Runs every timer; call it every config.tickInterval ms. */
  tick(now: number): void {
    this.netif.tick(now);
    this.tcp.tick(now);
    if (this.dns) this.dns.tick(now);
    if (this.dhcp) this.dhcp.tick(now);
    this.watchdog.check(now);
    this.dispatch();
  }

  /** Bytes per structure and their total, fixed at creation. */
  memory(): MemoryReport {
    return this.memoryReport;
  }

  setEventSink(sink: StackEventSink | null): void {
    this.sink = sink;
  }

  /** An exception from application code must not unwind into the driver or the timer loop: it is logged. */
  private dispatch(): void {
    const sink = this.sink;
    try {
      if (this.dns) this.dns.deliver();
      if (!sink) return;
      this.tcp.pollEvents(sink);
      sink.afterEvents();
    } catch (error) {
      this.hal.log('app: uncaught ' + error);
    }
  }
}
