import { Stat } from '../stats';

/** Byte offsets of the TCP header fields (RFC 9293 3.1). */
export const enum TcpHeader {
  SOURCE_PORT = 0,
  DESTINATION_PORT = 2,
  SEQUENCE = 4,
  ACKNOWLEDGMENT = 8,
  DATA_OFFSET = 12,
  FLAGS = 13,
  WINDOW = 14,
  CHECKSUM = 16,
  URGENT = 18,
  MIN_LENGTH = 20,
  MAX_LENGTH = 60,
  /** Kind, length and two bytes of value. */
  MSS_OPTION_LENGTH = 4,
  SACK_PERMITTED_LENGTH = 2,
  /** A SACK option is kind, length and 8 bytes (left and right edge) per block. */
  SACK_BLOCK_LENGTH = 8,
  /** The most blocks 40 bytes of options can carry next to the two NOPs that align them. */
  MAX_SACK_BLOCKS = 4,
}

export const enum TcpFlag {
  FIN = 1,
  SYN = 2,
  RST = 4,
  PSH = 8,
  ACK = 16,
  URG = 32,
}

export const enum TcpOptionKind {
  END = 0,
  NOP = 1,
  MSS = 2,
  WINDOW_SCALE = 3,
  SACK_PERMITTED = 4,
  SACK = 5,
  TIMESTAMPS = 8,
}

/** Indices into the Uint32Array that parseTcpHeader fills, so parsing allocates nothing. */
export const enum TcpField {
  SOURCE_PORT = 0,
  DESTINATION_PORT = 1,
  SEQUENCE = 2,
  ACKNOWLEDGMENT = 3,
  FLAGS = 4,
  WINDOW = 5,
  HEADER_LENGTH = 6,
  /** The peer's MSS option as announced, TcpLimit.DEFAULT_MSS when absent. */
  MSS = 7,
  /** 1 when the peer's segment offered SACK-permitted (RFC 2018 2). */
  SACK_PERMITTED = 8,
  /** SACK blocks carried (RFC 2018 3), at most MAX_SACK_BLOCKS; SackOption.MALFORMED when the option's length fits no whole block. */
  SACK_BLOCKS = 9,
  /** Left and right edge of each block, in the order sent. */
  SACK_EDGES = 10,
  COUNT = 18,
}

export const enum SackOption {
  /** SACK_BLOCKS of an option whose length is not 2 + 8n: its blocks cannot be trusted, and the rest of the segment can. */
  MALFORMED = 255,
}

export const enum TcpLimit {
  /** The smallest MSS our own configuration and the MSS socket option accept (Linux's TCP_MIN_MSS). */
  MIN_MSS = 88,
  /**
   * A peer announcing less is refused (Stat.tcpMssRefused), never sent more than it announced
   * (RFC 9293 3.7.1, RFC 6691): tiny segments would cost a header per byte (Linux's tcp_min_snd_mss).
   */
  MIN_PEER_MSS = 48,
  /** Assumed when a SYN carries no MSS option (RFC 9293 3.7.1). */
  DEFAULT_MSS = 536,
}

/**
 * Reads the header of buf[offset .. offset+length) into `fields`. Returns -1 when the header is
 * sound, otherwise the Stat counter that names the fault: a data offset below 20 or past the
 * segment, or an option whose length is 0, 1 or runs past the header. Window scale and
 * timestamps are skipped: we never send them, so the peer never uses them.
 */
export function parseTcpHeader(buf: Uint8Array, offset: number, length: number, fields: Uint32Array): number {
  if (length < TcpHeader.MIN_LENGTH) return Stat.dropTcpShort;
  const headerLength = (buf[offset + TcpHeader.DATA_OFFSET] >>> 4) * 4;
  if (headerLength < TcpHeader.MIN_LENGTH || headerLength > length) return Stat.dropTcpHeaderLength;
  let mss = TcpLimit.DEFAULT_MSS;
  fields[TcpField.SACK_PERMITTED] = 0;
  fields[TcpField.SACK_BLOCKS] = 0;
  let at = offset + TcpHeader.MIN_LENGTH;
  const end = offset + headerLength;
  while (at < end) {
    const kind = buf[at];
    if (kind === TcpOptionKind.END) break;
    if (kind === TcpOptionKind.NOP) {
      at++;
      continue;
    }
    if (at + 1 >= end) return Stat.dropTcpOptions;
    const optionLength = buf[at + 1];
    if (optionLength < 2 || at + optionLength > end) return Stat.dropTcpOptions;
    if (kind === TcpOptionKind.MSS && optionLength === TcpHeader.MSS_OPTION_LENGTH) {
      mss = (buf[at + 2] << 8) | buf[at + 3];
    } else if (kind === TcpOptionKind.SACK_PERMITTED && optionLength === TcpHeader.SACK_PERMITTED_LENGTH) {
      fields[TcpField.SACK_PERMITTED] = 1;
    } else if (kind === TcpOptionKind.SACK) {
      const blocks = (optionLength - 2) >>> 3;
      if (blocks === 0 || optionLength !== 2 + blocks * TcpHeader.SACK_BLOCK_LENGTH) {
        fields[TcpField.SACK_BLOCKS] = SackOption.MALFORMED;
      } else {
        fields[TcpField.SACK_BLOCKS] = blocks;
        for (let edge = 0; edge < 2 * blocks; edge++) {
          const byte = at + 2 + 4 * edge;
          fields[TcpField.SACK_EDGES + edge] = ((buf[byte] << 24) | (buf[byte + 1] << 16) | (buf[byte + 2] << 8) | buf[byte + 3]) >>> 0;
        }
      }
    }
    at += optionLength;
  }
  fields[TcpField.SOURCE_PORT] = (buf[offset] << 8) | buf[offset + 1];
  fields[TcpField.DESTINATION_PORT] = (buf[offset + 2] << 8) | buf[offset + 3];
  fields[TcpField.SEQUENCE] = ((buf[offset + 4] << 24) | (buf[offset + 5] << 16) | (buf[offset + 6] << 8) | buf[offset + 7]) >>> 0;
  fields[TcpField.ACKNOWLEDGMENT] = ((buf[offset + 8] << 24) | (buf[offset + 9] << 16) | (buf[offset + 10] << 8) | buf[offset + 11]) >>> 0;
  fields[TcpField.FLAGS] = buf[offset + TcpHeader.FLAGS] & 0x3f;
  fields[TcpField.WINDOW] = (buf[offset + 14] << 8) | buf[offset + 15];
  fields[TcpField.HEADER_LENGTH] = headerLength;
  fields[TcpField.MSS] = mss;
  return -1;
}

/**
 * Writes a header at buf[offset..] with a zero checksum and urgent pointer, plus the MSS option
 * when `mss` is non-zero (SYN segments). Returns the header length.
 */
export function writeTcpHeader(
  buf: Uint8Array, offset: number, sourcePort: number, destinationPort: number, sequence: number,
  acknowledgment: number, flags: number, window: number, mss: number,
): number {
  const headerLength = mss ? TcpHeader.MIN_LENGTH + TcpHeader.MSS_OPTION_LENGTH : TcpHeader.MIN_LENGTH;
  buf[offset] = (sourcePort >>> 8) & 255;
  buf[offset + 1] = sourcePort & 255;
  buf[offset + 2] = (destinationPort >>> 8) & 255;
  buf[offset + 3] = destinationPort & 255;
  buf[offset + 4] = (sequence >>> 24) & 255;
  buf[offset + 5] = (sequence >>> 16) & 255;
  buf[offset + 6] = (sequence >>> 8) & 255;
  buf[offset + 7] = sequence & 255;
  buf[offset + 8] = (acknowledgment >>> 24) & 255;
  buf[offset + 9] = (acknowledgment >>> 16) & 255;
  buf[offset + 10] = (acknowledgment >>> 8) & 255;
  buf[offset + 11] = acknowledgment & 255;
  buf[offset + 12] = (headerLength / 4) << 4;
  buf[offset + 13] = flags;
  buf[offset + 14] = (window >>> 8) & 255;
  buf[offset + 15] = window & 255;
  buf[offset + 16] = 0;
  buf[offset + 17] = 0;
  buf[offset + 18] = 0;
  buf[offset + 19] = 0;
  if (mss) {
    buf[offset + 20] = TcpOptionKind.MSS;
    buf[offset + 21] = TcpHeader.MSS_OPTION_LENGTH;
    buf[offset + 22] = mss >>> 8;
    buf[offset + 23] = mss & 255;
  }
  return headerLength;
}
