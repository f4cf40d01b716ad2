import test from 'ava';
import { Socket } from '../../firmware/api/net';
import { read16 } from '../netif/harness';
import { Device, Network, assertBackToStart, stat } from './network';

/**
 * Seed 004: sixteen connections whose receiver stops reading while the sender writes 1-byte
 * messages in a loop. The sender must see back-pressure (write() false, then 'drain'), memory must
 * stay within the budget, the offered window must never exceed the free receive space, a
 * seventeenth connection and the timers must carry on as if nothing happened, and once the
 * receiver reads again every byte must arrive, in order.
 */

const SENDER = '192.0.2.2';
const RECEIVER = '192.0.2.9';
const BULK_PORT = 5000;
const CONTROL_PORT = 5001;
const CONNECTIONS = 16;
const MESSAGES = 5000;
const config = { sockets: CONNECTIONS + 2, sendBuffer: 1024, receiveBuffer: 1024, listeners: 2, backlog: CONNECTIONS, synQueue: CONNECTIONS };

function messageByte(connection: number, index: number): number {
  return (connection * 31 + index * 7) & 255;
}

interface Sender {
  socket: Socket;
  written: number;
  refused: number;
  drains: number;
}

test('seed 004: 16 connections, the receiver stops reading, 1-byte writes in a loop: back-pressure, then every byte in order', (t) => {
  const network = new Network({ delay: 1, seed: 51 });
  const sender = network.add('sender', SENDER, config);
  const receiver = network.add('receiver', RECEIVER, config);

  // The receiver accepts and, at once, stops reading.
  const accepted: Socket[] = [];
  const received: number[][] = [];
  receiver.net.createServer((socket: Socket) => {
    const index = accepted.length;
    accepted.push(socket);
    received.push([]);
    socket.pause();
    socket.on('data', (chunk: Uint8Array) => { for (let i = 0; i < chunk.length; i++) received[index].push(chunk[i]); });
    socket.on('end', () => socket.end());
  }).listen(BULK_PORT, CONNECTIONS);
  receiver.net.createServer((socket: Socket) => {
    socket.on('data', (chunk: Uint8Array) => socket.write(chunk));
    socket.on('end', () => socket.end());
  }).listen(CONTROL_PORT);

  // Each sender writes its messages one byte at a time for as long as write() says yes.
  const senders: Sender[] = [];
  for (let c = 0; c < CONNECTIONS; c++) {
    const state: Sender = { socket: sender.net.connect({ host: RECEIVER, port: BULK_PORT }), written: 0, refused: 0, drains: 0 };
    const pump = (): void => {
      while (state.written < MESSAGES) {
        const more = state.socket.write(new Uint8Array([messageByte(c, state.written)]));
        state.written++;
        if (!more) {
          state.refused++;
          return;
        }
      }
      state.socket.end();
    };
    state.socket.on('connect', pump);
    state.socket.on('drain', () => {
      state.drains++;
      pump();
    });
    senders.push(state);
  }

  // A seventeenth connection pings every 100 ms throughout.
  const control = sender.net.connect({ host: RECEIVER, port: CONTROL_PORT });
  const roundTrips: number[] = [];
  let pingSentAt = -1;
  control.on('data', () => {
    roundTrips.push(network.now - pingSentAt);
    pingSentAt = -1;
  });
  const ping = (): void => {
    if (control.destroyed) return;
    if (pingSentAt < 0) {
      pingSentAt = network.now;
      control.write('ping');
    }
    network.clock.after(100, ping);
  };
  let controlConnectedAt = -1;
  control.on('connect', () => {
    controlConnectedAt = network.now;
    ping();
  });

  // Invariants sampled every millisecond: memory within the budget and unchanged; no slot offers
  // more window than its receive ring has free; the sender's queue never holds more than one refused write.
  const budget = sender.stack.config.memoryBudget;
  const windowViolations: string[] = [];
  let maxPending = 0;
  let peakMemory = 0;
  let memoryMoved = 0;
  const check = (device: Device): void => {
    const memory = device.stack.memory().total;
    if (memory > peakMemory) peakMemory = memory;
    if (memory !== device.start.memoryTotal) memoryMoved++;
    const s = device.stack.tcp.slots;
    for (let i = 0; i < device.stack.tcp.slotCount; i++) {
      if (!s.state[i]) continue;
      const offered = (s.rcvAdv[i] - s.rcvNxt[i]) | 0;
      const free = s.receiveLimit[i] - s.recvLength[i];
      if (offered > free) windowViolations.push(device.name + ' slot ' + i + ' offers ' + offered + ' with ' + free + ' free');
    }
  };
  let zeroWindowsOnWire = 0;
  network.link.addTap((frame, length, time, fromPort) => {
    if (fromPort !== receiver.nic.port || length < 54 || read16(frame, 12) !== 0x0800 || frame[23] !== 6) return;
    const tcp = 14 + (frame[14] & 15) * 4;
    if (read16(frame, tcp) === BULK_PORT && read16(frame, tcp + 14) === 0) zeroWindowsOnWire++;
  });

  for (let ms = 0; ms < 10000; ms++) {
    network.run(1);
    check(sender);
    check(receiver);
    for (const state of senders) if (state.socket.pending.length > maxPending) maxPending = state.socket.pending.length;
  }
  t.is(accepted.length, CONNECTIONS, 'all sixteen connected');
  for (const state of senders) t.true(state.refused > 0, 'every sender saw write() return false');
  t.true(senders.every((state) => state.written < MESSAGES), 'every sender is held back');
  t.is(maxPending, 1, 'the sender never queued past the one refused write');
  t.true(peakMemory <= budget, 'memory within the budget: peak ' + peakMemory + ' of ' + budget);
  t.is(memoryMoved, 0, 'memory flat on both devices at every sample');
  for (let i = 0; i < CONNECTIONS; i++) t.is(received[i].length, 0, 'nothing delivered to a paused reader');
  t.deepEqual(windowViolations, [], 'the offered window never exceeded the free receive space');
  t.true(zeroWindowsOnWire >= CONNECTIONS, 'the full receivers said so: ' + zeroWindowsOnWire + ' zero windows');
  t.true(stat(sender, 'tcpZeroWindowProbes') > 0, 'the persist timer kept probing');
  const stalled = roundTrips.length;
  // (The SYNs beyond the ARP queue's two frames waited for a retransmission: the control connection came up after ~1 s.)
  const pings = Math.floor((10000 - controlConnectedAt) / 100);
  t.true(controlConnectedAt >= 0 && stalled >= pings - 1, 'the control connection kept going: ' + stalled + ' round trips of ' + pings + ' pings');
  t.true(Math.max.apply(null, roundTrips) <= 20, 'with round trips of at most 20 ms (' + Math.max.apply(null, roundTrips) + ')');

  // The receiver reads again: everything arrives, in order, and the senders finish.
  for (const socket of accepted) socket.resume();
  t.true(network.runUntil(() => received.every((bytes) => bytes.length === MESSAGES), 120000, 10), 'every byte arrived');
  for (let c = 0; c < CONNECTIONS; c++) {
    // The accept order may differ from the connect order: match by content.
    const connection = senders.findIndex((_, s) => received[c][0] === messageByte(s, 0) && received[c][1] === messageByte(s, 1));
    const expected: number[] = [];
    for (let k = 0; k < MESSAGES; k++) expected.push(messageByte(connection, k));
    t.deepEqual(received[c], expected, 'connection ' + c + ' in order');
  }
  t.true(senders.every((state) => state.written === MESSAGES && state.drains === state.refused), 'a drain for every refusal');
  t.log('seed 004: write() refused', senders.reduce((sum, s) => sum + s.refused, 0), 'times, zero windows on the wire', zeroWindowsOnWire,
    ', zero-window probes', stat(sender, 'tcpZeroWindowProbes'), ', control round trips while stalled', stalled,
    ', peak memory', peakMemory, 'of budget', budget);
  control.end();
  t.true(network.runUntil(() => control.destroyed && accepted.every((socket) => socket.destroyed) && senders.every((s) => s.socket.destroyed), 10000));
  network.run(1000);
  // Each connection's sender closed first: its TIME_WAIT records, one per connection.
  assertBackToStart(t, sender, CONNECTIONS + 1);
  assertBackToStart(t, receiver, 0);
});
