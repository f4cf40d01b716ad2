import { TcpState } from './state';

/** Receives the engine's event bits; see events.ts. One object, so no closure per socket. */
export interface TcpEventSink {
  socketEvent(slot: number, events: number): void;
  listenerEvent(listener: number, events: number): void;
}

/**
 * The socket-number interface of the TCP engine: what the `net` facade, the NetworkJS adapter
 * and the console use. Slots are small integers; every call returns a count, a slot or a
 * negative Err. A slot belongs to the application from connect()/accept() until release();
 * the engine frees it only when the connection is over AND the application has released it,
 * so a slot number never changes meaning under the application's feet.
 */
export interface TcpApi {
  /** Opens a listener; returns its id or EADDRINUSE / EMFILE (no listener record) / EINVAL. */
  listen(port: number, backlog: number): number;
  /** Closes a listener; connections still in its accept queue are reset. */
  unlisten(listener: number): void;
  /** Next established connection from the listener's accept queue, or -1. */
  accept(listener: number): number;
  /** Connections waiting in the accept queue, and half-open ones in the SYN queue, for a listener. */
  acceptQueueLength(listener: number): number;

  /** Active open; returns the slot (SYN sent) or EMFILE / EADDRNOTAVAIL / EADDRINUSE / EINVAL / ENOMEM. localPort 0 = ephemeral. */
  connect(remoteIp: number, remotePort: number, localPort: number, now: number): number;
  /** Copies up to `length` bytes into the send ring; returns bytes taken (0 when full) or a negative Err. */
  send(slot: number, data: Uint8Array, offset: number, length: number): number;
  /** Copies up to `length` readable bytes out; returns bytes copied, 0 when none, or a negative Err. */
  receive(slot: number, into: Uint8Array, offset: number, length: number): number;
  /** Readable bytes waiting. */
  readable(slot: number): number;
  /** Free bytes in the send ring. */
  writable(slot: number): number;
  /** Send FIN after queued data (half-close); the slot stays readable. */
  shutdown(slot: number): number;
  /**
   * The application is done with the slot: graceful close (FIN after queued data) unless
   * linger is 0, in which case RST and no TIME_WAIT. After release the slot number is invalid
   * for the application; the engine finishes the close on its own and frees the slot.
   */
  release(slot: number): void;
  /** Sends RST, frees the slot at once, no TIME_WAIT. The slot number is invalid afterwards. */
  abort(slot: number): void;


  state(slot: number): TcpState;
  /** The Err that ended the connection, 0 if none. */
  socketError(slot: number): number;

  /** Hands pending event bits to the sink and clears them. Called by the stack after input and tick. */
  pollEvents(sink: TcpEventSink): void;
}
