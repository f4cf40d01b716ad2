import { Link } from '../link';
import { SimNic } from '../sim-nic';
import { formatIp, parseIp } from '../../firmware/wire/ip-address';

/** Where a datagram came from, as a server needs it to answer. */
export interface UdpSource {
  ip: number;
  port: number;
  /** The Ethernet source of the frame: a server answers a client that has no address yet by MAC. */
  mac: Uint8Array;
  /** Destination address of the datagram (255.255.255.255 for a broadcast). */
  dstIp: number;
}

export type UdpHandler = (source: UdpSource, payload: Uint8Array) => void;

const BROADCAST_MAC = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

/**
 * A minimal IPv4/UDP host on a simulated link, in plain Node code, for the simulated servers:
 * answers ARP for its address, hands UDP datagrams to per-port handlers, and sends datagrams to
 * a MAC it learned from traffic (or to broadcast). Independent of the firmware's codecs, so a
 * firmware bug cannot hide behind a matching server.
 */
export class UdpHost {
  readonly nic: SimNic;
  readonly ip: number;
  /** Every datagram handed to a handler, and every one sent. */
  received = 0;
  sent = 0;
  /** false: the host is powered off (receives and sends nothing). */
  up = true;
  private readonly handlers: { [port: number]: UdpHandler } = {};
  private readonly neighbours: { [ip: number]: Uint8Array } = {};
  private identification = 1;

  constructor(link: Link, mac: Uint8Array, ip: string) {
    this.ip = parseIp(ip);
    if (this.ip < 0) throw new RangeError('UdpHost: bad ip ' + ip);
    this.nic = new SimNic(link, { mac });
    this.nic.receiver = this;
  }

  on(port: number, handler: UdpHandler): void {
    this.handlers[port] = handler;
  }

  input(frame: Uint8Array, length: number): void {
    if (!this.up || length < 14) return;
    const etherType = (frame[12] << 8) | frame[13];
    if (etherType === 0x0806 && length >= 42) {
      const target = read32(frame, 38);
      if (frame[21] === 1 && target === this.ip) this.sendArpReply(frame);
      return;
    }
    if (etherType !== 0x0800 || length < 34 || frame[14] >>> 4 !== 4) return;
    const headerLength = (frame[14] & 15) * 4;
    const totalLength = (frame[16] << 8) | frame[17];
    const dst = read32(frame, 30);
    if (frame[23] !== 17 || 14 + totalLength > length || (dst !== this.ip && dst !== 0xffffffff)) return;
    const udp = 14 + headerLength;
    const src = read32(frame, 26);
    const mac = frame.slice(6, 12);
    if (src !== 0) this.neighbours[src] = mac;
    const dstPort = (frame[udp + 2] << 8) | frame[udp + 3];
    const udpLength = (frame[udp + 4] << 8) | frame[udp + 5];
    const handler = this.handlers[dstPort];
    if (!handler || udpLength < 8 || udp + udpLength > 14 + totalLength) return;
    this.received++;
    handler({ ip: src, port: (frame[udp] << 8) | frame[udp + 1], mac, dstIp: dst }, frame.slice(udp + 8, udp + udpLength));
  }

  /** Sends to `mac` when given, else to the MAC learned for dstIp, else to broadcast. */
  send(dstIp: number, srcPort: number, dstPort: number, payload: Uint8Array, mac?: Uint8Array): void {
    if (!this.up) return;
    const frame = new Uint8Array(14 + 20 + 8 + payload.length);
    frame.set(mac || this.neighbours[dstIp] || BROADCAST_MAC, 0);
    frame.set(this.nic.mac, 6);
    frame[12] = 0x08;
    const totalLength = 28 + payload.length;
    const ip = 14;
    frame[ip] = 0x45;
    frame[ip + 2] = totalLength >> 8;
    frame[ip + 3] = totalLength & 255;
    frame[ip + 4] = this.identification >> 8;
    frame[ip + 5] = this.identification++ & 255;
    frame[ip + 8] = 64;
    frame[ip + 9] = 17;
    write32(frame, ip + 12, this.ip);
    write32(frame, ip + 16, dstIp);
    const headerSum = ~sum(frame, ip, 20, 0) & 0xffff;
    frame[ip + 10] = headerSum >> 8;
    frame[ip + 11] = headerSum & 255;
    const udp = 34;
    const udpLength = 8 + payload.length;
    frame[udp] = srcPort >> 8;
    frame[udp + 1] = srcPort & 255;
    frame[udp + 2] = dstPort >> 8;
    frame[udp + 3] = dstPort & 255;
    frame[udp + 4] = udpLength >> 8;
    frame[udp + 5] = udpLength & 255;
    frame.set(payload, udp + 8);
    const pseudo = new Uint8Array(12);
    write32(pseudo, 0, this.ip);
    write32(pseudo, 4, dstIp);
    pseudo[9] = 17;
    pseudo[10] = udpLength >> 8;
    pseudo[11] = udpLength & 255;
    const udpSum = (~sum(frame, udp, udpLength, sum(pseudo, 0, 12, 0)) & 0xffff) || 0xffff;
    frame[udp + 6] = udpSum >> 8;
    frame[udp + 7] = udpSum & 255;
    this.sent++;
    this.nic.transmit(frame, frame.length);
  }

  toString(): string {
    return 'UdpHost ' + formatIp(this.ip);
  }

  private sendArpReply(request: Uint8Array): void {
    if (!this.up) return;
    const reply = new Uint8Array(42);
    reply.set(request.subarray(6, 12), 0);
    reply.set(this.nic.mac, 6);
    reply[12] = 0x08;
    reply[13] = 0x06;
    reply.set([0, 1, 8, 0, 6, 4, 0, 2], 14);
    reply.set(this.nic.mac, 22);
    write32(reply, 28, this.ip);
    reply.set(request.subarray(22, 32), 32);
    this.neighbours[read32(request, 28)] = request.slice(22, 28);
    this.nic.transmit(reply, 42);
  }
}

export function read32(buf: Uint8Array, offset: number): number {
  return ((buf[offset] << 24) | (buf[offset + 1] << 16) | (buf[offset + 2] << 8) | buf[offset + 3]) >>> 0;
}

export function write32(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = value >>> 24;
  buf[offset + 1] = (value >>> 16) & 255;
  buf[offset + 2] = (value >>> 8) & 255;
  buf[offset + 3] = value & 255;
}

/** Folded ones'-complement sum (RFC 1071), not inverted. */
function sum(buf: Uint8Array, offset: number, length: number, initial: number): number {
  let total = initial;
  for (let i = 0; i + 1 < length; i += 2) total += (buf[offset + i] << 8) | buf[offset + i + 1];
  if (length & 1) total += buf[offset + length - 1] << 8;
  while (total > 0xffff) total = (total & 0xffff) + (total >>> 16);
  return total;
}
