/**
 * Error codes returned (as negative numbers) by the socket-number API, named as Node names them.
 * Negative so that a call can return either a count/slot or an error in one number, as the
 * interpreter's NetworkJS contract does.
 */
export const enum Err {
  /** No free socket slot (or listener record). */
  EMFILE = -1,
  EADDRINUSE = -2,
  /** No free local port for that remote address and port. */
  EADDRNOTAVAIL = -3,
  ECONNREFUSED = -4,
  ECONNRESET = -5,
  ETIMEDOUT = -6,
  /** Bad argument: unknown slot, option out of range, wrong state for the call. */
  EINVAL = -7,
  /** Operation on a socket that is not connected or already shut down for writing. */
  ENOTCONN = -8,
  EPIPE = -9,
  /** Refused by the heap watchdog under memory pressure. */
  ENOMEM = -10,
  EHOSTUNREACH = -11,
}

/** Index by -code. */
export const errorNames: string[] = [
  '', 'EMFILE', 'EADDRINUSE', 'EADDRNOTAVAIL', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EINVAL',
  'ENOTCONN', 'EPIPE', 'ENOMEM', 'EHOSTUNREACH',
];

export function errorName(code: number): string {
  return errorNames[-code] || 'EUNKNOWN';
}
