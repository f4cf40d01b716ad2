import { Stack, StackLimit } from '../stack';
import { Err } from '../errors';
import { TcpState } from '../tcp/state';
import { parseIp } from '../wire/ip-address';
import { Arena, Cut } from '../../hal/arena';

/**
 * The interpreter's socket error codes (libs/network/socketerrors.h): what recv/send/create
 * return instead of data. recv returning CLOSED ends a connection without an error event.
 */
export const enum SocketError {
  CLOSED = -1,
  NO_MEMORY = -2,
  TIMEOUT = -3,
  NO_ROUTE = -4,
  BUSY = -5,
  NOT_FOUND = -6,
  MAX_SOCKETS = -7,
  UNSENT_DATA = -8,
  RESET = -9,
  UNKNOWN = -10,
  NO_CONNECTION = -11,
  BAD_ARGUMENT = -12,
}

/** The interpreter's socketType argument (libs/network/network.h). */
export const enum SocketType {
  TYPE_MASK = 3,
  NORMAL = 0,
  HTTP = 1,
  UDP = 2,
  /** Set with NORMAL or HTTP: the interpreter encrypts above the driver. */
  TLS = 4,
}

/**
 * What the adapter needs of a DNS resolver (firmware/dns.ts's DnsResolver): calls back later with
 * an unsigned 32-bit address, or returns a negative Err at once and never calls back.
 */
export interface HostResolver {
  lookup(name: string, callback: (error: Error | null, ip: number) => void): number;
}

/** The methods the interpreter calls on a NetworkJS driver, by these names. @external */
export interface NetworkJsDriver {
  create(host: string | undefined, port: number, socketType?: number): number;
  close(socket: number): void;
  accept(serverSocket: number): number;
  recv(socket: number, maxLen: number): string | number;
  send(socket: number, data: string): number;
}

/** What the interpreter did at a handle's last send(). */
const enum Sending {
  /** It offered data: the peer's close waits (recv's CLOSED would make it drop what is unsent). */
  Offered = 1,
  /** The send ring had no room for all of it: recv hands over nothing until it has. */
  Held = 2,
}

const enum Handle {
  FREE = 0,
  CONNECTION = 1,
  LISTENER = 2,
  /** A name being resolved before its connect. */
  RESOLVING = 3,
  /** A connect that failed before it had a slot (name not found, no slot, no port): recv/send report the error. */
  FAILED = 4,
}

const enum Limit {
  /** Name lookups at once; a lookup holds a handle but no slot until its answer. */
  lookups = 2,
}

/** SocketError for each engine Err, indexed by -Err (firmware/errors.ts). */
const socketErrors = [
  0, SocketError.MAX_SOCKETS, SocketError.BUSY, SocketError.BUSY, SocketError.RESET, SocketError.RESET,
  SocketError.TIMEOUT, SocketError.BAD_ARGUMENT, SocketError.NO_CONNECTION, SocketError.CLOSED, SocketError.NO_MEMORY,
  SocketError.NO_ROUTE,
];

function socketError(err: number): number {
  return socketErrors[-err] || SocketError.UNKNOWN;
}

/**
 * The interpreter's NetworkJS driver over this stack: pass an instance to
 * `require("NetworkJS").create(adapter)` and the built-in `net` and `http` modules run over it.
 * The interpreter polls from its idle loop (socketserver.c): accept on each server, then for
 * each connection recv (at most 536 bytes), send, and close when it is done; it calls these
 * methods with `this` bound to the adapter. The contract, from libs/network/js/network_js.c:
 * - create(host, port, socketType): host undefined opens a listener on port; otherwise host is a
 *   dotted address, or a name (the interpreter's gethostbyname only stores the name and hands it
 *   to create), resolved here through `resolver` before connecting. Returns a socket number or
 *   a negative SocketError.
 * - accept(server): a new socket number, or -1.
 * - recv(socket, maxLen): a string of up to maxLen bytes ('' when none waiting); NO_CONNECTION
 *   while a connect is in progress (the interpreter waits); CLOSED once the peer has closed,
 *   everything is read and the interpreter has no more to send (it drops unsent data on CLOSED);
 *   another negative code for a failed connection. Never a number >= 0.
 * - send(socket, data): bytes taken into the send ring (0: try again later), or a negative code.
 * - close(socket): releases the connection (FIN after what is queued) or the listener.
 * Socket numbers index a fixed handle table: every connection, listener and pending lookup.
 * UDP sockets are refused with BAD_ARGUMENT. A socket with the TLS bit is a TCP connection like
 * any other: the interpreter runs TLS (mbedTLS) above this driver, its records passing through
 * send and recv (libs/network/network.c, netCreateSocket/netSend/netRecv). Strings and bytes are
 * converted by the HAL (natively on a board).
 */
export class NetworkJs implements NetworkJsDriver {
  private readonly kinds: Uint8Array;
  /** The slot, listener id, or SocketError of each handle, by kind. */
  private readonly refs: Int16Array;
  private readonly ports: Uint16Array;
  /** Bumped when a handle is freed, so that a late lookup answer for its previous use is ignored. */
  private readonly generations: Uint16Array;
  /** Offered and Held bits (Sending) of each handle. */
  private readonly sending: Uint8Array;
  private lookups = 0;

  constructor(
    private readonly stack: Stack,
    private readonly resolver: HostResolver | null,
  ) {
    const handles = stack.config.sockets + stack.config.listeners + Limit.lookups;
    const arena = new Arena(handles * (3 * 2 + 2));
    this.refs = arena.cut(Cut.I16, handles);
    this.ports = arena.cut(Cut.U16, handles);
    this.generations = arena.cut(Cut.U16, handles);
    this.kinds = arena.cut(Cut.U8, handles);
    this.sending = arena.cut(Cut.U8, handles);
  }

  create(host: string | undefined, port: number, socketType?: number): number {
    const type = socketType || 0;
    if ((type & SocketType.TYPE_MASK) === SocketType.UDP) return SocketError.BAD_ARGUMENT;
    const kinds = this.kinds;
    let handle = 0;
    while (handle < kinds.length && kinds[handle] !== Handle.FREE) handle++;
    if (handle === kinds.length) return SocketError.MAX_SOCKETS;
    const tcp = this.stack.tcp;
    let ref: number;
    let kind: number = Handle.CONNECTION;
    if (host === undefined || host === null) {
      kind = Handle.LISTENER;
      ref = tcp.listen(port, this.stack.config.backlog);
    } else {
      const ip = parseIp(host);
      if (ip >= 0) {
        ref = tcp.connect(ip, port, 0, this.stack.hal.now());
      } else {
        if (!this.resolver) return SocketError.NOT_FOUND;
        if (this.lookups === Limit.lookups) return SocketError.MAX_SOCKETS;
        kinds[handle] = Handle.RESOLVING;
        this.ports[handle] = port;
        const self = this;
        const generation = this.generations[handle];
        const started = this.resolver.lookup(host, function (error: Error | null, address: number) {
          self.resolved(handle, generation, error ? -1 : address);
        });
        if (started < 0) {
          kinds[handle] = Handle.FREE;
          return started === Err.EMFILE ? SocketError.MAX_SOCKETS : SocketError.NOT_FOUND;
        }
        this.lookups++;
        return handle;
      }
    }
    if (ref < 0) return socketError(ref);
    kinds[handle] = kind;
    this.refs[handle] = ref;
    return handle;
  }

  close(socket: number): void {
    const kind = this.kinds[socket];
    if (kind === Handle.CONNECTION) this.stack.tcp.release(this.refs[socket]);
    else if (kind === Handle.LISTENER) this.stack.tcp.unlisten(this.refs[socket]);
    else if (kind === Handle.RESOLVING) this.lookups--;
    else if (kind !== Handle.FAILED) return;
    this.kinds[socket] = Handle.FREE;
    this.generations[socket]++;
  }

  accept(serverSocket: number): number {
    if (this.kinds[serverSocket] !== Handle.LISTENER) return -1;
    const slot = this.stack.tcp.accept(this.refs[serverSocket]);
    if (slot < 0) return -1;
    const kinds = this.kinds;
    let handle = 0;
    while (handle < kinds.length && kinds[handle] !== Handle.FREE) handle++;
    // The table has a handle for every slot, listener and lookup, so this cannot happen; if it does, the peer sees a reset.
    if (handle === kinds.length) {
      this.stack.tcp.abort(slot);
      return -1;
    }
    kinds[handle] = Handle.CONNECTION;
    this.refs[handle] = slot;
    return handle;
  }

  recv(socket: number, maxLen: number): string | number {
    const kind = this.kinds[socket];
    if (kind === Handle.RESOLVING) return SocketError.NO_CONNECTION;
    if (kind === Handle.FAILED) return this.refs[socket];
    if (kind !== Handle.CONNECTION) return SocketError.BAD_ARGUMENT;
    const tcp = this.stack.tcp;
    const slot = this.refs[socket];
    const state = tcp.state(slot);
    if (state === TcpState.SYN_SENT) return SocketError.NO_CONNECTION;
    // The interpreter reads whether or not it can send, and keeps what it could not send in a
    // string of no bounded size: while the send ring has refused some of it, nothing more is read,
    // so a user's echo over a fast peer closes the peer's window instead of taking the heap.
    const length = this.sending[socket] & Sending.Held ? 0 : Math.min(tcp.readable(slot), maxLen, StackLimit.SCRATCH);
    if (length > 0) {
      const scratch = this.stack.scratch;
      const got = tcp.receive(slot, scratch, 0, length);
      return this.stack.hal.text(scratch, 0, got);
    }
    const error = tcp.socketError(slot);
    if (error !== 0) return socketError(error);
    if (state === TcpState.ESTABLISHED || state === TcpState.FIN_WAIT_1 || state === TcpState.FIN_WAIT_2) return '';
    // The peer has closed. On CLOSED the interpreter closes at once and drops what it has not sent
    // yet ("unsent data"), so CLOSED waits until it has stopped offering data.
    if (this.sending[socket]) {
      this.sending[socket] = 0;
      return '';
    }
    return SocketError.CLOSED;
  }

  send(socket: number, data: string): number {
    const kind = this.kinds[socket];
    if (kind === Handle.RESOLVING) return 0;
    if (kind === Handle.FAILED) return this.refs[socket];
    if (kind !== Handle.CONNECTION) return SocketError.BAD_ARGUMENT;
    const tcp = this.stack.tcp;
    const slot = this.refs[socket];
    const state = tcp.state(slot);
    if (state === TcpState.SYN_SENT) return 0;
    const error = tcp.socketError(slot);
    if (error !== 0) return socketError(error);
    if (state !== TcpState.ESTABLISHED && state !== TcpState.CLOSE_WAIT) return SocketError.CLOSED;
    const room = tcp.writable(slot);
    this.sending[socket] = data.length === 0 ? 0 : room < data.length ? Sending.Offered | Sending.Held : Sending.Offered;
    if (room <= 0 || data.length === 0) return 0;
    const taken = tcp.send(slot, this.stack.hal.bytes(room < data.length ? data.substring(0, room) : data), 0, room < data.length ? room : data.length);
    return taken < 0 ? socketError(taken) : taken;
  }

  /** The answer to a lookup started by create: connect, or remember why not. */
  private resolved(handle: number, generation: number, ip: number): void {
    if (this.generations[handle] !== generation || this.kinds[handle] !== Handle.RESOLVING) return;
    this.lookups--;
    const slot = ip > 0 ? this.stack.tcp.connect(ip, this.ports[handle], 0, this.stack.hal.now()) : Err.EINVAL;
    this.kinds[handle] = slot >= 0 ? Handle.CONNECTION : Handle.FAILED;
    this.refs[handle] = slot >= 0 ? slot : ip > 0 ? socketError(slot) : SocketError.NOT_FOUND;
  }
}
