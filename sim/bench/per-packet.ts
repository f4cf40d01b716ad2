import * as inspector from 'inspector';
import { resolveConfig } from '../../firmware/config';
import { Stack } from '../../firmware/stack';
import { Stat } from '../../firmware/stats';
import { TcpEvent, ListenerEvent } from '../../firmware/tcp/events';
import { parseIp } from '../../firmware/wire/ip-address';
import { Nic } from '../../hal/hal';
import { MemoryWireEnd } from '../../hal/memory-wire';
import { NodeHal } from '../node-hal';
import { sink, cpuMsSince } from './sim-pair';

/**
 * The firmware's own cost per segment on Node, with as little around it as possible: two stacks
 * joined by hal/memory-wire.ts (a fixed ring of frame buffers, no simulated link, no event
 * heap), a bulk transfer from one to the other, time advanced by hand. Everything that runs is
 * firmware or HAL code except a few lines of pump loop.
 */
export interface BulkWire {
  /** Runs the whole transfer; returns the TCP segments the two stacks received. */
  run(): number;
}

const SINK_PORT = 9;
const WIRE_DEPTH = 64;
const FRAME_BYTES = 1514;
/**
 * Transfers run before the profiled one. After a single one TurboFan is still deoptimizing and
 * reoptimizing the per-segment functions, and unoptimized code boxes every unsigned 32-bit value
 * it computes: one warm-up measured 3 allocations per segment where ten measure none.
 */
const WARM_UP_TRANSFERS = 10;

/** A NIC joined back to back like MemoryWireEnd, but without subarray views: copies whole frame buffers. */
class ViewFreeWireEnd implements Nic {
  readonly ethernet = true;
  readonly mtu = FRAME_BYTES - 14;
  peer: ViewFreeWireEnd | null = null;
  private readonly frames: Uint8Array[] = [];
  private readonly lengths = new Uint16Array(WIRE_DEPTH);
  private head = 0;
  private count = 0;

  constructor(readonly mac: Uint8Array) {
    for (let i = 0; i < WIRE_DEPTH; i++) this.frames.push(new Uint8Array(FRAME_BYTES));
  }

  transmit(frame: Uint8Array, length: number): void {
    const peer = this.peer as ViewFreeWireEnd;
    if (peer.count === WIRE_DEPTH || frame.length > FRAME_BYTES) return;
    const index = (peer.head + peer.count) % WIRE_DEPTH;
    peer.frames[index].set(frame);
    peer.lengths[index] = length;
    peer.count++;
  }

  linkUp(): boolean {
    return this.peer !== null;
  }

  deliver(receive: { input(frame: Uint8Array, length: number): void }, _scratch: Uint8Array): number {
    let delivered = 0;
    while (this.count > 0) {
      const index = this.head;
      this.head = (this.head + 1) % WIRE_DEPTH;
      this.count--;
      receive.input(this.frames[index], this.lengths[index]);
      delivered++;
    }
    return delivered;
  }
}

/** NodeHal with a copy that makes no subarray view: the firmware's own allocations are then all that is left. */
class ViewFreeHal extends NodeHal {
  override copy(dst: Uint8Array, dstOffset: number, src: Uint8Array, srcOffset: number, length: number): void {
    for (let i = 0; i < length; i++) dst[dstOffset + i] = src[srcOffset + i];
  }
}

/**
 * 'shipped': the Node HAL and hal/memory-wire.ts as they are (both copy through subarray views);
 * 'viewFree': the same with copies that allocate nothing, to isolate the firmware's own allocations.
 */
export type WireKind = 'shipped' | 'viewFree';

export function bulkOverMemoryWire(payloadBytes: number, seed: number, kind: WireKind = 'shipped'): BulkWire {
  let now = 0;
  const clock = { now: (): number => now };
  const macSender = new Uint8Array([2, 0, 0, 0, 0, 2]);
  const macSink = new Uint8Array([2, 0, 0, 0, 0, 1]);
  let wireSender: MemoryWireEnd | ViewFreeWireEnd;
  let wireSink: MemoryWireEnd | ViewFreeWireEnd;
  if (kind === 'shipped') {
    const a = new MemoryWireEnd(macSender, FRAME_BYTES - 14, WIRE_DEPTH);
    const b = new MemoryWireEnd(macSink, FRAME_BYTES - 14, WIRE_DEPTH);
    a.peer = b;
    b.peer = a;
    wireSender = a;
    wireSink = b;
  } else {
    const a = new ViewFreeWireEnd(macSender);
    const b = new ViewFreeWireEnd(macSink);
    a.peer = b;
    b.peer = a;
    wireSender = a;
    wireSink = b;
  }
  const makeHal = (halSeed: number): NodeHal => (kind === 'shipped' ? new NodeHal(clock, halSeed) : new ViewFreeHal(clock, halSeed));
  const sender = new Stack(resolveConfig({ ip: '192.0.2.2' }), makeHal(seed), wireSender);
  const receiver = new Stack(resolveConfig({ ip: '192.0.2.1' }), makeHal(seed + 1), wireSink);
  const chunk = new Uint8Array(4096);
  const scratch = new Uint8Array(4096);
  const frame = new Uint8Array(FRAME_BYTES);
  let sent = 0;
  let done = false;

  receiver.tcp.listen(SINK_PORT, 1);
  receiver.setEventSink(sink({
    listenerEvent(id: number, events: number): void {
      if (events & ListenerEvent.ACCEPTABLE) while (receiver.tcp.accept(id) >= 0) continue;
    },
    socketEvent(slot: number, events: number): void {
      while (receiver.tcp.receive(slot, scratch, 0, scratch.length) > 0) continue;
      if (events & (TcpEvent.PEER_CLOSED | TcpEvent.ERROR | TcpEvent.CLOSED)) {
        done = true;
        receiver.tcp.release(slot);
      }
    },
  }));
  sender.setEventSink(sink({
    socketEvent(slot: number, events: number): void {
      if (!(events & (TcpEvent.CONNECTED | TcpEvent.WRITABLE))) return;
      while (sent < payloadBytes) {
        const taken = sender.tcp.send(slot, chunk, 0, Math.min(chunk.length, payloadBytes - sent));
        if (taken <= 0) return;
        sent += taken;
      }
      sender.tcp.release(slot);
    },
  }));

  return {
    run(): number {
      const before = sender.stats[Stat.tcpIn] + receiver.stats[Stat.tcpIn];
      sender.tcp.connect(parseIp('192.0.2.1'), SINK_PORT, 0, now);
      while (!done) {
        let moved = 1;
        while (moved > 0) moved = wireSender.deliver(sender, frame) + wireSink.deliver(receiver, frame);
        now += 1;
        sender.tick(now);
        receiver.tick(now);
      }
      return sender.stats[Stat.tcpIn] + receiver.stats[Stat.tcpIn] - before;
    },
  };
}

export interface PerPacketTiming {
  segments: number;
  cpuMs: number;
  /** CPU nanoseconds per TCP segment: one build-and-send on one stack plus one receive on the other. */
  nsPerSegment: number;
}

export function timePerSegment(payloadBytes: number, seed: number): PerPacketTiming {
  const wire = bulkOverMemoryWire(payloadBytes, seed);
  const started = process.cpuUsage();
  const segments = wire.run();
  const cpuMs = cpuMsSince(started);
  return { segments, cpuMs, nsPerSegment: (cpuMs * 1e6) / segments };
}

/**
 * Allocations seen by V8's sampling heap profiler, attributed to the function of ours that
 * allocated them (a built-in such as subarray is charged to its caller).
 */
export interface AllocationCount {
  where: string;
  /** Estimated allocations and bytes per segment (each sample weighted by the inverse of its sampling probability). */
  allocationsPerSegment: number;
  bytesPerSegment: number;
}

export interface PerPacketAllocations {
  kind: WireKind;
  segments: number;
  samplingIntervalBytes: number;
  /** Per source area: 'firmware', 'hal', 'sim', 'bench', 'node' (runtime-internal). */
  byArea: AllocationCount[];
  /** The allocating functions, largest first. */
  byFunction: AllocationCount[];
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children: ProfileNode[];
}

function post(session: inspector.Session, method: string, params?: object): Promise<unknown> {
  return new Promise((resolve, reject) => {
    session.post(method, params || {}, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

function areaOf(url: string): string {
  const match = /build[^/]*\/(?:[^/]+\/)?(firmware|hal|sim\/bench|sim)\//.exec(url);
  if (!match) return 'node';
  return match[1] === 'sim/bench' ? 'bench' : match[1];
}

/**
 * Runs one bulk transfer (after WARM_UP_TRANSFERS, so that JIT compilation does not count)
 * under V8's sampling heap profiler with a small sampling interval, keeping objects that the
 * young and old generation collectors already freed, and attributes every sample to the
 * function that allocated it. An allocation of `size` bytes is sampled with probability
 * 1 - exp(-size / interval), so each sample counts 1/p allocations.
 */
export async function allocationsPerSegment(payloadBytes: number, seed: number, kind: WireKind): Promise<PerPacketAllocations> {
  for (let warmUp = 0; warmUp < WARM_UP_TRANSFERS; warmUp++) bulkOverMemoryWire(payloadBytes, seed, kind).run();
  const wire = bulkOverMemoryWire(payloadBytes, seed, kind);
  const session = new inspector.Session();
  session.connect();
  const interval = 16;
  await post(session, 'HeapProfiler.enable');
  await post(session, 'HeapProfiler.startSampling', {
    samplingInterval: interval, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true,
  });
  const segments = wire.run();
  const result = (await post(session, 'HeapProfiler.stopSampling')) as {
    profile: { head: ProfileNode; samples: { size: number; nodeId: number }[] };
  };
  await post(session, 'HeapProfiler.disable');
  session.disconnect();

  const nodes: { [id: number]: ProfileNode } = {};
  const parents: { [id: number]: ProfileNode } = {};
  const walk = (node: ProfileNode): void => {
    nodes[node.id] = node;
    for (const child of node.children) {
      parents[child.id] = node;
      walk(child);
    }
  };
  walk(result.profile.head);
  const areas: { [area: string]: { count: number; bytes: number } } = {};
  const functions: { [name: string]: { count: number; bytes: number } } = {};
  for (const sample of result.profile.samples) {
    // A built-in such as subarray allocates on behalf of its caller: charge the nearest caller of ours.
    let node: ProfileNode | undefined = nodes[sample.nodeId];
    let caller = node;
    while (caller && areaOf(caller.callFrame.url) === 'node') caller = parents[caller.id];
    if (caller && areaOf(caller.callFrame.url) !== 'bench') node = caller;
    const frame = node ? node.callFrame : { functionName: '?', url: '', lineNumber: 0 };
    const weight = 1 / (1 - Math.exp(-sample.size / interval));
    const area = areaOf(frame.url);
    const name = area + ' ' + (frame.functionName || '(anonymous)') + ' ' + frame.url.replace(/^.*build[^/]*\/(?:[^/]+\/)?/, '') + ':' + (frame.lineNumber + 1);
    for (const [table, key] of [[areas, area], [functions, name]] as [{ [k: string]: { count: number; bytes: number } }, string][]) {
      const entry = table[key] || (table[key] = { count: 0, bytes: 0 });
      entry.count += weight;
      entry.bytes += weight * sample.size;
    }
  }
  const toList = (table: { [k: string]: { count: number; bytes: number } }): AllocationCount[] =>
    Object.keys(table)
      .map((where) => ({ where, allocationsPerSegment: table[where].count / segments, bytesPerSegment: table[where].bytes / segments }))
      .sort((a, b) => b.bytesPerSegment - a.bytesPerSegment);
  for (const area of ['firmware', 'hal', 'sim', 'bench', 'node']) if (!areas[area]) areas[area] = { count: 0, bytes: 0 };
  return { kind, segments, samplingIntervalBytes: interval, byArea: toList(areas), byFunction: toList(functions).slice(0, 10) };
}
