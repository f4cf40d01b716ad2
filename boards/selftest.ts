/**
 * The self-test: two stacks joined back to back inside one interpreter, on a virtual clock, so
 * it needs no network hardware and runs in seconds. Flash it (or run `node dist/selftest.js`)
 * to check that the firmware works on this interpreter: one line, SELFTEST PASS {json} or
 * SELFTEST FAIL reason. Sized for a Pico (5,100 variables): two slots per stack, 1 KB rings,
 * 576-byte frames (boards/common/profiles.ts: selftest).
 *
 * On the interpreter it also reports its free variables after setup and after the 1,000
 * connections, each read after a garbage collection (process.memory() collects first): they
 * must be equal, or the churn leaked.
 */
import { resolveConfig } from '../firmware/config';
import { Stack } from '../firmware/stack';
import { TcpState } from '../firmware/tcp/state';
import { Stat } from '../firmware/stats';
import { Hal } from '../hal/hal';
import { EspruinoHal } from '../hal/espruino/espruino-hal';
import { MemoryWireEnd } from '../hal/memory-wire';
import { selftest as profile } from './common/profiles';

const ECHO_PORT = 7;
const SINK_PORT = 9;
const ECHO_BYTES = 10240;
const CONNECTIONS = 1000;
const MESSAGE = 'hello';

const platform = new EspruinoHal();
/**
 * The virtual clock starts where a board's clock is after 11 days up, not at 0: the interpreter
 * keeps a small number inside the variable that names it and needs a second variable once it
 * grows, so a clock that crossed that line during the churn would show as variables lost when
 * nothing was.
 */
let now = 1e9;
const hal: Hal = Object.create(platform);
hal.now = function () {
  return now;
};

const wireServer = new MemoryWireEnd(new Uint8Array([2, 0, 0, 0, 0, 1]), 576, 4);
const wireClient = new MemoryWireEnd(new Uint8Array([2, 0, 0, 0, 0, 2]), 576, 4);
wireServer.peer = wireClient;
wireClient.peer = wireServer;
const server = new Stack(resolveConfig(profile.config), hal, wireServer);
const clientConfig = resolveConfig(profile.config);
clientConfig.ip = '192.0.2.2';
const client = new Stack(clientConfig, hal, wireClient);
const serverIp = (192 << 24 >>> 0) + (2 << 8) + 1;
const scratch = new Uint8Array(590);
const buffer = new Uint8Array(512);

/** One millisecond of the world: frames cross the wire both ways, then both stacks run their timers. */
function step(): void {
  wireServer.deliver(server, scratch);
  wireClient.deliver(client, scratch);
  now++;
  server.tick(now);
  client.tick(now);
}

/**
 * The server side, polled: echoes what port 7 receives (never reading more than it can send
 * back, so the client feels back-pressure), counts what port 9 receives, and releases each
 * connection once the client has closed and everything is consumed.
 */
function serve(listeners: number[], slots: number[], counts: Uint32Array): void {
  const tcp = server.tcp;
  for (let l = 0; l < listeners.length; l++) {
    const slot = tcp.accept(listeners[l]);
    if (slot >= 0) slots.push(slot);
  }
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i];
    const echo = tcp.slots.localPort[slot] === ECHO_PORT;
    const room = echo ? tcp.writable(slot) : buffer.length;
    const got = tcp.receive(slot, buffer, 0, room < buffer.length ? room : buffer.length);
    if (got > 0) {
      counts[echo ? 0 : 1] += got;
      if (echo) tcp.send(slot, buffer, 0, got);
    }
    const state = tcp.state(slot);
    if ((state === TcpState.CLOSE_WAIT && tcp.readable(slot) === 0) || state === TcpState.CLOSED) {
      tcp.release(slot);
      slots.splice(i--, 1);
    }
  }
}

/** Runs `steps` milliseconds of the world, or fewer if `done` returns true. */
function runUntil(done: () => boolean, steps: number, listeners: number[], slots: number[], counts: Uint32Array): boolean {
  for (let i = 0; i < steps; i++) {
    if (done()) return true;
    step();
    serve(listeners, slots, counts);
  }
  return done();
}

/** Both ends are done with the `count`th connection: the client holds it in TIME_WAIT, the server has released it. */
function closed(count: number): () => boolean {
  return function () {
    const flags = server.tcp.slots.flags;
    for (let i = 0; i < flags.length; i++) if (flags[i] !== 0) return false;
    return client.stats[Stat.twInserted] === count;
  };
}

function selftest(): string {
  const tcp = client.tcp;
  const listeners = [server.tcp.listen(ECHO_PORT, 2), server.tcp.listen(SINK_PORT, 2)];
  const slots: number[] = [];
  // Bytes echoed and bytes sunk, in a typed array: a counter in a plain array would take a second
  // variable once it outgrew the small numbers the interpreter stores in place, and read as a leak.
  const counts = new Uint32Array(2);
  // The free-variable readings too: a plain variable holding the ESP32's 12,000-odd free variables
  // takes a second variable for the number (the Pico's 1,200 fit in place), and the reading after
  // the churn would count it as left behind.
  const freeVars = new Uint32Array(2);
  if (listeners[0] < 0 || listeners[1] < 0) return 'listen failed';

  let slot = tcp.connect(serverIp, ECHO_PORT, 0, now);
  if (slot < 0) return 'connect failed: ' + slot;
  if (!runUntil(function () { return tcp.state(slot) === TcpState.ESTABLISHED; }, 5000, listeners, slots, counts)) return 'handshake timed out';
  let sent = 0;
  let received = 0;
  const pattern = new Uint8Array(256);
  for (let i = 0; i < 256; i++) pattern[i] = (i * 7 + 3) & 255;
  const done = runUntil(function () {
    while (sent < ECHO_BYTES) {
      const length = ECHO_BYTES - sent < 256 - (sent & 255) ? ECHO_BYTES - sent : 256 - (sent & 255);
      const taken = tcp.send(slot, pattern, sent & 255, length);
      if (taken <= 0) break;
      sent += taken;
    }
    for (;;) {
      const got = tcp.receive(slot, buffer, 0, buffer.length);
      if (got <= 0) break;
      for (let i = 0; i < got; i++) {
        if (buffer[i] !== pattern[(received + i) & 255]) throw new Error('echo mismatch at byte ' + (received + i));
      }
      received += got;
    }
    return received === ECHO_BYTES;
  }, 60000, listeners, slots, counts);
  if (!done) return 'echo stalled at ' + received + ' of ' + ECHO_BYTES + ' bytes';
  tcp.release(slot);
  if (!runUntil(closed(1), 10000, listeners, slots, counts)) return 'graceful close timed out';

  const message = new Uint8Array(MESSAGE.length);
  for (let i = 0; i < MESSAGE.length; i++) message[i] = MESSAGE.charCodeAt(i);
  freeVars[0] = platform.memory().free;
  for (let n = 0; n < CONNECTIONS; n++) {
    slot = tcp.connect(serverIp, SINK_PORT, 0, now);
    if (slot < 0) return 'connection ' + n + ' failed: ' + slot;
    if (!runUntil(function () { return tcp.state(slot) !== TcpState.SYN_SENT; }, 5000, listeners, slots, counts)) return 'connection ' + n + ' handshake timed out';
    if (tcp.send(slot, message, 0, message.length) !== message.length) return 'connection ' + n + ' could not send';
    tcp.release(slot);
    if (!runUntil(closed(n + 2), 5000, listeners, slots, counts)) return 'connection ' + n + ' close timed out';
  }
  freeVars[1] = platform.memory().free;
  if (counts[1] !== CONNECTIONS * MESSAGE.length) return 'sink received ' + counts[1] + ' bytes, expected ' + CONNECTIONS * MESSAGE.length;
  return JSON.stringify({
    'echoBytes': received,
    'connections': CONNECTIONS,
    'sinkBytes': counts[1],
    'clientTimeWait': tcp.timeWait.count,
    'timeWaitRecycled': client.stats[Stat.twRecycled],
    'retransmits': client.stats[Stat.tcpRetransmits] + server.stats[Stat.tcpRetransmits],
    'wireDrops': wireServer.dropped + wireClient.dropped,
    'stackBytes': client.memory().total,
    'freeVarsBeforeChurn': freeVars[0],
    'freeVarsAfterChurn': freeVars[1],
  });
}

let result: string;
try {
  result = selftest();
  result = result.charAt(0) === '{' ? 'SELFTEST PASS ' + result : 'SELFTEST FAIL ' + result;
} catch (error) {
  result = 'SELFTEST FAIL ' + error;
}
platform.log(result);
