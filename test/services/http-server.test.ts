import test from 'ava';
import { Socket } from '../../firmware/api/net';
import { startHttpServer } from '../../firmware/services/http-server';
import { Network, Device, expectNoLeaks, stat } from '../seeds/network';

/**
 * The firmware's HTTP service (firmware/services/http-server.ts) against simulated clients:
 * /bytes/N takes 0 to 1,000,000,000 in decimal digits and nothing else; a request's headers
 * must arrive within config.httpHeaderTimeout; and clients trickling their headers a byte a
 * second can never hold the whole socket pool (the oldest unfinished request is shed).
 */

function rig(deviceConfig: { [field: string]: unknown } = {}) {
  const network = new Network({ seed: 21, delay: 1 });
  const device = network.add('device', '192.0.2.2', deviceConfig);
  const peer = network.add('peer', '192.0.2.9', { sockets: 32, synQueue: 32, sendBuffer: 1024, receiveBuffer: 4096, memoryBudget: 1 << 20 });
  startHttpServer(device.net, device.stack, 80);
  network.run(10);
  return { network, device, peer };
}

interface Exchange {
  reply: string;
  closed: boolean;
  error: string;
  closedAt: number;
}

/** Sends `request` (all at once) and collects the reply until the connection closes. */
function get(network: Network, peer: Device, request: string): Exchange {
  const exchange: Exchange = { reply: '', closed: false, error: '', closedAt: 0 };
  const socket: Socket = peer.net.connect({ host: '192.0.2.2', port: 80 }, () => socket.write(request));
  socket.on('data', (data: Uint8Array) => (exchange.reply += Buffer.from(data).toString('latin1')));
  socket.on('error', (error: NodeJS.ErrnoException) => (exchange.error = error.code || ''));
  socket.on('close', () => {
    exchange.closed = true;
    exchange.closedAt = network.now;
  });
  return exchange;
}

function finish(t: import('ava').ExecutionContext, network: Network, devices: Device[]): void {
  network.run(2 * devices[0].stack.config.msl + 2000);
  for (const device of devices) expectNoLeaks(t, device);
}

test('/bytes/N: 400 with a reason for sizes that are not 0 to 1,000,000,000 in decimal digits', (t) => {
  const { network, device, peer } = rig();
  const bad = ['-1', 'abc', '1e3', '99999999999', '1000000001', '', '12abc', '0x10', '1.5'];
  const exchanges = bad.map((size) => get(network, peer, 'GET /bytes/' + size + ' HTTP/1.0\r\n\r\n'));
  t.true(network.runUntil(() => exchanges.every((e) => e.closed), 10000));
  bad.forEach((size, i) => {
    t.is(exchanges[i].reply, 'HTTP/1.0 400 Bad Request\r\nContent-Length: 29\r\n\r\nsize must be 0 to 1000000000\n', size);
  });
  finish(t, network, [device, peer]);
});

test('/bytes/N: 0, 1000 and the maximum are answered with exactly that Content-Length', (t) => {
  const { network, device, peer } = rig();
  const none = get(network, peer, 'GET /bytes/0 HTTP/1.0\r\n\r\n');
  const some = get(network, peer, 'GET /bytes/1000 HTTP/1.0\r\n\r\n');
  t.true(network.runUntil(() => none.closed && some.closed, 10000));
  t.is(none.reply, 'HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 0\r\n\r\n');
  t.regex(some.reply, /^HTTP\/1\.0 200 OK\r\n[^]*Content-Length: 1000\r\n\r\n/);
  t.is(some.reply.length - some.reply.indexOf('\r\n\r\n') - 4, 1000);
  let head = '';
  const most: Socket = peer.net.connect({ host: '192.0.2.2', port: 80 }, () => most.write('GET /bytes/1000000000 HTTP/1.0\r\n\r\n'));
  most.on('data', (data: Uint8Array) => (head += Buffer.from(data).toString('latin1')));
  most.on('error', () => undefined);
  t.true(network.runUntil(() => head.indexOf('\r\n\r\n') >= 0, 5000));
  t.regex(head, /Content-Length: 1000000000\r\n/);
  most.destroy();
  finish(t, network, [device, peer]);
});

test('headers not complete within httpHeaderTimeout: the connection is reset and counted; a slow response is not cut', (t) => {
  const { network, device, peer } = rig({ httpHeaderTimeout: 2000 });
  const started = network.now;
  const silent = get(network, peer, '');
  const partial = get(network, peer, 'GET / HTTP/1.0\r\n');
  // A complete request whose 200 KB answer the client reads slowly, for longer than the timeout.
  let received = 0;
  let ended = false;
  const slow: Socket = peer.net.connect({ host: '192.0.2.2', port: 80 }, () => slow.write('GET /bytes/200000 HTTP/1.0\r\n\r\n'));
  slow.on('data', (data: Uint8Array) => {
    received += data.length;
    slow.pause();
    network.clock.after(100, () => slow.resume());
  });
  slow.on('end', () => (ended = true));
  t.true(network.runUntil(() => silent.closed && partial.closed, 10000));
  t.is(silent.error, 'ECONNRESET');
  t.is(partial.error, 'ECONNRESET');
  t.true(silent.closedAt - started >= 2000 && silent.closedAt - started < 2100, 'reset at ' + (silent.closedAt - started) + ' ms');
  t.is(stat(device, 'httpHeaderTimeouts'), 2);
  t.true(network.runUntil(() => ended, 60000));
  t.true(network.now - started > 4000, 'the response took longer than the header timeout');
  t.true(received > 200000);
  t.is(stat(device, 'httpHeaderTimeouts'), 2);
  finish(t, network, [device, peer]);
});

test('a full pool of unfinished requests: the connection that takes the last slot sheds the oldest, and a real client is served', (t) => {
  const { network, device, peer } = rig({ sockets: 4 });
  const silent = [0, 1, 2, 3].map(() => {
    const exchange = get(network, peer, '');
    network.run(50);
    return exchange;
  });
  t.is(stat(device, 'httpRequestsShed'), 1, 'the fourth took the last slot');
  t.is(silent[0].error, 'ECONNRESET', 'the oldest was shed');
  t.false(silent[1].closed || silent[2].closed || silent[3].closed);
  const real = get(network, peer, 'GET / HTTP/1.0\r\n\r\n');
  t.true(network.runUntil(() => real.closed, 1000), 'served at once, not after the header timeout');
  t.regex(real.reply, /^HTTP\/1\.0 200 OK\r\n/);
  t.is(stat(device, 'httpRequestsShed'), 2);
  t.true(network.runUntil(() => silent.every((e) => e.closed), 10000));
  finish(t, network, [device, peer]);
});

test('ten clients trickling their headers a byte a second (reconnecting when cut) cannot lock seven others out', (t) => {
  const { network, device, peer } = rig();
  const request = 'GET / HTTP/1.0\r\nHost: device\r\nUser-Agent: trickle\r\n\r\n';
  let trickling = true;
  const trickle = (): void => {
    let sent = 0;
    const socket: Socket = peer.net.connect({ host: '192.0.2.2', port: 80 });
    const next = (): void => {
      if (!trickling || socket.destroyed) return;
      if (!socket.connecting) socket.write(request.charAt(sent++ % request.length));
      network.clock.after(1000, next);
    };
    network.clock.after(1000, next);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (trickling) network.clock.after(10, trickle);
    });
  };
  for (let i = 0; i < 10; i++) trickle();
  network.run(3000);
  const started = network.now;
  const others: Exchange[] = [];
  for (let i = 0; i < 7; i++) {
    others.push(get(network, peer, 'GET / HTTP/1.0\r\n\r\n'));
    network.run(300);
  }
  t.true(network.runUntil(() => others.every((e) => e.closed), 24000), 'all seven finished within 24 s');
  const served = others.filter((e) => e.reply.startsWith('HTTP/1.0 200 OK')).length;
  t.log('served ' + served + ' of 7 in ' + (network.now - started) + ' ms; shed ' + stat(device, 'httpRequestsShed') +
    ', header timeouts ' + stat(device, 'httpHeaderTimeouts'));
  t.is(served, 7);
  t.true(network.now - started < 5000, 'within 5 s, not after the tricklers gave up');
  t.true(stat(device, 'httpRequestsShed') + stat(device, 'httpHeaderTimeouts') > 0);
  trickling = false;
  network.run(10000);
  finish(t, network, [device, peer]);
});
