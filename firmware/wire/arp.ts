import { Hal } from '../../hal/hal';
import { writeIpv4Address } from './ipv4';

/** RFC 826 packet layout for IPv4 over Ethernet, the only combination the stack speaks. */
export const enum ArpField {
  HARDWARE_TYPE = 0,
  PROTOCOL_TYPE = 2,
  HARDWARE_LENGTH = 4,
  PROTOCOL_LENGTH = 5,
  OPERATION = 6,
  SENDER_MAC = 8,
  SENDER_IP = 14,
  TARGET_MAC = 18,
  TARGET_IP = 24,
  LENGTH = 28,
}

export const enum ArpOperation {
  REQUEST = 1,
  REPLY = 2,
}

const enum ArpCode {
  HARDWARE_ETHERNET = 1,
  PROTOCOL_IPV4 = 0x0800,
  MAC_LENGTH = 6,
  IPV4_LENGTH = 4,
}

/**
 * True when buf[offset..offset+28) is an Ethernet/IPv4 request or reply; the caller has
 * checked that the 28 bytes are there.
 */
export function isEthernetIpv4Arp(buf: Uint8Array, offset: number): boolean {
  const operation = (buf[offset + ArpField.OPERATION] << 8) | buf[offset + ArpField.OPERATION + 1];
  return ((buf[offset] << 8) | buf[offset + 1]) === ArpCode.HARDWARE_ETHERNET &&
    ((buf[offset + ArpField.PROTOCOL_TYPE] << 8) | buf[offset + ArpField.PROTOCOL_TYPE + 1]) === ArpCode.PROTOCOL_IPV4 &&
    buf[offset + ArpField.HARDWARE_LENGTH] === ArpCode.MAC_LENGTH &&
    buf[offset + ArpField.PROTOCOL_LENGTH] === ArpCode.IPV4_LENGTH &&
    (operation === ArpOperation.REQUEST || operation === ArpOperation.REPLY);
}

/**
 * Writes a 28-byte packet at buf[offset]. The target MAC is read from
 * targetMac[targetMacOffset..+6), so a reply can quote the requester straight out of the
 * received frame; null writes zeros, as a request does.
 */
export function writeArpPacket(
  hal: Hal, buf: Uint8Array, offset: number, operation: number, senderMac: Uint8Array, senderIp: number,
  targetMac: Uint8Array | null, targetMacOffset: number, targetIp: number,
): void {
  buf[offset] = 0;
  buf[offset + 1] = ArpCode.HARDWARE_ETHERNET;
  buf[offset + ArpField.PROTOCOL_TYPE] = ArpCode.PROTOCOL_IPV4 >>> 8;
  buf[offset + ArpField.PROTOCOL_TYPE + 1] = 0;
  buf[offset + ArpField.HARDWARE_LENGTH] = ArpCode.MAC_LENGTH;
  buf[offset + ArpField.PROTOCOL_LENGTH] = ArpCode.IPV4_LENGTH;
  buf[offset + ArpField.OPERATION] = 0;
  buf[offset + ArpField.OPERATION + 1] = operation;
  hal.copy(buf, offset + ArpField.SENDER_MAC, senderMac, 0, ArpCode.MAC_LENGTH);
  writeIpv4Address(buf, offset + ArpField.SENDER_IP, senderIp);
  if (targetMac) {
    hal.copy(buf, offset + ArpField.TARGET_MAC, targetMac, targetMacOffset, ArpCode.MAC_LENGTH);
  } else {
    buf.fill(0, offset + ArpField.TARGET_MAC, offset + ArpField.TARGET_MAC + ArpCode.MAC_LENGTH);
  }
  writeIpv4Address(buf, offset + ArpField.TARGET_IP, targetIp);
}
