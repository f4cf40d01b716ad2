/**
 * Time sections of the firmware on the interpreter, which has no profiler: each wrapped function
 * adds its calls and its getTime() span (inclusive of what it calls) to a section. Imported by
 * slip-profiled.ts before the board file, so the wrapping is in place when the board boots.
 * The wrappers cost a few getTime() calls each, which the bench reports beside the figures
 * (the same workload with and without them).
 *
 * At the console: SECTIONS.reset(), then SECTIONS.report() prints {"section": [calls, ms], ...}.
 */
import { SlipNic } from '../../hal/drivers/slip';
import { EspruinoHal } from '../../hal/espruino/espruino-hal';
import { EspruinoUart } from '../../hal/espruino/espruino-uart';
import { Stack } from '../../firmware/stack';
import { Device } from '../../firmware/device';
import { Tcp } from '../../firmware/tcp/tcp';
import { NetworkInterface } from '../../firmware/network-interface';
import { DnsResolver } from '../../firmware/dns';
import { HeapWatchdog } from '../../firmware/watchdog';
import { NetworkJs } from '../../firmware/api/network-js';
import { Net } from '../../firmware/api/net';

declare function getTime(): number;
declare function print(text: string): void;
declare const global: { SECTIONS: { reset(): void; report(): void } };
declare const Serial1: { on(event: string, handler: (data: string) => void): void };

type Method = (...args: unknown[]) => unknown;

const names: string[] = [];
const calls: number[] = [];
const seconds: number[] = [];

function timed(name: string, method: Method): Method {
  const index = names.length;
  names.push(name);
  calls.push(0);
  seconds.push(0);
  return function (this: unknown) {
    const start = getTime();
    try {
      return method.apply(this, arguments as unknown as unknown[]);
    } finally {
      calls[index]++;
      seconds[index] += getTime() - start;
    }
  };
}

// Dot access on purpose: the names survive the bundle's property mangling as the methods' own do.
/* eslint-disable @typescript-eslint/no-explicit-any */
const serial = Serial1 as any;
const on = serial.on;
serial.on = function (event: string, handler: Method) {
  return on.call(serial, event, event === 'data' ? timed('serial data event (EspruinoUart ring)', handler) : handler);
};
const uart = EspruinoUart.prototype as any;
uart.write = timed('Serial1.write (waits while the 256-byte transmit buffer is full)', uart.write);
const device = Device.prototype as any;
device.service = timed('loop pass (Device.service: poll + tick)', device.service);
const slip = SlipNic.prototype as any;
slip.poll = timed('SLIP poll (unframing, incl. stack input)', slip.poll);
slip.transmit = timed('SLIP transmit (framing, incl. Serial1.write)', slip.transmit);
const stack = Stack.prototype as any;
stack.input = timed('stack input (IPv4, ICMP, UDP, TCP)', stack.input);
stack.tick = timed('stack tick', stack.tick);
stack.dispatch = timed('  tick: application events (net, NetworkJS)', stack.dispatch);
const tcp = Tcp.prototype as any;
tcp.input = timed('TCP input (incl. its replies)', tcp.input);
tcp.tick = timed('  tick: TCP timers', tcp.tick);
tcp.emit = timed('TCP segment out (header, checksum, send)', tcp.emit);
const netif = NetworkInterface.prototype as any;
netif.tick = timed('  tick: ARP timers', netif.tick);
netif.send = timed('IPv4 out (header, checksum, NIC)', netif.send);
const dns = DnsResolver.prototype as any;
dns.tick = timed('  tick: DNS timers', dns.tick);
const watchdog = HeapWatchdog.prototype as any;
watchdog.check = timed('  tick: heap watchdog (process.memory() each second)', watchdog.check);
const hal = EspruinoHal.prototype as any;
hal.checksum = timed('checksum (E.sum)', hal.checksum);
hal.copy = timed('copy (Uint8Array.set)', hal.copy);
const net = Net.prototype as any;
net.afterEvents = timed('net: deferred application events', net.afterEvents);
const networkJs = NetworkJs.prototype as any;
networkJs.recv = timed('NetworkJS recv', networkJs.recv);
networkJs.send = timed('NetworkJS send', networkJs.send);
networkJs.accept = timed('NetworkJS accept', networkJs.accept);

global.SECTIONS = {
  reset: function () {
    for (let i = 0; i < names.length; i++) {
      calls[i] = 0;
      seconds[i] = 0;
    }
  },
  report: function () {
    let text = '{';
    for (let i = 0; i < names.length; i++) {
      text += (i ? ',' : '') + JSON.stringify(names[i]) + ':[' + calls[i] + ',' + (seconds[i] * 1000).toFixed(3) + ']';
    }
    print(text + '}');
  },
};
