import { Config } from './config';
import { Hal } from '../hal/hal';
import { Err } from './errors';
import { MemoryReport } from './memory-report';
import { Udp, UdpSink } from './udp';
import { IpOutput } from './layers';
import { Stat } from './stats';
import { parseIp } from './wire/ip-address';
import { readIpv4Address } from './wire/ipv4';
import { UdpField } from './wire/udp';
import { DnsConstant, DnsField, namesEqual, skipName } from './wire/dns';
import { Arena, Cut } from '../hal/arena';
import { withConfigCheck } from './features';

/** `error` is null on success, else an Error with code 'ENOTFOUND' (NXDOMAIN, no A record, no answer, no server). */
export type LookupCallback = (error: Error | null, ip: number) => void;

const enum Query {
  FREE = 0,
  /** Sent, waiting for the answer on its own UDP port. */
  WAITING = 1,
  /** Finished; the callback runs from deliver(), after the frame or tick. */
  DONE = 2,
  EPHEMERAL_FIRST = 49152,
  EPHEMERAL_SPAN = 16384,
  PORT_TRIES = 8,
}

const enum Outcome {
  OK = 0,
  NXDOMAIN = 1,
  TIMEOUT = 2,
  NO_SERVER = 3,
  NO_ADDRESS = 4,
}

/**
 * DNS stub resolver (RFC 1035) for A records over UDP. Each lookup takes a record of a fixed
 * table, its own random source port (a UDP binding held only while it waits) and a random ID;
 * an answer must come from the server's port 53 to that port, carry that ID and repeat the
 * question, or it is dropped and counted. Answers are cached in a small fixed table, names in
 * a fixed byte area, TTLs clamped to [dnsMinTtl, dnsMaxTtl]. Every callback is called later,
 * from deliver(), which the stack runs after each frame and tick.
 */
export class DnsResolver implements UdpSink {
  /** The server asked; config.dnsServer until DHCP supplies one. 0: none. */
  server: number;
  private readonly nameLength: number;
  private readonly queryState: Uint8Array;
  private readonly queryId: Uint16Array;
  private readonly queryPort: Uint16Array;
  private readonly queryTries: Uint8Array;
  private readonly queryOutcome: Uint8Array;
  private readonly queryDeadline: Float64Array;
  private readonly queryTtl: Uint32Array;
  private readonly queryAddress: Uint32Array;
  /** The question in wire format, lower case, nameLength bytes per record. */
  private readonly queryName: Uint8Array;
  private readonly queryNameLength: Uint8Array;
  private readonly callbacks: (LookupCallback | null)[] = [];
  private readonly hostnames: (string | null)[] = [];
  private readonly cacheName: Uint8Array;
  private readonly cacheNameLength: Uint8Array;
  private readonly cacheAddress: Uint32Array;
  private readonly cacheExpires: Float64Array;

  constructor(private readonly config: Config, private readonly hal: Hal, private readonly udp: Udp,
    private readonly ipOutput: IpOutput, private readonly stats: Uint32Array) {
    const server = parseIp(config.dnsServer);
    if (withConfigCheck && server < 0) throw new Error('dns: dnsServer must be a dotted IPv4 address');
    this.server = server;
    const lookups = config.dnsLookups;
    const entries = config.dnsCacheEntries;
    const nameLength = config.dnsNameLength;
    this.nameLength = nameLength;
    const arena = new Arena(8 * (lookups + entries) + 4 * (2 * lookups + entries) + 2 * 2 * lookups +
      (lookups + entries) * (nameLength + 1) + 3 * lookups);
    this.queryDeadline = arena.cut(Cut.F64, lookups);
    this.cacheExpires = arena.cut(Cut.F64, entries);
    this.queryTtl = arena.cut(Cut.U32, lookups);
    this.queryAddress = arena.cut(Cut.U32, lookups);
    this.cacheAddress = arena.cut(Cut.U32, entries);
    this.queryId = arena.cut(Cut.U16, lookups);
    this.queryPort = arena.cut(Cut.U16, lookups);
    this.queryName = arena.cut(Cut.U8, lookups * nameLength);
    this.queryNameLength = arena.cut(Cut.U8, lookups);
    this.cacheName = arena.cut(Cut.U8, entries * nameLength);
    this.cacheNameLength = arena.cut(Cut.U8, entries);
    this.queryState = arena.cut(Cut.U8, lookups);
    this.queryTries = arena.cut(Cut.U8, lookups);
    this.queryOutcome = arena.cut(Cut.U8, lookups);
    for (let i = 0; i < lookups; i++) {
      this.callbacks.push(null);
      this.hostnames.push(null);
    }
  }

  /**
   * Resolves `hostname` (or takes a dotted address as it is) and calls back later with the
   * address as an unsigned 32-bit number. Returns 0, or without calling back: EINVAL for a name
   * that is not a hostname or longer than config.dnsNameLength allows, EMFILE when every lookup
   * record (or every UDP binding) is taken.
   */
  lookup(hostname: string, callback: LookupCallback): number {
    const states = this.queryState;
    let query = 0;
    while (query < states.length && states[query] !== Query.FREE) query++;
    if (query === states.length) {
      this.stats[Stat.dnsLookupsRefused]++;
      return Err.EMFILE;
    }
    const now = this.hal.now();
    const literal = parseIp(hostname);
    const names = this.queryName;
    const base = query * this.nameLength;
    let length = 0;
    if (literal < 0) {
      // Wire format, lower case: a length byte before each label, a zero byte at the end.
      let label = base;
      for (let i = 0; i <= hostname.length; i++) {
        const c = i < hostname.length ? hostname.charCodeAt(i) : 46;
        if (c === 46) {
          const labelLength = base + length - label;
          if (labelLength === 0 && i < hostname.length - 1 || labelLength > DnsConstant.LABEL_MAX ||
            labelLength === 0 && i === 0) return Err.EINVAL;
          if (labelLength === 0) break;
          names[label] = labelLength;
          label = base + ++length;
        } else {
          if (c <= 32 || c > 126 || length + 2 >= this.nameLength) return Err.EINVAL;
          names[base + ++length] = c >= 65 && c <= 90 ? c + 32 : c;
        }
      }
      names[base + length++] = 0;
      if (length < 2) return Err.EINVAL;
    }
    this.queryNameLength[query] = length;
    this.callbacks[query] = callback;
    this.hostnames[query] = hostname;
    this.queryTries[query] = 0;
    this.queryTtl[query] = 0;
    this.queryAddress[query] = literal < 0 ? 0 : literal;
    this.queryOutcome[query] = literal < 0 ? Outcome.NO_SERVER : Outcome.OK;
    states[query] = Query.DONE;
    if (literal >= 0) return 0;
    const cacheLengths = this.cacheNameLength;
    for (let entry = 0; entry < cacheLengths.length; entry++) {
      if (cacheLengths[entry] !== length || this.cacheExpires[entry] <= now) continue;
      const cached = entry * this.nameLength;
      let same = true;
      for (let i = 0; i < length && same; i++) same = this.cacheName[cached + i] === names[base + i];
      if (same) {
        this.stats[Stat.dnsCacheHits]++;
        this.queryAddress[query] = this.cacheAddress[entry];
        this.queryOutcome[query] = Outcome.OK;
        return 0;
      }
    }
    if (this.server === 0) return 0;
    let port = 0;
    for (let tries = 0; tries < Query.PORT_TRIES && port === 0; tries++) {
      port = Query.EPHEMERAL_FIRST + this.hal.random32() % Query.EPHEMERAL_SPAN;
      if (this.udp.bind(port, this) < 0) port = 0;
    }
    if (port === 0) {
      states[query] = Query.FREE;
      this.callbacks[query] = null;
      this.hostnames[query] = null;
      this.stats[Stat.dnsLookupsRefused]++;
      return Err.EMFILE;
    }
    this.queryPort[query] = port;
    this.queryId[query] = this.hal.random32() & 0xffff;
    states[query] = Query.WAITING;
    this.send(query, now);
    return 0;
  }

  /** Retransmissions and, after config.dnsRetries of them, ENOTFOUND. */
  tick(now: number): void {
    const states = this.queryState;
    for (let query = 0; query < states.length; query++) {
      if (states[query] !== Query.WAITING || now < this.queryDeadline[query]) continue;
      if (this.queryTries[query] > this.config.dnsRetries) {
        this.stats[Stat.dnsTimeouts]++;
        this.finish(query, Outcome.TIMEOUT);
      } else {
        this.stats[Stat.dnsRetransmits]++;
        this.send(query, now);
      }
    }
  }

  datagram(buf: Uint8Array, offset: number, length: number, srcIp: number, srcPort: number, dstPort: number): void {
    const stats = this.stats;
    const states = this.queryState;
    let query = 0;
    while (query < states.length && (states[query] !== Query.WAITING || this.queryPort[query] !== dstPort)) query++;
    if (query === states.length || srcIp !== this.server || srcPort !== DnsConstant.PORT ||
      (length >= 2 && ((buf[offset] << 8) | buf[offset + 1]) !== this.queryId[query])) {
      stats[Stat.dropDnsSpoofed]++;
      return;
    }
    const end = offset + length;
    const flags = buf[offset + DnsField.FLAGS];
    const question = offset + DnsField.HEADER_LENGTH;
    if (length < DnsField.HEADER_LENGTH || (flags & DnsConstant.FLAG_RESPONSE) === 0 || (flags & DnsConstant.OPCODE_MASK) !== 0 ||
      buf[offset + DnsField.QUESTION_COUNT] !== 0 || buf[offset + DnsField.QUESTION_COUNT + 1] !== 1) {
      stats[Stat.dropDnsMalformed]++;
      return;
    }
    if (flags & DnsConstant.FLAG_TRUNCATED) {
      stats[Stat.dropDnsTruncated]++;
      return;
    }
    const nameBase = query * this.nameLength;
    let at = skipName(buf, question, end);
    if (at < 0 || at + DnsField.QUESTION_FIXED > end) {
      stats[Stat.dropDnsMalformed]++;
      return;
    }
    if (!namesEqual(buf, offset, question, end, this.queryName, nameBase, nameBase, nameBase + this.queryNameLength[query]) ||
      buf[at] !== 0 || buf[at + 1] !== DnsConstant.TYPE_A || buf[at + 2] !== 0 || buf[at + 3] !== DnsConstant.CLASS_IN) {
      stats[Stat.dropDnsSpoofed]++;
      return;
    }
    const rcode = buf[offset + DnsField.FLAGS + 1] & DnsConstant.RCODE_MASK;
    if (rcode !== 0) {
      stats[rcode === DnsConstant.RCODE_NXDOMAIN ? Stat.dnsNxdomain : Stat.dnsAnswers]++;
      this.finish(query, rcode === DnsConstant.RCODE_NXDOMAIN ? Outcome.NXDOMAIN : Outcome.NO_ADDRESS);
      return;
    }
    // Follow the CNAME chain from the question: only records owned by the name being resolved count.
    at += DnsField.QUESTION_FIXED;
    let owner = question;
    let ttl = this.config.dnsMaxTtl;
    let found = false;
    for (let answers = (buf[offset + DnsField.ANSWER_COUNT] << 8) | buf[offset + DnsField.ANSWER_COUNT + 1]; answers > 0 && !found; answers--) {
      const name = at;
      at = skipName(buf, at, end);
      const data = at + DnsField.RECORD_FIXED;
      const dataLength = at < 0 || data > end ? 0 : (buf[at + 8] << 8) | buf[at + 9];
      if (at < 0 || data + dataLength > end) {
        stats[Stat.dropDnsMalformed]++;
        return;
      }
      if (buf[at + 2] === 0 && buf[at + 3] === DnsConstant.CLASS_IN && buf[at] === 0 && namesEqual(buf, offset, name, end, buf, offset, owner, end)) {
        const type = buf[at + 1];
        const recordTtl = readIpv4Address(buf, at + 4);
        if (type === DnsConstant.TYPE_CNAME && skipName(buf, data, data + dataLength) === data + dataLength) {
          owner = data;
          if (recordTtl < ttl) ttl = recordTtl;
        } else if (type === DnsConstant.TYPE_A && dataLength === 4) {
          this.queryAddress[query] = readIpv4Address(buf, data);
          if (recordTtl < ttl) ttl = recordTtl;
          found = true;
        }
      }
      at = data + dataLength;
    }
    stats[Stat.dnsAnswers]++;
    this.queryTtl[query] = Math.max(ttl, this.config.dnsMinTtl);
    this.finish(query, found ? Outcome.OK : Outcome.NO_ADDRESS);
  }

  /** Calls back every finished lookup; a callback may start new lookups. */
  deliver(): void {
    const states = this.queryState;
    for (let query = 0; query < states.length; query++) {
      if (states[query] !== Query.DONE) continue;
      const callback = this.callbacks[query] as LookupCallback;
      const hostname = this.hostnames[query];
      states[query] = Query.FREE;
      this.callbacks[query] = null;
      this.hostnames[query] = null;
      const outcome = this.queryOutcome[query];
      if (outcome === Outcome.OK) {
        callback(null, this.queryAddress[query]);
      } else {
        const error = new Error('getaddrinfo ENOTFOUND ' + hostname + (outcome === Outcome.TIMEOUT ? ' (no answer)' :
          outcome === Outcome.NO_SERVER ? ' (no DNS server)' : '')) as Error & { code: string; hostname: string };
        error.code = 'ENOTFOUND';
        error.hostname = hostname as string;
        callback(error, 0);
      }
    }
  }

  /** Lookups not yet called back (for leak checks and the console). */
  pending(): number {
    let count = 0;
    for (let query = 0; query < this.queryState.length; query++) if (this.queryState[query] !== Query.FREE) count++;
    return count;
  }

  reportMemory(report: MemoryReport): void {
    // Lookups and cache share one arena; a cache entry is its name, its length, an address and an expiry.
    const cacheBytes = this.cacheAddress.length * (this.nameLength + 1 + 4 + 8);
    report['dns.lookups'] = this.queryState.buffer.byteLength - cacheBytes + this.queryState.length * 8;
    report['dns.cache'] = cacheBytes;
  }

  private send(query: number, now: number): void {
    const ipOutput = this.ipOutput;
    const frame = ipOutput.frame;
    const at = ipOutput.payloadOffset + UdpField.HEADER_LENGTH;
    const id = this.queryId[query];
    const nameLength = this.queryNameLength[query];
    frame.fill(0, at, at + DnsField.HEADER_LENGTH);
    frame[at] = id >>> 8;
    frame[at + 1] = id & 0xff;
    frame[at + DnsField.FLAGS] = DnsConstant.FLAG_RECURSION_DESIRED;
    frame[at + DnsField.QUESTION_COUNT + 1] = 1;
    this.hal.copy(frame, at + DnsField.HEADER_LENGTH, this.queryName, query * this.nameLength, nameLength);
    const fixed = at + DnsField.HEADER_LENGTH + nameLength;
    frame[fixed] = 0;
    frame[fixed + 1] = DnsConstant.TYPE_A;
    frame[fixed + 2] = 0;
    frame[fixed + 3] = DnsConstant.CLASS_IN;
    this.queryTries[query]++;
    this.queryDeadline[query] = now + this.config.dnsTimeout;
    if (this.udp.sendTo(this.server, DnsConstant.PORT, this.queryPort[query], frame, at,
      DnsField.HEADER_LENGTH + nameLength + DnsField.QUESTION_FIXED)) this.stats[Stat.dnsQueriesSent]++;
  }

  /** Ends a waiting lookup: frees its port, caches a good answer, leaves the callback for deliver(). */
  private finish(query: number, outcome: number): void {
    this.udp.unbind(this.queryPort[query]);
    this.queryPort[query] = 0;
    this.queryState[query] = Query.DONE;
    this.queryOutcome[query] = outcome;
    const lengths = this.cacheNameLength;
    if (outcome !== Outcome.OK || lengths.length === 0 || this.config.dnsMaxTtl === 0) return;
    const now = this.hal.now();
    const expires = this.cacheExpires;
    const nameLength = this.queryNameLength[query];
    // Take the entry with the earliest expiry (a free or expired one expires at or before now).
    let victim = 0;
    for (let entry = 1; entry < lengths.length; entry++) {
      if (lengths[victim] === 0) break;
      if (lengths[entry] === 0 || expires[entry] < expires[victim]) victim = entry;
    }
    for (let entry = 0; entry < lengths.length; entry++) {
      if (lengths[entry] !== nameLength) continue;
      let same = true;
      for (let i = 0; i < nameLength && same; i++) {
        same = this.cacheName[entry * this.nameLength + i] === this.queryName[query * this.nameLength + i];
      }
      if (same) victim = entry;
    }
    this.hal.copy(this.cacheName, victim * this.nameLength, this.queryName, query * this.nameLength, nameLength);
    lengths[victim] = nameLength;
    this.cacheAddress[victim] = this.queryAddress[query];
    expires[victim] = now + Math.min(this.queryTtl[query], this.config.dnsMaxTtl) * 1000;
  }
}
