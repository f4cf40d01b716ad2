import { Hal } from '../../hal/hal';

/**
 * The Internet checksum (RFC 1071) of a UDP or TCP segment with its IPv4 pseudo-header.
 * Computing it over a segment whose checksum field is filled in yields 0 when the segment is
 * intact; computing it with the field zeroed yields the value to store. The bulk sum goes
 * through the HAL, so on a board it runs in the interpreter's native code.
 */
export function transportChecksum(
  hal: Hal, buf: Uint8Array, offset: number, length: number, srcIp: number, dstIp: number, protocol: number,
): number {
  let sum = (srcIp >>> 16) + (srcIp & 0xffff) + (dstIp >>> 16) + (dstIp & 0xffff) + protocol + length;
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  return ~hal.checksum(buf, offset, length, sum) & 0xffff;
}

/** Checksum of an IPv4 or ICMP header/message: 0 when intact, the value to store when the field is zeroed. */
export function headerChecksum(hal: Hal, buf: Uint8Array, offset: number, length: number): number {
  return ~hal.checksum(buf, offset, length, 0) & 0xffff;
}
