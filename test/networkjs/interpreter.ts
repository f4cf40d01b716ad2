/**
 * The interpreter's side of NetworkJS, re-enacted in Node for tests: the built-in `net` and
 * `http` as libs/network/socketserver.c drives a JsNetwork from its idle loop, and
 * libs/network/js/network_js.c's way of calling the JavaScript driver. One idle() is one
 * socketIdle(): accept on every server, then every HTTP server connection (recv, send, close
 * when wanted), then every client connection (push received data, send, recv, close), with
 * recv and send in chunks of net->chunkSize (536). Events are queued during the pass and run
 * after it, as jsiQueueObjectCallbacks and the event loop do. Only what the tests use of the
 * user API is here: net.createServer/connect, socket write/end, http.createServer/get and
 * response writeHead/write/end.
 */

export interface JsNetworkDriver {
  create(host: string | undefined, port: number, socketType?: number, options?: unknown): number;
  close(socket: number): void;
  accept(serverSocket: number): number;
  recv(socket: number, maxLen: number, socketType?: number): string | number;
  send(socket: number, data: string, socketType?: number): number;
}

const CHUNK = 536;
const ST_NORMAL = 0;
const ST_HTTP = 1;
const SOCKET_ERR_CLOSED = -1;
const SOCKET_ERR_UNSENT_DATA = -8;
const SOCKET_ERR_NO_CONN = -11;
/** socketerrors.h: no response (closed before an HTTP response's headers). */
export const SOCKET_ERR_NO_RESP = -13;

type Handler = (a?: unknown, b?: unknown) => void;

/** A Socket, an httpSRq/httpSRs pair or an httpCRq/httpCRs pair, with the hidden fields socketserver.c keeps on them. */
export class JsObject {
  type = ST_NORMAL;
  /** HTTP_NAME_SOCKET: socket number + 1, 0 when none. */
  sckt = 0;
  sendData: string | null = null;
  receiveData: string | null = null;
  hadHeaders = false;
  receiveCount = 0;
  closeNow = false;
  wantClose = false;
  connected = false;
  res: JsObject | null = null;
  server: JsObject | null = null;
  options: { host?: string; port?: number; path?: string; method?: string } = {};
  headers: { [name: string]: string } | null = null;
  method = '';
  url = '';
  statusCode = '';
  /** Every event emitted on this object, in order, with its first argument. */
  readonly emitted: [string, unknown][] = [];
  private readonly handlers: { [event: string]: Handler[] } = {};

  constructor(readonly loop: Interpreter) {}

  on(event: string, handler: Handler): this {
    (this.handlers[event] = this.handlers[event] || []).push(handler);
    return this;
  }

  hasListener(event: string): boolean {
    return (this.handlers[event] || []).length > 0;
  }

  /** jsiQueueObjectCallbacks: runs after the current idle pass. */
  queue(event: string, a?: unknown, b?: unknown): void {
    this.loop.pending.push(() => {
      this.emitted.push([event, a]);
      for (const handler of this.handlers[event] || []) handler(a, b);
    });
  }

  /** socket.write / req.write (clientRequestWrite) or res.write (serverResponseWrite). */
  write(data?: string): void {
    if (this.loop.isServerResponse(this)) {
      if (this.sendData === null) this.writeHead(200);
      if (data !== undefined) this.sendData += data;
      return;
    }
    if (this.sendData === null) {
      if (this.type === ST_HTTP && this.sckt === 0) {
        const o = this.options;
        this.sendData = (o.method || 'GET') + ' ' + (o.path || '/') + ' HTTP/1.0\r\nUser-Agent: Espruino 2v29\r\nConnection: close\r\n' +
          'Host: ' + o.host + (o.port && o.port !== 80 ? ':' + o.port : '') + '\r\n\r\n';
      } else {
        this.sendData = '';
      }
    }
    if (data !== undefined) this.sendData += data;
    if (this.type === ST_HTTP) this.loop.connect(this);
  }

  /** socket.end / req.end (clientRequestEnd) or res.end (serverResponseEnd). */
  end(data?: string): void {
    if (data !== undefined) this.write(data);
    if (this.loop.isServerResponse(this)) {
      this.write();
      this.wantClose = true;
    } else if (this.type === ST_HTTP) {
      this.write();
    } else {
      this.wantClose = true;
      if (!this.sendData) this.closeNow = true;
    }
  }

  /** res.writeHead (serverResponseWriteHead). */
  writeHead(statusCode: number, headers?: { [name: string]: string | number }): void {
    let text = 'HTTP/1.0 ' + statusCode + ' OK\r\nServer: Espruino 2v29\r\n';
    for (const name in headers || {}) text += name + ': ' + (headers as { [name: string]: string | number })[name] + '\r\n';
    this.sendData = text + '\r\n';
  }
}

export class Interpreter {
  readonly servers: JsObject[] = [];
  readonly serverConnections: JsObject[] = [];
  readonly clientConnections: JsObject[] = [];
  /** Callbacks queued during a pass. */
  pending: (() => void)[] = [];
  /** Exceptions the interpreter would raise (a contract violation by the driver). */
  readonly exceptions: string[] = [];
  /** The name the last gethostbyname stored (network_js.c keeps it under "DNS"). */
  private dnsName = '';
  private readonly responses = new Set<JsObject>();

  constructor(readonly driver: JsNetworkDriver) {}

  isServerResponse(object: JsObject): boolean {
    return this.responses.has(object);
  }

  /** net.createServer(cb) / http.createServer(cb), then .listen(port). */
  createServer(type: number, onConnect: Handler): { server: JsObject; listen(port: number): void } {
    const server = new JsObject(this);
    server.type = type;
    server.on('connect', onConnect);
    return {
      server,
      listen: (port: number) => {
        const sckt = this.driver.create(undefined, port, ST_NORMAL, undefined);
        if (sckt < 0) {
          this.exceptions.push('Unable to create socket');
          server.closeNow = true;
        } else {
          server.sckt = sckt + 1;
          this.servers.push(server);
        }
      },
    };
  }

  /** server.close (serverClose). */
  closeServer(server: JsObject): void {
    this.kill(server);
    this.servers.splice(this.servers.indexOf(server), 1);
  }

  /** net.connect(options, cb). */
  netConnect(options: { host: string; port: number }, onConnect?: Handler): JsObject {
    const socket = this.request(ST_NORMAL, options, onConnect);
    this.connect(socket);
    return socket;
  }

  /** http.get(options, cb): the request is ended at once, which writes the header and connects. */
  httpGet(options: { host: string; port: number; path: string }, onResponse: Handler): JsObject {
    const request = this.request(ST_HTTP, options, onResponse);
    request.end();
    return request;
  }

  private request(type: number, options: JsObject['options'], callback?: Handler): JsObject {
    const request = new JsObject(this);
    request.type = type;
    if (callback) request.on('connect', callback);
    if (type === ST_HTTP) request.res = new JsObject(this);
    request.options = options;
    this.clientConnections.push(request);
    return request;
  }

  /** clientRequestConnect, with networkGetHostByName and net_js_createsocket's use of the stored name. */
  connect(request: JsObject): void {
    if (request.sckt > 0) return;
    const host = request.options.host === undefined ? 'localhost' : request.options.host;
    const dotted = /^\d+\.\d+\.\d+\.\d+$/.test(host);
    if (!dotted) this.dnsName = host;
    const sckt = this.driver.create(dotted ? host : this.dnsName, request.options.port || 80, request.type, request.options);
    if (sckt < 0) {
      this.exceptions.push('Unable to create socket');
      request.closeNow = true;
    } else {
      request.sckt = sckt + 1;
    }
  }

  /** net_js_recv: a string is data, a negative number an error, anything else a contract violation. */
  private recv(sckt: number): number | string {
    const result = this.driver.recv(sckt, CHUNK, ST_NORMAL);
    if (typeof result === 'string') {
      if (result.length > CHUNK) this.exceptions.push('recv returned more than maxLen');
      return result.substring(0, CHUNK);
    }
    if (typeof result === 'number' && result >= 0) {
      this.exceptions.push('JSNetwork.recv returned >=0');
      return -1;
    }
    return typeof result === 'number' ? result : -1;
  }

  /** socketSendData: sends one chunk, trims what was taken, 'drain' once all is gone (unless closing). */
  private sendData(object: JsObject, sckt: number): number {
    const data = object.sendData as string;
    const num = this.driver.send(sckt, data.substring(0, CHUNK), ST_NORMAL);
    if (typeof num !== 'number' || num !== Math.floor(num)) this.exceptions.push('send returned ' + num);
    if (num < 0) return num;
    if (num > data.length) this.exceptions.push('send took more than it was given');
    if (num > 0) {
      if (num < data.length) {
        object.sendData = data.substring(num);
      } else {
        if (!object.wantClose) object.queue('drain', object);
        object.sendData = '';
      }
    }
    return 0;
  }

  private kill(object: JsObject): void {
    if (object.sckt > 0) {
      this.driver.close(object.sckt - 1);
      object.sckt = 0;
    }
  }

  private fireError(error: number, a: JsObject, b: JsObject | null): boolean {
    const hadError = error < 0 && error !== SOCKET_ERR_CLOSED;
    if (hadError) {
      const detail = { code: error, message: 'socket error ' + error };
      a.queue('error', detail);
      if (b) b.queue('error', detail);
    }
    return hadError;
  }

  /** jswrap_stream_pushData: delivered when someone listens (or forced), else kept. */
  private push(object: JsObject, data: string, force: boolean): boolean {
    if (!force && !object.hasListener('data')) return false;
    object.queue('data', data);
    return true;
  }

  /** httpParseHeaders: on a complete header, fills the fields and leaves the body in receiveData. */
  private parseHeaders(connection: JsObject, target: JsObject, isServer: boolean): boolean {
    const data = connection.receiveData as string;
    const end = data.indexOf('\r\n\r\n');
    if (end < 0) return false;
    const lines = data.substring(0, end).split('\r\n');
    const first = lines[0].split(' ');
    const headers: { [name: string]: string } = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.substring(0, colon)] = line.substring(colon + 2);
    }
    target.headers = headers;
    if (isServer) {
      target.method = first[0];
      target.url = first[1];
    } else {
      target.statusCode = first[1];
    }
    connection.receiveData = data.substring(end + 4);
    return true;
  }

  /** One socketIdle() pass, then the queued callbacks. */
  idle(): void {
    for (const server of this.servers.slice()) {
      const theClient = this.driver.accept(server.sckt - 1);
      if (typeof theClient !== 'number' || theClient !== Math.floor(theClient)) this.exceptions.push('accept returned ' + theClient);
      if (theClient < 0) continue;
      if (server.type === ST_HTTP) {
        const req = new JsObject(this);
        const res = new JsObject(this);
        req.type = ST_HTTP;
        req.res = res;
        req.server = server;
        req.sckt = theClient + 1;
        this.responses.add(res);
        this.serverConnections.push(req);
      } else {
        const socket = new JsObject(this);
        socket.sckt = theClient + 1;
        this.clientConnections.push(socket);
        server.queue('connect', socket);
      }
    }
    this.serverConnectionsIdle();
    this.clientConnectionsIdle();
    const queue = this.pending;
    this.pending = [];
    for (const callback of queue) callback();
  }

  private serverConnectionsIdle(): void {
    for (const connection of this.serverConnections.slice()) {
      const socket = connection.res as JsObject;
      const sckt = connection.sckt - 1;
      let closeNow = connection.closeNow;
      let error = 0;
      if (!closeNow) {
        const got = this.recv(sckt);
        const num = typeof got === 'string' ? got.length : got;
        if (typeof got === 'number') {
          closeNow = true;
          error = got;
        } else if (got.length > 0) {
          connection.receiveData = (connection.receiveData || '') + got;
          if (!connection.hadHeaders && this.parseHeaders(connection, connection, true)) {
            connection.hadHeaders = true;
            (connection.server as JsObject).queue('connect', connection, socket);
          }
          if (connection.hadHeaders && connection.receiveData) {
            connection.receiveCount += connection.receiveData.length;
            if (this.push(connection, connection.receiveData, false)) connection.receiveData = null;
          }
        }
        if (socket.sendData) {
          const sent = this.sendData(socket, sckt);
          if (sent < 0) {
            closeNow = true;
            error = sent;
          }
        }
        if (socket.wantClose && !socket.sendData && num <= 0) {
          const length = Number((connection.headers || {})['Content-Length'] || 0);
          closeNow = !(length > connection.receiveCount);
        } else if (num > 0) {
          closeNow = false;
        }
      }
      if (closeNow) {
        if (connection.hadHeaders && connection.receiveData) this.push(connection, connection.receiveData, true);
        const hadError = this.fireError(error, connection, socket);
        connection.queue('end');
        socket.queue('end');
        connection.queue('close', hadError);
        socket.queue('close', hadError);
        this.kill(connection);
        this.serverConnections.splice(this.serverConnections.indexOf(connection), 1);
        this.responses.delete(socket);
      }
    }
  }

  private clientConnectionsIdle(): void {
    for (const connection of this.clientConnections.slice()) {
      const isHttp = connection.type === ST_HTTP;
      const socket = isHttp ? (connection.res as JsObject) : connection;
      let closeNow = connection.closeNow;
      let error = 0;
      const sckt = connection.sckt - 1;
      if (sckt >= 0) {
        const hadHeaders = isHttp ? connection.hadHeaders : true;
        if (hadHeaders) this.pushReceived(connection, socket);
        if (!closeNow) {
          if (connection.sendData) {
            const num = this.sendData(connection, sckt);
            if (num < 0) {
              closeNow = true;
              error = num;
            }
          } else if (connection.wantClose) {
            closeNow = true;
          }
          if (connection.receiveData === null || !connection.hadHeaders && isHttp) {
            const got = this.recv(sckt);
            if (!connection.connected && got === SOCKET_ERR_NO_CONN) {
              // not connected yet
            } else if (typeof got === 'number') {
              closeNow = true;
              error = got;
              if (!hadHeaders && error === SOCKET_ERR_CLOSED) error = SOCKET_ERR_NO_RESP;
            } else {
              if (!connection.connected && !isHttp) {
                connection.queue('connect', connection);
                connection.connected = true;
                if (!connection.sendData) connection.queue('drain', connection);
              }
              if (got.length > 0) {
                connection.receiveData = (connection.receiveData || '') + got;
                if (isHttp && !connection.hadHeaders && this.parseHeaders(connection, socket, false)) {
                  connection.hadHeaders = true;
                  connection.queue('connect', socket);
                }
              }
            }
          }
        }
      }
      if (closeNow) {
        this.pushReceived(connection, socket);
        if (connection.receiveData === null) {
          if (!isHttp) socket.queue('end', socket);
          if (connection.sendData && error === SOCKET_ERR_CLOSED) error = SOCKET_ERR_UNSENT_DATA;
          this.kill(connection);
          this.clientConnections.splice(this.clientConnections.indexOf(connection), 1);
          const hadError = this.fireError(error, connection, null);
          socket.queue('end');
          socket.queue('close', hadError);
        }
      }
    }
  }

  /** socketClientPushReceiveData. */
  private pushReceived(connection: JsObject, socket: JsObject): void {
    if (connection.receiveData === null) return;
    if (connection.receiveData === '' || this.push(socket, connection.receiveData, false)) connection.receiveData = null;
  }
}
