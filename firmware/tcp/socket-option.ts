/** Socket options, set and read through one call as Nut/OS's NutTcpSetSockOpt does. */
export const enum SocketOption {
  /** Usable send ring bytes, 64 .. config.sendBuffer. */
  SEND_BUFFER = 1,
  /** Usable receive ring bytes (bounds the advertised window), 64 .. config.receiveBuffer. */
  RECEIVE_BUFFER = 2,
  /** Largest segment sent, 88 .. config.mss; only before the connection is established. */
  MSS = 3,
  /** -1 = off (graceful close); 0 = close() aborts with RST and skips TIME_WAIT; > 0 unsupported except as graceful. */
  LINGER = 4,
  KEEPALIVE = 5,
  KEEPALIVE_IDLE = 6,
  KEEPALIVE_INTERVAL = 7,
  KEEPALIVE_COUNT = 8,
  /** RFC 5482 user timeout, ms; 0 = off. */
  USER_TIMEOUT = 9,
  /** 1 disables Nagle. */
  NO_DELAY = 10,
  /**
   * ms from now after which an ESTABLISHED or CLOSE_WAIT connection is reset with ETIMEDOUT
   * (counted as tcpStateTimeouts); 0 clears it. Set only: the bound on a request's headers.
   */
  DEADLINE = 11,
}
