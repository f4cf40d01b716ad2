/** RFC 1035 4.1.1 header layout. */
export const enum DnsField {
  ID = 0,
  FLAGS = 2,
  QUESTION_COUNT = 4,
  ANSWER_COUNT = 6,
  HEADER_LENGTH = 12,
  /** Type, class, TTL and data length after a resource record's owner name. */
  RECORD_FIXED = 10,
  /** Type and class after a question's name. */
  QUESTION_FIXED = 4,
}

export const enum DnsConstant {
  PORT = 53,
  TYPE_A = 1,
  TYPE_CNAME = 5,
  CLASS_IN = 1,
  FLAG_RESPONSE = 0x80,
  /** In the first flags byte. */
  OPCODE_MASK = 0x78,
  FLAG_TRUNCATED = 0x02,
  FLAG_RECURSION_DESIRED = 0x01,
  /** In the second flags byte. */
  RCODE_MASK = 0x0f,
  RCODE_NXDOMAIN = 3,
  LABEL_MAX = 63,
  /** A name is at most 255 bytes on the wire (RFC 1035 2.3.4). */
  NAME_MAX = 255,
  POINTER = 0xc0,
  /** Pointer jumps followed in one name; each must also point backwards, so a loop cannot form. */
  POINTER_LIMIT = 32,
}

/**
 * The offset just past the name at buf[offset] (a pointer ends a name), or -1 when a label
 * runs past `end` or uses the reserved 01/10 label types.
 */
export function skipName(buf: Uint8Array, offset: number, end: number): number {
  while (offset < end) {
    const length = buf[offset];
    if (length === 0) return offset + 1;
    if ((length & DnsConstant.POINTER) === DnsConstant.POINTER) return offset + 2 <= end ? offset + 2 : -1;
    if (length > DnsConstant.LABEL_MAX) return -1;
    offset += 1 + length;
  }
  return -1;
}

/**
 * Whether the name at a[aOffset] equals the name at b[bOffset], ASCII case ignored, following
 * compression pointers relative to aStart / bStart. A pointer must point before the label it
 * replaces and inside [start, end), the jumps are bounded, and the name may not exceed 255
 * bytes: a hostile packet can make the answer false, never a loop or a read out of bounds.
 */
export function namesEqual(
  a: Uint8Array, aStart: number, aOffset: number, aEnd: number, b: Uint8Array, bStart: number, bOffset: number, bEnd: number,
): boolean {
  let jumps = 0;
  let total = 0;
  for (;;) {
    let aLength = aOffset < aEnd ? a[aOffset] : -1;
    while ((aLength & DnsConstant.POINTER) === DnsConstant.POINTER && aLength > 0) {
      const target = aOffset + 1 < aEnd ? aStart + (((aLength & 0x3f) << 8) | a[aOffset + 1]) : aEnd;
      if (target >= aOffset || ++jumps > DnsConstant.POINTER_LIMIT) return false;
      aOffset = target;
      aLength = a[aOffset];
    }
    let bLength = bOffset < bEnd ? b[bOffset] : -1;
    while ((bLength & DnsConstant.POINTER) === DnsConstant.POINTER && bLength > 0) {
      const target = bOffset + 1 < bEnd ? bStart + (((bLength & 0x3f) << 8) | b[bOffset + 1]) : bEnd;
      if (target >= bOffset || ++jumps > DnsConstant.POINTER_LIMIT) return false;
      bOffset = target;
      bLength = b[bOffset];
    }
    if (aLength < 0 || aLength !== bLength || aLength > DnsConstant.LABEL_MAX ||
      aOffset + 1 + aLength > aEnd || bOffset + 1 + bLength > bEnd) return false;
    total += 1 + aLength;
    if (total > DnsConstant.NAME_MAX) return false;
    if (aLength === 0) return true;
    for (let i = 1; i <= aLength; i++) {
      let x = a[aOffset + i];
      let y = b[bOffset + i];
      if (x >= 65 && x <= 90) x += 32;
      if (y >= 65 && y <= 90) y += 32;
      if (x !== y) return false;
    }
    aOffset += 1 + aLength;
    bOffset += 1 + bLength;
  }
}
