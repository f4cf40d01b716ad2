import { Config } from './config';
import { Hal } from '../hal/hal';
import { Stat } from './stats';
import { Tcp } from './tcp/tcp';
import { formatIp } from './wire/ip-address';

export const enum HeapLevel {
  OK = 0,
  LOW = 1,
  CRITICAL = 2,
}

export function heapLevelNames(): string[] {
  return 'ok low critical'.split(' ');
}

/** What one check did, as the watchdog's `listener` hears it (with a detail number). */
export const enum WatchdogStep {
  /** Free memory fell below heapLow (or rose out of critical but not yet out of low): new connections refused, windows shrunk. Detail: free bytes. */
  LOW = 1,
  /** Free memory fell below heapCritical; the checks that follow shed. Detail: free bytes. */
  CRITICAL = 2,
  /** Every TIME_WAIT record recycled early. Detail: how many. */
  TIME_WAIT_SHED = 3,
  /** The least recently active connection was aborted with RST (its owner sees ENOMEM). Detail: its slot. */
  CONNECTION_ABORTED = 4,
  /** Free memory back above heapLow + heapHysteresis: connections accepted and full windows offered again. Detail: free bytes. */
  RECOVERED = 5,
}

/**
 * The heap watchdog. Every heapCheckInterval ms (from Stack.tick) it reads hal.memory(),
 * which on a board also runs the garbage collector, and moves between three levels, with
 * heapHysteresis bytes of hysteresis on the way up so that a heap hovering at a threshold does
 * not flap:
 *
 *   ok -> low:        below heapLow. The TCP engine refuses new connections and offers at most
 *                     one segment of window per connection (see Tcp.heapPressure).
 *   any -> critical:  below heapCritical. Each later check takes ONE shedding step, so shedding
 *                     is gradual and in order: first every TIME_WAIT record is recycled, then,
 *                     one per check, the least recently active connection is aborted with RST.
 *   critical -> low:  above heapCritical + heapHysteresis (shedding stops).
 *   any -> ok:        above heapLow + heapHysteresis.
 *
 * The stack's own tables are allocated at boot, so what the watchdog protects is the rest of
 * the heap: application objects, strings and 'data' chunks, which fewer connections and smaller
 * windows keep from growing. Each step is counted (Stat.wd*), logged as one console line
 * starting 'wd: ', and passed to `listener` (application code: an exception there is logged,
 * never thrown into the tick). Nothing here throws.
 */
export class HeapWatchdog {
  level: HeapLevel = HeapLevel.OK;
  /** The last reading of free memory, bytes (-1 before the first check). */
  free = -1;
  /** Hears every step: `stack.watchdog.listener = function (step, detail) { ... }`. */
  listener: ((step: WatchdogStep, detail: number) => void) | null = null;
  private nextCheck = 0;

  constructor(private readonly config: Config, private readonly hal: Hal, private readonly stats: Uint32Array, private readonly tcp: Tcp) {}

  /** Called on every tick; reads the heap only when heapCheckInterval has passed since the last reading. */
  check(now: number): void {
    if (now < this.nextCheck) return;
    const config = this.config;
    const stats = this.stats;
    const tcp = this.tcp;
    this.nextCheck = now + config.heapCheckInterval;
    stats[Stat.wdChecks]++;
    const memory = this.hal.memory();
    const free = memory.free * memory.blocksize;
    this.free = free;
    const was = this.level;
    let level = was;
    if (free < config.heapCritical) level = HeapLevel.CRITICAL;
    else if (free >= config.heapLow + config.heapHysteresis) level = HeapLevel.OK;
    else if (was === HeapLevel.OK && free < config.heapLow) level = HeapLevel.LOW;
    else if (was === HeapLevel.CRITICAL && free >= config.heapCritical + config.heapHysteresis) level = HeapLevel.LOW;
    this.level = level;
    tcp.heapPressure = level !== HeapLevel.OK;
    let step = 0;
    let detail = free;
    let text = '';
    if (level !== was) {
      if (level === HeapLevel.OK) {
        step = WatchdogStep.RECOVERED;
        stats[Stat.wdRecovered]++;
        text = 'recovered, accepting connections';
      } else if (level === HeapLevel.LOW) {
        step = WatchdogStep.LOW;
        stats[Stat.wdLowEntered]++;
        text = 'low, refusing connections, windows shrunk';
      } else {
        step = WatchdogStep.CRITICAL;
        stats[Stat.wdCriticalEntered]++;
        text = 'critical, shedding';
      }
      text += ' (free ' + free + ')';
    } else if (level === HeapLevel.CRITICAL) {
      const shed = tcp.timeWait.shed(tcp.timeWait.count);
      if (shed > 0) {
        step = WatchdogStep.TIME_WAIT_SHED;
        detail = shed;
        stats[Stat.wdTimeWaitShed] += shed;
        text = 'shed ' + shed + ' TIME_WAIT';
      } else {
        const slot = tcp.abortLeastActive(now);
        if (slot >= 0) {
          step = WatchdogStep.CONNECTION_ABORTED;
          detail = slot;
          stats[Stat.wdConnectionsAborted]++;
          text = 'abort slot ' + slot + ' ' + formatIp(tcp.slots.remoteIp[slot]) + ':' + tcp.slots.remotePort[slot] +
            ' idle ' + (now - tcp.slots.lastActivity[slot]) + ' ms';
        }
      }
    }
    if (step === 0) return;
    this.hal.log('wd: ' + text);
    const listener = this.listener;
    if (!listener) return;
    try {
      listener(step, detail);
    } catch (error) {
      this.hal.log('app: uncaught ' + error);
    }
  }
}
