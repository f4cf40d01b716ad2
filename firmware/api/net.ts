import { Stack, StackEventSink } from '../stack';
import { TcpEvent, ListenerEvent } from '../tcp/events';
import { SocketOption, setSocketOption } from '../tcp/socket-option';
import { Err, errorName } from '../errors';
import { parseIp, formatIp } from '../wire/ip-address';
import { Emitter, makeEmitter } from './emitter';

/** An error as Node reports it: a message plus a `code` such as 'ECONNRESET'. */
export interface NetError extends Error {
  code: string;
}

function netError(code: string, what: string): NetError {
  const error = new Error(code + ': ' + what) as NetError;
  error.code = code;
  return error;
}

/**
 * Node's `net` shape over the stack's socket numbers: `createServer(listener).listen(port)`,
 * `connect({host, port}, cb)`, and sockets with write/end/destroy and the 'connect', 'data',
 * 'end', 'drain', 'error', 'close' events. The data path is honest: write() copies into the
 * socket's fixed send ring and returns false once it is full; what did not fit waits as a
 * reference to the caller's own buffer (nothing is copied twice) and goes out as the ring
 * drains, followed by 'drain'. pause() stops reading, which closes the advertised window, so
 * a slow reader slows its sender instead of growing memory.
 */
export class Net implements StackEventSink {
  private readonly sockets: (Socket | null)[] = [];
  private readonly servers: (Server | null)[] = [];
  /** Events Node would emit on a later tick (connect errors, close after destroy): sent after the current events. */
  private deferred: (Emitter | string | unknown)[] = [];

  constructor(readonly stack: Stack) {
    for (let i = 0; i < stack.config.sockets; i++) this.sockets.push(null);
    for (let i = 0; i < stack.config.listeners; i++) this.servers.push(null);
    stack.setEventSink(this);
  }

  createServer(connectionListener?: (socket: Socket) => void): Server {
    const server = new Server(this);
    if (connectionListener) server.on('connection', connectionListener);
    return server;
  }

  /**
   * options.host is a dotted IPv4 address (connected at once) or a name, resolved first through
   * the stack's DNS resolver; a name that does not resolve ends in 'error' with code ENOTFOUND.
   */
  connect(options: { host: string; port: number; localPort?: number }, onConnect?: () => void): Socket {
    const socket = new Socket(this, -1);
    if (onConnect) socket.on('connect', onConnect);
    const host = options.host || '127.0.0.1';
    const ip = parseIp(host);
    if (ip >= 0) {
      this.open(socket, ip, options);
      return socket;
    }
    const dns = this.stack.dns;
    const started = !dns ? Err.EINVAL : dns.lookup(host, (error, address) => {
      if (socket.destroyed) return;
      if (error) this.fail(socket, error as NetError);
      else this.open(socket, address, options);
    });
    if (started < 0) this.fail(socket, netError(started === Err.EINVAL ? 'ENOTFOUND' : errorName(started), host));
    else socket.connecting = true;
    return socket;
  }

  socketEvent(slot: number, events: number): void {
    const socket = this.sockets[slot];
    if (!socket) return;
    if (events & TcpEvent.CONNECTED) {
      socket.connecting = false;
      this.deliver(socket, 'connect');
    }
    if (events & TcpEvent.PEER_CLOSED) socket.peerFin = true;
    if (events & (TcpEvent.READABLE | TcpEvent.PEER_CLOSED)) this.read(socket);
    if (events & TcpEvent.WRITABLE) this.flush(socket);
    if (events & TcpEvent.ERROR) {
      this.release(socket);
      const code = this.stack.tcp.socketError(slot);
      const error = netError(errorName(code), 'socket ' + socket.remoteAddress + ':' + socket.remotePort);
      this.deliver(socket, 'error', error);
      this.deliver(socket, 'close', true);
    } else if (events & TcpEvent.CLOSED) {
      this.read(socket);
      this.release(socket);
      this.deliver(socket, 'close', false);
    }
  }

  listenerEvent(listener: number, events: number): void {
    const server = this.servers[listener];
    if (server && events & ListenerEvent.ACCEPTABLE) this.acceptAll(server);
  }

  afterEvents(): void {
    if (this.deferred.length === 0) return;
    const queue = this.deferred;
    this.deferred = [];
    for (let i = 0; i < queue.length; i += 3) {
      const target = queue[i] as Emitter;
      const event = queue[i + 1] as string;
      // resume() and resumeAccepting() take effect here, so their data and connections come after the call.
      if (event === 'resume') {
        if (target instanceof Server) this.acceptAll(target);
        else this.read(target as Socket);
      }
      this.deliver(target, event, queue[i + 2]);
    }
  }

  /**
   * Emits to application handlers. An exception there is logged and goes no further, so it can
   * neither skip the events that follow (a lost 'end' or 'close' would strand the slot) nor
   * unwind into the stack; an 'error' nobody listens to is logged too.
   */
  private deliver(target: Emitter, event: string, argument?: unknown): void {
    try {
      if (!target.emit(event, argument) && event === 'error') this.stack.hal.log('net: unhandled ' + (argument as Error).message);
    } catch (error) {
      this.stack.hal.log('net: uncaught in ' + event + ' handler: ' + error);
    }
  }

  /** @internal */
  later(target: Emitter, event: string, argument?: unknown): void {
    this.deferred.push(target, event, argument);
  }

  /** @internal Accepts every waiting connection of a listening server that is accepting. */
  acceptAll(server: Server): void {
    if (server.listener < 0 || !server.accepting) return;
    for (;;) {
      const slot = this.stack.tcp.accept(server.listener);
      if (slot < 0) return;
      const socket = new Socket(this, -1);
      this.adopt(socket, slot);
      this.deliver(server, 'connection', socket);
    }
  }

  /** @internal */
  registerServer(server: Server, listener: number): void {
    this.servers[listener] = server;
  }

  /** @internal */
  unregisterServer(listener: number): void {
    this.servers[listener] = null;
  }

  /** @internal Moves queued writes into the send ring; emits 'drain' when the queue empties after a refused write. */
  flush(socket: Socket): void {
    const tcp = this.stack.tcp;
    const pending = socket.pending;
    while (pending.length > 0 && socket.slot >= 0) {
      const chunk = pending[0];
      const taken = tcp.send(socket.slot, chunk, socket.pendingOffset, chunk.length - socket.pendingOffset);
      if (taken <= 0) break;
      socket.bytesWritten += taken;
      socket.pendingOffset += taken;
      if (socket.pendingOffset < chunk.length) break;
      pending.shift();
      socket.pendingOffset = 0;
    }
    if (pending.length > 0 || socket.slot < 0) return;
    if (socket.ending && !socket.finSent) {
      socket.finSent = true;
      tcp.shutdown(socket.slot);
    }
    if (socket.needDrain) {
      socket.needDrain = false;
      this.deliver(socket, 'drain');
    }
  }

  /** @internal Delivers what is readable, then 'end' once the peer's FIN has been reached. */
  read(socket: Socket): void {
    const tcp = this.stack.tcp;
    if (socket.paused || socket.slot < 0) return;
    const available = tcp.readable(socket.slot);
    if (available > 0) {
      const chunk = new Uint8Array(available);
      tcp.receive(socket.slot, chunk, 0, available);
      socket.bytesRead += available;
      this.deliver(socket, 'data', socket.encoding ? this.stack.hal.text(chunk, 0, available) : chunk);
    }
    if (socket.peerFin && !socket.peerEnded && socket.slot >= 0 && tcp.readable(socket.slot) === 0) {
      socket.peerEnded = true;
      this.deliver(socket, 'end');
      if (!socket.allowHalfOpen) socket.end();
    }
  }

  private open(socket: Socket, ip: number, options: { host: string; port: number; localPort?: number }): void {
    const slot = this.stack.tcp.connect(ip, options.port, options.localPort || 0, this.stack.hal.now());
    if (slot < 0) {
      this.fail(socket, netError(errorName(slot), 'connect ' + options.host + ':' + options.port));
      return;
    }
    this.adopt(socket, slot);
    socket.connecting = true;
  }

  private adopt(socket: Socket, slot: number): void {
    const tcp = this.stack.tcp;
    socket.slot = slot;
    socket.remoteAddress = formatIp(tcp.slots.remoteIp[slot]);
    socket.remotePort = tcp.slots.remotePort[slot];
    socket.localPort = tcp.slots.localPort[slot];
    this.sockets[slot] = socket;
  }

  /** @internal Hands the slot back to the engine; the socket object stays usable for reading its final state. */
  release(socket: Socket): void {
    if (socket.slot < 0) {
      // Still resolving its host name: the lookup's callback will find it destroyed.
      socket.destroyed = true;
      return;
    }
    this.sockets[socket.slot] = null;
    this.stack.tcp.release(socket.slot);
    socket.slot = -1;
    socket.destroyed = true;
  }

  private fail(socket: Socket, error: NetError): void {
    socket.destroyed = true;
    this.later(socket, 'error', error);
    this.later(socket, 'close', true);
  }
}

export class Socket {
  remoteAddress = '';
  remotePort = 0;
  localPort = 0;
  bytesRead = 0;
  bytesWritten = 0;
  connecting = false;
  destroyed = false;
  /** Node's default: when the peer ends, end our side too. */
  allowHalfOpen = false;
  encoding: string | null = null;
  /** @internal */ paused = false;
  /** @internal */ peerFin = false;
  /** @internal */ peerEnded = false;
  /** @internal */ ending = false;
  /** @internal */ finSent = false;
  /** @internal */ needDrain = false;
  /** @internal Writes that did not fit the send ring, in order; the first is taken from pendingOffset on. */
  pending: Uint8Array[] = [];
  /** @internal */ pendingOffset = 0;
  declare handlers?: { [event: string]: Function[] };
  declare on: (event: string, handler: Function) => this;
  declare removeListener: (event: string, handler: Function) => this;
  declare emit: (event: string, a?: unknown, b?: unknown) => boolean;

  constructor(private readonly net: Net, public slot: number) {}

  /** Queues bytes (a string is taken as one byte per character); false once the send ring is full: wait for 'drain'. */
  write(data: Uint8Array | string): boolean {
    if (this.slot < 0 || this.ending) {
      this.net.later(this, 'error', netError('EPIPE', 'write after end'));
      return false;
    }
    const bytes = typeof data === 'string' ? this.net.stack.hal.bytes(data) : data;
    if (bytes.length === 0) return this.pending.length === 0;
    this.pending.push(bytes);
    this.net.flush(this);
    if (this.pending.length > 0) this.needDrain = true;
    return this.pending.length === 0;
  }

  /** Sends FIN once everything written has entered the send ring. */
  end(data?: Uint8Array | string): this {
    if (data !== undefined) this.write(data);
    if (!this.ending && this.slot >= 0) {
      this.ending = true;
      this.net.flush(this);
    }
    return this;
  }

  /** Gives the connection back: queued bytes still go out, then FIN (or RST after setLinger(0)). */
  destroy(): this {
    if (!this.destroyed) {
      this.net.release(this);
      this.net.later(this, 'close', false);
    }
    return this;
  }

  /** Abortive close: RST now, no TIME_WAIT, the slot is free at once. */
  resetAndDestroy(): this {
    if (!this.destroyed) {
      this.setLinger(0);
      this.destroy();
    }
    return this;
  }

  pause(): this {
    this.paused = true;
    return this;
  }

  /** What waited is delivered after this call returns, as in Node. */
  resume(): this {
    this.paused = false;
    this.net.later(this, 'resume');
    return this;
  }

  /** 'binary' (or any encoding) delivers 'data' as a string of byte-valued characters instead of a Uint8Array. */
  setEncoding(encoding: string): this {
    this.encoding = encoding;
    return this;
  }

  setNoDelay(noDelay?: boolean): this {
    return this.option(SocketOption.NO_DELAY, noDelay === false ? 0 : 1);
  }

  /** Node's signature; interval and count come from setKeepAliveProbes or the board defaults. */
  setKeepAlive(enable?: boolean, initialDelay?: number): this {
    this.option(SocketOption.KEEPALIVE, enable ? 1 : 0);
    if (enable && initialDelay) this.option(SocketOption.KEEPALIVE_IDLE, initialDelay);
    return this;
  }

  setKeepAliveProbes(intervalMs: number, count: number): this {
    this.option(SocketOption.KEEPALIVE_INTERVAL, intervalMs);
    return this.option(SocketOption.KEEPALIVE_COUNT, count);
  }

  /** RFC 5482 user timeout: data unacknowledged this long ends the connection with ETIMEDOUT. 0 turns it off. */
  setUserTimeout(ms: number): this {
    return this.option(SocketOption.USER_TIMEOUT, ms);
  }

  /** 0: destroy() sends RST and skips TIME_WAIT. -1: graceful close (the default). */
  setLinger(seconds: number): this {
    return this.option(SocketOption.LINGER, seconds);
  }

  address(): { address: string; port: number } {
    return { address: formatIp(this.net.stack.netif.localIp()), port: this.localPort };
  }

  private option(option: number, value: number): this {
    if (this.slot >= 0) {
      const result = setSocketOption(this.net.stack.tcp, this.slot, option, value);
      if (result < 0) throw netError(errorName(result), 'socket option ' + option + ' = ' + value);
    }
    return this;
  }
}

export class Server {
  listener = -1;
  accepting = true;
  declare handlers?: { [event: string]: Function[] };
  declare on: (event: string, handler: Function) => this;
  declare removeListener: (event: string, handler: Function) => this;
  declare emit: (event: string, a?: unknown, b?: unknown) => boolean;

  constructor(private readonly net: Net) {}

  /** backlog bounds the accept queue (default config.backlog). */
  listen(port: number, backlog?: number, onListening?: () => void): this {
    if (onListening) this.on('listening', onListening);
    const listener = this.net.stack.tcp.listen(port, backlog || this.net.stack.config.backlog);
    if (listener < 0) {
      this.net.later(this, 'error', netError(errorName(listener), 'listen on port ' + port));
      return this;
    }
    this.listener = listener;
    this.net.registerServer(this, listener);
    this.net.later(this, 'listening');
    return this;
  }

  /** Stops taking connections from the accept queue: they wait there (up to the backlog) until resumeAccepting(). */
  pauseAccepting(): this {
    this.accepting = false;
    return this;
  }

  resumeAccepting(): this {
    this.accepting = true;
    this.net.later(this, 'resume');
    return this;
  }

  close(): this {
    if (this.listener >= 0) {
      this.net.stack.tcp.unlisten(this.listener);
      this.net.unregisterServer(this.listener);
      this.listener = -1;
      this.net.later(this, 'close');
    }
    return this;
  }

  address(): { address: string; port: number } | null {
    return this.listener < 0 ? null : { address: formatIp(this.net.stack.netif.localIp()), port: this.net.stack.tcp.listenerPort(this.listener) };
  }
}

makeEmitter(Socket.prototype as unknown as Emitter);
makeEmitter(Server.prototype as unknown as Emitter);
