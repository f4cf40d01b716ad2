import { Stack } from '../stack';
import { Stat } from '../stats';
import { SlotFlag } from '../tcp/slot-table';
import { TcpState } from '../tcp/state';
import { Arena, Cut } from '../../hal/arena';

/** The ports of the firmware's own services. */
export const enum ServicePort {
  echo = 7,
  http = 80,
}

const enum Service {
  /** What a slot of the table is doing for the services. */
  NONE = 0,
  ECHO = 1,
  /** HTTP, reading the request up to its blank line. */
  HEADERS = 2,
  /** HTTP, streaming the rest of a /bytes/N body. */
  BODY = 3,
  CHUNK = 512,
  /** The request line kept for parsing: enough for "GET /bytes/1000000000 HTTP/1.1". */
  LINE = 48,
  LINE_DONE = 128,
  MAX_REQUEST = 1024,
  MAX_BYTES = 1000000000,
  BACKLOG = 2,
}

/**
 * The firmware's own services, straight on the TCP engine's slots: RFC 862 echo on port 7 and
 * a small HTTP/1.0 server on port 80. Polled from the board's loop, with their state per slot in
 * typed arrays, so a connection costs the interpreter no objects, closures or strings but the
 * reply it writes.
 *
 * Echo moves what arrives back out, never reading more than the send ring can take: a sender
 * faster than its reader sees the window close (back-pressure), not memory grow.
 *
 * HTTP: `/` answers a status page, `/bytes/N` streams N bytes of a repeating pattern (N in
 * decimal digits, at most 1,000,000,000; anything else is 400), any other path 404. A request is
 * read up to its blank line, at most 1 KB (else 413). Headers not all arrived
 * config.httpHeaderTimeout after the connection get it reset (httpHeaderTimeouts), and a
 * connection that takes the last free slot resets the oldest unfinished request
 * (httpRequestsShed): clients trickling their headers can never hold the whole socket pool.
 */
export class Services {
  /** Service per slot, and for HTTP: \r\n\r\n characters matched, request bytes read, body bytes sent and left to send, header deadline. */
  private readonly kind: Uint8Array;
  private readonly matched: Uint8Array;
  private readonly requestBytes: Uint16Array;
  private readonly sent: Uint32Array;
  private readonly remaining: Uint32Array;
  private readonly deadline: Float64Array;
  /** The start of each slot's request line: `line` bytes of it (low 7 bits), and LINE_DONE once its end has passed. */
  private readonly lines: Uint8Array;
  private readonly line: Uint8Array;
  private readonly pattern = new Uint8Array(Service.CHUNK);
  private echoListener = -1;
  private httpListener = -1;

  constructor(private readonly stack: Stack) {
    const slots = stack.config.sockets;
    const arena = new Arena(slots * (8 + 2 * 4 + 2 + 3 + Service.LINE));
    this.deadline = arena.cut(Cut.F64, slots);
    this.sent = arena.cut(Cut.U32, slots);
    this.remaining = arena.cut(Cut.U32, slots);
    this.requestBytes = arena.cut(Cut.U16, slots);
    this.kind = arena.cut(Cut.U8, slots);
    this.matched = arena.cut(Cut.U8, slots);
    this.line = arena.cut(Cut.U8, slots);
    this.lines = arena.cut(Cut.U8, slots * Service.LINE);
    for (let i = 0; i < Service.CHUNK; i++) this.pattern[i] = 97 + (i % 26);
  }

  /** Opens both listeners. */
  start(): void {
    this.echoListener = this.stack.tcp.listen(ServicePort.echo, Service.BACKLOG);
    this.httpListener = this.stack.tcp.listen(ServicePort.http, Service.BACKLOG);
  }

  /** One pass: takes new connections, then moves every connection's data as far as its rings allow. */
  poll(now: number): void {
    const tcp = this.stack.tcp;
    const kind = this.kind;
    const buffer = this.stack.scratch;
    for (let slot = tcp.accept(this.echoListener); slot >= 0; slot = tcp.accept(this.echoListener)) kind[slot] = Service.ECHO;
    for (let slot = tcp.accept(this.httpListener); slot >= 0; slot = tcp.accept(this.httpListener)) this.admit(slot, now);
    for (let slot = 0; slot < kind.length; slot++) {
      const service = kind[slot];
      if (service === Service.NONE) continue;
      const state = tcp.state(slot);
      if (state === TcpState.CLOSED) {
        this.finish(slot);
        continue;
      }
      if (service === Service.ECHO) {
        for (;;) {
          let length = tcp.writable(slot);
          if (length > Service.CHUNK) length = Service.CHUNK;
          const got = length > 0 ? tcp.receive(slot, buffer, 0, length) : 0;
          if (got <= 0) break;
          tcp.send(slot, buffer, 0, got);
        }
        if (state !== TcpState.ESTABLISHED && tcp.readable(slot) === 0) this.finish(slot);
      } else if (service === Service.HEADERS) {
        this.readRequest(slot, now);
      } else {
        // Body byte p is pattern[p % CHUNK], however the sends fall.
        let left = this.remaining[slot];
        let sent = this.sent[slot];
        for (let room = tcp.writable(slot); left > 0 && room > 0; room = tcp.writable(slot)) {
          const at = sent % Service.CHUNK;
          let length = Service.CHUNK - at;
          if (length > left) length = left;
          if (length > room) length = room;
          length = tcp.send(slot, this.pattern, at, length);
          if (length <= 0) break;
          left -= length;
          sent += length;
        }
        this.remaining[slot] = left;
        this.sent[slot] = sent;
        // What the client sends while the body streams is not read: only a closed window tells it to wait.
        if (left === 0) this.finish(slot);
      }
    }
  }

  /** A new HTTP connection; if it took the last free slot, the oldest request still sending its headers makes room. */
  private admit(slot: number, now: number): void {
    const tcp = this.stack.tcp;
    const kind = this.kind;
    kind[slot] = Service.HEADERS;
    this.matched[slot] = 0;
    this.requestBytes[slot] = 0;
    this.line[slot] = 0;
    this.deadline[slot] = now + this.stack.config.httpHeaderTimeout;
    const flags = tcp.slots.flags;
    let oldest = -1;
    for (let i = 0; i < kind.length; i++) {
      if (!(flags[i] & SlotFlag.IN_USE)) return;
      if (i !== slot && kind[i] === Service.HEADERS && (oldest < 0 || this.deadline[i] < this.deadline[oldest])) oldest = i;
    }
    if (oldest < 0) return;
    this.stack.stats[Stat.httpRequestsShed]++;
    tcp.abort(oldest);
    kind[oldest] = Service.NONE;
  }

  /** Reads what has come of a request; answers it once its blank line is in, or resets it when its time is up. */
  private readRequest(slot: number, now: number): void {
    const tcp = this.stack.tcp;
    const buffer = this.stack.scratch;
    const lines = this.lines;
    const base = slot * Service.LINE;
    let matched = this.matched[slot];
    let line = this.line[slot];
    for (;;) {
      const got = tcp.receive(slot, buffer, 0, Service.CHUNK);
      if (got <= 0) break;
      this.requestBytes[slot] = Math.min(this.requestBytes[slot] + got, Service.MAX_REQUEST + 1);
      for (let i = 0; i < got && matched < 4; i++) {
        const byte = buffer[i];
        matched = byte === (matched & 1 ? 10 : 13) ? matched + 1 : byte === 13 ? 1 : 0;
        if (line & Service.LINE_DONE) continue;
        if (byte === 13 || byte === 10) line |= Service.LINE_DONE;
        else if (line < Service.LINE) lines[base + line++] = byte;
      }
      if (matched === 4) break;
    }
    this.matched[slot] = matched;
    this.line[slot] = line;
    if (matched === 4) {
      let text = '';
      for (let i = 0; i < (line & ~Service.LINE_DONE); i++) text += String.fromCharCode(lines[base + i]);
      this.answer(slot, text.split(' ')[1] || '/');
    } else if (this.requestBytes[slot] > Service.MAX_REQUEST) {
      this.reply(slot, '413 Request Too Large', '');
    } else if (now >= this.deadline[slot]) {
      this.stack.stats[Stat.httpHeaderTimeouts]++;
      tcp.abort(slot);
      this.kind[slot] = Service.NONE;
    } else if (tcp.state(slot) !== TcpState.ESTABLISHED) {
      this.finish(slot);
    }
  }

  private answer(slot: number, path: string): void {
    const stack = this.stack;
    if (path === '/') {
      this.reply(slot, '200 OK', 'espruino-tcp up ' + Math.floor(stack.hal.now() / 1000) + ' s, connections ' +
        (stack.stats[Stat.tcpPassiveOpens] + stack.stats[Stat.tcpActiveOpens]) + ', memory ' + stack.memory()['total'] + ' bytes\n');
    } else if (path.indexOf('/bytes/') === 0) {
      const size = path.substring(7);
      // The interpreter's regular expressions have no {n,m}: the length is checked apart.
      const bytes = size.length <= 10 && /^\d+$/.test(size) ? Number(size) : -1;
      if (bytes < 0 || bytes > Service.MAX_BYTES) {
        this.reply(slot, '400 Bad Request', 'size must be 0 to ' + Service.MAX_BYTES + '\n');
        return;
      }
      this.send(slot, 'HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ' + bytes + '\r\n\r\n');
      this.remaining[slot] = bytes;
      this.sent[slot] = 0;
      this.kind[slot] = Service.BODY;
    } else {
      this.reply(slot, '404 Not Found', '');
    }
  }

  /** A whole response, then FIN. */
  private reply(slot: number, status: string, body: string): void {
    this.send(slot, 'HTTP/1.0 ' + status + '\r\nContent-Type: text/plain\r\nContent-Length: ' + body.length + '\r\n\r\n' + body);
    this.finish(slot);
  }

  /** Queues `text` (shorter than the send ring, as every header and status page is). */
  private send(slot: number, text: string): void {
    const buffer = this.stack.scratch;
    for (let i = 0; i < text.length; i++) buffer[i] = text.charCodeAt(i);
    this.stack.tcp.send(slot, buffer, 0, text.length);
  }

  /** Hands the slot back to the engine: FIN after what is queued, or the slot freed if the connection is over. */
  private finish(slot: number): void {
    this.stack.tcp.release(slot);
    this.kind[slot] = Service.NONE;
  }
}
