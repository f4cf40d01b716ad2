/** RFC 9293's eleven states. TIME_WAIT never lives in a slot: see timewait-table.ts. */
export const enum TcpState {
  CLOSED = 0,
  LISTEN = 1,
  SYN_SENT = 2,
  SYN_RECEIVED = 3,
  ESTABLISHED = 4,
  FIN_WAIT_1 = 5,
  FIN_WAIT_2 = 6,
  CLOSE_WAIT = 7,
  CLOSING = 8,
  LAST_ACK = 9,
  TIME_WAIT = 10,
}

/** The states' names by TcpState, made when asked for (a board keeps no copy between console commands). */
export function tcpStateNames(): string[] {
  return 'CLOSED LISTEN SYN_SENT SYN_RECEIVED ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 CLOSE_WAIT CLOSING LAST_ACK TIME_WAIT'.split(' ');
}
