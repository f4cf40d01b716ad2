import { UdpHost, UdpSource, read32, write32 } from './udp-host';
import { parseIp } from '../../firmware/wire/ip-address';

export interface DhcpServerOptions {
  /** First address handed out (dotted); clients get consecutive addresses in order of first contact. */
  poolStart: string;
  netmask?: string;
  router?: string;
  dns?: string;
  /** Lease length in seconds (default 3600); T1/T2 omitted unless given. */
  leaseSeconds?: number;
  renewalSeconds?: number;
  rebindingSeconds?: number;
}

/** One message the server saw or sent, for assertions. */
export interface DhcpLogEntry {
  time: number;
  direction: 'in' | 'out';
  type: number;
  xid: number;
  ciaddr: number;
  yiaddr: number;
  broadcast: boolean;
  requestedIp: number;
  serverId: number;
  sourceIp: number;
  dstIp: number;
  secs: number;
  clientId: number[];
  parameters: number[];
}

const MESSAGE_TYPE = 53;

/**
 * A simulated DHCP server (RFC 2131) on a UdpHost: OFFER for DISCOVER, ACK or NAK for REQUEST
 * (selecting, renewing and rebinding), replies broadcast when the client asks for it or has no
 * address, unicast to ciaddr otherwise; a DECLINE moves that client to the next address of the
 * pool. `silent` stops it answering (a server that is gone); `nak` makes it refuse every REQUEST.
 */
export class DhcpServer {
  silent = false;
  nak = false;
  readonly log: DhcpLogEntry[] = [];
  readonly options: Required<DhcpServerOptions>;
  private readonly leases: { [mac: string]: number } = {};
  private next: number;

  constructor(readonly host: UdpHost, options: DhcpServerOptions, private readonly now: () => number) {
    this.options = Object.assign({
      netmask: '255.255.255.0', router: '0.0.0.0', dns: '0.0.0.0', leaseSeconds: 3600, renewalSeconds: -1, rebindingSeconds: -1,
    }, options);
    this.next = parseIp(options.poolStart);
    host.on(67, (source, payload) => this.request(source, payload));
  }

  /** Messages of one type seen ('in') or sent ('out'). */
  count(direction: 'in' | 'out', type: number): number {
    return this.log.filter((entry) => entry.direction === direction && entry.type === type).length;
  }

  private request(source: UdpSource, message: Uint8Array): void {
    if (message.length < 240 || message[0] !== 1 || read32(message, 236) !== 0x63825363) return;
    const options = parseOptions(message);
    const type = options[MESSAGE_TYPE] ? options[MESSAGE_TYPE][0] : 0;
    const entry = this.entry('in', message, options, type, source.ip, source.dstIp);
    this.log.push(entry);
    if (this.silent) return;
    const mac = Array.from(message.subarray(28, 34)).join(':');
    if (this.leases[mac] === undefined) this.leases[mac] = this.next++;
    const address = this.leases[mac];
    const serverIp = this.host.ip;
    if (type === 4) {
      // The address is in use by someone the server does not know about: never offer it again.
      this.leases[mac] = this.next++;
    } else if (type === 1) {
      this.reply(source, message, 2, address);
    } else if (type === 3) {
      const ours = entry.serverId === 0 || entry.serverId === serverIp;
      if (!ours) return;
      const wanted = entry.requestedIp || entry.ciaddr;
      this.reply(source, message, this.nak || wanted !== address ? 6 : 5, address);
    }
  }

  private reply(source: UdpSource, request: Uint8Array, type: number, address: number): void {
    const o = this.options;
    const reply = new Uint8Array(300);
    reply[0] = 2;
    reply[1] = 1;
    reply[2] = 6;
    reply.set(request.subarray(4, 8), 4);
    reply.set(request.subarray(10, 12), 10);
    reply.set(request.subarray(12, 16), 12);
    if (type !== 6) write32(reply, 16, address);
    write32(reply, 20, this.host.ip);
    reply.set(request.subarray(28, 44), 28);
    write32(reply, 236, 0x63825363);
    let at = 240;
    const put = (code: number, bytes: number[]): void => {
      reply[at] = code;
      reply[at + 1] = bytes.length;
      reply.set(bytes, at + 2);
      at += 2 + bytes.length;
    };
    const word = (value: number): number[] => [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255];
    put(MESSAGE_TYPE, [type]);
    put(54, word(this.host.ip));
    if (type !== 6) {
      put(51, word(o.leaseSeconds));
      if (o.renewalSeconds >= 0) put(58, word(o.renewalSeconds));
      if (o.rebindingSeconds >= 0) put(59, word(o.rebindingSeconds));
      put(1, word(parseIp(o.netmask)));
      if (parseIp(o.router) !== 0) put(3, word(parseIp(o.router)));
      if (parseIp(o.dns) !== 0) put(6, word(parseIp(o.dns)));
    }
    reply[at] = 255;
    const ciaddr = read32(request, 12);
    const broadcast = (request[10] & 0x80) !== 0 || ciaddr === 0 || type === 6;
    const dstIp = broadcast ? 0xffffffff : ciaddr;
    this.log.push(this.entry('out', reply, parseOptions(reply), type, this.host.ip, dstIp));
    this.host.send(dstIp, 67, 68, reply, broadcast ? undefined : source.mac);
  }

  private entry(direction: 'in' | 'out', message: Uint8Array, options: { [code: number]: number[] }, type: number,
    sourceIp: number, dstIp: number): DhcpLogEntry {
    const address = (code: number): number => (options[code] && options[code].length >= 4 ? read32(Uint8Array.from(options[code]), 0) : 0);
    return {
      time: this.now(), direction, type, xid: read32(message, 4), ciaddr: read32(message, 12), yiaddr: read32(message, 16),
      broadcast: (message[10] & 0x80) !== 0, requestedIp: address(50), serverId: address(54), sourceIp, dstIp,
      secs: (message[8] << 8) | message[9], clientId: options[61] || [], parameters: options[55] || [],
    };
  }
}

function parseOptions(message: Uint8Array): { [code: number]: number[] } {
  const options: { [code: number]: number[] } = {};
  let at = 240;
  while (at < message.length && message[at] !== 255) {
    if (message[at] === 0) {
      at++;
      continue;
    }
    const length = message[at + 1];
    options[message[at]] = Array.from(message.subarray(at + 2, at + 2 + length));
    at += 2 + length;
  }
  return options;
}
