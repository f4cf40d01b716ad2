import test from 'ava';
import { Socket } from '../../firmware/api/net';
import { Network, LiveCounts, liveCounts, resourceCounts, assertBackToStart, stat } from './network';
import { RecycledAge } from '../../firmware/tcp/timewait-table';

/**
 * Seed 000 (Nut/OS): a device opens a TCP connection to a PC, sends a short string and closes,
 * in a tight loop, and runs out of heap because every closed socket sits in TIME_WAIT for 2MSL
 * as a whole socket. Here the same loop runs every 3 ms for 100,000 iterations (300 s of
 * virtual time, five times 2MSL): TIME_WAIT lives in the fixed table, which fills to capacity
 * and then recycles its oldest record on every close; memory and every pool stay flat.
 */

const ITERATIONS = 100000;
const INTERVAL = 3;
const PEER_PORT = 2500;

test('seed 000: connect, send, close every 3 ms for 100,000 iterations with flat memory', (t) => {
  const network = new Network({ delay: 0.25, seed: 3 });
  const device = network.add('device', '192.0.2.2');
  // The PC: `ncat --recv-only -l -k 2500`, collecting every string.
  const pc = network.add('pc', '192.0.2.9');
  const capacity = device.stack.config.timeWaitCapacity;
  t.is(2 * device.stack.config.msl, 60000, '2MSL defaults to 60 s');

  const arrived = new Uint8Array(ITERATIONS);
  let arrivals = 0;
  let duplicates = 0;
  pc.net.createServer((socket: Socket) => {
    let text = '';
    socket.setEncoding('binary');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('end', () => {
      const match = /^msg (\d+)\n$/.exec(text);
      if (!match) return;
      const n = Number(match[1]);
      if (arrived[n]) duplicates++;
      arrived[n] = 1;
      arrivals++;
    });
  }).listen(PEER_PORT);

  let started = 0;
  let closedCleanly = 0;
  const failures: string[] = [];
  const samples: LiveCounts[] = [];
  let maxSlots = 0;
  function iteration(): void {
    const n = started++;
    const socket = device.net.connect({ host: '192.0.2.9', port: PEER_PORT });
    socket.on('connect', () => {
      socket.end('msg ' + n + '\n');
    });
    socket.on('error', (error: Error) => {
      failures.push(n + ': ' + error.message);
    });
    socket.on('close', (hadError: boolean) => {
      if (!hadError) closedCleanly++;
    });
    const counts = liveCounts(device);
    if (counts.slotsInUse > maxSlots) maxSlots = counts.slotsInUse;
    if (n % 1000 === 999) samples.push(counts);
    if (started < ITERATIONS) network.clock.after(INTERVAL, iteration);
  }
  network.clock.after(INTERVAL, iteration);

  const realStart = Date.now();
  network.run(ITERATIONS * INTERVAL + 1000);
  const realMs = Date.now() - realStart;

  t.deepEqual(failures, [], 'no iteration failed');
  t.is(started, ITERATIONS);
  t.is(closedCleanly, ITERATIONS, 'every connection closed cleanly');
  t.is(arrivals, ITERATIONS, 'every string arrived');
  t.is(duplicates, 0);
  t.is(samples.length, ITERATIONS / 1000);
  for (const sample of samples) {
    t.is(sample.memoryTotal, device.start.memoryTotal, 'stack memory fixed');
    t.is(sample.timeWait, capacity, 'TIME_WAIT stays at capacity');
    t.true(sample.slotsInUse <= 2, 'at most two connections in progress');
    t.is(sample.synQueue, 0);
    t.is(sample.arpPending, 0);
  }
  t.true(maxSlots <= 2, 'slots in use stayed at ' + maxSlots + ' or fewer');

  const counts = resourceCounts(device);
  t.is(counts.twInserted, ITERATIONS);
  // 2MSL (60 s) holds 20,000 closes at this rate, so every close past the first `capacity` recycles the oldest record.
  t.is(counts.twRecycled, ITERATIONS - capacity, 'recycles counted');
  t.is(counts.twExpired, 0);
  t.is(counts.tcpAddrNotAvail, 0);
  t.is(counts.tcpEmfile, 0);
  t.true(device.stack.tcp.timeWait.recycledAge[RecycledAge.MIN] >= capacity * INTERVAL - INTERVAL, 'effective TIME_WAIT ~ capacity / rate');
  t.is(stat(pc, 'tcpRefusedNoListener'), 0);
  t.log('seed 000 device counts', JSON.stringify(counts), 'min recycled age', device.stack.tcp.timeWait.recycledAge[RecycledAge.MIN],
    'ms; real time', realMs, 'ms');

  // After 2MSL of quiet the table drains and every pool is back where it started.
  network.run(2 * device.stack.config.msl + 1000);
  assertBackToStart(t, device);
  assertBackToStart(t, pc);
  t.is(resourceCounts(device).twExpired, capacity);
});
