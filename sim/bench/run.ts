/**
 * `npm run bench`: every benchmark of issue 6 in one run, a table on stdout, the figures as
 * JSON in bench-results/results.json, the table as bench-results/results.md (what the README
 * shows) and the churn memory plot as bench-results/churn-memory.svg.
 * Each timed figure is the median of several runs, with min and max.
 *
 * Options: --quick (tiny workloads, for the smoke test), --out DIR (default bench-results).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { measureMemory, MemoryResult } from './memory';
import { runChurn, ChurnResult, NUTOS_SOCKET_BYTES } from './churn';
import { runThroughput } from './throughput';
import { timePerSegment, allocationsPerSegment, PerPacketAllocations } from './per-packet';
import { readBuildReport } from './bundles';
import { BoardBudget } from '../../tools/board-budget';
import { BundleReport } from '../../tools/bundle-report';
import { runTapBench, TapResult } from './tap';
import { fullInterpreterPlan, InterpreterBenchPlan, InterpreterBenchResult, runInterpreterBench } from './interpreter';
import { summarize, formatSummary, Summary } from './summary';
import { renderPlot } from './plot';
import { readCommandLine } from '../command-line';
import { runDriverBench, DriverBenchResult } from './drivers';

export interface BenchPlan {
  runs: number;
  churnConnections: number;
  sampleEvery: number;
  throughputBytes: number;
  perPacketBytes: number;
  distDir: string;
  /** Seconds per TAP measurement; 0 skips group 4. */
  tapSeconds: number;
  /** Frames each way per driver and frame size under Node in group 7 (the interpreter runs its own fixed count). */
  driverFrames: number;
  /** Group 7 on the interpreter too (about two minutes). */
  driverInterpreter: boolean;
  /** Group 8's workloads; null skips it. */
  interpreter: InterpreterBenchPlan | null;
  workDir: string;
}

export const fullPlan: BenchPlan = {
  runs: 5, churnConnections: 100000, sampleEvery: 1000, throughputBytes: 50e6, perPacketBytes: 50e6,
  distDir: 'dist', tapSeconds: 3, driverFrames: 20000, driverInterpreter: true, interpreter: fullInterpreterPlan, workDir: 'bench-results/tmp',
};

export const quickPlan: BenchPlan = {
  runs: 2, churnConnections: 2000, sampleEvery: 500, throughputBytes: 200000, perPacketBytes: 200000,
  distDir: 'dist', tapSeconds: 0, driverFrames: 40, driverInterpreter: false, interpreter: null, workDir: 'bench-results/tmp',
};

export interface ThroughputFigures {
  loss: number;
  megabytesPerCpuSecond: Summary;
  segmentsPerCpuSecond: Summary;
  megabytesPerVirtualSecond: Summary;
  allComplete: boolean;
}

export interface ChurnFigures {
  policy: string;
  connectionsPerCpuSecond: Summary;
  completed: number;
  failed: number;
  timeWaitRecycled: number;
  memoryMin: number;
  memoryMax: number;
  leakFree: boolean;
  /** The samples of the median run. */
  samples: ChurnResult['samples'];
}

export interface BenchResults {
  date: string;
  machine: string;
  node: string;
  plan: BenchPlan;
  memory: MemoryResult;
  /** Each board as flashed, as the build measured it on its interpreter (tools/board-budget.ts). */
  boardBudgets: BoardBudget[];
  churn: ChurnFigures[];
  throughput: ThroughputFigures[];
  perPacket: { nsPerSegment: Summary; segmentsPerRun: number; allocations: PerPacketAllocations[] };
  tap: TapResult;
  bundles: BundleReport[];
  drivers: DriverBenchResult;
  interpreter: InterpreterBenchResult;
  goals: { goal: string; met: boolean; figure: string }[];
  seconds: number;
}

function churnFigures(runs: ChurnResult[]): ChurnFigures {
  const rates = runs.map((r) => r.connectionsPerCpuSecond);
  const median = summarize(rates).median;
  const middle = runs.reduce((best, r) => (Math.abs(r.connectionsPerCpuSecond - median) < Math.abs(best.connectionsPerCpuSecond - median) ? r : best));
  const memory = middle.samples.map((s) => s.memoryBytes);
  return {
    policy: middle.policy, connectionsPerCpuSecond: summarize(rates), completed: middle.completed, failed: middle.failed,
    timeWaitRecycled: middle.timeWaitRecycled, memoryMin: Math.min(...memory), memoryMax: Math.max(...memory),
    leakFree: runs.every((r) => r.leakFree), samples: middle.samples,
  };
}

export async function runBench(plan: BenchPlan, log: (line: string) => void): Promise<BenchResults> {
  const started = Date.now();
  log('1/8 memory');
  const memory = measureMemory(plan.distDir);
  const build = readBuildReport(plan.distDir);
  const budgets = build.boards;

  log('2/8 churn: ' + plan.churnConnections + ' connections x ' + plan.runs + ' runs x 2 policies');
  const churn: ChurnFigures[] = [];
  for (const policy of ['table', 'fullSocket'] as const) {
    const runs: ChurnResult[] = [];
    for (let run = 0; run < plan.runs; run++) {
      runs.push(runChurn({
        policy, connections: plan.churnConnections, sampleEvery: plan.sampleEvery, seed: run + 1,
        device: policy === 'fullSocket' ? { sockets: 255 } : {},
      }));
    }
    churn.push(churnFigures(runs));
  }

  log('3/8 throughput between two simulated stacks');
  const throughput: ThroughputFigures[] = [];
  for (const loss of [0, 0.01]) {
    const runs = [];
    for (let run = 0; run < plan.runs; run++) runs.push(runThroughput(plan.throughputBytes, loss, run + 1));
    throughput.push({
      loss,
      megabytesPerCpuSecond: summarize(runs.map((r) => r.megabytesPerCpuSecond)),
      segmentsPerCpuSecond: summarize(runs.map((r) => r.segmentsPerCpuSecond)),
      megabytesPerVirtualSecond: summarize(runs.map((r) => r.megabytesPerVirtualSecond)),
      allComplete: runs.every((r) => r.complete),
    });
  }

  log('4/8 TAP bridge against the Linux kernel, kernel-to-kernel and lwIP');
  const tap = await runTapBench(plan.tapSeconds, log);

  log('5/8 per-packet cost');
  timePerSegment(plan.perPacketBytes, 99);
  const timings = [];
  for (let run = 0; run < plan.runs; run++) timings.push(timePerSegment(plan.perPacketBytes, run + 1));
  const allocations = [
    await allocationsPerSegment(Math.min(plan.perPacketBytes, 5e6), 1, 'viewFree'),
    await allocationsPerSegment(Math.min(plan.perPacketBytes, 5e6), 1, 'shipped'),
  ];

  log('6/8 bundle sizes');
  const bundles = build.bundles;

  log('7/8 Ethernet drivers over their register models, per frame');
  const drivers = runDriverBench(plan.driverFrames, plan.runs, plan.driverInterpreter, plan.workDir, log);

  const interpreter = await runInterpreterBench(plan.interpreter, log);

  const firmwareAllocations = allocations[0].byArea.filter((a) => a.where === 'firmware')[0];
  const goals = [
    { goal: 'TIME_WAIT entry <= 24 bytes', met: memory.timeWaitEntry.bytes <= 24, figure: memory.timeWaitEntry.bytes + ' bytes' },
    {
      goal: 'flat memory over the churn (default configuration)', met: churn[0].memoryMin === churn[0].memoryMax && churn[0].leakFree,
      figure: churn[0].memoryMin + '..' + churn[0].memoryMax + ' bytes',
    },
    {
      goal: 'zero allocations per segment in the firmware', met: firmwareAllocations.allocationsPerSegment < 0.01,
      figure: firmwareAllocations.allocationsPerSegment.toFixed(2) + ' per segment',
    },
  ].concat(tap.goals, interpreter.goals);
  return {
    date: new Date().toISOString(), machine: os.cpus()[0].model.trim() + ', ' + os.cpus().length + ' cores, ' +
      Math.round(os.totalmem() / 1073741824) + ' GB, ' + os.type() + ' ' + os.release(),
    node: process.version, plan, memory, boardBudgets: budgets, churn, throughput,
    perPacket: { nsPerSegment: summarize(timings.map((t) => t.nsPerSegment)), segmentsPerRun: timings[0].segments, allocations },
    tap, bundles, drivers, interpreter, goals, seconds: (Date.now() - started) / 1000,
  };
}

function kb(bytes: number): string {
  return (bytes / 1024).toFixed(1) + ' KB';
}

/** The results as a markdown table (also what the README shows). */
export function renderTable(r: BenchResults): string {
  const rows: string[][] = [];
  const m = r.memory;
  const vars = (v: number): string => v.toFixed(1) + ' vars';
  rows.push(['1 memory', 'TIME_WAIT entry', m.timeWaitEntry.bytes + ' B, ' + vars(m.timeWaitEntry.espruinoVariables) + ' (goal <= 24 B; Nut/OS ' + NUTOS_SOCKET_BYTES + ' B socket, lwIP 160-168 B PCB)']);
  rows.push(['1 memory', 'SYN-queue entry', m.synQueueEntry.bytes + ' B, ' + vars(m.synQueueEntry.espruinoVariables)]);
  rows.push(['1 memory', 'socket slot, without / with buffers', m.socketSlot.bytes + ' B, ' + vars(m.socketSlot.espruinoVariables) + ' / ' + m.socketSlotWithBuffers.bytes + ' B, ' + vars(m.socketSlotWithBuffers.espruinoVariables)]);
  rows.push(['1 memory', 'ARP cache entry', m.arpEntry.bytes + ' B, ' + vars(m.arpEntry.espruinoVariables)]);
  rows.push(['1 memory', 'default configuration total', m.defaultReport.total + ' B, ' + m.defaultEspruinoVariables + ' vars']);
  rows.push(['1 memory', 'default configuration by structure, bytes (the console\'s mem)',
    Object.keys(m.defaultReport).filter((name) => name !== 'total').map((name) => name + ' ' + m.defaultReport[name]).join(', ')]);
  rows.push(['1 memory', 'board selftest (2 sockets, 1 KB rings, 576-byte frames), per stack: stackBytes of node dist/selftest.js',
    m.selftestProblem ? 'not measured: ' + m.selftestProblem : m.selftestStackBytes + ' B']);
  for (const b of r.boardBudgets) {
    rows.push(['1 memory', 'board ' + b.board + ' as flashed, on espruino_linux_' + b.interpreter + ': stack bytes; stored bytes (share of Storage); variables used, free (needed free)',
      b.stackBytes + ' B; ' + b.storedBytes + ' B (' + (100 * b.storedBytes / b.storageFile).toFixed(0) + '%); ' +
      (b.used === null ? 'not measured: ' + b.unmeasured : b.used + ' used, ' + b.free + ' free of ' + b.variables + ' (' + b.appReserve + ')')]);
  }
  for (const c of r.churn) {
    rows.push(['2 churn', c.policy === 'table' ? 'seed 000 loop, TIME_WAIT table (ours), conn/s of CPU' : 'seed 000 loop, TIME_WAIT in full sockets (Nut/OS model), conn/s of CPU',
      formatSummary(c.connectionsPerCpuSecond, 0) + '; ' + c.completed + ' completed, ' + c.failed + ' failed; memory ' + kb(c.memoryMin) + '..' + kb(c.memoryMax) +
      (c.policy === 'table' ? ', ' + c.timeWaitRecycled + ' TIME_WAIT recycled' : '') + (c.leakFree ? '' : ', LEAK')]);
  }
  const lastTable = r.churn[0].samples[r.churn[0].samples.length - 1];
  rows.push(['2 churn', 'Nut/OS heap the same loop would need without a limit', kb(Math.max(...r.churn[0].samples.map((s) => s.unboundedFullSocketBytes))) + ' peak (' + kb(lastTable.unboundedFullSocketBytes) + ' at the end)']);
  for (const t of r.throughput) {
    rows.push(['3 throughput', 'two simulated stacks, ' + (t.loss * 100) + '% loss: MB/s of CPU; segments/s of CPU; MB/s virtual',
      formatSummary(t.megabytesPerCpuSecond, 1) + '; ' + formatSummary(t.segmentsPerCpuSecond, 0) + '; ' + formatSummary(t.megabytesPerVirtualSecond, 2) + (t.allComplete ? '' : ' INCOMPLETE')]);
  }
  for (const row of r.tap.rows) rows.push(['4 TAP', row[0], row[1]]);
  rows.push(['5 per packet', 'CPU time per segment (send + receive, firmware on Node)', formatSummary(r.perPacket.nsPerSegment, 0) + ' ns']);
  for (const a of r.perPacket.allocations) {
    rows.push(['5 per packet', 'allocations per segment, ' + (a.kind === 'viewFree' ? 'firmware alone (view-free HAL and wire)' : 'as shipped (Node HAL + memory wire)'),
      a.byArea.filter((x) => x.allocationsPerSegment > 0.005).map((x) => x.where + ' ' + x.allocationsPerSegment.toFixed(2) + ' (' + x.bytesPerSegment.toFixed(0) + ' B)').join(', ') || '0']);
  }
  for (const b of r.bundles) rows.push(['6 bundle', b.bundle, b.bytes + ' B minified, ' + b.pretokenisedBytes + ' B pretokenised, ' + b.gzipBytes + ' B gzip, ' + b.functions + ' functions']);
  for (const d of r.drivers.figures) {
    const p = d.perFrame;
    const bus = (n: number, bytes: number) => n.toFixed(1) + (d.driver === 'stm32-eth' ? ' register accesses' : ' SPI transactions, ' + bytes.toFixed(0) + ' B');
    const onInterpreter = d.interpreterReceive && d.interpreterTransmit && d.interpreterModelReceive && d.interpreterModelTransmit
      ? formatSummary(d.interpreterReceive, 0) + ' / ' + formatSummary(d.interpreterTransmit, 0) + ' us (the model answering: ' +
        d.interpreterModelReceive.median.toFixed(0) + ' / ' + d.interpreterModelTransmit.median.toFixed(0) + ' us, not counted)'
      : 'not run: ' + r.drivers.interpreterSkipped;
    rows.push(['7 drivers', d.driver + ', ' + d.frameBytes + '-byte frames: driver work per frame received / sent, Node; interpreter; bus per frame received / sent',
      formatSummary(d.nodeReceive, 2) + ' / ' + formatSummary(d.nodeTransmit, 2) + ' us; ' + onInterpreter + '; ' +
      bus(p.receiveBusOperations, p.receiveBusBytes) + ' / ' + bus(p.transmitBusOperations, p.transmitBusBytes)]);
  }
  for (const row of r.interpreter.rows) rows.push(['8 interpreter', row[0], row[1]]);
  for (const g of r.goals) rows.push(['goal', g.goal, (g.met ? 'MET' : 'NOT MET') + ': ' + g.figure]);
  return '| group | figure | median (min-max) |\n|---|---|---|\n' + rows.map((row) => '| ' + row.join(' | ') + ' |').join('\n') + '\n';
}

export function churnPlot(r: BenchResults): string {
  const table = r.churn[0];
  const full = r.churn[1];
  return renderPlot([
    { label: 'ours: TIME_WAIT table (default configuration), ' + table.failed + ' failed', color: '#1565c0', points: table.samples.map((s) => [s.connections, s.memoryBytes]) },
    { label: 'TIME_WAIT in full sockets, Nut/OS model, 255-socket heap: ' + full.failed + ' of ' + full.samples[full.samples.length - 1].connections + ' failed', color: '#c62828', points: full.samples.map((s) => [s.connections, s.memoryBytes]) },
    { label: 'same, heap without limit (' + NUTOS_SOCKET_BYTES + ' B per socket in TIME_WAIT)', color: '#c62828', dashed: true, points: table.samples.map((s) => [s.connections, s.unboundedFullSocketBytes]) },
  ], { title: 'Seed 000: memory over ' + table.samples[table.samples.length - 1].connections.toLocaleString('en-US') + ' connections (open, send, close every 3-5 ms)', xLabel: 'connections opened', yLabel: 'memory held by TCP' });
}

async function main(): Promise<void> {
  const options = readCommandLine('npm run bench', { quick: { kind: 'flag' }, out: { kind: 'text', value: 'DIR', fallback: 'bench-results' } });
  const quick = options.flag('quick');
  const outDir = options.text('out');
  const plan = Object.assign({}, quick ? quickPlan : fullPlan, { workDir: path.join(outDir, 'tmp') });
  fs.mkdirSync(plan.workDir, { recursive: true });
  const results = await runBench(plan, (line) => process.stdout.write('bench: ' + line + '\n'));
  fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(results, null, 1) + '\n');
  fs.writeFileSync(path.join(outDir, 'churn-memory.svg'), churnPlot(results));
  const measured = 'Measured ' + results.date + ' on ' + results.machine + ', node ' + results.node + ', in ' + results.seconds.toFixed(0) + ' s by `npm run bench`.';
  fs.writeFileSync(path.join(outDir, 'results.md'), renderTable(results) + '\n' + measured + '\n');
  process.stdout.write('\n' + renderTable(results) + '\nbench: ' + measured + ' Wrote ' + ['results.json', 'results.md', 'churn-memory.svg'].map((name) => path.join(outDir, name)).join(', ') + '\n');
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write('bench: ' + (error && error.stack ? error.stack : error) + '\n');
    process.exit(1);
  });
}
