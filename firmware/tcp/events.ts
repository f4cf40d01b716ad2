/**
 * What the TCP engine tells the API layer about a slot. The engine sets these bits in a
 * per-slot Uint8Array while it processes input and timers, and the stack hands them to the
 * API layer afterwards (never from inside segment processing, so an application may call
 * send/recv/close from its handler without re-entering the engine).
 */
export const enum TcpEvent {
  /** Active open completed (SYN_SENT → ESTABLISHED). */
  CONNECTED = 1,
  /** New bytes are readable. */
  READABLE = 2,
  /** Send ring had been full and now has room. */
  WRITABLE = 4,
  /** Peer sent FIN: no more bytes after what is readable. */
  PEER_CLOSED = 8,
  /** Connection failed; the code is in socketError(slot). Terminal. */
  ERROR = 16,
  /** Connection finished cleanly; the application should release(slot). Terminal. */
  CLOSED = 32,
}

/** Listener-level events, reported per listener id. */
export const enum ListenerEvent {
  /** A connection is waiting in the accept queue. */
  ACCEPTABLE = 1,
}
