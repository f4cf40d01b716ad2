import { Stack } from './stack';
import { Stat, statNames } from './stats';
import { SocketOption } from './tcp/socket-option';
import { tcpStateNames } from './tcp/state';
import { formatIp } from './wire/ip-address';

const commands = 'help stat sockets timewait mem';

/**
 * Serial-console diagnostics: each command prints a few compact lines through hal.log, so the
 * same text appears on a board's REPL and in the simulator. One method, one switch: every
 * function is RAM on a board.
 */
export class Console {
  constructor(private readonly stack: Stack) {}

  /** Runs one command line; unknown commands print the list. */
  execute(line: string): void {
    const stack = this.stack;
    const tcp = stack.tcp;
    const out = stack.hal;
    const command = line.replace(/^\s+|\s+$/g, '');
    let text = '';
    if (command === 'stat') {
      for (let i = 0; i < Stat.COUNT; i++) {
        if (stack.stats[i] === 0) continue;
        text += statNames[i] + '=' + stack.stats[i] + ' ';
        if (text.length > 60) {
          out.log(text);
          text = '';
        }
      }
      if (text) out.log(text);
    } else if (command === 'sockets') {
      out.log('slot state         local  remote                rx    tx');
      for (let slot = 0; slot < tcp.slotCount; slot++) {
        const state = tcp.state(slot);
        if (state === 0) continue;
        out.log(pad(slot, 4) + ' ' + pad(tcpStateNames[state], 13) + pad(tcp.localPort(slot), 6) + '  ' +
          pad(formatIp(tcp.remoteIp(slot)) + ':' + tcp.remotePort(slot), 21) +
          pad(tcp.readable(slot), 6) + pad(tcp.getOption(slot, SocketOption.SEND_BUFFER) - tcp.writable(slot), 6));
      }
      for (let id = 0; id < stack.config.listeners; id++) {
        const port = tcp.listenerPort(id);
        if (port > 0) out.log('listen :' + port + ' accept queue ' + tcp.acceptQueueLength(id) + ' syn queue ' + tcp.synQueue.countFor(id));
      }
    } else if (command === 'timewait') {
      const table = tcp.timeWait;
      out.log('TIME_WAIT ' + table.count + '/' + table.capacity + ' recycled ' + stack.stats[Stat.twRecycled] +
        ' last recycled age ' + table.lastRecycledAge + ' ms, min ' + table.minRecycledAge + ' ms');
      const now = stack.hal.now();
      let shown = 0;
      for (let i = table.first(); i >= 0 && shown < 8; i = table.next(i), shown++) {
        out.log('  ' + formatIp(table.remoteIp[i]) + ':' + table.remotePort[i] + ' <- :' + table.localPort[i] +
          ' expires in ' + (((table.expiry[i] - now) | 0)) + ' ms');
      }
    } else if (command === 'mem') {
      const report = stack.memory();
      for (const structure in report) text += structure + '=' + report[structure] + ' ';
      out.log(text + '(bytes)');
    } else {
      out.log('commands: ' + commands);
    }
  }
}

function pad(value: string | number, width: number): string {
  let text = '' + value;
  while (text.length < width) text += ' ';
  return text;
}
