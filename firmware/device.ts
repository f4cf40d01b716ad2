import { Stack } from './stack';
import { Net } from './api/net';
import { Console } from './console';
import { startEchoServer } from './services/echo-server';
import { startHttpServer } from './services/http-server';
import { formatIp } from './wire/ip-address';
import { PolledNic } from '../hal/bus';

export const enum DevicePort {
  echo = 7,
  http = 80,
}

/** What a board puts in the global `NET` for its REPL: each call prints a few compact lines. @external */
export interface NetConsole {
  stat(): void;
  sockets(): void;
  timewait(): void;
  mem(): void;
  nic(): void;
  wd(): void;
}

/**
 * The default firmware every board runs, and `npm start` with it: RFC 862 echo on port 7, the
 * status/transfer HTTP server on port 80, the console commands, and the board's main loop.
 * The loop is one call, service(), made every config.tickInterval ms: it hands the frames
 * waiting in the NIC to the stack, then runs the stack's timers. `nic` prints the driver's
 * counters (named by `nicCounterNames`, space-separated, in counter order) next to the link state.
 */
export class Device {
  readonly net: Net;
  private readonly console: Console;

  constructor(
    readonly stack: Stack,
    private readonly nic: PolledNic,
    private readonly nicCounters: Uint32Array,
    private readonly nicCounterNames: string,
  ) {
    this.net = new Net(stack);
    this.console = new Console(stack);
  }

  /** Starts the services and logs one line saying where they are. */
  start(): void {
    const stack = this.stack;
    startEchoServer(this.net, DevicePort.echo);
    startHttpServer(this.net, stack, DevicePort.http);
    const address = stack.dhcp ? 'DHCP, fallback ' + stack.config.ip : formatIp(stack.netif.localIp());
    stack.hal.log('up: ' + address + ', echo on ' + DevicePort.echo + ', HTTP on ' + DevicePort.http + ', stack memory ' +
      stack.memory().total + ' bytes; NET.stat() sockets() timewait() mem() nic() wd()');
  }

  /** One pass of the board's loop: every frame the NIC holds goes to the stack, then every timer runs. */
  service(now: number): void {
    this.nic.poll(this.stack);
    this.stack.tick(now);
  }

  /** A console command line: `nic` here, everything else in firmware/console.ts. */
  execute(line: string): void {
    if (line.replace(/^\s+|\s+$/g, '') !== 'nic') {
      this.console.execute(line);
      return;
    }
    let text = 'nic link ' + (this.nic.linkUp() ? 'up' : 'down');
    const counters = this.nicCounters;
    const names = this.nicCounterNames.split(' ');
    for (let i = 0; i < counters.length; i++) text += ' ' + names[i] + '=' + counters[i];
    this.stack.hal.log(text);
  }

  /** The `NET` object for the REPL. */
  bindings(): NetConsole {
    const device = this;
    return {
      stat: function () { device.execute('stat'); },
      sockets: function () { device.execute('sockets'); },
      timewait: function () { device.execute('timewait'); },
      mem: function () { device.execute('mem'); },
      nic: function () { device.execute('nic'); },
      wd: function () { device.execute('wd'); },
    };
  }
}
