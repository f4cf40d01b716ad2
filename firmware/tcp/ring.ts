import { Hal } from '../../hal/hal';

/**
 * Copies between a linear buffer and one slot's circular region ring[base .. base+size), at most
 * two native copies (one when the span does not wrap). `position` is an offset in [0, size);
 * `intoRing` picks the direction. Every slot's send and receive data goes through here.
 */
export function ringCopy(
  hal: Hal, ring: Uint8Array, base: number, size: number, position: number,
  buf: Uint8Array, bufOffset: number, length: number, intoRing: boolean,
): void {
  let first = size - position;
  if (first > length) first = length;
  if (intoRing) {
    hal.copy(ring, base + position, buf, bufOffset, first);
    if (length > first) hal.copy(ring, base, buf, bufOffset + first, length - first);
  } else {
    hal.copy(buf, bufOffset, ring, base + position, first);
    if (length > first) hal.copy(buf, bufOffset + first, ring, base, length - first);
  }
}
