import { resolveConfig } from '../../firmware/config';
import { Stack } from '../../firmware/stack';
import { Device } from '../../firmware/device';
import { Net } from '../../firmware/api/net';
import { formatIp } from '../../firmware/wire/ip-address';
import { macFor } from '../host';
import { NodeHal } from '../node-hal';
import { TapBridge, TapNic, tapNicCounterNames } from './bridge';

export interface TapDeviceOptions {
  /** Config overrides over the defaults; ip and netmask come from the bridge unless given. */
  config?: { [field: string]: unknown };
  /** Seed of the device's random source (ports, IP identification; the ISN keys come from crypto); 2 unless given. */
  seed?: number;
  /** true (default): the default firmware (firmware/device.ts: echo on 7, HTTP on 80); false: a bare stack. */
  services?: boolean;
  /** Prints the device's log lines to stdout as they come. */
  echoLog?: boolean;
}

/**
 * A simulated device on a TAP bridge, in real time: frames go to the stack as they arrive from
 * the relay, and the main loop (Device.service: poll the NIC, run every timer) runs on a
 * wall-clock interval of config.tickInterval, as setInterval does on a board.
 */
export class TapDevice {
  readonly stack: Stack;
  readonly net: Net;
  readonly device: Device;
  readonly hal: NodeHal;
  readonly nic: TapNic;
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly bridge: TapBridge, options: TapDeviceOptions = {}) {
    const netmask = prefixToNetmask(bridge.prefixLength);
    const config = resolveConfig(Object.assign({ ip: bridge.deviceIp, netmask }, options.config));
    this.hal = new NodeHal(bridge.clock, options.seed === undefined ? 2 : options.seed);
    if (options.echoLog) this.hal.echo = (line: string) => process.stdout.write(line + '\n');
    this.nic = bridge.attach(macFor(2));
    this.stack = new Stack(config, this.hal, this.nic);
    this.device = new Device(this.stack, this.nic, this.nic.counters, tapNicCounterNames);
    this.net = this.device.net;
    if (options.services !== false) this.device.start();
    this.nic.sink = this.stack;
    const clock = bridge.clock;
    this.timer = setInterval(() => this.device.service(clock.now()), config.tickInterval);
  }

  /** Stops the loop and detaches the stack; the bridge stays up. */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.nic.sink = null;
  }
}

function prefixToNetmask(prefixLength: number): string {
  const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  return formatIp(mask);
}

/** startTapDevice(bridge, options): a TapDevice running on `bridge`. */
export function startTapDevice(bridge: TapBridge, options: TapDeviceOptions = {}): TapDevice {
  return new TapDevice(bridge, options);
}
