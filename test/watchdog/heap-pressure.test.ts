import test from 'ava';
import { Socket } from '../../firmware/api/net';
import { Console } from '../../firmware/console';
import { Stat } from '../../firmware/stats';
import { WatchdogStep, HeapLevel } from '../../firmware/watchdog';
import { Network, Device, expectNoLeaks } from '../seeds/network';

/**
 * Scenario 7 (issue 3): the device's emulated free memory falls through heapLow and heapCritical
 * and recovers, while three connections are open and two TIME_WAIT records are held. Each
 * shedding step must come in order, one per watchdog check: refuse new connections and shrink
 * the windows offered (entering low), then recycle TIME_WAIT, then abort the least recently
 * active connection, then the next; and the device serves normally once memory is back.
 */

interface Segment {
  time: number;
  srcPort: number;
  dstPort: number;
  ack: number;
  window: number;
  flags: number;
}

/** The TCP segments `device` sends, as seen on the wire. */
function tapSegments(network: Network, device: Device): Segment[] {
  const segments: Segment[] = [];
  network.link.addTap((frame, length, time) => {
    if (length < 54 || frame[12] !== 0x08 || frame[13] !== 0x00 || frame[23] !== 6) return;
    const source = ((frame[26] << 24) | (frame[27] << 16) | (frame[28] << 8) | frame[29]) >>> 0;
    if (source !== device.ip) return;
    const at = 14 + (frame[14] & 15) * 4;
    segments.push({
      time,
      srcPort: (frame[at] << 8) | frame[at + 1],
      dstPort: (frame[at + 2] << 8) | frame[at + 3],
      ack: ((frame[at + 8] << 24) | (frame[at + 9] << 16) | (frame[at + 10] << 8) | frame[at + 11]) >>> 0,
      flags: frame[at + 13],
      window: (frame[at + 14] << 8) | frame[at + 15],
    });
  });
  return segments;
}

/** An echo client: what it got back, and how it ended. */
interface Client {
  socket: Socket;
  received: number[];
  error: string;
  closed: boolean;
}

function client(peer: Device, port: number): Client {
  const entry: Client = { socket: peer.net.connect({ host: '192.0.2.2', port }), received: [], error: '', closed: false };
  entry.socket.on('data', (data: Uint8Array) => {
    for (let i = 0; i < data.length; i++) entry.received.push(data[i]);
  });
  entry.socket.on('error', (error: NodeJS.ErrnoException) => (entry.error = error.code!));
  entry.socket.on('close', () => (entry.closed = true));
  return entry;
}

function pattern(length: number, salt: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 7 + salt) & 255;
  return bytes;
}

test('scenario 7: heap pressure sheds in order (refuse, shrink, TIME_WAIT, least recently active first) and the device serves again after recovery', (t) => {
  const network = new Network({ seed: 77, delay: 1 });
  const dev = network.add('dev', '192.0.2.2');
  const peer = network.add('peer', '192.0.2.9');
  const config = dev.stack.config;
  const watchdog = dev.stack.watchdog;
  const console = new Console(dev.stack);
  const segments = tapSegments(network, dev);
  const steps: { step: WatchdogStep; detail: number; time: number }[] = [];
  watchdog.listener = (step, detail) => steps.push({ step, detail, time: network.now });

  // The device: an echo server on 80 (its sockets' errors recorded), and a server on 81 that closes first.
  const serverErrors: { [remotePort: number]: string } = {};
  const echo = dev.net.createServer((socket) => {
    socket.on('data', (data: Uint8Array) => socket.write(data));
    socket.on('end', () => socket.end());
    socket.on('error', (error: NodeJS.ErrnoException) => (serverErrors[socket.remotePort] = error.code!));
  });
  echo.listen(80);
  const closer = dev.net.createServer((socket) => socket.end('bye'));
  closer.listen(81);

  // Three connections, active in the order a, b, c (c most recently), and two TIME_WAIT records.
  const a = client(peer, 80);
  const b = client(peer, 80);
  const c = client(peer, 80);
  network.run(200);
  for (const entry of [a, b, c]) {
    entry.socket.write(pattern(100, 1));
    network.run(2000);
  }
  for (let i = 0; i < 2; i++) {
    client(peer, 81);
    network.run(500);
  }
  t.is(dev.stack.tcp.timeWait.count, 2);
  const slotOf = (entry: Client): number => {
    const s = dev.stack.tcp.slots;
    for (let i = 0; i < dev.stack.tcp.slotCount; i++) if (s.state[i] !== 0 && s.remotePort[i] === entry.socket.localPort) return i;
    return -1;
  };
  const slotA = slotOf(a);
  const slotB = slotOf(b);
  const slotC = slotOf(c);
  t.true(slotA >= 0 && slotB >= 0 && slotC >= 0);
  t.deepEqual([a, b, c].map((entry) => entry.received.length), [100, 100, 100]);
  t.deepEqual(steps, [], 'nothing happens while memory is plentiful');

  // Low: the next check refuses connections and shrinks windows, without moving an advertised edge left.
  const edgeBefore = dev.stack.tcp.slots.rcvAdv[slotC];
  dev.hal.freeBytes = 7000;
  t.true(network.runUntil(() => steps.length === 1, config.heapCheckInterval + 20));
  t.deepEqual(steps.map((entry) => [entry.step, entry.detail]), [[WatchdogStep.LOW, 7000]]);
  t.is(watchdog.level, HeapLevel.LOW);
  t.is(dev.stack.tcp.slots.rcvAdv[slotC], edgeBefore, 'the edge already advertised stays');

  const refused = client(peer, 80);
  let refusedConnected = false;
  refused.socket.on('connect', () => (refusedConnected = true));
  network.run(500);
  t.is(dev.stack.stats[Stat.wdRefusedConnections], 1, 'the SYN is dropped and counted');
  t.false(refusedConnected);
  t.deepEqual(segments.filter((segment) => segment.dstPort === refused.socket.localPort), [], 'the peer hears nothing: no SYN-ACK, no RST');
  refused.socket.destroy();
  let connectError = '';
  const outgoing = dev.net.connect({ host: '192.0.2.9', port: 7 });
  outgoing.on('error', (error: NodeJS.ErrnoException) => (connectError = error.code!));
  network.run(10);
  t.is(connectError, 'ENOMEM');
  t.is(dev.stack.stats[Stat.wdRefusedConnections], 2);

  // Shrink: 8000 bytes echoed over c; once past the old edge, the device offers at most one segment.
  const pressureStart = segments.length;
  const data = pattern(8000, 3);
  c.socket.write(data);
  t.true(network.runUntil(() => c.received.length === 100 + 8000, 5000));
  t.deepEqual(c.received.slice(100), Array.from(data));
  const onC = segments.slice(pressureStart).filter((segment) => segment.dstPort === c.socket.localPort);
  const pastOldEdge = onC.filter((segment) => ((segment.ack - edgeBefore) | 0) >= 0);
  t.true(pastOldEdge.length > 3);
  t.true(pastOldEdge.every((segment) => segment.window <= dev.stack.tcp.slots.mss[slotC]), 'windows of one segment at most');
  const beforePressure = segments.slice(0, pressureStart).filter((segment) => segment.dstPort === c.socket.localPort);
  t.is(Math.max(...beforePressure.map((segment) => segment.window)), config.receiveBuffer, 'full windows before');
  const allOnC = segments.filter((segment) => segment.dstPort === c.socket.localPort && segment.flags & 0x10);
  for (let i = 1; i < allOnC.length; i++) {
    const previous = (allOnC[i - 1].ack + allOnC[i - 1].window) >>> 0;
    const edge = (allOnC[i].ack + allOnC[i].window) >>> 0;
    t.true(((edge - previous) | 0) >= 0, 'the right edge never moves left (RFC 9293: no window shrinking)');
  }
  t.true(watchdog.level === HeapLevel.LOW && steps.length === 1, 'staying low is quiet');

  // Critical: one step per check, in order.
  dev.hal.freeBytes = 3000;
  const criticalAt = network.now;
  t.true(network.runUntil(() => steps.length === 5, 5 * config.heapCheckInterval));
  const shedding = steps.slice(1).map((entry) => [entry.step, entry.detail]);
  t.deepEqual(shedding, [
    [WatchdogStep.CRITICAL, 3000],
    [WatchdogStep.TIME_WAIT_SHED, 2],
    [WatchdogStep.CONNECTION_ABORTED, slotA],
    [WatchdogStep.CONNECTION_ABORTED, slotB],
  ], 'critical, then TIME_WAIT, then the least recently active connection, then the next');
  for (let i = 2; i < 5; i++) t.is(steps[i].time - steps[i - 1].time, config.heapCheckInterval, 'one step per check');
  t.true(steps[1].time - criticalAt <= config.heapCheckInterval);
  t.is(dev.stack.tcp.timeWait.count, 0);
  network.run(50);
  t.deepEqual([a.error, b.error, c.error], ['ECONNRESET', 'ECONNRESET', ''], 'the peer sees RST on the aborted ones');
  t.is(serverErrors[a.socket.localPort], 'ENOMEM', 'the device\'s application hears why');
  t.is(serverErrors[b.socket.localPort], 'ENOMEM');
  const mark = dev.hal.lines.length;
  console.execute('wd');
  t.deepEqual(dev.hal.lines.slice(mark), [
    'wd critical free 3000 low<8192 critical<4096 hysteresis 2048 every 1000 ms',
    'wd checks ' + dev.stack.stats[Stat.wdChecks] + ' low 1 critical 1 recovered 0 refused 2 tw shed 2 aborted 2',
  ]);

  // Out of critical (above heapCritical + hysteresis) but still low: shedding stops, c survives.
  dev.hal.freeBytes = config.heapCritical + config.heapHysteresis + 100;
  t.true(network.runUntil(() => steps.length === 6, config.heapCheckInterval + 20));
  t.deepEqual([steps[5].step, steps[5].detail], [WatchdogStep.LOW, config.heapCritical + config.heapHysteresis + 100]);
  network.run(3 * config.heapCheckInterval);
  t.is(steps.length, 6);
  t.is(c.error, '');

  // Recovery above heapLow + hysteresis.
  dev.hal.freeBytes = config.heapLow + config.heapHysteresis;
  t.true(network.runUntil(() => steps.length === 7, config.heapCheckInterval + 20));
  t.deepEqual([steps[6].step, steps[6].detail], [WatchdogStep.RECOVERED, config.heapLow + config.heapHysteresis]);
  t.is(watchdog.level, HeapLevel.OK);

  // The console told the same story, one line per step.
  const wdLines = dev.hal.lines.filter((line) => line.startsWith('wd: '));
  t.deepEqual(wdLines.map((line) => line.replace(/idle \d+ ms/, 'idle N ms')), [
    'wd: low, refusing connections, windows shrunk (free 7000)',
    'wd: critical, shedding (free 3000)',
    'wd: shed 2 TIME_WAIT',
    'wd: abort slot ' + slotA + ' 192.0.2.9:' + a.socket.localPort + ' idle N ms',
    'wd: abort slot ' + slotB + ' 192.0.2.9:' + b.socket.localPort + ' idle N ms',
    'wd: low, refusing connections, windows shrunk (free ' + (config.heapCritical + config.heapHysteresis + 100) + ')',
    'wd: recovered, accepting connections (free ' + (config.heapLow + config.heapHysteresis) + ')',
  ], 'one console line per step');
  const idleA = Number(/idle (\d+) ms/.exec(wdLines[3])![1]);
  const idleB = Number(/idle (\d+) ms/.exec(wdLines[4])![1]);
  t.true(idleA > idleB && idleB > 0, 'the least recently active goes first');

  // Serving again: c at full windows, a new connection with a transfer, and an outgoing connection.
  const more = pattern(6000, 5);
  const recoveredAt = segments.length;
  c.socket.write(more);
  t.true(network.runUntil(() => c.received.length === 8100 + 6000, 5000));
  t.deepEqual(c.received.slice(8100), Array.from(more));
  t.true(segments.slice(recoveredAt).some((segment) => segment.dstPort === c.socket.localPort && segment.window > 2000), 'windows grow again');
  const d = client(peer, 80);
  const big = pattern(20000, 9);
  d.socket.write(big);
  t.true(network.runUntil(() => d.received.length === 20000, 10000));
  t.deepEqual(d.received, Array.from(big));
  const peerEcho = peer.net.createServer((socket) => socket.on('data', (bytes: Uint8Array) => socket.end(bytes)));
  peerEcho.listen(7);
  let answer = '';
  const out = dev.net.connect({ host: '192.0.2.9', port: 7 }, () => out.write('ping'));
  out.setEncoding('utf8');
  out.on('data', (text: string) => (answer += text));
  t.true(network.runUntil(() => answer === 'ping', 2000));

  t.deepEqual({
    low: dev.stack.stats[Stat.wdLowEntered], critical: dev.stack.stats[Stat.wdCriticalEntered],
    recovered: dev.stack.stats[Stat.wdRecovered], refused: dev.stack.stats[Stat.wdRefusedConnections],
    timeWaitShed: dev.stack.stats[Stat.wdTimeWaitShed], aborted: dev.stack.stats[Stat.wdConnectionsAborted],
  }, { low: 2, critical: 1, recovered: 1, refused: 2, timeWaitShed: 2, aborted: 2 });
  t.log('scenario 7 counts', JSON.stringify({ steps: steps.map((entry) => entry.step), timeWaitShed: 2, aborted: 2, refused: 2 }));

  for (const entry of [c, d]) entry.socket.end();
  out.end();
  echo.close();
  closer.close();
  peerEcho.close();
  network.run(2 * config.msl + 2000);
  expectNoLeaks(t, dev);
  expectNoLeaks(t, peer);
});
