import { Hal } from '../../hal/hal';
import { transportChecksum } from './checksum';
import { IpProtocol } from './ipv4';

/** RFC 768 header layout. */
export const enum UdpField {
  SOURCE_PORT = 0,
  DESTINATION_PORT = 2,
  LENGTH = 4,
  CHECKSUM = 6,
  HEADER_LENGTH = 8,
}

/**
 * Writes the 8-byte header at buf[offset] for a datagram of `length` bytes (header included)
 * whose payload is already in place, and fills in the checksum over the IPv4 pseudo-header.
 * A computed 0 is sent as 0xffff, since 0 on the wire means "no checksum".
 */
export function writeUdpHeader(
  hal: Hal, buf: Uint8Array, offset: number, sourcePort: number, destinationPort: number, length: number,
  sourceIp: number, destinationIp: number,
): void {
  buf[offset] = sourcePort >>> 8;
  buf[offset + 1] = sourcePort & 0xff;
  buf[offset + UdpField.DESTINATION_PORT] = destinationPort >>> 8;
  buf[offset + UdpField.DESTINATION_PORT + 1] = destinationPort & 0xff;
  buf[offset + UdpField.LENGTH] = length >>> 8;
  buf[offset + UdpField.LENGTH + 1] = length & 0xff;
  buf[offset + UdpField.CHECKSUM] = 0;
  buf[offset + UdpField.CHECKSUM + 1] = 0;
  const checksum = transportChecksum(hal, buf, offset, length, sourceIp, destinationIp, IpProtocol.UDP) || 0xffff;
  buf[offset + UdpField.CHECKSUM] = checksum >>> 8;
  buf[offset + UdpField.CHECKSUM + 1] = checksum & 0xff;
}
