import { Stack } from './stack';
import { Stat, statNames } from './stats';
import { SlotFlag } from './tcp/slot-table';
import { RecycledAge } from './tcp/timewait-table';
import { TcpState, tcpStateNames } from './tcp/state';
import { heapLevelNames } from './watchdog';
import { formatIp } from './wire/ip-address';

/** `nic` is answered by firmware/device.ts, which owns the driver. */
const commands = 'help stat [drop] sockets timewait mem wd nic';

/**
 * Serial-console diagnostics: each command prints a few compact ASCII lines through hal.log, so
 * the same text appears on a board's REPL and in the simulator. One method, one switch: every
 * function is RAM on a board.
 *
 *   stat [drop]  non-zero counters (firmware/stats.ts), or only the drop counters, by reason
 *   sockets      every slot in use: state, ports, readable/queued bytes and the running timers in
 *                ms left (rtx retransmit, persist, ack delayed ACK, keep keepalive, state
 *                SYN-RECEIVED/FIN_WAIT_2 bound); then each listener's accept and SYN queues
 *   timewait     TIME_WAIT records in use/capacity, recycles, and the oldest records
 *   mem          bytes per structure, the total and the board's budget; the interpreter's free
 *                and total variables
 *   wd           heap watchdog level, thresholds, last free-memory reading and shed counts
 */
export class Console {
  constructor(private readonly stack: Stack) {}

  /** Runs one command line; an unknown one is named, then the list printed; an empty one prints nothing. */
  execute(line: string): void {
    const stack = this.stack;
    const tcp = stack.tcp;
    const config = stack.config;
    const stats = stack.stats;
    const out = stack.hal;
    const now = out.now();
    const words = line.replace(/^\s+|\s+$/g, '').split(/\s+/);
    const command = words[0];
    let text = '';
    if (command === 'stat') {
      const dropsOnly = words[1] === 'drop';
      const names = statNames();
      for (let i = 0; i < Stat.COUNT; i++) {
        if (stats[i] === 0 || (dropsOnly && names[i].indexOf('drop') !== 0)) continue;
        text += names[i] + '=' + stats[i] + ' ';
        if (text.length > 60) {
          out.log(text);
          text = '';
        }
      }
      out.log(text || (dropsOnly ? 'no drops' : 'all counters 0'));
    } else if (command === 'sockets') {
      const s = tcp.slots;
      const stateNames = tcpStateNames();
      out.log(pad('sl', 3) + pad('state', 13) + pad('local', 7) + pad('remote', 22) + pad('rx', 6) + pad('tx', 6) + 'timers (ms left)');
      for (let slot = 0; slot < tcp.slotCount; slot++) {
        const flags = s.flags[slot];
        if (!(flags & SlotFlag.IN_USE)) continue;
        const state = s.state[slot];
        text = pad(slot, 3) + pad(stateNames[state], 13) + pad(':' + s.localPort[slot], 7) +
          pad(formatIp(s.remoteIp[slot]) + ':' + s.remotePort[slot], 22) + pad(s.recvLength[slot], 6) + pad(s.sendLength[slot], 5);
        if (s.rtxAt[slot]) text += (flags & SlotFlag.PERSIST ? ' persist=' : ' rtx=') + Math.round(s.rtxAt[slot] - now);
        if (flags & SlotFlag.ACK_PENDING) text += ' ack=' + Math.round(s.ackAt[slot] - now);
        if ((flags & SlotFlag.KEEPALIVE) && s.keepAt[slot] &&
          (state === TcpState.ESTABLISHED || state === TcpState.CLOSE_WAIT || state === TcpState.FIN_WAIT_2)) {
          text += ' keep=' + Math.round(s.keepAt[slot] - now);
        }
        if (s.stateAt[slot]) text += ' state=' + Math.round(s.stateAt[slot] - now);
        out.log(text);
      }
      const queue = tcp.synQueue;
      for (let id = 0; id < config.listeners; id++) {
        const port = tcp.listenerPort(id);
        if (port === 0) continue;
        const half = queue.countFor(id);
        out.log('listen :' + port + ' accept ' + (tcp.acceptQueueLength(id) - half) + '/' + tcp.backlogs[id] + ' syn ' + half);
      }
      out.log('syn queue ' + queue.count + '/' + queue.capacity + ', cookies sent ' + stats[Stat.tcpSynCookiesSent] +
        ' accepted ' + stats[Stat.tcpSynCookiesAccepted] + ', accept queue full ' + stats[Stat.tcpAcceptQueueFull]);
    } else if (command === 'timewait') {
      const table = tcp.timeWait;
      const ages = table.recycledAge;
      out.log('TIME_WAIT ' + table.count + '/' + table.capacity + ' recycled ' + stats[Stat.twRecycled] +
        ' shed ' + stats[Stat.wdTimeWaitShed] + ' last recycled age ' +
        (ages[RecycledAge.LAST] < 0 ? 'none' : ages[RecycledAge.LAST] + ' ms, min ' + ages[RecycledAge.MIN] + ' ms'));
      let shown = 0;
      for (let i = table.first(); i >= 0 && shown < 8; i = table.next(i), shown++) {
        out.log('  ' + formatIp(table.remoteIp[i]) + ':' + table.remotePort[i] + ' <- :' + table.localPort[i] +
          ' expires in ' + ((table.expiry[i] - now) | 0) + ' ms');
      }
      if (table.count > shown) out.log('  (oldest ' + shown + ' of ' + table.count + ' shown)');
    } else if (command === 'mem') {
      const report = stack.memory();
      for (const structure in report) {
        if (structure !== 'total') out.log('  ' + pad(structure, 18) + report[structure]);
      }
      out.log('total=' + report['total'] + ' budget=' + config.memoryBudget + ' (bytes)');
      const heap = out.memory();
      out.log('interpreter: ' + heap.free + ' of ' + heap.total + ' variables free (' + heap.blocksize + ' B each)');
    } else if (command === 'wd') {
      const watchdog = stack.watchdog;
      out.log('wd ' + heapLevelNames()[watchdog.level] + ' free ' + watchdog.free + ' low<' + config.heapLow + ' critical<' +
        config.heapCritical + ' hysteresis ' + config.heapHysteresis + ' every ' + config.heapCheckInterval + ' ms');
      out.log('wd checks ' + stats[Stat.wdChecks] + ' low ' + stats[Stat.wdLowEntered] + ' critical ' + stats[Stat.wdCriticalEntered] +
        ' recovered ' + stats[Stat.wdRecovered] + ' refused ' + stats[Stat.wdRefusedConnections] + ' tw shed ' +
        stats[Stat.wdTimeWaitShed] + ' aborted ' + stats[Stat.wdConnectionsAborted]);
    } else if (command) {
      out.log((command === 'help' ? '' : 'unknown command ' + command + '; ') + 'commands: ' + commands);
    }
  }
}

function pad(value: string | number, width: number): string {
  let text = '' + value;
  while (text.length < width) text += ' ';
  return text;
}
