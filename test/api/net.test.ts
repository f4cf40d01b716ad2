import test from 'ava';
import { Socket, NetError } from '../../firmware/api/net';
import { buildNetwork, expectNoLeaks } from '../seeds/network';
import { Collector, pattern, sameBytes } from '../scenario/flows';

/**
 * The `net` facade's contract, over two real stacks on the simulated link: back-pressure with
 * write() and 'drain', the order of 'end' and 'close' on both sides, destroy() with data
 * queued, errors carrying `code`, events never emitted inside the call that caused them,
 * exceptions in application handlers contained, and setEncoding().
 */

const CLIENT = '192.0.2.2';
const SERVER = '192.0.2.9';
const PORT = 8000;

function pair(seed: number, clientConfig?: { [field: string]: unknown }) {
  const network = buildNetwork({
    seed, link: { delay: 1 }, capture: 'api-' + seed,
    hosts: [{ name: 'client', ip: CLIENT, config: clientConfig }, { name: 'server', ip: SERVER }],
  });
  const client = network.host('client');
  const server = network.host('server');
  const finish = (t: import('ava').ExecutionContext) => {
    network.run(2 * client.stack.config.msl + 1000);
    expectNoLeaks(t, client);
    expectNoLeaks(t, server);
  };
  return { network, client, server, finish };
}

/** Each side's events in order, as 'client:end' / 'server:close'. */
function log(socket: Socket, side: string, into: string[]): Socket {
  for (const event of ['connect', 'end', 'close', 'drain', 'error']) {
    socket.on(event, (arg: unknown) => {
      into.push(side + ':' + event + (event === 'error' ? ':' + (arg as NetError).code : ''));
    });
  }
  return socket;
}

test("write() returns false once the send ring is full, and 'drain' follows when it empties", (t) => {
  const { network, client, server, finish } = pair(81, { sendBuffer: 1024 });
  const got = new Collector(5000);
  const srv = server.net.createServer((socket: Socket) => {
    socket.on('data', (chunk: Uint8Array) => got.take(chunk));
  }).listen(PORT);
  const events: string[] = [];
  const socket = log(client.net.connect({ host: SERVER, port: PORT }), 'client', events);
  t.true(network.runUntil(() => events.length > 0, 1000));
  t.true(socket.write(pattern(1000, 1).subarray(0, 1000)), 'what fits the ring returns true');
  const rest = pattern(4000, 2);
  t.false(socket.write(rest), 'beyond the ring: false');
  t.false(socket.write('more'), 'still false while data waits');
  t.deepEqual(events, ['client:connect'], "no 'drain' inside write()");
  t.true(network.runUntil(() => events.indexOf('client:drain') >= 0, 2000));
  t.is(events.filter((e) => e === 'client:drain').length, 1, "one 'drain'");
  t.is(socket.bytesWritten, 5004);
  t.true(network.runUntil(() => got.length === 5000, 2000));
  t.is(Buffer.from(got.bytes.subarray(1000, 5000)).equals(Buffer.from(rest)), true, 'in order');
  socket.end();
  network.run(100);
  srv.close();
  finish(t);
});

test("write() and end() before 'connect' are kept and go out once connected", (t) => {
  const { network, client, server, finish } = pair(91);
  const got = new Collector(6000);
  let ended = false;
  const srv = server.net.createServer((socket: Socket) => {
    socket.on('data', (chunk: Uint8Array) => got.take(chunk));
    socket.on('end', () => {
      ended = true;
    });
  }).listen(PORT);
  const socket = client.net.connect({ host: SERVER, port: PORT });
  const data = pattern(6000, 5);
  socket.write(data);
  socket.end();
  t.true(network.runUntil(() => ended && socket.destroyed, 3000), 'delivered and closed');
  sameBytes(t, got, data, 'written before connect');
  srv.close();
  finish(t);
});

for (const first of ['client', 'server']) {
  test(`end() by the ${first}: each side sees 'end' before 'close', once each, and nothing after`, (t) => {
    const { network, client, server, finish } = pair(first === 'client' ? 82 : 83);
    const events: string[] = [];
    let accepted: Socket | null = null;
    const srv = server.net.createServer((socket: Socket) => {
      accepted = log(socket, 'server', events);
    }).listen(PORT);
    const socket = log(client.net.connect({ host: SERVER, port: PORT }), 'client', events);
    t.true(network.runUntil(() => accepted !== null && events.indexOf('client:connect') >= 0, 1000));
    const closer = first === 'client' ? socket : (accepted as unknown as Socket);
    closer.end('bye');
    t.deepEqual(events, ['client:connect'], "end() emits nothing by itself");
    t.true(network.runUntil(() => events.length === 5, 2000));
    network.run(1000);
    const side = (name: string) => events.filter((e) => e.startsWith(name + ':'));
    t.deepEqual(side('client'), ['client:connect', 'client:end', 'client:close']);
    t.deepEqual(side('server'), ['server:end', 'server:close']);
    const other = first === 'client' ? 'server' : 'client';
    t.true(events.indexOf(other + ':end') < events.indexOf(first + ':close'), 'the passive side saw end before the active side closed');
    srv.close();
    finish(t);
  });
}

test('destroy() while data is queued: what the ring took still arrives in order, the rest is dropped, close follows', (t) => {
  const { network, client, server, finish } = pair(84);
  const got = new Collector(64 * 1024);
  const events: string[] = [];
  const srv = server.net.createServer((socket: Socket) => {
    socket.on('data', (chunk: Uint8Array) => got.take(chunk));
    log(socket, 'server', events);
  }).listen(PORT);
  const socket = log(client.net.connect({ host: SERVER, port: PORT }), 'client', events);
  t.true(network.runUntil(() => events.indexOf('client:connect') >= 0, 1000));
  const data = pattern(64 * 1024, 3);
  t.false(socket.write(data));
  const taken = socket.bytesWritten;
  t.true(taken > 0 && taken < data.length, 'the ring holds part of it: ' + taken);
  socket.destroy();
  t.true(socket.destroyed);
  t.deepEqual(events, ['client:connect'], "'close' is not emitted inside destroy()");
  socket.write('after destroy');
  t.true(network.runUntil(() => events.indexOf('server:close') >= 0, 5000));
  network.run(1000);
  t.is(got.length, taken, 'the peer got exactly what the ring had taken');
  t.is(Buffer.from(got.bytes.subarray(0, taken)).equals(Buffer.from(data.subarray(0, taken))), true, 'byte for byte');
  t.deepEqual(events.filter((e) => e.startsWith('client:')), ['client:connect', 'client:close', 'client:error:EPIPE']);
  t.deepEqual(events.filter((e) => e.startsWith('server:')), ['server:end', 'server:close']);
  t.is(socket.bytesWritten, taken, 'nothing more was sent after destroy()');
  srv.close();
  finish(t);
});

test("'error' is an Error carrying `code`, emitted after the call that caused it, and 'close' with hadError follows", (t) => {
  const { network, client, server, finish } = pair(85, { sockets: 1 });
  const seen: { error: NetError | null; closeHadError: boolean | null; order: string[] } = { error: null, closeHadError: null, order: [] };
  const socket = client.net.connect({ host: SERVER, port: 1 });
  socket.on('error', (error: NetError) => {
    seen.error = error;
    seen.order.push('error');
  });
  socket.on('close', (hadError: boolean) => {
    seen.closeHadError = hadError;
    seen.order.push('close');
  });
  t.true(network.runUntil(() => seen.order.length === 2, 2000));
  t.true(seen.error instanceof Error);
  t.is((seen.error as NetError).code, 'ECONNREFUSED');
  t.regex((seen.error as NetError).message, /ECONNREFUSED/);
  t.deepEqual(seen.order, ['error', 'close']);
  t.true(seen.closeHadError);

  // Errors found inside the call itself are still delivered later: EMFILE, EADDRINUSE, a bad host.
  const order: string[] = [];
  const holder = client.net.connect({ host: SERVER, port: 2 });
  holder.on('error', () => undefined);
  const emfile = client.net.connect({ host: SERVER, port: 3 });
  emfile.on('error', (e: NetError) => order.push('connect ' + e.code));
  const first = server.net.createServer().listen(PORT);
  const second = server.net.createServer().listen(PORT);
  second.on('error', (e: NetError) => order.push('listen ' + e.code));
  order.push('calls returned');
  network.run(50);
  t.is(order[0], 'calls returned');
  t.deepEqual(order.slice(1).sort(), ['connect EMFILE', 'listen EADDRINUSE']);
  first.close();
  second.close();
  finish(t);
});

test("events are never emitted inside the call that caused them: connect, write, end, pause/resume, destroy, listen, close", (t) => {
  const { network, client, server, finish } = pair(86);
  let inCall = false;
  const reentrant: string[] = [];
  const guard = (what: string) => () => {
    if (inCall) reentrant.push(what);
  };
  let accepted: Socket | null = null;
  const srv = server.net.createServer((socket: Socket) => {
    accepted = socket;
    for (const event of ['data', 'end', 'close', 'drain', 'error']) socket.on(event, guard('server ' + event));
  });
  srv.on('listening', guard('listening'));
  srv.on('close', guard('server close'));
  srv.on('connection', guard('connection'));
  const within = (fn: () => void) => {
    inCall = true;
    fn();
    inCall = false;
  };
  within(() => srv.listen(PORT));
  let socket: Socket | null = null;
  within(() => {
    socket = client.net.connect({ host: SERVER, port: PORT });
  });
  const s = socket as unknown as Socket;
  for (const event of ['connect', 'data', 'end', 'close', 'drain', 'error']) s.on(event, guard('client ' + event));
  t.true(network.runUntil(() => accepted !== null && !s.connecting, 1000));
  const peer = accepted as unknown as Socket;
  within(() => peer.pause());
  within(() => s.write(pattern(20000, 4)));
  network.run(500);
  within(() => peer.resume());
  within(() => srv.pauseAccepting());
  within(() => srv.resumeAccepting());
  network.run(500);
  within(() => s.end());
  network.run(500);
  within(() => peer.destroy());
  within(() => srv.close());
  network.run(500);
  t.deepEqual(reentrant, []);
  finish(t);
});

test('an exception thrown in an application handler is logged and the stack keeps working', (t) => {
  const { network, client, server, finish } = pair(87);
  let connections = 0;
  const received: string[] = [];
  const srv = server.net.createServer((socket: Socket) => {
    connections++;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received.push(chunk);
      throw new Error('handler bug ' + connections);
    });
  }).listen(PORT);
  const closes: boolean[] = [];
  for (let n = 0; n < 2; n++) {
    const socket = client.net.connect({ host: SERVER, port: PORT });
    socket.on('connect', () => {
      socket.end('request ' + n);
      throw new Error('client handler bug');
    });
    socket.on('close', (hadError: boolean) => closes.push(hadError));
    t.true(network.runUntil(() => closes.length === n + 1, 5000), 'connection ' + n + ' completed');
  }
  t.deepEqual(received, ['request 0', 'request 1'], 'the next connection still works');
  t.deepEqual(closes, [false, false]);
  const logged = server.hal.lines.concat(client.hal.lines).filter((line) => /handler bug/.test(line));
  t.true(logged.length >= 4, 'each exception logged: ' + JSON.stringify(logged));
  srv.close();
  finish(t);
});

test("a throwing 'data' handler does not swallow the 'end' and 'close' delivered with the same data", (t) => {
  const { network, client, server, finish } = pair(90);
  const events: string[] = [];
  let accepted: Socket | null = null;
  const srv = server.net.createServer((socket: Socket) => {
    accepted = socket;
    socket.pause();
    socket.on('data', () => {
      events.push('data');
      throw new Error('handler bug');
    });
    socket.on('end', () => events.push('end'));
    socket.on('close', () => events.push('close'));
  }).listen(PORT);
  const socket = client.net.connect({ host: SERVER, port: PORT }, () => {
    socket.end('request and FIN together');
  });
  t.true(network.runUntil(() => accepted !== null, 1000));
  network.run(100);
  // Data and FIN now wait together: resume() delivers both in one go.
  (accepted as unknown as Socket).resume();
  t.true(network.runUntil(() => socket.destroyed && events.indexOf('close') >= 0, 2000), 'both sides closed');
  t.deepEqual(events, ['data', 'end', 'close']);
  srv.close();
  finish(t);
});

test("setEncoding('utf8') delivers strings; without it 'data' is a Uint8Array", (t) => {
  const { network, client, server, finish } = pair(88);
  const chunks: unknown[] = [];
  const srv = server.net.createServer((socket: Socket) => {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: unknown) => {
      chunks.push(chunk);
      socket.write('pong');
    });
  }).listen(PORT);
  const replies: unknown[] = [];
  const socket = client.net.connect({ host: SERVER, port: PORT }, () => {
    socket.write('ping');
  });
  socket.on('data', (chunk: unknown) => {
    replies.push(chunk);
    socket.end();
  });
  t.true(network.runUntil(() => socket.destroyed, 2000));
  t.deepEqual(chunks, ['ping']);
  t.is(typeof chunks[0], 'string');
  t.true(replies[0] instanceof Uint8Array);
  t.deepEqual(Array.from(replies[0] as Uint8Array), [112, 111, 110, 103]);
  srv.close();
  finish(t);
});

test('a full round of 100 sequential connections leaves every pool where it started', (t) => {
  const { network, client, server, finish } = pair(89);
  const want = pattern(3000, 9);
  const srv = server.net.createServer((socket: Socket) => {
    socket.on('data', (chunk: Uint8Array) => socket.write(chunk));
  }).listen(PORT);
  for (let n = 0; n < 100; n++) {
    const got = new Collector(want.length);
    const socket = client.net.connect({ host: SERVER, port: PORT }, () => {
      socket.write(want);
    });
    socket.on('data', (chunk: Uint8Array) => {
      got.take(chunk);
      if (got.length === want.length) socket.end();
    });
    if (!network.runUntil(() => socket.destroyed, 5000)) break;
    if (n % 25 === 0) sameBytes(t, got, want, 'connection ' + n);
  }
  srv.close();
  finish(t);
});
