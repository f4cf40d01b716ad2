import { Hal } from '../../hal/hal';
import { headerChecksum } from './checksum';

/** RFC 792: every message starts with these 8 bytes; bytes 4..8 depend on the type. */
export const enum IcmpField {
  TYPE = 0,
  CODE = 1,
  CHECKSUM = 2,
  /** Echo: identifier and sequence number; destination unreachable: unused (zero). */
  REST_OF_HEADER = 4,
  HEADER_LENGTH = 8,
}

export const enum IcmpType {
  ECHO_REPLY = 0,
  DESTINATION_UNREACHABLE = 3,
  ECHO_REQUEST = 8,
}

export const enum IcmpUnreachableCode {
  NETWORK = 0,
  HOST = 1,
  PROTOCOL = 2,
  PORT = 3,
  FRAGMENTATION_NEEDED = 4,
}

/**
 * Sets type and code of the message at buf[offset..offset+length), whose rest of header and
 * body are already in place, and fills in its checksum.
 */
export function finishIcmpMessage(hal: Hal, buf: Uint8Array, offset: number, length: number, type: number, code: number): void {
  buf[offset + IcmpField.TYPE] = type;
  buf[offset + IcmpField.CODE] = code;
  buf[offset + IcmpField.CHECKSUM] = 0;
  buf[offset + IcmpField.CHECKSUM + 1] = 0;
  const checksum = headerChecksum(hal, buf, offset, length);
  buf[offset + IcmpField.CHECKSUM] = checksum >>> 8;
  buf[offset + IcmpField.CHECKSUM + 1] = checksum & 0xff;
}
