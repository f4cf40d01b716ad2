import { resolveConfig } from '../../firmware/config';
import { Stack, StackEventSink } from '../../firmware/stack';
import { parseIp } from '../../firmware/wire/ip-address';
import { VirtualClock } from '../clock';
import { Link, LinkOptions } from '../link';
import { SimNic } from '../sim-nic';
import { SimHost, macFor } from '../host';
import { NodeHal } from '../node-hal';

export const DEVICE_IP = '192.0.2.2';
export const PEER_IP = '192.0.2.1';

/** Two stacks on one simulated link and one virtual clock: the device (192.0.2.2) and its peer (192.0.2.1). */
export interface SimPair {
  clock: VirtualClock;
  link: Link;
  device: Stack;
  peer: Stack;
  deviceIp: number;
  peerIp: number;
}

/**
 * Boots the pair with config overrides per side, and gives each stack its event sink (the
 * benchmark's application). The link's impairments (delay, loss) apply both ways.
 */
export function bootPair(
  seed: number,
  link: LinkOptions,
  deviceOverrides: { [field: string]: unknown },
  peerOverrides: { [field: string]: unknown },
): SimPair {
  const clock = new VirtualClock();
  const wire = new Link(clock, Object.assign({ seed }, link));
  const boot = (index: number, ip: string, overrides: { [field: string]: unknown }): Stack => {
    const config = resolveConfig(Object.assign({ ip }, overrides));
    const nic = new SimNic(wire, { mac: macFor(index) });
    const stack = new Stack(config, new NodeHal(clock, seed * 7919 + index), nic);
    new SimHost(clock, nic, stack, config.tickInterval).start();
    return stack;
  };
  const device = boot(2, DEVICE_IP, deviceOverrides);
  const peer = boot(1, PEER_IP, peerOverrides);
  return { clock, link: wire, device, peer, deviceIp: parseIp(DEVICE_IP), peerIp: parseIp(PEER_IP) };
}

/** A sink with no-op handlers, to be given only the methods an application needs. */
export function sink(handlers: Partial<StackEventSink>): StackEventSink {
  const nothing = (): void => undefined;
  return {
    socketEvent: handlers.socketEvent || nothing,
    listenerEvent: handlers.listenerEvent || nothing,
    afterEvents: handlers.afterEvents || nothing,
  };
}

/** CPU time (user + system) in milliseconds since `start` (a process.cpuUsage() value). */
export function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}
