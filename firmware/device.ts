import { Stack } from './stack';
import { Console } from './console';
import { ServicePort, Services } from './services/services';
import { formatIp } from './wire/ip-address';
import { PolledNic } from '../hal/bus';
import { withServices } from './features';

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
 * status/transfer HTTP server on port 80 (firmware/services/services.ts), the console commands,
 * and the board's main loop. The loop is one call, service(), made every config.tickInterval ms:
 * it hands the frames waiting in the NIC to the stack, runs the stack's timers, then the
 * services. `nic` prints the driver's counters (named by `nicCounterNames`, space-separated, in
 * counter order) next to the link state.
 */
export class Device {
  private readonly console: Console;
  /** null in a bundle built without the demo services (firmware/features.ts). */
  private readonly services: Services | null;

  constructor(
    readonly stack: Stack,
    private readonly nic: PolledNic,
    private readonly nicCounters: Uint32Array,
    private readonly nicCounterNames: string,
  ) {
    this.console = new Console(stack);
    this.services = withServices ? new Services(stack) : null;
  }

  /** Starts the services and logs one line saying where they are. */
  start(): void {
    const stack = this.stack;
    if (this.services) this.services.start();
    const address = stack.dhcp ? 'DHCP, fallback ' + stack.config.ip : formatIp(stack.netif.localIp());
    stack.hal.log('up: ' + address + (this.services ? ', echo on ' + ServicePort.echo + ', HTTP on ' + ServicePort.http : '') +
      ', stack memory ' + stack.memory().total + ' bytes; NET.stat() sockets() timewait() mem() nic() wd()');
  }

  /** One pass of the board's loop: every frame the NIC holds goes to the stack, then every timer runs. */
  service(now: number): void {
    this.nic.poll(this.stack);
    this.stack.tick(now);
    if (this.services) this.services.poll(now);
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
