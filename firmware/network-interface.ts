import { Config } from './config';
import { Hal, Nic } from '../hal/hal';
import { IpOutput, Transport } from './layers';
import { MemoryReport } from './memory-report';
import { Stat } from './stats';
import { ArpCache, ArpState } from './arp-cache';
import { Udp } from './udp';
import { withDhcp, withDns, withConfigCheck } from './features';
import { headerChecksum } from './wire/checksum';
import { parseIp } from './wire/ip-address';
import { EtherType, EthernetField, writeEthernetHeader } from './wire/ethernet';
import { ArpField, ArpOperation, isEthernetIpv4Arp, writeArpPacket } from './wire/arp';
import { Ipv4Constant, Ipv4Field, IpProtocol, readIpv4Address, writeIpv4Header } from './wire/ipv4';
import { IcmpField, IcmpType, IcmpUnreachableCode, finishIcmpMessage } from './wire/icmp';
import { UdpField } from './wire/udp';

/** Hears ICMP destination-unreachable messages that quote a packet this host sent. */
export interface UnreachableSink {
  /**
   * `code` as in RFC 792 (3 = port unreachable); `protocol`, `remoteIp`, `remotePort` and
   * `localPort` are read from the quoted header. ICMP can be forged: treat it as a hint
   * (RFC 5927), never as proof.
   */
  destinationUnreachable(code: number, protocol: number, remoteIp: number, remotePort: number, localPort: number): void;
}

const enum Link {
  /** A request or reply frame: Ethernet header and ARP packet. */
  ARP_FRAME_LENGTH = 42,
  /** Multicast bit of the first MAC byte (a multicast or broadcast sender is never learned). */
  GROUP_BIT = 1,
  MULTICAST_PREFIX = 14,
}

/**
 * One network interface: Ethernet II or an IP-only link (SLIP), ARP, IPv4 without
 * fragmentation, ICMP echo and errors, and the dispatch to UDP and TCP. Outgoing packets are
 * built by the transports in the single transmit frame; `send` adds the IPv4 and link
 * headers and resolves the next hop, holding the frame in a preallocated buffer while ARP
 * works. Every received frame ends in exactly one place: a transport, the ARP or ICMP
 * handling, or one drop counter.
 */
export class NetworkInterface implements IpOutput {
  readonly frame: Uint8Array;
  readonly payloadOffset: number;
  readonly maxPayload: number;
  /** Set by the stack once the TCP engine exists; protocol 6 is dropped until then. */
  tcp: Transport | null = null;
  /** Optional listener for ICMP destination unreachable (the TCP engine, for soft errors). */
  unreachable: UnreachableSink | null = null;
  /** null in a bundle with neither DHCP nor DNS, its only users on a board (firmware/features.ts); UDP is then answered port-unreachable. */
  readonly udp: Udp | null;
  readonly arp: ArpCache;
  private ip: number;
  private netmask: number;
  private gateway: number;
  /**
   * The IPv4 identification of the last packet sent, counted through 32768..65535 from a random
   * start (we never fragment, so half the range is plenty): the interpreter keeps a number below
   * a few thousand inside the variable that names it and needs a second variable above, so a
   * counter that crossed that line would look like a variable lost to traffic.
   */
  private identification: number;
  private readonly linkHeaderLength: number;
  private readonly arpFrame: Uint8Array;
  private readonly broadcastMac: Uint8Array;

  constructor(private readonly config: Config, private readonly hal: Hal, private readonly nic: Nic, private readonly stats: Uint32Array) {
    const ip = parseIp(config.ip);
    const netmask = parseIp(config.netmask);
    const gateway = parseIp(config.gateway);
    if (withConfigCheck && (ip < 0 || netmask < 0 || gateway < 0)) {
      throw new Error('netif: config ip, netmask and gateway must be dotted IPv4 addresses');
    }
    this.ip = ip;
    this.netmask = netmask;
    this.gateway = gateway;
    this.linkHeaderLength = nic.ethernet ? EthernetField.HEADER_LENGTH : 0;
    this.frame = new Uint8Array(this.linkHeaderLength + nic.mtu);
    this.payloadOffset = this.linkHeaderLength + Ipv4Field.HEADER_LENGTH;
    this.maxPayload = nic.mtu - Ipv4Field.HEADER_LENGTH;
    this.identification = 0x8000 | (hal.random32() & 0x7fff);
    this.arpFrame = new Uint8Array(nic.ethernet ? Link.ARP_FRAME_LENGTH : 0);
    this.broadcastMac = new Uint8Array(EthernetField.MAC_LENGTH);
    this.broadcastMac.fill(0xff);
    // An IP-only link has no neighbours to resolve: its cache is empty.
    this.arp = nic.ethernet
      ? new ArpCache(config.arpEntries, config.arpPendingFrames, this.frame.length, hal, stats)
      : new ArpCache(0, 0, 0, hal, stats);
    this.udp = withDhcp || withDns ? new Udp(config, hal, this, stats) : null;
  }

  localIp(): number {
    return this.ip;
  }

  /** New address, netmask and gateway (DHCP); the ARP cache is kept, its entries are still true. */
  setAddress(ip: number, netmask: number, gateway: number): void {
    this.ip = ip >>> 0;
    this.netmask = netmask >>> 0;
    this.gateway = gateway >>> 0;
  }

  /** Also false, uncounted, for a payloadLength outside 0..maxPayload: a caller's bug, not traffic. */
  send(dstIp: number, protocol: number, payloadLength: number): boolean {
    const stats = this.stats;
    const hal = this.hal;
    const frame = this.frame;
    if (payloadLength < 0 || payloadLength > this.maxPayload) return false;
    if (!this.nic.linkUp()) {
      stats[Stat.dropLinkDown]++;
      return false;
    }
    const linkHeaderLength = this.linkHeaderLength;
    const length = linkHeaderLength + Ipv4Field.HEADER_LENGTH + payloadLength;
    this.identification = 0x8000 | ((this.identification + 1) & 0x7fff);
    writeIpv4Header(hal, frame, linkHeaderLength, payloadLength, this.identification, protocol, this.ip | 0, dstIp);
    if (linkHeaderLength === 0) {
      if (!this.transmit(frame, length)) return false;
      stats[Stat.ipOut]++;
      return true;
    }
    const arp = this.arp;
    let entry = -1;
    // dstIp may be signed (IpOutput.send); the comparisons below are on unsigned addresses.
    const destination = dstIp >>> 0;
    if (!this.isBroadcast(destination)) {
      const nextHop = ((destination ^ this.ip) & this.netmask) === 0 ? destination : this.gateway;
      if (nextHop === 0) {
        stats[Stat.dropIpNoRoute]++;
        return false;
      }
      const now = hal.now();
      entry = arp.find(nextHop);
      if (entry < 0 || arp.state[entry] !== ArpState.RESOLVED) {
        if (entry < 0) {
          arp.claim(nextHop, now);
          this.sendArpRequest(nextHop);
        }
        if (!arp.hold(frame, length, nextHop)) {
          stats[Stat.arpQueueDrops]++;
          return false;
        }
        stats[Stat.ipOut]++;
        return true;
      }
      arp.used[entry] = now;
    }
    if (entry < 0) {
      writeEthernetHeader(hal, frame, this.broadcastMac, 0, this.nic.mac, EtherType.IPV4);
    } else {
      writeEthernetHeader(hal, frame, arp.mac, entry * EthernetField.MAC_LENGTH, this.nic.mac, EtherType.IPV4);
    }
    if (!this.transmit(frame, length)) return false;
    stats[Stat.ipOut]++;
    return true;
  }

  input(frame: Uint8Array, length: number, now: number): void {
    const stats = this.stats;
    const hal = this.hal;
    if (length > frame.length) length = frame.length;
    let offset = 0;
    if (this.linkHeaderLength !== 0) {
      if (length < EthernetField.HEADER_LENGTH) {
        stats[Stat.dropFrameShort]++;
        return;
      }
      const mac = this.nic.mac;
      if ((frame[0] & frame[1] & frame[2] & frame[3] & frame[4] & frame[5]) !== 0xff &&
        (frame[0] !== mac[0] || frame[1] !== mac[1] || frame[2] !== mac[2] ||
          frame[3] !== mac[3] || frame[4] !== mac[4] || frame[5] !== mac[5])) {
        stats[Stat.dropNotForUs]++;
        return;
      }
      const etherType = (frame[EthernetField.ETHER_TYPE] << 8) | frame[EthernetField.ETHER_TYPE + 1];
      if (etherType === EtherType.ARP) {
        this.inputArp(frame, length, now);
        return;
      }
      if (etherType !== EtherType.IPV4) {
        stats[Stat.dropEtherType]++;
        return;
      }
      offset = EthernetField.HEADER_LENGTH;
    }

    const available = length - offset;
    if (available < Ipv4Field.HEADER_LENGTH) {
      stats[Stat.dropIpShort]++;
      return;
    }
    const versionIhl = frame[offset];
    if ((versionIhl >>> 4) !== Ipv4Constant.VERSION) {
      stats[Stat.dropIpVersion]++;
      return;
    }
    const headerLength = (versionIhl & 0x0f) << 2;
    if (headerLength < Ipv4Field.HEADER_LENGTH || headerLength > available) {
      stats[Stat.dropIpHeaderLength]++;
      return;
    }
    if (headerChecksum(hal, frame, offset, headerLength) !== 0) {
      stats[Stat.dropIpChecksum]++;
      return;
    }
    // Total length, not the frame length, ends the packet: Ethernet pads short frames.
    const totalLength = (frame[offset + Ipv4Field.TOTAL_LENGTH] << 8) | frame[offset + Ipv4Field.TOTAL_LENGTH + 1];
    if (totalLength < headerLength || totalLength > available) {
      stats[Stat.dropIpTotalLength]++;
      return;
    }
    const flagsFragment = (frame[offset + Ipv4Field.FLAGS_FRAGMENT] << 8) | frame[offset + Ipv4Field.FLAGS_FRAGMENT + 1];
    if ((flagsFragment & (Ipv4Constant.MORE_FRAGMENTS | Ipv4Constant.FRAGMENT_OFFSET_MASK)) !== 0) {
      stats[Stat.dropIpFragment]++;
      return;
    }
    const srcIp = readIpv4Address(frame, offset + Ipv4Field.SOURCE);
    const dstIp = readIpv4Address(frame, offset + Ipv4Field.DESTINATION);
    // While unconfigured (0.0.0.0) everything is accepted, as a DHCP client must.
    if (dstIp !== this.ip && this.ip !== 0 && !this.isBroadcast(dstIp)) {
      stats[Stat.dropIpNotForUs]++;
      return;
    }
    stats[Stat.ipIn]++;
    const protocol = frame[offset + Ipv4Field.PROTOCOL];
    const transportOffset = offset + headerLength;
    const transportLength = totalLength - headerLength;
    const tcp = this.tcp;
    if (protocol === IpProtocol.TCP && tcp) {
      tcp.input(frame, transportOffset, transportLength, srcIp | 0, dstIp | 0, now);
    } else if (protocol === IpProtocol.UDP) {
      const udp = this.udp;
      if (!(udp && udp.input(frame, transportOffset, transportLength, srcIp, dstIp)) && this.answerable(srcIp, dstIp)) {
        this.sendPortUnreachable(frame, offset, headerLength, srcIp);
      }
    } else if (protocol === IpProtocol.ICMP) {
      this.inputIcmp(frame, transportOffset, transportLength, srcIp, dstIp);
    } else {
      stats[Stat.dropIpProtocol]++;
    }
  }

  /** ARP request retries and timeouts, and ageing of resolved entries. */
  tick(now: number): void {
    const arp = this.arp;
    const config = this.config;
    for (let entry = 0; entry < arp.size; entry++) {
      const state = arp.state[entry];
      if (state === ArpState.FREE) continue;
      const age = arp.age(entry, now);
      if (state === ArpState.RESOLVED) {
        if (age >= config.arpLifetime) arp.state[entry] = ArpState.FREE;
      } else if (age >= config.arpRetryInterval) {
        if (arp.retries[entry] < config.arpRetries) {
          arp.retries[entry]++;
          arp.updated[entry] = now;
          this.sendArpRequest(arp.ip[entry]);
        } else {
          arp.state[entry] = ArpState.FREE;
          this.stats[Stat.arpTimeouts]++;
          arp.dropPending(arp.ip[entry]);
        }
      }
    }
  }

  reportMemory(report: MemoryReport): void {
    report['netif.txFrame'] = this.frame.byteLength;
    report['netif.arpFrame'] = this.arpFrame.byteLength + this.broadcastMac.byteLength;
    this.arp.reportMemory(report);
    if (this.udp) this.udp.reportMemory(report);
  }

  /**
   * RFC 826: learn or refresh the sender when it is already cached or when the packet is
   * addressed to us (so unsolicited traffic cannot flush the cache), flush frames waiting for
   * it, and answer requests for our address.
   */
  private inputArp(frame: Uint8Array, length: number, now: number): void {
    const stats = this.stats;
    const hal = this.hal;
    const at = EthernetField.HEADER_LENGTH;
    if (length < at + ArpField.LENGTH || !isEthernetIpv4Arp(frame, at)) {
      stats[Stat.dropArpMalformed]++;
      return;
    }
    stats[Stat.arpIn]++;
    const ip = this.ip;
    const senderIp = readIpv4Address(frame, at + ArpField.SENDER_IP);
    const targetIp = readIpv4Address(frame, at + ArpField.TARGET_IP);
    const forUs = ip !== 0 && targetIp === ip;
    if (senderIp !== 0 && senderIp !== ip && (frame[at + ArpField.SENDER_MAC] & Link.GROUP_BIT) === 0) {
      const arp = this.arp;
      let entry = arp.find(senderIp);
      if (entry < 0 && forUs) entry = arp.claim(senderIp, now);
      if (entry >= 0) {
        const macOffset = entry * EthernetField.MAC_LENGTH;
        hal.copy(arp.mac, macOffset, frame, at + ArpField.SENDER_MAC, EthernetField.MAC_LENGTH);
        arp.updated[entry] = now;
        if (arp.state[entry] !== ArpState.RESOLVED) {
          arp.state[entry] = ArpState.RESOLVED;
          stats[Stat.arpResolved]++;
          let held = arp.nextPending(senderIp);
          while (held >= 0) {
            writeEthernetHeader(hal, arp.pending[held], arp.mac, macOffset, this.nic.mac, EtherType.IPV4);
            this.transmit(arp.pending[held], arp.pendingLength[held]);
            arp.pendingLength[held] = 0;
            held = arp.nextPending(senderIp);
          }
        }
      }
    }
    if (forUs && frame[at + ArpField.OPERATION + 1] === ArpOperation.REQUEST) {
      const reply = this.arpFrame;
      writeEthernetHeader(hal, reply, frame, at + ArpField.SENDER_MAC, this.nic.mac, EtherType.ARP);
      writeArpPacket(hal, reply, at, ArpOperation.REPLY, this.nic.mac, ip, frame, at + ArpField.SENDER_MAC, senderIp);
      if (this.transmit(reply, Link.ARP_FRAME_LENGTH)) stats[Stat.arpRepliesSent]++;
    }
  }

  /** Also the DHCP client's ARP probe (RFC 5227): sent while our address is 0.0.0.0, the sender address is 0. */
  sendArpRequest(targetIp: number): void {
    const request = this.arpFrame;
    writeEthernetHeader(this.hal, request, this.broadcastMac, 0, this.nic.mac, EtherType.ARP);
    writeArpPacket(this.hal, request, EthernetField.HEADER_LENGTH, ArpOperation.REQUEST, this.nic.mac, this.ip, null, 0, targetIp);
    if (this.transmit(request, Link.ARP_FRAME_LENGTH)) this.stats[Stat.arpRequestsSent]++;
  }

  private inputIcmp(frame: Uint8Array, offset: number, length: number, srcIp: number, dstIp: number): void {
    const stats = this.stats;
    const hal = this.hal;
    if (length < IcmpField.HEADER_LENGTH) {
      stats[Stat.dropIcmpShort]++;
      return;
    }
    if (headerChecksum(hal, frame, offset, length) !== 0) {
      stats[Stat.dropIcmpChecksum]++;
      return;
    }
    stats[Stat.icmpIn]++;
    const type = frame[offset + IcmpField.TYPE];
    if (type === IcmpType.ECHO_REQUEST) {
      // Echo to a broadcast address is not answered (RFC 1122 3.2.2.6 allows silence; it stops smurf amplification).
      if (this.answerable(srcIp, dstIp) && length <= this.maxPayload) {
        const out = this.frame;
        const at = this.payloadOffset;
        hal.copy(out, at, frame, offset, length);
        finishIcmpMessage(hal, out, at, length, IcmpType.ECHO_REPLY, 0);
        if (this.send(srcIp, IpProtocol.ICMP, length)) stats[Stat.icmpEchoReplies]++;
      }
    } else if (type === IcmpType.DESTINATION_UNREACHABLE) {
      stats[Stat.icmpUnreachableIn]++;
      const sink = this.unreachable;
      const quoted = offset + IcmpField.HEADER_LENGTH;
      const quotedHeaderLength = (frame[quoted] & 0x0f) << 2;
      if (sink && length >= IcmpField.HEADER_LENGTH + Ipv4Field.HEADER_LENGTH + 4 &&
        quotedHeaderLength >= Ipv4Field.HEADER_LENGTH && IcmpField.HEADER_LENGTH + quotedHeaderLength + 4 <= length) {
        const ports = quoted + quotedHeaderLength;
        sink.destinationUnreachable(frame[offset + IcmpField.CODE], frame[quoted + Ipv4Field.PROTOCOL],
          readIpv4Address(frame, quoted + Ipv4Field.DESTINATION),
          (frame[ports + 2] << 8) | frame[ports + 3], (frame[ports] << 8) | frame[ports + 1]);
      }
    } else {
      stats[Stat.icmpOtherIn]++;
    }
  }

  /** RFC 792 port unreachable, quoting the offending IPv4 header and the 8-byte UDP header. */
  private sendPortUnreachable(frame: Uint8Array, ipOffset: number, headerLength: number, srcIp: number): void {
    const out = this.frame;
    const at = this.payloadOffset;
    const length = IcmpField.HEADER_LENGTH + headerLength + UdpField.HEADER_LENGTH;
    if (length > this.maxPayload) return;
    out.fill(0, at + IcmpField.REST_OF_HEADER, at + IcmpField.HEADER_LENGTH);
    this.hal.copy(out, at + IcmpField.HEADER_LENGTH, frame, ipOffset, headerLength + UdpField.HEADER_LENGTH);
    finishIcmpMessage(this.hal, out, at, length, IcmpType.DESTINATION_UNREACHABLE, IcmpUnreachableCode.PORT);
    this.send(srcIp, IpProtocol.ICMP, length);
  }

  /** 255.255.255.255 or the directed broadcast of our subnet: sent to ff:ff:ff:ff:ff:ff without ARP. */
  private isBroadcast(address: number): boolean {
    return address === Ipv4Constant.BROADCAST ||
      (this.netmask !== Ipv4Constant.BROADCAST && ((address ^ this.ip) & this.netmask) === 0 &&
        ((address | this.netmask) >>> 0) === Ipv4Constant.BROADCAST);
  }

  /**
   * Whether a packet deserves an answer (echo reply, ICMP error): sent to our own unicast
   * address (RFC 1122 3.2.2: no errors about broadcasts) from a unicast source.
   */
  private answerable(srcIp: number, dstIp: number): boolean {
    return this.ip !== 0 && dstIp === this.ip && srcIp !== 0 && (srcIp >>> 28) !== Link.MULTICAST_PREFIX &&
      !this.isBroadcast(srcIp);
  }

  private transmit(buf: Uint8Array, length: number): boolean {
    if (!this.nic.linkUp()) {
      this.stats[Stat.dropLinkDown]++;
      return false;
    }
    this.nic.transmit(buf, length);
    this.stats[Stat.framesOut]++;
    return true;
  }
}
