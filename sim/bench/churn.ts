import { MemoryReport } from '../../firmware/memory-report';
import { Stack } from '../../firmware/stack';
import { Stat } from '../../firmware/stats';
import { TcpEvent, ListenerEvent } from '../../firmware/tcp/events';
import { SlotFlag } from '../../firmware/tcp/slot-table';
import { Prng } from '../prng';
import { bootPair, sink, cpuMsSince } from './sim-pair';

/**
 * Seed 000 on the virtual clock: the device (client) opens a connection to the peer's sink on
 * port 2500 (`ncat --recv-only -l -k 2500`), sends a short string and closes, one connection
 * every 3-5 ms as in the report. The device closes first, so every connection leaves a
 * TIME_WAIT behind on the device.
 *
 * Two policies for what a finished connection costs the device:
 * - 'table' (ours): TIME_WAIT is a compact record in the bounded table and the slot is freed at
 *   once. Memory is the stack's fixed memory report, sampled as it runs.
 * - 'fullSocket' (the Nut/OS behaviour): the connection keeps its whole socket through TIME_WAIT.
 *   Modelled on our engine by having the application hold each finished slot for 2MSL before
 *   releasing it, so slots really run out and connects really fail (EMFILE stands for Nut/OS's
 *   exhausted heap); memory is charged as Nut/OS allocates it, on demand: NUTOS_SOCKET_BYTES per
 *   socket alive or in TIME_WAIT, plus the bytes its buffers still hold.
 */
export type TimeWaitPolicy = 'table' | 'fullSocket';

/** Nut/OS's TCPSOCKET control block on Cortex-M (PEERS.md: 127 B on AVR, 180 B on Cortex-M). */
export const NUTOS_SOCKET_BYTES = 180;
export const SINK_PORT = 2500;
const MESSAGE = new TextEncoder().encode('hello from the device\n');

export interface ChurnSample {
  /** Connections attempted so far. */
  connections: number;
  completed: number;
  failed: number;
  /** Bytes of TCP state per the policy's memory model (see TimeWaitPolicy). */
  memoryBytes: number;
  slotsInUse: number;
  timeWaitRecords: number;
  /**
   * 'table' runs only: what a Nut/OS heap would have to hold at this point if it had no limit,
   * NUTOS_SOCKET_BYTES for every connection of this run that finished within the last 2MSL.
   */
  unboundedFullSocketBytes: number;
}

export interface ChurnResult {
  policy: TimeWaitPolicy;
  connections: number;
  /** Strings the sink received in full (connections that worked end to end). */
  completed: number;
  failed: number;
  cpuMs: number;
  connectionsPerCpuSecond: number;
  virtualSeconds: number;
  samples: ChurnSample[];
  timeWaitRecycled: number;
  /** Both stacks back to no slot in use and an empty SYN queue after draining, memory report unchanged. */
  leakFree: boolean;
}

export interface ChurnOptions {
  policy: TimeWaitPolicy;
  connections: number;
  sampleEvery: number;
  seed: number;
  /** Config overrides for the device (the peer keeps the defaults with room for the sink). */
  device?: { [field: string]: unknown };
}

function freshMemoryTotal(stack: Stack): number {
  const report: MemoryReport = {};
  stack.netif.reportMemory(report);
  stack.tcp.reportMemory(report);
  let total = stack.stats.byteLength;
  for (const structure in report) total += report[structure];
  return total;
}

function slotsInUse(stack: Stack): number {
  const flags = stack.tcp.slots.flags;
  let used = 0;
  for (let i = 0; i < stack.tcp.slotCount; i++) if (flags[i] & SlotFlag.IN_USE) used++;
  return used;
}

function bufferedBytes(stack: Stack): number {
  const s = stack.tcp.slots;
  let bytes = 0;
  for (let i = 0; i < stack.tcp.slotCount; i++) if (s.flags[i] & SlotFlag.IN_USE) bytes += s.sendLength[i] + s.recvLength[i];
  return bytes;
}

export function runChurn(options: ChurnOptions): ChurnResult {
  const fullSocket = options.policy === 'fullSocket';
  // Full sockets stand for an on-demand heap: the slot pool, not the boot-time budget, is its limit.
  const deviceOverrides = Object.assign(fullSocket ? { memoryBudget: 1 << 30 } : {}, options.device || {});
  const pair = bootPair(options.seed, { delay: 0.5 }, deviceOverrides, { sockets: 16, backlog: 16, synQueue: 16, memoryBudget: 1 << 20 });
  const { clock, device, peer } = pair;
  const twoMsl = 2 * device.config.msl;
  const random = new Prng(options.seed);
  const scratch = new Uint8Array(2048);
  const deviceMemoryAtStart = freshMemoryTotal(device);
  const peerMemoryAtStart = freshMemoryTotal(peer);
  const samples: ChurnSample[] = [];
  let attempts = 0;
  let completed = 0;
  let failed = 0;
  /** Slots held through TIME_WAIT (fullSocket), each with its release time, oldest first. */
  const held: number[] = [];
  const heldUntil: number[] = [];
  /** When each completed connection finished, for the unbounded-heap model. */
  const finishedAt: number[] = [];
  let oldestInTimeWait = 0;

  const sample = (): void => {
    const slots = slotsInUse(device);
    while (oldestInTimeWait < finishedAt.length && finishedAt[oldestInTimeWait] <= clock.now() - twoMsl) oldestInTimeWait++;
    samples.push({
      connections: attempts, completed, failed,
      memoryBytes: fullSocket ? slots * NUTOS_SOCKET_BYTES + bufferedBytes(device) : freshMemoryTotal(device),
      slotsInUse: slots, timeWaitRecords: device.tcp.timeWait.count,
      unboundedFullSocketBytes: fullSocket ? 0 : (finishedAt.length - oldestInTimeWait) * NUTOS_SOCKET_BYTES,
    });
  };

  const listener = peer.tcp.listen(SINK_PORT, 16);
  peer.setEventSink(sink({
    listenerEvent(id: number, events: number): void {
      if (!(events & ListenerEvent.ACCEPTABLE)) return;
      while (peer.tcp.accept(id) >= 0) continue;
    },
    socketEvent(slot: number, events: number): void {
      while (peer.tcp.receive(slot, scratch, 0, scratch.length) > 0) continue;
      if (events & TcpEvent.PEER_CLOSED) {
        completed++;
        finishedAt.push(clock.now());
      }
      if (events & (TcpEvent.PEER_CLOSED | TcpEvent.ERROR | TcpEvent.CLOSED)) peer.tcp.release(slot);
    },
  }));

  device.setEventSink(sink({
    socketEvent(slot: number, events: number): void {
      if (events & TcpEvent.ERROR) {
        failed++;
        device.tcp.release(slot);
        return;
      }
      if (events & TcpEvent.CONNECTED) {
        device.tcp.send(slot, MESSAGE, 0, MESSAGE.length);
        if (fullSocket) device.tcp.shutdown(slot);
        else device.tcp.release(slot);
      }
      if (fullSocket && events & TcpEvent.CLOSED) {
        held.push(slot);
        heldUntil.push(clock.now() + twoMsl);
      }
    },
  }));

  const releaseExpired = (): void => {
    while (held.length > 0 && heldUntil[0] <= clock.now()) {
      device.tcp.release(held.shift() as number);
      heldUntil.shift();
    }
  };

  const next = (): void => {
    releaseExpired();
    if (attempts % options.sampleEvery === 0) sample();
    if (attempts === options.connections) return;
    attempts++;
    const slot = device.tcp.connect(pair.peerIp, SINK_PORT, 0, clock.now());
    if (slot < 0) failed++;
    clock.after(3 + 2 * random.next(), next);
  };

  const started = process.cpuUsage();
  clock.after(1, next);
  while (attempts < options.connections) clock.step();
  const cpuMs = cpuMsSince(started);
  const virtualSeconds = clock.now() / 1000;

  // Drain: every hold expires, every close completes; then both sides must be back where they started.
  const drainUntil = clock.now() + twoMsl + 2 * device.config.finWait2Timeout;
  while (clock.now() < drainUntil) {
    releaseExpired();
    clock.runUntil(Math.min(drainUntil, clock.now() + 100));
  }
  releaseExpired();
  const leakFree = slotsInUse(device) === 0 && slotsInUse(peer) === 0 && device.tcp.synQueue.count === 0 &&
    peer.tcp.synQueue.count === 0 && peer.tcp.acceptQueueLength(listener) === 0 &&
    freshMemoryTotal(device) === deviceMemoryAtStart && freshMemoryTotal(peer) === peerMemoryAtStart;

  return {
    policy: options.policy, connections: attempts, completed, failed, cpuMs,
    connectionsPerCpuSecond: attempts / (cpuMs / 1000), virtualSeconds, samples,
    timeWaitRecycled: device.stats[Stat.twRecycled], leakFree,
  };
}
