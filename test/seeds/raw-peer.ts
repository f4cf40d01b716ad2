import { Link, LinkEndpoint } from '../../sim/link';
import { macFor } from '../../sim/host';
import { arp, ethernet, ipv4, referenceChecksum, read16, read32, u16, u32 } from '../netif/harness';

/**
 * A hand-driven TCP endpoint on the simulated link, for the scenarios no well-behaved stack will
 * produce: a chosen initial sequence number, an old duplicate RST, a peer reusing its port behind
 * a NAT, spoofed SYNs from thousands of addresses. It owns the addresses `owns` accepts (answering
 * ARP for them), sends whatever segment it is told to, and records every TCP segment sent to one
 * of its addresses.
 */

export interface RawSegment {
  srcIp: number;
  dstIp: number;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  length: number;
  /** The option bytes, as sent. */
  options: number[];
}

export interface RawSegmentSpec {
  srcIp: number;
  dstIp: number;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack?: number;
  flags: number;
  window?: number;
  data?: number[];
  /** MSS option value; none unless given. */
  mss?: number;
  /** Option bytes after the MSS option, padded with NOPs to a multiple of 4. */
  options?: number[];
}

export class RawPeer implements LinkEndpoint {
  readonly mac: number[];
  readonly port: number;
  /** TCP segments to our addresses, oldest first; take() empties it. */
  private received: RawSegment[] = [];
  framesSent = 0;

  constructor(private readonly link: Link, macIndex: number, private readonly owns: (ip: number) => boolean) {
    this.mac = Array.from(macFor(macIndex));
    this.port = link.attach(this);
  }

  deliver(frame: Uint8Array, length: number): void {
    if (length < 14) return;
    const toUs = frame[0] === this.mac[0] && frame[1] === this.mac[1] && frame[2] === this.mac[2] &&
      frame[3] === this.mac[3] && frame[4] === this.mac[4] && frame[5] === this.mac[5];
    const etherType = read16(frame, 12);
    if (etherType === 0x0806 && length >= 42 && read16(frame, 20) === 1 && this.owns(read32(frame, 38))) {
      const senderMac = Array.from(frame.subarray(22, 28));
      this.send(ethernet(senderMac, this.mac, 0x0806, arp(2, this.mac, read32(frame, 38), senderMac, read32(frame, 28))));
      return;
    }
    if (!toUs || etherType !== 0x0800 || frame[23] !== 6) return;
    const ip = 14;
    const tcp = ip + (frame[ip] & 15) * 4;
    const dstIp = read32(frame, ip + 16);
    if (!this.owns(dstIp)) return;
    const total = read16(frame, ip + 2);
    this.received.push({
      srcIp: read32(frame, ip + 12), dstIp, srcPort: read16(frame, tcp), dstPort: read16(frame, tcp + 2),
      seq: read32(frame, tcp + 4), ack: read32(frame, tcp + 8), flags: frame[tcp + 13], window: read16(frame, tcp + 14),
      length: total - (tcp - ip) - (frame[tcp + 12] >> 4) * 4,
      options: Array.from(frame.subarray(tcp + 20, tcp + (frame[tcp + 12] >> 4) * 4)),
    });
  }

  /** Sends one TCP segment in an Ethernet frame to `dstMac`. */
  segment(dstMac: ArrayLike<number>, spec: RawSegmentSpec): void {
    const options = (spec.mss ? [2, 4].concat(u16(spec.mss)) : []).concat(spec.options || []);
    while (options.length % 4) options.push(1);
    const data = spec.data || [];
    const header = u16(spec.srcPort).concat(u16(spec.dstPort), u32(spec.seq >>> 0), u32((spec.ack || 0) >>> 0),
      [(5 + options.length / 4) << 4, spec.flags], u16(spec.window === undefined ? 8192 : spec.window), [0, 0, 0, 0], options);
    const segment = header.concat(data);
    const pseudo = (spec.srcIp >>> 16) + (spec.srcIp & 0xffff) + (spec.dstIp >>> 16) + (spec.dstIp & 0xffff) + 6 + segment.length;
    const checksum = referenceChecksum(segment, pseudo);
    segment[16] = checksum >>> 8;
    segment[17] = checksum & 0xff;
    this.send(ethernet(Array.from(dstMac), this.mac, 0x0800, ipv4({ protocol: 6, srcIp: spec.srcIp, dstIp: spec.dstIp }, segment)));
  }

  take(): RawSegment[] {
    const segments = this.received;
    this.received = [];
    return segments;
  }

  private send(frame: number[]): void {
    this.framesSent++;
    this.link.transmit(this.port, Uint8Array.from(frame), frame.length);
  }
}
