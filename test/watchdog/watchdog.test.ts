import test from 'ava';
import { Stat } from '../../firmware/stats';
import { Socket } from '../../firmware/api/net';
import { WatchdogStep, HeapLevel } from '../../firmware/watchdog';
import { TcpState } from '../../firmware/tcp/state';
import { Network, expectNoLeaks } from '../seeds/network';

/** One device with the default thresholds: low 8192, critical 4096, hysteresis 2048, a check every 1000 ms. */
function setup() {
  const network = new Network({ seed: 3, delay: 1 });
  const dev = network.add('dev', '192.0.2.2');
  const steps: number[] = [];
  dev.stack.watchdog.listener = (step) => steps.push(step);
  return { network, dev, steps };
}

test('levels move with hysteresis: down at heapLow and heapCritical, up only past threshold + heapHysteresis', (t) => {
  const { network, dev, steps } = setup();
  const sequence: [number, HeapLevel][] = [
    [9000, HeapLevel.OK], [8191, HeapLevel.LOW], [9000, HeapLevel.LOW], [10239, HeapLevel.LOW], [10240, HeapLevel.OK],
    [8192, HeapLevel.OK], [8191, HeapLevel.LOW], [4095, HeapLevel.CRITICAL], [6143, HeapLevel.CRITICAL],
    [6144, HeapLevel.LOW], [4096, HeapLevel.LOW], [4095, HeapLevel.CRITICAL], [10240, HeapLevel.OK],
    [1000, HeapLevel.CRITICAL], [1 << 20, HeapLevel.OK],
  ];
  for (const [free, level] of sequence) {
    dev.hal.freeBytes = free;
    network.run(1000);
    t.is(dev.stack.watchdog.level, level, 'free ' + free);
    t.is(dev.stack.watchdog.free, free);
    t.is(dev.stack.tcp.heapPressure, level !== HeapLevel.OK);
  }
  t.deepEqual(steps, [
    WatchdogStep.LOW, WatchdogStep.RECOVERED, WatchdogStep.LOW, WatchdogStep.CRITICAL, WatchdogStep.LOW,
    WatchdogStep.CRITICAL, WatchdogStep.RECOVERED, WatchdogStep.CRITICAL, WatchdogStep.RECOVERED,
  ]);
  const s = dev.stack.stats;
  t.deepEqual([s[Stat.wdLowEntered], s[Stat.wdCriticalEntered], s[Stat.wdRecovered]], [3, 3, 3]);
  t.is(dev.hal.lines.filter((line) => line.startsWith('wd: ')).length, steps.length, 'one console line per step');
  expectNoLeaks(t, dev);
});

test('free memory is read once per heapCheckInterval, not on every tick (on a board the reading runs the GC)', (t) => {
  const { network, dev } = setup();
  let readings = 0;
  const read = dev.hal.memory.bind(dev.hal);
  dev.hal.memory = () => {
    readings++;
    return read();
  };
  network.run(10000);
  t.true(readings >= 10 && readings <= 11, 'readings ' + readings);
  t.is(dev.stack.stats[Stat.wdChecks], readings);
  expectNoLeaks(t, dev);
});

test('critical with nothing left to shed stays quiet; a throwing listener is logged and the stack keeps working', (t) => {
  const { network, dev, steps } = setup();
  const peer = network.add('peer', '192.0.2.9');
  dev.stack.watchdog.listener = (step) => {
    steps.push(step);
    throw new Error('boom');
  };
  dev.hal.freeBytes = 100;
  network.run(5000);
  t.deepEqual(steps, [WatchdogStep.CRITICAL]);
  t.deepEqual(dev.hal.lines.filter((line) => line.startsWith('wd: ') || line.startsWith('app: ')),
    ['wd: critical, shedding (free 100)', 'app: uncaught Error: boom']);
  t.is(dev.stack.stats[Stat.wdChecks], 5);
  dev.hal.freeBytes = 1 << 20;
  network.run(1000);
  t.deepEqual(steps, [WatchdogStep.CRITICAL, WatchdogStep.RECOVERED]);
  const server = dev.net.createServer((socket) => socket.on('data', (data: Uint8Array) => socket.end(data)));
  server.listen(7);
  let answer = '';
  const client = peer.net.connect({ host: '192.0.2.2', port: 7 }, () => client.write('still here'));
  client.setEncoding('utf8');
  client.on('data', (text: string) => (answer += text));
  t.true(network.runUntil(() => answer === 'still here', 2000));
  server.close();
  network.run(2 * dev.stack.config.msl + 2000);
  expectNoLeaks(t, dev);
  expectNoLeaks(t, peer);
});

test('under critical pressure a connection closing with data queued (FIN_WAIT_1) is shed like an open one, one per check', (t) => {
  const { network, dev, steps } = setup();
  const peer = network.add('peer', '192.0.2.9', { receiveBuffer: 1024 });
  // The peer never reads or closes: the device's socket lingers in FIN_WAIT_1 with data queued behind a zero window.
  const server = peer.net.createServer((socket) => socket.pause());
  server.listen(9);
  const first = dev.net.connect({ host: '192.0.2.9', port: 9 });
  network.run(100);
  let firstError = '';
  first.on('error', (error: NodeJS.ErrnoException) => (firstError = error.code!));
  first.end(new Uint8Array(3000));
  network.run(3000);
  const second = dev.net.connect({ host: '192.0.2.9', port: 9 });
  let secondError = '';
  second.on('error', (error: NodeJS.ErrnoException) => (secondError = error.code!));
  network.run(100);
  second.write('x');
  network.run(100);
  const tcp = dev.stack.tcp;
  const firstSlot = (() => {
    for (let i = 0; i < tcp.slotCount; i++) if (tcp.slots.state[i] !== 0 && tcp.slots.localPort[i] === first.localPort) return i;
    return -1;
  })();
  t.true(firstSlot >= 0);
  t.is(tcp.slots.state[firstSlot], TcpState.FIN_WAIT_1);
  dev.hal.freeBytes = 100;
  t.true(network.runUntil(() => steps.length === 3, 4000));
  t.deepEqual(steps, [WatchdogStep.CRITICAL, WatchdogStep.CONNECTION_ABORTED, WatchdogStep.CONNECTION_ABORTED]);
  t.true(dev.hal.lines.some((line) => line.startsWith('wd: abort slot ' + firstSlot + ' ')));
  network.run(10);
  t.deepEqual([firstError, secondError], ['ENOMEM', 'ENOMEM']);
  dev.hal.freeBytes = 1 << 20;
  server.close();
  network.run(2 * dev.stack.config.msl + 2000);
  expectNoLeaks(t, dev);
  expectNoLeaks(t, peer);
});

test('under low memory a receiver that paused and resumes reopens its one-segment window at once, without waiting for a persist probe', (t) => {
  const { network, dev } = setup();
  const peer = network.add('peer', '192.0.2.9');
  const received: number[] = [];
  let accepted: Socket | null = null;
  const server = dev.net.createServer((socket) => {
    accepted = socket;
    socket.pause();
    socket.on('data', (data: Uint8Array) => {
      for (let i = 0; i < data.length; i++) received.push(data[i]);
    });
  });
  server.listen(9);
  const client = peer.net.connect({ host: '192.0.2.2', port: 9 });
  network.run(100);
  dev.hal.freeBytes = 7000;
  network.run(1000);
  t.is(dev.stack.watchdog.level, HeapLevel.LOW);
  const data = new Uint8Array(20000).map((_, i) => (i * 13) & 255);
  client.end(data);
  network.run(500);
  const probesBefore = peer.stack.stats[Stat.tcpZeroWindowProbes];
  accepted!.resume();
  t.true(network.runUntil(() => received.length === data.length, 2000));
  t.deepEqual(received, Array.from(data));
  t.is(peer.stack.stats[Stat.tcpZeroWindowProbes], probesBefore, 'no persist probe needed after the reader resumed');
  dev.hal.freeBytes = 1 << 20;
  accepted!.end();
  server.close();
  network.run(2 * dev.stack.config.msl + 2000);
  expectNoLeaks(t, dev);
  expectNoLeaks(t, peer);
});
