import test, { ExecutionContext } from 'ava';
import { NetworkJs, HostResolver } from '../../firmware/api/network-js';
import { Socket } from '../../firmware/api/net';
import { parseIp } from '../../firmware/wire/ip-address';
import { Network, Device, assertBackToStart, startServices } from '../seeds/network';
import { Interpreter, JsObject } from './interpreter';

/*
 * The NetworkJS adapter against a Node re-enactment of the interpreter's socket server
 * (interpreter.ts), for what the real interpreter cannot be made to do on cue: lookups answered
 * late or for a reused handle, a resolver that refuses at once, no free socket, a reset after
 * data. The adapter's everyday use (net and http, client and server, by name) is tested on the
 * interpreter itself: test/interpreter/user-code.test.ts.
 */

const DEVICE_IP = '192.0.2.2';
const PEER_IP = '192.0.2.9';

interface World {
  network: Network;
  device: Device;
  peer: Device;
  adapter: NetworkJs;
  js: Interpreter;
}

/** A device whose interpreter runs `net`/`http` over the adapter, and a peer with the plain stack, on one link. */
function world(resolver: HostResolver | null = null, deviceConfig: { [field: string]: unknown } = {}): World {
  const network = new Network({ seed: 5, delay: 1 });
  const device = network.add('device', DEVICE_IP, deviceConfig);
  const peer = network.add('peer', PEER_IP);
  const adapter = new NetworkJs(device.stack, resolver);
  return { network, device, peer, adapter, js: new Interpreter(adapter) };
}

/** Virtual time in 1 ms steps with one interpreter idle pass after each, until `done` or `limit` ms. */
function run(w: World, done: () => boolean, limit: number): boolean {
  for (let ms = 0; ms < limit; ms++) {
    if (done()) return true;
    w.network.run(1);
    w.js.idle();
  }
  return done();
}

/** Leak check: both stacks back to their starting pools, no handle left in the adapter, no contract violation seen. */
function finish(t: ExecutionContext, w: World, deviceTimeWait: number, peerTimeWait: number): void {
  run(w, () => false, 200);
  t.deepEqual(w.js.exceptions, [], 'the driver kept the NetworkJS contract');
  t.deepEqual(Array.from((w.adapter as unknown as { kinds: Uint8Array }).kinds).filter((kind) => kind !== 0), [], 'no handle left open');
  assertBackToStart(t, w.device, deviceTimeWait);
  assertBackToStart(t, w.peer, peerTimeWait);
}

function events(object: JsObject): string[] {
  return object.emitted.map((event) => event[0]);
}

test('names: create resolves a host name before connecting; an unknown name fails with not found', (t) => {
  let w: World;
  const lookups: string[] = [];
  const resolver: HostResolver = {
    lookup(name, callback) {
      lookups.push(name);
      if (name === 'bad name') return -7;
      w.network.clock.after(30, () => (name === 'peer.test' ? callback(null, parseIp(PEER_IP)) : callback(new Error('ENOTFOUND ' + name), 0)));
      return 0;
    },
  };
  w = world(resolver);
  startServices(w.network, w.peer);
  let echoed = '';
  const good = w.js.netConnect({ host: 'peer.test', port: 7 }, () => good.write('ping'));
  good.on('data', (data) => {
    echoed += data as string;
    if (echoed === 'ping') good.end();
  });
  const bad = w.js.netConnect({ host: 'nowhere.test', port: 7 });
  t.true(run(w, () => w.js.clientConnections.length === 0, 10000), 'both finished');
  t.is(w.adapter.create('bad name', 7, 0), -6, 'a name the resolver refuses at once: not found, and no handle kept');
  t.deepEqual(lookups, ['peer.test', 'nowhere.test', 'bad name']);
  t.is(echoed, 'ping');
  t.deepEqual(events(bad), ['end', 'error', 'end', 'close']);
  t.is((bad.emitted[1][1] as { code: number }).code, -6, 'not found');
  t.is(bad.emitted[3][1], true, 'close with error');
  finish(t, w, 1, 0);
});

test('errors: a refused connect, no free socket, and UDP are reported with the interpreter\'s codes', (t) => {
  const w = world(null, { sockets: 2 });
  const refused = w.js.netConnect({ host: PEER_IP, port: 9999 });
  t.true(run(w, () => w.js.clientConnections.length === 0, 5000));
  t.deepEqual(events(refused), ['end', 'error', 'end', 'close']);
  t.is((refused.emitted[1][1] as { code: number }).code, -9, 'reset');

  startServices(w.network, w.peer);
  const open = [w.js.netConnect({ host: PEER_IP, port: 7 }), w.js.netConnect({ host: PEER_IP, port: 7 })];
  const third = w.js.netConnect({ host: PEER_IP, port: 7 });
  t.deepEqual(w.js.exceptions, ['Unable to create socket'], 'the third create returned an error');
  w.js.exceptions.length = 0;
  t.is(w.adapter.create(PEER_IP, 7, 0), -7, 'no free socket');
  t.is(w.adapter.create(PEER_IP, 53, 2), -12, 'UDP is not offered');
  t.true(run(w, () => open.every((s) => s.connected) && w.js.clientConnections.length === 2, 5000));
  t.deepEqual(events(third), ['end', 'end', 'close'], 'as the interpreter does, a socket it could not create just closes');
  for (const socket of open) socket.end();
  t.true(run(w, () => w.js.clientConnections.length === 0, 5000));
  finish(t, w, 2, 0);
});

test('a socket opened with the TLS bit is a TCP connection like any other: the interpreter\'s TLS records pass through send and recv unchanged', (t) => {
  // libs/network/network.c creates the socket with ST_TLS (alone for require("tls"), with ST_HTTP
  // for https) and then calls this driver's send/recv with mbedTLS's records: every byte value.
  const w = world();
  startServices(w.network, w.peer);
  let records = '';
  for (let i = 0; i < 4096; i++) records += String.fromCharCode((i * 151 + (i >> 8)) & 255);
  for (const socketType of [4, 5]) {
    const socket = w.adapter.create(PEER_IP, 7, socketType);
    t.true(socket >= 0, 'socket type ' + socketType + ' is opened');
    let sent = 0;
    let echoed = '';
    t.true(run(w, () => {
      if (sent < records.length) {
        const taken = w.adapter.send(socket, records.substring(sent, sent + 536));
        if (taken > 0) sent += taken;
      }
      const got = w.adapter.recv(socket, 536);
      if (typeof got === 'string') echoed += got;
      return echoed.length === records.length;
    }, 10000), 'socket type ' + socketType + ': the records came back');
    t.is(echoed, records, 'byte for byte');
    w.adapter.close(socket);
  }
  finish(t, w, 2, 0);
});

test('recv reports the peer\'s reset as -9 after the data that came before it', (t) => {
  const w = world();
  let peerSocket: Socket | null = null;
  w.peer.net.createServer((socket: Socket) => {
    peerSocket = socket;
    socket.write('last words');
    socket.resetAndDestroy();
  }).listen(5000);
  let got = '';
  const socket = w.js.netConnect({ host: PEER_IP, port: 5000 });
  socket.on('data', (data) => (got += data as string));
  t.true(run(w, () => w.js.clientConnections.length === 0, 5000));
  t.truthy(peerSocket);
  const seen = events(socket);
  t.is(seen[seen.length - 1], 'close');
  t.true(seen.includes('error'));
  const error = socket.emitted.find((e) => e[0] === 'error');
  t.is((error ? error[1] as { code: number } : { code: 0 }).code, -9);
  t.true(got === '' || got === 'last words', 'data before the reset is delivered or lost with it, never mangled');
  finish(t, w, 0, 0);
});

test('a lookup answered after its socket was closed is ignored, even when the handle has been reused', (t) => {
  const answers: ((error: Error | null, ip: number) => void)[] = [];
  const w = world({ lookup: (_name, callback) => answers.push(callback) && 0 });
  startServices(w.network, w.peer);
  const first = w.adapter.create('slow.test', 7, 0);
  t.true(first >= 0);
  t.is(w.adapter.recv(first, 536), -11, 'still resolving: not connected yet');
  t.is(w.adapter.send(first, 'x'), 0, 'nothing taken while resolving');
  w.adapter.close(first);
  const second = w.adapter.create('other.test', 7, 0);
  t.is(second, first, 'the handle is reused');
  answers[0](null, parseIp(PEER_IP));
  t.is(w.adapter.recv(second, 536), -11, 'the stale answer did not connect the new socket');
  t.is(w.adapter.create('third.test', 7, 0) >= 0, true);
  t.is(w.adapter.create('fourth.test', 7, 0), -7, 'two lookups at a time');
  answers[1](null, parseIp(PEER_IP));
  answers[2](new Error('timeout'), 0);
  t.true(run(w, () => w.adapter.recv(second, 536) === '', 1000), 'the live answer connected');
  t.is(w.adapter.recv(second + 1, 536), -6);
  w.adapter.close(second);
  w.adapter.close(second + 1);
  t.true(run(w, () => false, 100) === false);
  finish(t, w, 1, 0);
});

test('after the peer\'s FIN, recv waits while the interpreter still offers data, since CLOSED makes it drop what it has not sent', (t) => {
  const w = world();
  let peerSocket: Socket | null = null;
  w.peer.net.createServer((socket: Socket) => {
    peerSocket = socket;
    socket.end();
  }).listen(5000);
  const handle = w.adapter.create(PEER_IP, 5000, 0);
  t.true(run(w, () => peerSocket !== null && w.adapter.recv(handle, 536) === -1, 5000), 'the peer\'s FIN: CLOSED when nothing is offered');
  t.is(w.adapter.send(handle, 'late reply'), 10, 'data is still taken after the peer\'s FIN');
  t.is(w.adapter.recv(handle, 536), '', 'not CLOSED while the interpreter offers data');
  t.is(w.adapter.recv(handle, 536), -1, 'CLOSED once it has stopped');
  w.adapter.close(handle);
  finish(t, w, 0, 1);
});
