import { ExecutionContext } from 'ava';
import { resolveConfig } from '../../firmware/config';
import { Stack } from '../../firmware/stack';
import { Net, Socket } from '../../firmware/api/net';
import { MemoryReport } from '../../firmware/memory-report';
import { SlotFlag } from '../../firmware/tcp/slot-table';
import { W5500Driver } from '../../hal/drivers/w5500';
import { FakeSpi } from '../../sim/chips/fake-spi';
import { W5500Model, W5500ModelOptions } from '../../sim/chips/w5500-model';
import { VirtualClock } from '../../sim/clock';
import { SimHost, macFor } from '../../sim/host';
import { Link } from '../../sim/link';
import { NodeHal } from '../../sim/node-hal';
import { SimNic } from '../../sim/sim-nic';

export const DEVICE_IP = '192.0.2.2';
export const PEER_IP = '192.0.2.9';

export interface BoardOptions {
  model?: W5500ModelOptions;
  config?: { [field: string]: unknown };
  /** How often the board's loop polls the chip, ms of virtual time (an IRQ-driven loop is about as prompt). */
  pollInterval?: number;
}

/**
 * A board on the simulated link: the whole stack and the net API over the W5500 driver, over
 * FakeSpi, over the chip model. Its loop polls the driver and ticks the stack on the virtual clock.
 */
export class W5500Board {
  readonly hal: NodeHal;
  readonly model: W5500Model;
  readonly spi: FakeSpi;
  readonly driver: W5500Driver;
  readonly stack: Stack;
  readonly net: Net;
  readonly memoryAtStart: MemoryReport;
  private readonly pollInterval: number;
  private pollTimer = 0;
  private tickTimer = 0;

  constructor(readonly clock: VirtualClock, link: Link, options: BoardOptions = {}) {
    this.hal = new NodeHal(clock, 77);
    this.model = new W5500Model(link, options.model);
    this.spi = new FakeSpi(this.model);
    this.driver = new W5500Driver(this.spi, this.hal, macFor(2));
    const overrides = Object.assign({ ip: DEVICE_IP }, options.config || {});
    this.stack = new Stack(resolveConfig(overrides), this.hal, this.driver);
    this.net = new Net(this.stack);
    this.memoryAtStart = Object.assign({}, this.stack.memory());
    this.pollInterval = options.pollInterval || 1;
  }

  /** Resets the chip and starts the loop; false when the driver could not bring the chip up. */
  start(): boolean {
    if (!this.driver.reset()) return false;
    const poll = () => {
      this.pollTimer = this.clock.after(this.pollInterval, poll);
      this.driver.poll(this.stack);
    };
    const tick = () => {
      this.tickTimer = this.clock.after(this.stack.config.tickInterval, tick);
      this.stack.tick(this.clock.now());
    };
    this.pollTimer = this.clock.after(this.pollInterval, poll);
    this.tickTimer = this.clock.after(this.stack.config.tickInterval, tick);
    return true;
  }

  stop(): void {
    this.clock.cancel(this.pollTimer);
    this.clock.cancel(this.tickTimer);
  }
}

/** A peer on the same link with the plain simulated NIC. */
export class Peer {
  readonly hal: NodeHal;
  readonly nic: SimNic;
  readonly stack: Stack;
  readonly net: Net;
  readonly host: SimHost;

  constructor(clock: VirtualClock, link: Link, config: { [field: string]: unknown } = {}) {
    this.hal = new NodeHal(clock, 99);
    this.nic = new SimNic(link, { mac: macFor(9) });
    this.stack = new Stack(resolveConfig(Object.assign({ ip: PEER_IP }, config)), this.hal, this.nic);
    this.net = new Net(this.stack);
    this.host = new SimHost(clock, this.nic, this.stack, this.stack.config.tickInterval);
    this.host.start();
  }
}

/** Runs the clock until `done()` or `limit` ms of virtual time have passed; returns the time taken. */
export function runUntil(clock: VirtualClock, done: () => boolean, limit: number): number {
  const start = clock.now();
  while (!done() && clock.now() - start < limit) clock.runUntil(clock.now() + 10);
  return clock.now() - start;
}

/** Bytes of a position-dependent pattern, so a dropped, repeated or swapped segment cannot go unseen. */
export function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/**
 * Sends a pattern frame of `length` bytes to `destination` from a probe on the link (source: host 9,
 * EtherType IPv4) and runs the clock until it has arrived; returns the frame.
 */
export function injectFrame(link: Link, fromPort: number, clock: VirtualClock, destination: Uint8Array, length: number, seed: number): Uint8Array {
  const frame = pattern(length, seed);
  frame.set(destination, 0);
  frame.set(macFor(9), 6);
  frame[12] = 0x08;
  frame[13] = 0x00;
  link.transmit(fromPort, frame, frame.length);
  clock.run();
  return frame;
}

/** Appends every 'data' chunk of a socket into one preallocated buffer. */
export class Collector {
  readonly bytes: Uint8Array;
  length = 0;
  constructor(capacity: number) {
    this.bytes = new Uint8Array(capacity);
  }
  attach(socket: Socket): void {
    socket.on('data', (chunk: Uint8Array) => {
      this.bytes.set(chunk.subarray(0, Math.min(chunk.length, this.bytes.length - this.length)), this.length);
      this.length += chunk.length;
    });
  }
}

/** Writes `data` with back-pressure: the next chunk waits for 'drain' when write() refuses. Ends the socket after the last byte. */
export function pump(socket: Socket, data: Uint8Array, chunk: number): void {
  let offset = 0;
  const next = () => {
    while (offset < data.length) {
      const piece = data.subarray(offset, Math.min(data.length, offset + chunk));
      offset += piece.length;
      if (!socket.write(piece)) return;
    }
    socket.end();
  };
  socket.on('drain', next);
  next();
}

/**
 * The peer opens one connection to port 80 of the device, which ends it at once; runs the clock until it has closed.
 * Checks the peer connected, the device accepted exactly once and the close completed.
 */
export function handshake(t: ExecutionContext, clock: VirtualClock, device: Net, peer: Net, deviceIp: string): void {
  let accepted = 0;
  const server = device.createServer((socket: Socket) => {
    accepted++;
    socket.end();
  });
  server.listen(80);
  let connected = false;
  let closed = false;
  const client = peer.connect({ host: deviceIp, port: 80 }, () => {
    connected = true;
  });
  client.on('close', () => {
    closed = true;
    server.close();
  });
  runUntil(clock, () => closed, 10000);
  t.true(connected, 'peer connected');
  t.is(accepted, 1, 'device accepted one connection');
  t.true(closed, 'closed cleanly');
}

/** What an echo run left behind: the peer's collector, its socket, who closed and every error seen. */
export interface EchoFlow {
  received: Collector;
  client: Socket;
  closed: { client: boolean; server: boolean };
  errors: string[];
}

/**
 * The device runs an echo server on port 7 (pausing its reader while its writes are refused);
 * the peer sends `data` to `deviceIp` and collects the echo.
 */
export function echo(device: Net, peer: Net, deviceIp: string, data: Uint8Array): EchoFlow {
  const closed = { client: false, server: false };
  const errors: string[] = [];
  const server = device.createServer((socket: Socket) => {
    socket.on('data', (chunk: Uint8Array) => {
      if (!socket.write(chunk)) socket.pause();
    });
    socket.on('drain', () => socket.resume());
    socket.on('error', (error: { code: string }) => errors.push('server ' + error.code));
    socket.on('close', () => {
      closed.server = true;
      server.close();
    });
  });
  server.listen(7);
  const received = new Collector(data.length);
  const client = peer.connect({ host: deviceIp, port: 7 }, () => pump(client, data, 4 * 1460));
  received.attach(client);
  client.on('error', (error: { code: string }) => errors.push('client ' + error.code));
  client.on('close', () => {
    closed.client = true;
  });
  return { received, client, closed, errors };
}

export function sameBytes(t: ExecutionContext, got: Collector, want: Uint8Array): void {
  t.is(got.length, want.length, 'every byte came back');
  t.true(Buffer.from(got.bytes.subarray(0, got.length)).equals(Buffer.from(want)), 'byte for byte');
}

/** The lwIP-style end-of-test check: no slot in use, SYN queue empty, TIME_WAIT as expected, memory unchanged. */
export function leakCheck(t: ExecutionContext, stack: Stack, memoryAtStart: MemoryReport, what: string): void {
  const tcp = stack.tcp;
  let used = 0;
  for (let i = 0; i < tcp.slotCount; i++) if (tcp.slots.flags[i] & SlotFlag.IN_USE) used++;
  t.is(used, 0, what + ': all slots free');
  t.is(tcp.synQueue.count, 0, what + ': SYN queue empty');
  t.deepEqual(stack.memory(), memoryAtStart, what + ': memory report unchanged');
}
