import test from 'ava';
import { spawnSync } from 'node:child_process';
import { runBench, quickPlan, renderTable, churnPlot } from '../../sim/bench/run';
import { runChurn } from '../../sim/bench/churn';
import { espruinoVariables } from '../../sim/bench/memory';
import { summarize } from '../../sim/bench/summary';

test('summaries are median, min and max', (t) => {
  t.deepEqual(summarize([3, 1, 2]), { median: 2, min: 1, max: 3, runs: 3 });
  t.is(summarize([4, 1, 2, 3]).median, 2.5);
});

test('interpreter variables match ESPRUINO.md measurements', (t) => {
  t.is(espruinoVariables(256, 1), 19);
  t.is(espruinoVariables(1500, 1), 92);
});

test('churn under both TIME_WAIT policies: table stays flat, full sockets run out, nothing leaks', (t) => {
  const table = runChurn({ policy: 'table', connections: 600, sampleEvery: 200, seed: 3 });
  t.is(table.completed, 600);
  t.is(table.failed, 0);
  t.true(table.leakFree);
  t.is(new Set(table.samples.map((s) => s.memoryBytes)).size, 1, 'memory report flat');
  t.true(table.timeWaitRecycled > 0);
  const full = runChurn({ policy: 'fullSocket', connections: 600, sampleEvery: 200, seed: 3, device: { sockets: 20 } });
  t.is(full.completed, 20, 'only as many connections as slots within 2MSL');
  t.is(full.failed, 580);
  t.true(full.leakFree);
  t.is(full.samples[full.samples.length - 1].memoryBytes, 20 * 180);
});

test('every group reports on a tiny workload, with a table and a plot', async (t) => {
  const plan = Object.assign({}, quickPlan, { runs: 1, churnConnections: 300, sampleEvery: 100, throughputBytes: 50000, perPacketBytes: 50000 });
  const results = await runBench(plan, () => undefined);
  t.is(results.memory.timeWaitEntry.bytes, 20);
  t.true(results.memory.socketSlotWithBuffers.bytes > results.memory.socketSlot.bytes);
  t.true(results.churn.every((c) => c.leakFree));
  t.true(results.throughput.every((r) => r.allComplete));
  t.true(results.perPacket.nsPerSegment.median > 0);
  t.is(results.perPacket.allocations.length, 2);
  t.is(results.boardBudgets.length, 8, 'every board as flashed');
  t.true(results.boardBudgets.every((b) => b.fits && b.stackBytes > 0));
  t.not(results.tap.skipped, '');
  // The README's self-test row is the figure `node dist/selftest.js` prints, not a stack rebuilt with other frames.
  const printed = /"stackBytes":(\d+)/.exec(spawnSync(process.execPath, ['dist/selftest.js'], { encoding: 'utf8' }).stdout);
  t.truthy(printed, 'node dist/selftest.js prints stackBytes');
  t.is(results.memory.selftestStackBytes, Number(printed![1]));
  const table = renderTable(results);
  t.true(table.indexOf('stackBytes of node dist/selftest.js | ' + printed![1] + ' B |') >= 0);
  for (const group of ['1 memory', '2 churn', '3 throughput', '4 TAP', '5 per packet', '7 drivers']) t.true(table.indexOf('| ' + group + ' |') >= 0, group);
  t.deepEqual(results.drivers.figures.map((d) => d.driver + ' ' + d.frameBytes),
    ['stm32-eth 64', 'stm32-eth 1514', 'enc28j60 64', 'enc28j60 1514', 'w5500 64', 'w5500 1514']);
  t.true(results.drivers.figures.every((d) => Number.isFinite(d.nodeReceive.median) && Number.isFinite(d.nodeTransmit.median)));
  t.is(results.drivers.figures[1].perFrame.receiveBusBytes, 0, 'the MAC moves frames by DMA: no bus bytes');
  t.true(results.drivers.figures[3].perFrame.receiveBusBytes >= 1514, 'the ENC28J60 moves every byte over SPI');
  const svg = churnPlot(results);
  t.true(svg.startsWith('<svg'));
  t.is(svg.split('<polyline').length - 1, 3);
});
