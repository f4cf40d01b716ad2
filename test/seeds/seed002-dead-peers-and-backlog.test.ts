import test from 'ava';
import { Socket, Server } from '../../firmware/api/net';
import { Network, Device, resourceCounts, assertBackToStart, stat } from './network';

/**
 * Seed 002: keepalive does not fire while data is outstanding, so a dead peer must be found by
 * the user timeout; an idle dead peer by keepalive; a full accept queue must behave
 * predictably; linger 0 must reset instead of closing; the pool limit must give a clear error.
 */

const DEVICE = '192.0.2.2';
const PEER = '192.0.2.9';
const PORT = 7000;

/** A device connected to a peer that accepts and reads; returns both ends once established. */
function connected(network: Network, device: Device, peer: Device): { client: Socket; server: { socket: Socket | null; received: number } } {
  const server = { socket: null as Socket | null, received: 0 };
  peer.net.createServer((socket: Socket) => {
    server.socket = socket;
    socket.on('data', (chunk: Uint8Array) => {
      server.received += chunk.length;
    });
    socket.on('error', () => undefined);
  }).listen(PORT);
  const client = device.net.connect({ host: PEER, port: PORT });
  network.runUntil(() => server.socket !== null && !client.connecting, 5000);
  return { client, server };
}

test('seed 002 (a): 1 Hz writes, link cut: ETIMEDOUT within the user timeout', (t) => {
  const network = new Network({ delay: 1, seed: 21 });
  const device = network.add('device', DEVICE);
  const peer = network.add('peer', PEER);
  const userTimeout = device.stack.config.userTimeout;
  const ends = connected(network, device, peer);
  const client = ends.client;
  let error = '';
  let errorAt = 0;
  client.on('error', (e: { code: string }) => {
    error = e.code;
    errorAt = network.now;
  });
  let writes = 0;
  function writeEverySecond(): void {
    if (client.destroyed) return;
    client.write('tick ' + writes++ + '\n');
    network.clock.after(1000, writeEverySecond);
  }
  writeEverySecond();
  network.run(10500);
  t.is(ends.server.received > 0, true, 'writes arrive while the link is up');
  const cutAt = network.now;
  network.link.up = false;
  t.true(network.runUntil(() => error !== '', userTimeout + 5000, 100), 'the connection ended');
  t.is(error, 'ETIMEDOUT');
  // The first write after the cut is the oldest unacknowledged data: the clock starts there, at most 1 s after the cut.
  t.true(errorAt - cutAt <= userTimeout + 1000 + device.stack.config.tickInterval, 'within the user timeout: ' + (errorAt - cutAt) + ' ms');
  t.true(stat(device, 'tcpUserTimeouts') + stat(device, 'tcpRetransmitAborts') === 1, 'counted');
  t.is(stat(device, 'tcpKeepaliveProbes'), 0, 'keepalive never fired with data outstanding');
  t.log('seed 002 (a) ETIMEDOUT after', errorAt - cutAt, 'ms; userTimeouts', stat(device, 'tcpUserTimeouts'),
    'retransmitAborts', stat(device, 'tcpRetransmitAborts'));
  network.link.up = true;
  // The peer still thinks it is connected: its own keepalive (board default) finds the dead connection.
  network.run(peer.stack.config.keepAliveIdle + peer.stack.config.keepAliveInterval * (peer.stack.config.keepAliveCount + 1));
  assertBackToStart(t, device);
  assertBackToStart(t, peer);
});

test('seed 002 (b): idle connection, keepalive 5 s / 5 s / 3, link cut: error within 20 s', (t) => {
  const network = new Network({ delay: 1, seed: 22 });
  const device = network.add('device', DEVICE);
  const peer = network.add('peer', PEER);
  const ends = connected(network, device, peer);
  const client = ends.client;
  client.setKeepAlive(true, 5000);
  client.setKeepAliveProbes(5000, 3);
  let error = '';
  let errorAt = 0;
  client.on('error', (e: { code: string }) => {
    error = e.code;
    errorAt = network.now;
  });
  network.run(30000);
  t.is(error, '', 'a live idle peer answers the probes');
  t.true(stat(device, 'tcpKeepaliveProbes') >= 5);
  const probesBefore = stat(device, 'tcpKeepaliveProbes');
  const cutAt = network.now;
  network.link.up = false;
  t.true(network.runUntil(() => error !== '', 30000, 10));
  t.is(error, 'ETIMEDOUT');
  t.true(errorAt - cutAt <= 20000, 'dead peer found in ' + (errorAt - cutAt) + ' ms');
  t.is(stat(device, 'tcpKeepaliveTimeouts'), 1);
  t.is(stat(device, 'tcpKeepaliveProbes') - probesBefore, 3, 'three unanswered probes');
  t.log('seed 002 (b) ETIMEDOUT after', errorAt - cutAt, 'ms');
  network.link.up = true;
  network.run(peer.stack.config.keepAliveIdle + peer.stack.config.keepAliveInterval * (peer.stack.config.keepAliveCount + 1));
  assertBackToStart(t, device);
  assertBackToStart(t, peer);
});

test('seed 002 (c): accept queue full: handshakes wait in the SYN queue, clients succeed once the app accepts', (t) => {
  const network = new Network({ delay: 1, seed: 23 });
  const device = network.add('device', DEVICE);
  const clients: Device[] = [];
  for (let n = 0; n < 5; n++) clients.push(network.add('client' + n, '192.0.2.' + (10 + n)));
  const backlog = 2;
  const accepted: Socket[] = [];
  const server: Server = device.net.createServer((socket: Socket) => {
    accepted.push(socket);
    socket.setEncoding('binary');
    socket.on('data', (chunk: string) => {
      socket.end('echo ' + chunk);
    });
  }).listen(PORT, backlog);
  server.pauseAccepting();
  network.run(10);

  const replies: string[] = [];
  const errors: string[] = [];
  for (const client of clients) {
    const socket = client.net.connect({ host: DEVICE, port: PORT });
    socket.setEncoding('binary');
    socket.on('connect', () => {
      socket.write(client.name);
    });
    socket.on('data', (chunk: string) => {
      replies.push(chunk);
    });
    socket.on('error', (e: { code: string }) => errors.push(e.code));
  }
  network.run(3000);
  t.is(accepted.length, 0, 'the application is not accepting');
  const listener = server.listener;
  t.is(device.stack.tcp.acceptQueueLength(listener) - device.stack.tcp.synQueue.countFor(listener), backlog, 'accept queue at its bound');
  t.is(device.stack.tcp.synQueue.count, 3, 'the other three handshakes wait as SYN-queue records, not slots');
  t.true(stat(device, 'tcpAcceptQueueFull') > 0, 'overflow counted');
  t.deepEqual(errors, [], 'nobody refused');

  server.resumeAccepting();
  network.run(10000);
  t.is(accepted.length, 5, 'every client accepted once the app accepts');
  t.deepEqual(replies.sort(), ['echo client0', 'echo client1', 'echo client2', 'echo client3', 'echo client4']);
  t.deepEqual(errors, []);
  const counts = resourceCounts(device);
  t.log('seed 002 (c) device counts', JSON.stringify(counts));
  network.run(2 * device.stack.config.msl + 1000);
  server.close();
  network.run(10);
  assertBackToStart(t, device);
  for (const client of clients) assertBackToStart(t, client);
});

test('seed 002 (d): linger 0: the peer sees RST, no TIME_WAIT on the device, the slot is free at once', (t) => {
  const network = new Network({ delay: 1, seed: 24 });
  const device = network.add('device', DEVICE);
  const peer = network.add('peer', PEER);
  const ends = connected(network, device, peer);
  let peerError = '';
  (ends.server.socket as Socket).on('error', (e: { code: string }) => {
    peerError = e.code;
  });
  ends.client.write('some data');
  network.run(100);
  ends.client.setLinger(0);
  ends.client.destroy();
  t.is(device.stack.tcp.timeWait.count, 0, 'no TIME_WAIT');
  assertBackToStart(t, device);
  network.run(100);
  t.is(peerError, 'ECONNRESET', 'the peer saw RST');
  t.is(stat(device, 'tcpAborts'), 1);
  t.is(stat(peer, 'tcpResets'), 1);
  assertBackToStart(t, peer);
});

test('seed 002 (e): the socket pool limit is a clear EMFILE, never a hang or an eviction', (t) => {
  const network = new Network({ delay: 1, seed: 25 });
  const device = network.add('device', DEVICE);
  const peer = network.add('peer', PEER, { sockets: 12, memoryBudget: 262144 });
  peer.net.createServer((socket: Socket) => {
    socket.on('error', () => undefined);
  }).listen(PORT, 16);
  const sockets: Socket[] = [];
  for (let n = 0; n < device.stack.config.sockets; n++) sockets.push(device.net.connect({ host: PEER, port: PORT }));
  network.run(5000);
  t.true(sockets.every((socket) => !socket.connecting && !socket.destroyed), 'the pool is full of live connections');
  const errors: string[] = [];
  const extra = device.net.connect({ host: PEER, port: PORT });
  extra.on('error', (e: { code: string }) => errors.push(e.code));
  network.run(10);
  t.deepEqual(errors, ['EMFILE']);
  t.is(stat(device, 'tcpEmfile'), 1);
  t.true(sockets.every((socket) => !socket.destroyed), 'no established connection was evicted');
  for (const socket of sockets) socket.end();
  network.run(2 * device.stack.config.msl + 1000);
  assertBackToStart(t, device);
  assertBackToStart(t, peer);
});
