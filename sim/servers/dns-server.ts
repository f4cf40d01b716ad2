import { UdpHandler, UdpSource } from './udp-host';
import { parseIp } from '../../firmware/wire/ip-address';

/** An A record (address) or an alias (cname) for one name. */
export interface DnsRecord {
  address?: string;
  cname?: string;
  /** Seconds; 300 unless given. */
  ttl?: number;
}

/** One query as the server saw it. */
export interface DnsQueryEntry {
  time: number;
  id: number;
  name: string;
  type: number;
  sourcePort: number;
}

/** Where the server listens and answers: a simulated UdpHost, or a real socket (sim/servers/dns-daemon.ts). */
export interface UdpService {
  on(port: number, handler: UdpHandler): void;
  send(dstIp: number, srcPort: number, dstPort: number, payload: Uint8Array): void;
}

/**
 * A simulated authoritative-and-recursive DNS server (RFC 1035) on a UdpService, port 53: answers
 * A queries from `records` (following aliases, answer names compressed with pointers), NXDOMAIN
 * for unknown names. `silent` drops every query; `truncate` sets TC with no answer; `mangle`
 * may rewrite or replace a response before it is sent (for spoofing and malformed-answer tests).
 */
export class DnsServer {
  silent = false;
  truncate = false;
  mangle: ((response: Uint8Array, query: DnsQueryEntry) => Uint8Array | null) | null = null;
  readonly queries: DnsQueryEntry[] = [];

  constructor(readonly host: UdpService, readonly records: { [name: string]: DnsRecord }, private readonly now: () => number) {
    host.on(53, (source, payload) => this.query(source, payload));
  }

  private query(source: UdpSource, query: Uint8Array): void {
    if (query.length < 12 || (query[2] & 0x80) !== 0 || ((query[4] << 8) | query[5]) !== 1) return;
    const labels: string[] = [];
    let at = 12;
    while (at < query.length && query[at] !== 0) {
      const length = query[at];
      if (length > 63 || at + 1 + length > query.length) return;
      labels.push(String.fromCharCode.apply(null, Array.from(query.subarray(at + 1, at + 1 + length))));
      at += 1 + length;
    }
    const questionEnd = at + 5;
    if (questionEnd > query.length) return;
    const type = (query[at + 1] << 8) | query[at + 2];
    const name = labels.join('.').toLowerCase();
    const entry: DnsQueryEntry = { time: this.now(), id: (query[0] << 8) | query[1], name, type, sourcePort: source.port };
    this.queries.push(entry);
    if (this.silent) return;
    const out: number[] = Array.from(query.subarray(0, questionEnd));
    out[2] = 0x81 | (this.truncate ? 0x02 : 0);
    out[3] = 0x80;
    out[6] = out[7] = out[8] = out[9] = out[10] = out[11] = 0;
    let answers = 0;
    if (!this.truncate) {
      let owner = 12;
      let current = name;
      for (let hops = 0; hops < 8; hops++) {
        const record = this.records[current];
        if (!record) break;
        const ttl = record.ttl === undefined ? 300 : record.ttl;
        const head = [0xc0 | (owner >> 8), owner & 0xff];
        if (record.cname) {
          const rdata = encodeName(record.cname);
          out.push(...head, 0, 5, 0, 1, ttl >>> 24, (ttl >>> 16) & 255, (ttl >>> 8) & 255, ttl & 255, rdata.length >> 8, rdata.length & 255);
          owner = out.length;
          out.push(...rdata);
          answers++;
          current = record.cname.toLowerCase();
        } else if (record.address && type === 1) {
          const ip = parseIp(record.address);
          out.push(...head, 0, 1, 0, 1, ttl >>> 24, (ttl >>> 16) & 255, (ttl >>> 8) & 255, ttl & 255, 0, 4,
            ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255);
          answers++;
          break;
        } else {
          break;
        }
      }
      if (!this.records[name]) out[3] |= 3;
    }
    out[7] = answers;
    let response: Uint8Array | null = Uint8Array.from(out);
    if (this.mangle) response = this.mangle(response, entry);
    if (response) this.host.send(source.ip, 53, source.port, response);
  }
}

export function encodeName(name: string): number[] {
  const out: number[] = [];
  for (const label of name.split('.')) {
    if (label.length === 0) continue;
    out.push(label.length);
    for (let i = 0; i < label.length; i++) out.push(label.charCodeAt(i));
  }
  out.push(0);
  return out;
}
