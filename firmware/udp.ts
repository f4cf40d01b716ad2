import { Config } from './config';
import { Hal } from '../hal/hal';
import { Err } from './errors';
import { IpOutput, Transport } from './layers';
import { MemoryReport } from './memory-report';
import { Stat } from './stats';
import { transportChecksum } from './wire/checksum';
import { IpProtocol } from './wire/ipv4';
import { UdpField, writeUdpHeader } from './wire/udp';

/** Receives datagrams for one bound port. */
export interface UdpSink {
  /**
   * buf[offset..offset+length) is the payload. Called synchronously while the frame is being
   * processed: copy what you need, do not keep buf. Sending from here is allowed.
   */
  datagram(buf: Uint8Array, offset: number, length: number, srcIp: number, srcPort: number, dstPort: number): void;
}

/** UDP (RFC 768) over a fixed table of port bindings, for DHCP, DNS and applications. */
export class Udp implements Transport {
  /** Bound local port per binding, 0 when free. */
  private readonly ports: Uint16Array;
  private readonly sinks: (UdpSink | null)[];

  constructor(config: Config, private readonly hal: Hal, private readonly ipOutput: IpOutput, private readonly stats: Uint32Array) {
    this.ports = new Uint16Array(config.udpBindings);
    this.sinks = [];
    for (let i = 0; i < config.udpBindings; i++) this.sinks.push(null);
  }

  /** Delivers datagrams for local `port` to `sink`; returns the binding index, or EINVAL / EADDRINUSE / EMFILE. */
  bind(port: number, sink: UdpSink): number {
    if (port !== (port & 0xffff) || port === 0) return Err.EINVAL;
    const ports = this.ports;
    let free = -1;
    for (let i = 0; i < ports.length; i++) {
      if (ports[i] === port) return Err.EADDRINUSE;
      if (ports[i] === 0 && free < 0) free = i;
    }
    if (free < 0) return Err.EMFILE;
    ports[free] = port;
    this.sinks[free] = sink;
    return free;
  }

  unbind(port: number): void {
    const ports = this.ports;
    for (let i = 0; i < ports.length; i++) {
      if (ports[i] === port && port !== 0) {
        ports[i] = 0;
        this.sinks[i] = null;
      }
    }
  }

  /**
   * Sends data[offset..offset+length) from local srcPort to dstIp:dstPort. To build a datagram
   * in place without a copy, pass ipOutput.frame and ipOutput.payloadOffset + 8. Returns false
   * when it did not go out: larger than one packet (ipOutput.maxPayload - 8), or refused by IP
   * (link down, no route, next hop unresolvable now).
   */
  sendTo(dstIp: number, dstPort: number, srcPort: number, data: Uint8Array, offset: number, length: number): boolean {
    const ipOutput = this.ipOutput;
    const frame = ipOutput.frame;
    const at = ipOutput.payloadOffset;
    if (length < 0 || length > ipOutput.maxPayload - UdpField.HEADER_LENGTH) return false;
    if (data !== frame || offset !== at + UdpField.HEADER_LENGTH) {
      this.hal.copy(frame, at + UdpField.HEADER_LENGTH, data, offset, length);
    }
    const datagramLength = UdpField.HEADER_LENGTH + length;
    writeUdpHeader(this.hal, frame, at, srcPort, dstPort, datagramLength, ipOutput.localIp(), dstIp);
    if (!ipOutput.send(dstIp, IpProtocol.UDP, datagramLength)) return false;
    this.stats[Stat.udpOut]++;
    return true;
  }

  /**
   * One datagram from IPv4. Returns false only when it was well formed but no binding matched
   * (counted in Stat.dropUdpNoPort), so that the caller may answer with ICMP port unreachable;
   * every other outcome (delivered: Stat.udpIn, or dropped and counted) returns true.
   */
  input(buf: Uint8Array, offset: number, length: number, srcIp: number, dstIp: number): boolean {
    const stats = this.stats;
    const datagramLength = length < UdpField.HEADER_LENGTH ? 0 : (buf[offset + UdpField.LENGTH] << 8) | buf[offset + UdpField.LENGTH + 1];
    // The UDP length, not the IP payload length, ends the datagram; it may not claim more than IP carried.
    if (datagramLength < UdpField.HEADER_LENGTH || datagramLength > length) {
      stats[Stat.dropUdpLength]++;
      return true;
    }
    if ((buf[offset + UdpField.CHECKSUM] | buf[offset + UdpField.CHECKSUM + 1]) !== 0 &&
      transportChecksum(this.hal, buf, offset, datagramLength, srcIp, dstIp, IpProtocol.UDP) !== 0) {
      stats[Stat.dropUdpChecksum]++;
      return true;
    }
    const dstPort = (buf[offset + UdpField.DESTINATION_PORT] << 8) | buf[offset + UdpField.DESTINATION_PORT + 1];
    const ports = this.ports;
    for (let i = 0; i < ports.length; i++) {
      const sink = this.sinks[i];
      if (ports[i] === dstPort && sink) {
        stats[Stat.udpIn]++;
        sink.datagram(buf, offset + UdpField.HEADER_LENGTH, datagramLength - UdpField.HEADER_LENGTH, srcIp,
          (buf[offset] << 8) | buf[offset + 1], dstPort);
        return true;
      }
    }
    stats[Stat.dropUdpNoPort]++;
    return false;
  }

  reportMemory(report: MemoryReport): void {
    // A reference to a sink object costs about one pointer.
    report['udp.bindings'] = this.ports.byteLength + 4 * this.sinks.length;
  }
}
