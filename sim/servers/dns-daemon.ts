/**
 * The simulator's DNS server (dns-server.ts) on a real UDP socket, port 53 on every address, as a
 * process of its own: for a network namespace, where the firmware's resolver asks the kernel's
 * side of the link (sim/espruino/interpreter-rig.ts: `servers: { dns: dnsDaemonCommand(records) }`).
 * Prints "dns: ready" once bound and one line per query; runs until killed.
 */
import * as dgram from 'dgram';
import { formatIp, parseIp } from '../../firmware/wire/ip-address';
import { DnsRecord, DnsServer } from './dns-server';

/** A shell command that runs the daemon with `records` (JSON on the command line). */
export function dnsDaemonCommand(records: { [name: string]: DnsRecord }): string {
  return 'exec ' + process.execPath + ' ' + __filename.replace(/\.ts$/, '.js') + " '" + JSON.stringify(records) + "'";
}

function main(records: { [name: string]: DnsRecord }): void {
  const socket = dgram.createSocket('udp4');
  let handler: ((source: { ip: number; port: number; mac: Uint8Array; dstIp: number }, payload: Uint8Array) => void) | null = null;
  const server = new DnsServer({
    on: (port, onQuery) => {
      handler = onQuery;
    },
    send: (dstIp, srcPort, dstPort, payload) => socket.send(payload, dstPort, formatIp(dstIp)),
  }, records, () => Date.now());
  socket.on('message', (message: Buffer, from: dgram.RemoteInfo) => {
    if (!handler) return;
    const seen = server.queries.length;
    handler({ ip: parseIp(from.address), port: from.port, mac: new Uint8Array(6), dstIp: 0 }, new Uint8Array(message));
    const query = server.queries[seen];
    if (query) process.stdout.write('dns: query ' + query.name + ' type ' + query.type + ' from ' + from.address + ':' + from.port + '\n');
  });
  socket.bind(53, () => process.stdout.write('dns: ready\n'));
}

if (require.main === module) main(JSON.parse(process.argv[2]) as { [name: string]: DnsRecord });
