import test, { ExecutionContext } from 'ava';
import { Server, Socket } from '../../firmware/api/net';
import { TcpState, tcpStateNames } from '../../firmware/tcp/state';
import { Device, Network, buildNetwork, stat } from '../seeds/network';
import { settleAndCheck } from './flows';

/**
 * Whole stacks over the simulated link, failing: a full socket pool, a port in use, an
 * exhausted ephemeral range, refused and reset connections, a cut link during a transfer and
 * on an idle connection, and a RST arriving in each state a real peer can put us in. Every
 * error reaches the application as an 'error' event carrying Node's `code`.
 */

const CLIENT = '192.0.2.2';
const SERVER = '192.0.2.9';
const PORT = 7000;

function pair(seed: number, capture: string, clientConfig?: { [field: string]: unknown }) {
  const network = buildNetwork({
    seed, link: { delay: 1 }, capture,
    hosts: [{ name: 'client', ip: CLIENT, config: clientConfig }, { name: 'server', ip: SERVER, config: { sockets: 16, memoryBudget: 262144 } }],
  });
  return { network, client: network.host('client'), server: network.host('server') };
}

/** Records errors by code and whether 'close' came. */
function watch(socket: Socket, errors: string[]): Socket {
  socket.on('error', (e: { code: string }) => errors.push(e.code));
  return socket;
}

/** A server that accepts and keeps its sockets; returns them. */
function acceptor(device: Device, port: number, allowHalfOpen = false): { server: Server; sockets: Socket[]; errors: string[] } {
  const result = { server: null as unknown as Server, sockets: [] as Socket[], errors: [] as string[] };
  result.server = device.net.createServer((socket: Socket) => {
    socket.allowHalfOpen = allowHalfOpen;
    result.sockets.push(watch(socket, result.errors));
  }).listen(port, 16);
  return result;
}

test('pool exhaustion: EMFILE on the connect after the last slot, and the next connect succeeds once one closes', (t) => {
  const { network, client, server } = pair(41, 'emfile', { sockets: 3 });
  const peer = acceptor(server, PORT);
  const errors: string[] = [];
  const sockets: Socket[] = [];
  for (let i = 0; i < 3; i++) sockets.push(watch(client.net.connect({ host: SERVER, port: PORT }), errors));
  t.true(network.runUntil(() => peer.sockets.length === 3, 2000));
  const extra = watch(client.net.connect({ host: SERVER, port: PORT }), errors);
  let extraClosed = false;
  extra.on('close', (hadError: boolean) => {
    extraClosed = hadError;
  });
  t.deepEqual(errors, [], "'error' is never emitted inside connect()");
  network.run(10);
  t.deepEqual(errors, ['EMFILE']);
  t.true(extraClosed, "'close' with hadError follows");
  t.true(sockets.every((socket) => !socket.destroyed), 'no live connection was evicted');
  sockets[0].end();
  t.true(network.runUntil(() => sockets[0].destroyed, 2000));
  const next = watch(client.net.connect({ host: SERVER, port: PORT }), errors);
  let connected = false;
  next.on('connect', () => {
    connected = true;
  });
  t.true(network.runUntil(() => connected, 2000), 'a freed slot is used again');
  t.deepEqual(errors, ['EMFILE']);
  for (const socket of sockets.concat([next])) socket.end();
  network.run(1000);
  peer.server.close();
  settleAndCheck(t, network);
});

test('EADDRINUSE on a second listen to the same port; EADDRNOTAVAIL when every ephemeral port to one peer is taken', (t) => {
  const { network, client, server } = pair(42, 'addr-errors', { portFirst: 50000, portLast: 50002 });
  const first = acceptor(server, PORT);
  const errors: string[] = [];
  const second = server.net.createServer().listen(PORT);
  second.on('error', (e: { code: string }) => errors.push(e.code));
  t.is(second.listener, -1);
  network.run(10);
  t.deepEqual(errors, ['EADDRINUSE']);

  const sockets: Socket[] = [];
  for (let i = 0; i < 3; i++) sockets.push(watch(client.net.connect({ host: SERVER, port: PORT }), errors));
  network.run(100);
  t.deepEqual(sockets.map((socket) => socket.localPort).sort(), [50000, 50001, 50002]);
  watch(client.net.connect({ host: SERVER, port: PORT }), errors);
  network.run(10);
  t.deepEqual(errors, ['EADDRINUSE', 'EADDRNOTAVAIL']);
  t.is(stat(client, 'tcpAddrNotAvail'), 1);
  // Another peer port is a different 4-tuple: the same local ports serve it.
  const other = acceptor(server, PORT + 1);
  const elsewhere = watch(client.net.connect({ host: SERVER, port: PORT + 1 }), errors);
  network.run(100);
  t.false(elsewhere.destroyed);
  t.deepEqual(errors, ['EADDRINUSE', 'EADDRNOTAVAIL']);
  for (const socket of sockets.concat([elsewhere])) socket.end();
  network.run(1000);
  // The three closed 4-tuples now sit in TIME_WAIT, which the allocator must not reuse.
  watch(client.net.connect({ host: SERVER, port: PORT }), errors);
  network.run(10);
  t.deepEqual(errors, ['EADDRINUSE', 'EADDRNOTAVAIL', 'EADDRNOTAVAIL'], 'TIME_WAIT 4-tuples are not reused');
  first.server.close();
  other.server.close();
  settleAndCheck(t, network);
});

test('ECONNREFUSED for a port with no listener; ECONNRESET when the peer resets, with no TIME_WAIT on either side', (t) => {
  const { network, client, server } = pair(43, 'refused-reset');
  const errors: string[] = [];
  const refused = watch(client.net.connect({ host: SERVER, port: 1234 }), errors);
  let closedWithError = false;
  refused.on('close', (hadError: boolean) => {
    closedWithError = hadError;
  });
  t.true(network.runUntil(() => refused.destroyed, 2000));
  t.deepEqual(errors, ['ECONNREFUSED']);
  t.true(closedWithError);
  t.is(stat(server, 'tcpRefusedNoListener'), 1);

  const peer = acceptor(server, PORT);
  const socket = watch(client.net.connect({ host: SERVER, port: PORT }), errors);
  t.true(network.runUntil(() => peer.sockets.length === 1, 2000));
  socket.write('data in flight');
  peer.sockets[0].resetAndDestroy();
  t.true(peer.sockets[0].destroyed, 'the slot is given back at once');
  t.true(network.runUntil(() => socket.destroyed, 2000));
  t.deepEqual(errors, ['ECONNREFUSED', 'ECONNRESET']);
  t.deepEqual(peer.errors, [], 'the side that reset hears nothing back');
  t.is(client.stack.tcp.timeWait.count, 0, 'no TIME_WAIT after an abortive close');
  t.is(server.stack.tcp.timeWait.count, 0);
  t.is(stat(server, 'tcpAborts'), 1);
  peer.server.close();
  settleAndCheck(t, network);
});

test('a link cut mid-transfer ends in ETIMEDOUT within the user timeout', (t) => {
  const { network, client, server } = pair(44, 'cut-transfer');
  const peer = acceptor(server, PORT);
  const errors: string[] = [];
  const socket = watch(client.net.connect({ host: SERVER, port: PORT }), errors);
  const userTimeout = 10000;
  socket.on('connect', () => {
    socket.setUserTimeout(userTimeout);
    socket.write(new Uint8Array(256 * 1024));
  });
  network.run(200);
  t.true(peer.sockets.length === 1 && socket.bytesWritten > 0, 'the transfer is under way');
  const cutAt = network.now;
  network.link.up = false;
  t.true(network.runUntil(() => errors.length > 0, userTimeout + 5000, 10));
  t.deepEqual(errors, ['ETIMEDOUT']);
  t.true(network.now - cutAt <= userTimeout + client.stack.config.tickInterval, 'after ' + (network.now - cutAt) + ' ms');
  t.is(stat(client, 'tcpUserTimeouts') + stat(client, 'tcpRetransmitAborts'), 1);
  network.link.up = true;
  // The peer's connection is now half-open: its next segment draws a RST from the client.
  peer.sockets[0].write('anyone there?');
  t.true(network.runUntil(() => peer.sockets[0].destroyed, 5000));
  t.deepEqual(peer.errors, ['ECONNRESET']);
  peer.server.close();
  settleAndCheck(t, network);
});

test('an idle connection with keepalive 5 s / 5 s / 3 probes and a cut link errors within 20 s', (t) => {
  const { network, client, server } = pair(45, 'cut-keepalive');
  const peer = acceptor(server, PORT);
  const errors: string[] = [];
  const socket = watch(client.net.connect({ host: SERVER, port: PORT }), errors);
  socket.on('connect', () => {
    socket.setKeepAlive(true, 5000);
    socket.setKeepAliveProbes(5000, 3);
  });
  network.run(100);
  const cutAt = network.now;
  network.link.up = false;
  t.true(network.runUntil(() => errors.length > 0, 30000, 10));
  t.deepEqual(errors, ['ETIMEDOUT']);
  t.true(network.now - cutAt <= 20000 + client.stack.config.tickInterval, 'after ' + (network.now - cutAt) + ' ms');
  t.is(stat(client, 'tcpKeepaliveTimeouts'), 1);
  t.is(stat(client, 'tcpKeepaliveProbes'), 3);
  network.link.up = true;
  peer.sockets[0].write('anyone there?');
  t.true(network.runUntil(() => peer.sockets[0].destroyed, 5000));
  t.deepEqual(peer.errors, ['ECONNRESET']);
  peer.server.close();
  settleAndCheck(t, network);
});

/**
 * RST from a real peer (its resetAndDestroy(), so the RST carries exactly our rcv.nxt) in each
 * state the two stacks can be steered into; the per-state segment rules themselves are in
 * test/tcp/reset.test.ts. `steer` gets the client socket into the state; the server side holds
 * its socket with allowHalfOpen so that it does not close on its own.
 */
interface Steered {
  network: Network;
  client: Device;
  socket: Socket;
  peerSocket: Socket;
}

function established(t: ExecutionContext, seed: number, name: string): Steered & { peer: ReturnType<typeof acceptor> } {
  const { network, client, server } = pair(seed, 'rst-' + name);
  const peer = acceptor(server, PORT, true);
  const socket = client.net.connect({ host: SERVER, port: PORT });
  socket.allowHalfOpen = true;
  t.true(network.runUntil(() => peer.sockets.length === 1 && !socket.connecting, 2000));
  return { network, client, socket, peerSocket: peer.sockets[0], peer };
}

const steering: { [state: string]: (s: Steered) => void } = {
  ESTABLISHED: () => undefined,
  // Our FIN is lost (our port's frames are dropped), so it stays unacknowledged.
  FIN_WAIT_1: (s) => {
    s.network.link.impair({ up: false }, s.client.nic.port);
    s.socket.end();
    s.network.run(50);
    s.network.link.impair({ up: true }, s.client.nic.port);
  },
  FIN_WAIT_2: (s) => {
    s.socket.end();
    s.network.run(50);
  },
  CLOSE_WAIT: (s) => {
    s.peerSocket.end();
    s.network.run(50);
  },
  // The peer's FIN arrived, ours is lost.
  LAST_ACK: (s) => {
    s.peerSocket.end();
    s.network.run(50);
    s.network.link.impair({ up: false }, s.client.nic.port);
    s.socket.end();
    s.network.run(50);
    s.network.link.impair({ up: true }, s.client.nic.port);
  },
  // Both FINs cross (same tick) and both ACKs of them are lost: both ends sit in CLOSING.
  CLOSING: (s) => {
    s.socket.end();
    s.peerSocket.end();
    s.network.run(1.5);
    s.network.link.up = false;
    s.network.run(1);
    s.network.link.up = true;
  },
};

let seed = 50;
for (const state of Object.keys(steering)) {
  const stateSeed = seed++;
  test(`RST from the peer in ${state}: ECONNRESET, slot freed, no TIME_WAIT`, (t) => {
    const s = established(t, stateSeed, state);
    steering[state](s);
    t.is(tcpStateNames()[s.client.stack.tcp.state(s.socket.slot)], state, 'steered into ' + state);
    const errors: string[] = [];
    let closedWithError = false;
    watch(s.socket, errors).on('close', (hadError: boolean) => {
      closedWithError = hadError;
    });
    s.peerSocket.resetAndDestroy();
    t.true(s.network.runUntil(() => s.socket.destroyed, 100), 'the RST ended the connection at once');
    t.deepEqual(errors, ['ECONNRESET']);
    t.true(closedWithError);
    t.is(stat(s.client, 'tcpResets'), 1);
    t.is(s.client.stack.tcp.timeWait.count, 0);
    s.peer.server.close();
    settleAndCheck(t, s.network);
  });
}

test('RST in SYN_SENT: the refused connect reports ECONNREFUSED; in SYN_RECEIVED after a simultaneous open, too', (t) => {
  const { network, client, server } = pair(60, 'rst-syn-states');
  const errors: string[] = [];
  const refused = watch(client.net.connect({ host: SERVER, port: 4321 }), errors);
  t.is(client.stack.tcp.state(refused.slot), TcpState.SYN_SENT);
  t.true(network.runUntil(() => refused.destroyed, 2000));
  t.deepEqual(errors, ['ECONNREFUSED']);

  // Simultaneous open with both SYN-ACKs lost: both ends sit in SYN_RECEIVED; then one resets.
  const a = watch(client.net.connect({ host: SERVER, port: 6002, localPort: 6001 }), errors);
  const bErrors: string[] = [];
  const b = watch(server.net.connect({ host: CLIENT, port: 6001, localPort: 6002 }), bErrors);
  network.run(1.5);
  network.link.up = false;
  network.run(1);
  network.link.up = true;
  t.is(client.stack.tcp.state(a.slot), TcpState.SYN_RECEIVED);
  t.is(server.stack.tcp.state(b.slot), TcpState.SYN_RECEIVED);
  b.resetAndDestroy();
  t.true(network.runUntil(() => a.destroyed, 100));
  // RFC 9293 3.10.7.4: in SYN-RECEIVED from an active OPEN, a RST means "connection refused".
  t.deepEqual(errors, ['ECONNREFUSED', 'ECONNREFUSED']);
  t.deepEqual(bErrors, []);
  settleAndCheck(t, network);
});
