/** RFC 2131 message layout (the BOOTP fixed part, then the magic cookie and RFC 2132 options). */
export const enum DhcpField {
  OP = 0,
  HTYPE = 1,
  HLEN = 2,
  XID = 4,
  SECS = 8,
  FLAGS = 10,
  CIADDR = 12,
  YIADDR = 16,
  SIADDR = 20,
  GIADDR = 24,
  CHADDR = 28,
  COOKIE = 236,
  OPTIONS = 240,
}

export const enum DhcpConstant {
  SERVER_PORT = 67,
  CLIENT_PORT = 68,
  BOOTREQUEST = 1,
  BOOTREPLY = 2,
  HTYPE_ETHERNET = 1,
  MAC_LENGTH = 6,
  /** Flags: ask the server to broadcast its reply, since we cannot receive unicast before we have an address. */
  BROADCAST_FLAG_HIGH = 0x80,
  /** 99.130.83.99 */
  COOKIE = 0x63825363,
  /** BOOTP's minimum message (RFC 951); some servers drop shorter ones. */
  MIN_LENGTH = 300,
  /** Lease time meaning "forever". */
  INFINITE = 0xffffffff,
}

/** RFC 2132 option codes used by the client. */
export const enum DhcpOption {
  PAD = 0,
  SUBNET_MASK = 1,
  ROUTER = 3,
  DNS_SERVER = 6,
  REQUESTED_IP = 50,
  LEASE_TIME = 51,
  MESSAGE_TYPE = 53,
  SERVER_ID = 54,
  PARAMETER_REQUEST_LIST = 55,
  RENEWAL_TIME = 58,
  REBINDING_TIME = 59,
  CLIENT_ID = 61,
  END = 255,
}

/** Option 53 values. */
export const enum DhcpMessage {
  DISCOVER = 1,
  OFFER = 2,
  REQUEST = 3,
  DECLINE = 4,
  ACK = 5,
  NAK = 6,
  RELEASE = 7,
}
