import test, { ExecutionContext } from 'ava';
import { Socket } from '../../firmware/api/net';
import { Network, Device, resourceCounts, assertBackToStart, stat } from './network';

/**
 * Seed 001: a server that closes first collects TIME_WAITs (one per 4-tuple), and a client
 * that makes many short connections to it can run out of ephemeral ports. Here 50,000 short
 * connections from one client address: the server never refuses while a 4-tuple is free, and
 * the client never fails to find a port while any port to that peer is free.
 */

const CONNECTIONS = 50000;
const INTERVAL = 2;
const SERVER_PORT = 80;
const SERVER = '192.0.2.2';

interface Outcome {
  ok: number;
  errors: string[];
  localPorts: Uint8Array;
}

/** A server that answers one request and closes first. */
function serve(server: Device): void {
  server.net.createServer((socket: Socket) => {
    socket.on('data', () => {
      socket.end('200\n');
    });
    socket.on('error', () => undefined);
  }).listen(SERVER_PORT, 8);
}

/** `count` request/response connections from `client`, one every INTERVAL ms. */
function runClients(t: ExecutionContext, network: Network, client: Device, count: number): Outcome {
  const outcome: Outcome = { ok: 0, errors: [], localPorts: new Uint8Array(65536) };
  let started = 0;
  function open(): void {
    const n = started++;
    let reply = '';
    const socket = client.net.connect({ host: SERVER, port: SERVER_PORT });
    socket.setEncoding('binary');
    socket.on('connect', () => {
      outcome.localPorts[socket.localPort] = 1;
      socket.write('GET ' + n + '\n');
    });
    socket.on('data', (chunk: string) => {
      reply += chunk;
    });
    socket.on('error', (error: Error) => {
      outcome.errors.push(n + ': ' + error.message);
    });
    socket.on('close', (hadError: boolean) => {
      if (!hadError && reply === '200\n') outcome.ok++;
    });
    if (started < count) network.clock.after(INTERVAL, open);
  }
  network.clock.after(INTERVAL, open);
  network.run(count * INTERVAL + 2000);
  t.is(started, count);
  return outcome;
}

function portsUsed(ports: Uint8Array): number {
  let used = 0;
  for (let p = 0; p < ports.length; p++) used += ports[p];
  return used;
}

test('seed 001: 50,000 connections to a server that closes first, default tables (records recycled)', (t) => {
  const network = new Network({ delay: 0.25, seed: 5 });
  const server = network.add('server', SERVER);
  const client = network.add('client', '192.0.2.9');
  serve(server);
  const outcome = runClients(t, network, client, CONNECTIONS);
  t.deepEqual(outcome.errors, [], 'no connection failed');
  t.is(outcome.ok, CONNECTIONS, 'every request answered');
  // 50,000 connections cycle the client's 16,384 ports three times over.
  t.is(portsUsed(outcome.localPorts), 16384, 'the whole ephemeral range was used');
  const counts = resourceCounts(server);
  t.is(counts.twInserted, CONNECTIONS, 'the server holds the TIME_WAITs');
  t.is(counts.twRecycled, CONNECTIONS - server.stack.config.timeWaitCapacity);
  t.is(stat(server, 'tcpRefusedNoListener'), 0);
  t.is(resourceCounts(client).twInserted, 0, 'the client closes second: no TIME_WAIT there');
  t.is(resourceCounts(client).tcpAddrNotAvail, 0);
  t.log('seed 001 (default) server counts', JSON.stringify(counts));
  network.run(2 * server.stack.config.msl + 1000);
  assertBackToStart(t, server);
  assertBackToStart(t, client);
});

test('seed 001: 50,000 connections over 1,000 client ports while the server still holds every 4-tuple in TIME_WAIT', (t) => {
  const network = new Network({ delay: 0.25, seed: 7 });
  // Room for every 4-tuple the client can make, so each reuse meets its TIME_WAIT record.
  const server = network.add('server', SERVER, { timeWaitCapacity: 2048, memoryBudget: 262144 });
  const client = network.add('client', '192.0.2.9', { portFirst: 50000, portLast: 50999 });
  serve(server);
  const outcome = runClients(t, network, client, CONNECTIONS);
  t.deepEqual(outcome.errors, [], 'no connection refused');
  t.is(outcome.ok, CONNECTIONS, 'every request answered');
  t.is(portsUsed(outcome.localPorts), 1000);
  const counts = resourceCounts(server);
  // Each port comes back 2 s after its last use, well inside 2MSL: the client's new ISN is beyond
  // the old connection's (RFC 6528 clock), so RFC 1122 4.2.2.13 / RFC 6191 lets the SYN reopen it.
  t.is(counts.twSynReopened, CONNECTIONS - 1000, 'every reuse reopened its TIME_WAIT 4-tuple');
  t.is(counts.twSynAnsweredWithAck, 0);
  t.is(counts.twRecycled, 0);
  t.is(server.stack.tcp.timeWait.count, 1000, 'one record per 4-tuple');
  t.log('seed 001 (port reuse) server counts', JSON.stringify(counts));
  network.run(2 * server.stack.config.msl + 1000);
  assertBackToStart(t, server);
  assertBackToStart(t, client);
});

test('seed 001: EADDRNOTAVAIL only when every port to that peer is taken', (t) => {
  const network = new Network({ delay: 0.25, seed: 9 });
  const server = network.add('server', SERVER);
  const client = network.add('client', '192.0.2.9', { portFirst: 50000, portLast: 50003 });
  const held: Socket[] = [];
  server.net.createServer((socket: Socket) => {
    held.push(socket);
  }).listen(SERVER_PORT);
  server.net.createServer(() => undefined).listen(SERVER_PORT + 1);
  network.run(10);

  const clients: Socket[] = [];
  for (let n = 0; n < 4; n++) clients.push(client.net.connect({ host: SERVER, port: SERVER_PORT }));
  // Two SYNs wait for ARP; the other two are dropped while it resolves and go again after the initial RTO.
  network.run(1500);
  t.is(held.length, 4, 'four connections use all four ports');
  const ports = clients.map((socket) => socket.localPort).sort();
  t.deepEqual(ports, [50000, 50001, 50002, 50003]);

  const errors: string[] = [];
  const fifth = client.net.connect({ host: SERVER, port: SERVER_PORT });
  fifth.on('error', (error: { code: string }) => errors.push(error.code));
  network.run(10);
  t.deepEqual(errors, ['EADDRNOTAVAIL'], 'no port left for this peer');
  t.is(stat(client, 'tcpAddrNotAvail'), 1);

  // Another peer port is another 4-tuple: the same local ports are free for it.
  const other = client.net.connect({ host: SERVER, port: SERVER_PORT + 1 });
  let otherConnected = false;
  other.on('connect', () => {
    otherConnected = true;
  });
  network.run(10);
  t.true(otherConnected, 'the same local port works towards another peer port');

  // The client closes first: its port goes into the client's TIME_WAIT table and stays taken.
  clients[0].end();
  network.run(50);
  t.is(client.stack.tcp.timeWait.count, 1);
  const sixth = client.net.connect({ host: SERVER, port: SERVER_PORT });
  sixth.on('error', (error: { code: string }) => errors.push(error.code));
  network.run(10);
  t.deepEqual(errors, ['EADDRNOTAVAIL', 'EADDRNOTAVAIL'], 'a port in TIME_WAIT is never picked');

  // The server closes first: that client port is free again at once, and it is the one picked.
  const freedPort = held[1].remotePort;
  held[1].end();
  network.run(50);
  const seventh = client.net.connect({ host: SERVER, port: SERVER_PORT });
  let seventhPort = 0;
  seventh.on('connect', () => {
    seventhPort = seventh.localPort;
  });
  network.run(10);
  t.is(seventhPort, freedPort, 'the freed port is found');
  t.is(stat(client, 'tcpAddrNotAvail'), 2);

  // After 2MSL the TIME_WAIT port is free too.
  network.run(2 * client.stack.config.msl);
  t.is(client.stack.tcp.timeWait.count, 0);
  const eighth = client.net.connect({ host: SERVER, port: SERVER_PORT });
  let eighthPort = 0;
  eighth.on('connect', () => {
    eighthPort = eighth.localPort;
  });
  network.run(10);
  t.is(eighthPort, clients[0].localPort, 'the port whose TIME_WAIT expired is picked');

  for (const socket of clients.concat([other, seventh, eighth])) socket.destroy();
  for (const socket of held) socket.destroy();
  network.run(2 * client.stack.config.msl + 1000);
  assertBackToStart(t, server);
  assertBackToStart(t, client);
});
