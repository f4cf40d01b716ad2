import { Hal } from '../../hal/hal';
import { headerChecksum } from './checksum';

/** RFC 791 header layout; options, when a received packet has them, sit between 20 and IHL * 4. */
export const enum Ipv4Field {
  VERSION_IHL = 0,
  TYPE_OF_SERVICE = 1,
  TOTAL_LENGTH = 2,
  IDENTIFICATION = 4,
  FLAGS_FRAGMENT = 6,
  TTL = 8,
  PROTOCOL = 9,
  CHECKSUM = 10,
  SOURCE = 12,
  DESTINATION = 16,
  HEADER_LENGTH = 20,
}

export const enum IpProtocol {
  ICMP = 1,
  TCP = 6,
  UDP = 17,
}

export const enum Ipv4Constant {
  VERSION = 4,
  /** Version 4, five 32-bit words: the only header the stack sends. */
  VERSION_IHL = 0x45,
  TTL = 64,
  DONT_FRAGMENT = 0x4000,
  MORE_FRAGMENTS = 0x2000,
  FRAGMENT_OFFSET_MASK = 0x1fff,
  BROADCAST = 0xffffffff,
}

/** The big-endian address at buf[offset] as an unsigned 32-bit number. */
export function readIpv4Address(buf: Uint8Array, offset: number): number {
  return ((buf[offset] << 24) | (buf[offset + 1] << 16) | (buf[offset + 2] << 8) | buf[offset + 3]) >>> 0;
}

export function writeIpv4Address(buf: Uint8Array, offset: number, address: number): void {
  buf[offset] = address >>> 24;
  buf[offset + 1] = (address >>> 16) & 0xff;
  buf[offset + 2] = (address >>> 8) & 0xff;
  buf[offset + 3] = address & 0xff;
}

/**
 * Writes a 20-byte header at buf[offset] for a payload of payloadLength bytes: TTL 64, DF set
 * (the stack never fragments; TCP's MSS keeps segments within the MTU), checksum filled in.
 */
export function writeIpv4Header(
  hal: Hal, buf: Uint8Array, offset: number, payloadLength: number, identification: number,
  protocol: number, sourceIp: number, destinationIp: number,
): void {
  const totalLength = Ipv4Field.HEADER_LENGTH + payloadLength;
  buf[offset] = Ipv4Constant.VERSION_IHL;
  buf[offset + Ipv4Field.TYPE_OF_SERVICE] = 0;
  buf[offset + Ipv4Field.TOTAL_LENGTH] = totalLength >>> 8;
  buf[offset + Ipv4Field.TOTAL_LENGTH + 1] = totalLength & 0xff;
  buf[offset + Ipv4Field.IDENTIFICATION] = (identification >>> 8) & 0xff;
  buf[offset + Ipv4Field.IDENTIFICATION + 1] = identification & 0xff;
  buf[offset + Ipv4Field.FLAGS_FRAGMENT] = Ipv4Constant.DONT_FRAGMENT >>> 8;
  buf[offset + Ipv4Field.FLAGS_FRAGMENT + 1] = 0;
  buf[offset + Ipv4Field.TTL] = Ipv4Constant.TTL;
  buf[offset + Ipv4Field.PROTOCOL] = protocol;
  buf[offset + Ipv4Field.CHECKSUM] = 0;
  buf[offset + Ipv4Field.CHECKSUM + 1] = 0;
  writeIpv4Address(buf, offset + Ipv4Field.SOURCE, sourceIp);
  writeIpv4Address(buf, offset + Ipv4Field.DESTINATION, destinationIp);
  const checksum = headerChecksum(hal, buf, offset, Ipv4Field.HEADER_LENGTH);
  buf[offset + Ipv4Field.CHECKSUM] = checksum >>> 8;
  buf[offset + Ipv4Field.CHECKSUM + 1] = checksum & 0xff;
}
