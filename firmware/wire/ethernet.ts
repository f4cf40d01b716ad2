import { Hal } from '../../hal/hal';

/** Ethernet II header layout; the NIC adds the preamble and frame check sequence. */
export const enum EthernetField {
  DESTINATION = 0,
  SOURCE = 6,
  ETHER_TYPE = 12,
  HEADER_LENGTH = 14,
  MAC_LENGTH = 6,
}

export const enum EtherType {
  IPV4 = 0x0800,
  ARP = 0x0806,
}

/**
 * Writes the 14-byte header at frame[0]. The destination is read from
 * destination[destinationOffset..+6) so that a MAC can come straight out of the ARP cache's
 * packed table without a view being made.
 */
export function writeEthernetHeader(
  hal: Hal, frame: Uint8Array, destination: Uint8Array, destinationOffset: number, source: Uint8Array, etherType: number,
): void {
  hal.copy(frame, EthernetField.DESTINATION, destination, destinationOffset, EthernetField.MAC_LENGTH);
  hal.copy(frame, EthernetField.SOURCE, source, 0, EthernetField.MAC_LENGTH);
  frame[EthernetField.ETHER_TYPE] = etherType >>> 8;
  frame[EthernetField.ETHER_TYPE + 1] = etherType & 0xff;
}
