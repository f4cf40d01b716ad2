import { ExecutionContext } from 'ava';
import { Device, Network, assertBackToStart } from '../seeds/network';
import { LinkOptions } from '../../sim/link';
import { macFor } from '../../sim/host';
import { UdpHost } from '../../sim/servers/udp-host';
import { DhcpServer, DhcpServerOptions } from '../../sim/servers/dhcp-server';
import { DnsRecord, DnsServer } from '../../sim/servers/dns-server';

/**
 * A LAN for the DHCP and DNS tests: one simulated segment (test/seeds/network.ts) with a router
 * at 10.0.0.1 that runs the simulated DHCP and DNS servers, and whole stacks added as devices.
 */
export interface Lan {
  network: Network;
  router: UdpHost;
  dhcp: DhcpServer;
  dns: DnsServer;
}

export const ROUTER = '10.0.0.1';
export const POOL_START = '10.0.0.100';

export function makeLan(linkOptions: LinkOptions = {}, dhcpOptions: Partial<DhcpServerOptions> = {},
  records: { [name: string]: DnsRecord } = {}): Lan {
  const network = new Network(linkOptions);
  const router = new UdpHost(network.link, macFor(200), ROUTER);
  const now = (): number => network.clock.now();
  const dhcp = new DhcpServer(router, Object.assign({ poolStart: POOL_START, router: ROUTER, dns: ROUTER, leaseSeconds: 600 }, dhcpOptions), now);
  const dns = new DnsServer(router, records, now);
  return { network, router, dhcp, dns };
}

/** A device that configures itself by DHCP (no fallback unless the overrides give one). */
export function addDhcpDevice(lan: Lan, name = 'device', overrides: { [field: string]: unknown } = {}): Device {
  return lan.network.add(name, '0.0.0.0', Object.assign({ dhcp: true, dhcpFallbackAfter: 0 }, overrides));
}

/** UDP ports bound on the device (DHCP's 68 stays bound; DNS lookups bind one each while they wait). */
export function boundPorts(device: Device): number[] {
  const ports = (device.stack.netif.udp as unknown as { ports: Uint16Array }).ports;
  return Array.from(ports).filter((port) => port !== 0);
}

/**
 * The leak check: pools, memory total and ARP-held frames as at creation (seeds' check), no DNS
 * lookup pending, and only the DHCP client's port (if any) bound.
 */
export function assertLanClean(t: ExecutionContext, device: Device): void {
  assertBackToStart(t, device);
  t.is(device.stack.dns!.pending(), 0, device.name + ': no DNS lookup pending');
  t.deepEqual(boundPorts(device), device.stack.dhcp ? [68] : [], device.name + ': only the DHCP port bound');
}
