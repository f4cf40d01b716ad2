import { Stat } from '../../firmware/stats';
import { Socket } from '../../firmware/api/net';
import { connectSendClose } from '../../sim/tap/workloads';
import { LiveCounts, liveCounts } from '../seeds/network';
import { interopTest, withRig, assertNoLeaks, kernelClient, kernelSocketStates, waitFor } from './support';
import { RecycledAge } from '../../firmware/tcp/timewait-table';

/**
 * Interop tests 4 and 5 of issue 4, the connection churn of seeds 000 and 001 against the Linux
 * kernel: the device as a client that connects, sends a line and closes 20,000 times as fast as
 * it can to `ncat --recv-only -l -k 2500`, and the kernel as a client making 20,000 sequential
 * connections to a device server that closes first. Either way the closing side is the device,
 * so TIME_WAIT is on the device, in its fixed table, which recycles its oldest record.
 */

const ITERATIONS = 20000;

interopTest('4. seed 000: the device connects, sends a line and closes 20,000 times; ncat receives every line; memory flat, TIME_WAIT bounded', async (t) => {
  await withRig({}, {}, async (rig) => {
    const capacity = rig.device.stack.config.timeWaitCapacity;
    const samples: LiveCounts[] = [];
    let maxTimeWait = 0;
    const result = await connectSendClose(rig.device, {
      iterations: ITERATIONS, port: 2500, limitMs: 150000, onClosed: (closed) => {
        const timeWait = rig.device.stack.tcp.timeWait.count;
        if (timeWait > maxTimeWait) maxTimeWait = timeWait;
        if (closed % 1000 === 0) samples.push(liveCounts(rig.device));
      },
    });
    t.deepEqual(result.failures, [], 'no iteration failed');
    t.is(result.closed, ITERATIONS, 'every connection closed cleanly');
    t.log('seed 000: ' + ITERATIONS + ' connect-send-close iterations in ' + result.ms + ' ms, ' +
      Math.round(ITERATIONS / (result.ms / 1000)) + ' connections/s');
    const arrived = new Uint8Array(ITERATIONS);
    let malformed = 0;
    for (const line of result.lines) {
      const match = /^msg (\d+)$/.exec(line);
      if (match && Number(match[1]) < ITERATIONS) arrived[Number(match[1])]++;
      else malformed++;
    }
    t.is(result.lines.length, ITERATIONS, 'ncat received one line per connection');
    t.is(malformed, 0);
    t.is(arrived.indexOf(0), -1, 'every line arrived');
    t.is(arrived.indexOf(2), -1, 'no line arrived twice');
    t.is(samples.length, ITERATIONS / 1000);
    for (const sample of samples) {
      t.is(sample.memoryTotal, rig.start.memoryTotal, 'stack memory fixed');
      t.true(sample.slotsInUse <= 1, 'one connection at a time');
      t.is(sample.synQueue, 0);
    }
    const stats = rig.device.stack.stats;
    t.is(maxTimeWait, capacity, 'TIME_WAIT filled to its capacity and no further');
    t.is(stats[Stat.twInserted], ITERATIONS);
    t.is(stats[Stat.twRecycled], ITERATIONS - capacity, 'every close past the first ' + capacity + ' recycled the oldest record');
    t.is(stats[Stat.tcpAddrNotAvail], 0);
    t.is(stats[Stat.tcpEmfile], 0);
    t.log('TIME_WAIT: ' + stats[Stat.twInserted] + ' inserted, ' + stats[Stat.twRecycled] + ' recycled, shortest recycled age ' +
      rig.device.stack.tcp.timeWait.recycledAge[RecycledAge.MIN] + ' ms (2MSL ' + 2 * rig.device.stack.config.msl + ' ms)');
    t.log('kernel sockets (ss -tan): ' + JSON.stringify(await kernelSocketStates(rig.bridge)));
    t.true(await waitFor(() => liveCounts(rig.device).slotsInUse === 0, 2000));
    assertNoLeaks(t, rig, capacity);
  });
});

interopTest('5. the kernel as client: 20,000 sequential connections to a device server that closes first, none refused', async (t) => {
  await withRig({}, {}, async (rig) => {
    let served = 0;
    const errors: string[] = [];
    rig.device.net.createServer((socket: Socket) => {
      served++;
      socket.on('error', (error: Error & { code: string }) => errors.push(error.code));
      socket.end('hello ' + served + '\n');
    }).listen(8080);
    const result = await kernelClient(t, rig.bridge, { host: rig.bridge.deviceIp, port: 8080, count: ITERATIONS, timeoutMs: 5000 }, 150000);
    t.log('kernel client: ' + JSON.stringify(result) + ', ' + Math.round(ITERATIONS / (result.elapsedMs / 1000)) + ' connections/s');
    t.log('kernel sockets (ss -tan): ' + JSON.stringify(await kernelSocketStates(rig.bridge)));
    t.deepEqual(result.errors, {}, 'none refused, reset or timed out');
    t.is(result.ok, ITERATIONS);
    t.is(served, ITERATIONS);
    t.deepEqual(errors, []);
    const stats = rig.device.stack.stats;
    const capacity = rig.device.stack.config.timeWaitCapacity;
    t.is(stats[Stat.tcpRefusedNoListener], 0);
    t.is(stats[Stat.tcpAcceptQueueFull], 0);
    t.is(stats[Stat.twInserted], ITERATIONS, 'the device closed first every time');
    t.is(stats[Stat.twRecycled], ITERATIONS - capacity);
    t.true(await waitFor(() => liveCounts(rig.device).slotsInUse === 0, 2000));
    assertNoLeaks(t, rig, capacity);
  });
});
