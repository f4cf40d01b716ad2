import { ExecutionContext } from 'ava';
import { Socket } from '../../firmware/api/net';
import { Device, Network, expectNoLeaks } from '../seeds/network';

/**
 * Traffic for the scenario tests: deterministic payloads, receivers that keep every byte for a
 * byte-for-byte comparison, and a two-way exchange between a client and a server device
 * through the real `net` API.
 */

/** `length` pseudo-random bytes (xorshift32 from `seed`), so a misplaced byte cannot go unnoticed. */
export function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/** Keeps what a socket delivers, in order, in a buffer sized for what is expected. */
export class Collector {
  readonly bytes: Uint8Array;
  length = 0;
  /** Bytes beyond the expected size: duplicates delivered twice would show here. */
  overflow = 0;
  chunks = 0;

  constructor(capacity: number) {
    this.bytes = new Uint8Array(capacity);
  }

  take(chunk: Uint8Array): void {
    this.chunks++;
    const room = this.bytes.length - this.length;
    if (chunk.length > room) this.overflow += chunk.length - room;
    this.bytes.set(chunk.subarray(0, Math.min(room, chunk.length)), this.length);
    this.length += Math.min(room, chunk.length);
  }

  /** The index of the first byte that differs from `want`, or -1 when all of `want` arrived intact. */
  firstDifference(want: Uint8Array): number {
    const n = Math.min(this.length, want.length);
    for (let i = 0; i < n; i++) if (this.bytes[i] !== want[i]) return i;
    return this.length === want.length && this.overflow === 0 ? -1 : n;
  }
}

export function sameBytes(t: ExecutionContext, got: Collector, want: Uint8Array, what: string): void {
  t.is(got.length, want.length, what + ': length');
  t.is(got.overflow, 0, what + ': nothing extra');
  t.is(got.firstDifference(want), -1, what + ': byte for byte');
}

/** One connection's two ends and what each saw. */
export interface Exchange {
  client: Socket;
  server: Socket | null;
  toServer: Collector;
  toClient: Collector;
  /** Event names in order per side, e.g. 'connect', 'end', 'close'. */
  clientEvents: string[];
  serverEvents: string[];
  errors: string[];
  closed(): boolean;
}

/**
 * The client device connects to a server on `serverDevice`:`port`; each side writes its whole
 * payload at once (the facade keeps what does not fit and follows 'drain') and then ends. With
 * `serverEchoes`, the server instead writes back what it receives and ends when the client does.
 */
export function exchange(
  client: Device, serverDevice: Device, port: number, toServer: Uint8Array, toClient: Uint8Array, serverEchoes = false,
): Exchange {
  const result: Exchange = {
    client: null as unknown as Socket, server: null, toServer: new Collector(toServer.length),
    toClient: new Collector(serverEchoes ? toServer.length : toClient.length), clientEvents: [], serverEvents: [], errors: [],
    closed: () => result.clientEvents.indexOf('close') >= 0 && result.serverEvents.indexOf('close') >= 0,
  };
  const server = serverDevice.net.createServer((socket: Socket) => {
    result.server = socket;
    socket.on('data', (chunk: Uint8Array) => {
      result.toServer.take(chunk);
      if (serverEchoes) socket.write(chunk);
    });
    record(socket, result.serverEvents, result.errors, 'server');
    socket.on('close', () => server.close());
    if (!serverEchoes) socket.end(toClient);
  });
  server.listen(port);
  const socket = client.net.connect({ host: serverDevice.stack.config.ip, port });
  result.client = socket;
  socket.on('data', (chunk: Uint8Array) => result.toClient.take(chunk));
  record(socket, result.clientEvents, result.errors, 'client');
  socket.on('connect', () => {
    if (serverEchoes) socket.write(toServer);
    else socket.end(toServer);
  });
  return result;
}

function record(socket: Socket, events: string[], errors: string[], side: string): void {
  socket.on('connect', () => events.push('connect'));
  socket.on('end', () => events.push('end'));
  socket.on('close', () => events.push('close'));
  socket.on('error', (error: { code: string }) => {
    events.push('error');
    errors.push(side + ' ' + error.code);
  });
}

/** Lets TIME_WAIT run out (2MSL) and checks that every device is back where it started. */
export function settleAndCheck(t: ExecutionContext, network: Network): void {
  let msl = 0;
  for (const device of network.devices) msl = Math.max(msl, device.stack.config.msl);
  network.run(2 * msl + 1000);
  for (const device of network.devices) expectNoLeaks(t, device);
}
