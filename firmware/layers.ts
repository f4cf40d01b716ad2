/**
 * The seams between layers. IPv4 hands transport payloads up through `Transport.input`;
 * transports send through `IpOutput`, which owns the single preallocated transmit frame:
 * a transport writes its header and payload at `payloadOffset` and calls `send`, which
 * fills in the IPv4 and link headers, resolves the next hop and hands the frame to the NIC.
 */
export interface IpOutput {
  /** The one transmit frame, sized for the link MTU plus link header. */
  readonly frame: Uint8Array;
  /** Where a transport header starts in `frame` (link header + 20-byte IPv4 header). */
  readonly payloadOffset: number;
  /** Largest transport header + payload that fits one IP packet on this link. */
  readonly maxPayload: number;
  /** This host's address as an unsigned 32-bit number (0 while unconfigured). */
  localIp(): number;
  /**
   * Sends frame[payloadOffset .. payloadOffset+payloadLength) as the payload of one IPv4
   * packet to `dstIp` (unsigned, or signed as `address | 0`). Returns false when it could not
   * go out now (link down, next hop unresolved and no pending-frame room); the caller's
   * retransmission covers that.
   */
  send(dstIp: number, protocol: number, payloadLength: number): boolean;
}

export interface Transport {
  /**
   * One received transport segment: buf[offset .. offset+length) (header included), already
   * checked to be addressed to this host. Must not throw and must not keep a reference to buf.
   * `srcIp` and `dstIp` are signed (`address | 0`). Why, here and wherever a sequence number
   * or an address crosses a call on the per-segment path: on Node, V8 boxes an unsigned value
   * of 2^31 or more (192.168.x.x, half of all sequence numbers) into a new heap number at every
   * call it is not inlined into, and only signed 32-bit integers pass unboxed. On Espruino
   * both are one variable, and a signed one stays an integer rather than a float.
   */
  input(buf: Uint8Array, offset: number, length: number, srcIp: number, dstIp: number, now: number): void;
}
