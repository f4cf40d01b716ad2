import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { slip } from '../../boards/common/profiles';
import { churnCode, sinkCode } from '../espruino/device-code';
import { formatVariableRange, InterpreterBuild, interpreterUnavailableReason, sameVariables, VariableRange } from '../espruino/interpreter';
import { distDirectory, InterpreterRig, InterpreterRigOptions, startInterpreterRig } from '../espruino/interpreter-rig';
import { tapUnavailableReason } from '../tap/bridge';
import { ptyLineUnavailableReason } from '../uart/pty-uart';
import { formatSummary, summarize, Summary } from './summary';

/**
 * Group 8: the SLIP firmware's speed inside the interpreter (issue 14), on the interpreter build
 * its profile names, booted from Storage (read as a board reads its memory-mapped flash,
 * sim/espruino/mapped-flash.c), its serial line bridged to the kernel (interpreter-rig.ts).
 * CPU is the interpreter's main thread (/proc), where all its JavaScript runs; its input thread,
 * which moves the serial bytes one write() per byte (the Linux build's stand-in for a UART), is
 * reported apart. In the same run, on the same interpreter:
 *   floor      the native work a full-size segment cannot avoid, run from Storage like the firmware:
 *              one checksum through E.sum, ten header reads, two header writes, one copy into a ring
 *   received   kernel -> device: ncat sends to a require("net") server in the interpreter (over NetworkJS)
 *   sent       device -> kernel: curl fetches the firmware's /bytes/N
 *   churn      seed 000 from the device: require("net") connect, send a line, close
 *   idle       the firmware's loop with nothing to do (no fill bytes on the line)
 * and, once, the same workloads on the bundle with section timers (bench/interpreter) for where
 * the time goes. Free variables are read (a range of readings at rest) after a warm-up and after every run.
 */

export interface InterpreterBenchPlan {
  runs: number;
  receiveBytes: number;
  sendBytes: number;
  connections: number;
  idleSeconds: number;
  floorIterations: number;
  workDir: string;
}

export const fullInterpreterPlan: InterpreterBenchPlan = {
  runs: 5, receiveBytes: 100000, sendBytes: 200000, connections: 100, idleSeconds: 10, floorIterations: 2000, workDir: 'bench-results/tmp',
};

export interface Section {
  name: string;
  calls: number;
  ms: number;
}

export interface TransferFigures {
  segmentsPerCpuSecond: Summary;
  microsecondsPerSegment: Summary;
  kilobytesPerSecond: Summary;
  /** CPU of the Linux build's serial thread beside the main thread's, as a fraction of it. */
  ioCpuShare: Summary;
}

export interface InterpreterBenchResult {
  /** Why group 8 did not run, or '' when it did. */
  skipped: string;
  build: string;
  mss: number;
  floorMicroseconds: { mss: Summary; full1460: Summary };
  sent: TransferFigures;
  echoed: TransferFigures;
  /** Per segment received: an echoed segment's cost less a sent one's, run by run. */
  receivedMicrosecondsPerSegment: Summary;
  receivedSegmentsPerCpuSecond: Summary;
  idleCpuPercent: Summary;
  app: { received: TransferFigures; connectionsPerSecond: Summary; cpuMillisecondsPerConnection: Summary };
  /** Resting ranges (InterpreterProcess.restingVariables) after a warm-up and after each run. */
  freeVariables: { firmware: VariableRange[]; app: VariableRange[] };
  sections: { sent: Section[]; echoed: Section[]; idle: Section[]; segmentsSent: number; segmentsEchoed: number };
  rows: string[][];
  goals: { goal: string; met: boolean; figure: string }[];
}

/** The floor, as code stored in Storage and run from there, like the firmware's own. */
const floorCode = 'function floor(n,size){var b=new Uint8Array(1514),ring=new Uint8Array(2048),x=0,s=0;' +
  'for(var i=0;i<size;i++)b[54+i]=i;for(var k=0;k<n;k++){' +
  'x=(b[14]>>4)+((b[16]<<8)|b[17])+b[23]+((b[26]<<8)|b[27])+((b[30]<<8)|b[31])+((b[34]<<8)|b[35])+((b[36]<<8)|b[37])+' +
  '((b[38]<<24)|(b[39]<<16)|(b[40]<<8)|b[41])+((b[42]<<24)|(b[43]<<16)|(b[44]<<8)|b[45])+b[47];' +
  's=E.sum(new Uint16Array(b.buffer,54,size>>1))%65535;ring.set(b.subarray(54,54+size),0);b[50]=x&255;b[51]=s&255;}return s;}';

/**
 * The section timers' wrappers and their closures take about a thousand variables, more than the
 * SLIP board's interpreter has to spare: the profiled bundle runs on the ESP32-sized build, the
 * same binary but for its variable count, so its times are those of the board's.
 */
const profiledBuild: InterpreterBuild = 'esp32';

const sinkPort = 9;
const churnPort = 2500;

function unavailable(): string {
  const build = slip.interpreter as InterpreterBuild;
  return tapUnavailableReason() || interpreterUnavailableReason([build, profiledBuild]) || ptyLineUnavailableReason() ||
    (fs.existsSync(path.join(distDirectory, 'slip.js')) ? '' : 'dist/slip.js is missing (npm run build)');
}

/** Builds the bundle with section timers (bench/interpreter/profiled) into `directory`; returns its path. */
function buildProfiledBundle(directory: string): string {
  execFileSync(process.execPath, [require.resolve('rollup/dist/bin/rollup'), '-c', 'rollup.config.mjs'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: Object.assign({}, process.env, {
      BOARDS_DIR: 'bench/interpreter/profiled', DIST_DIR: directory, BUNDLE_TSCONFIG: 'bench/interpreter/tsconfig.json',
    }),
  });
  return path.join(directory, 'slip-profiled.js');
}

/** The firmware with the floor in Storage; `app` adds a require("net") sink and seed 000's loop. */
async function startDevice(options: InterpreterRigOptions, app: boolean): Promise<InterpreterRig> {
  const code = floorCode + (app ? sinkCode(sinkPort) + churnCode('192.0.2.1', churnPort) : '');
  return startInterpreterRig(Object.assign({
    storage: { 'bench.js': code },
    code: 'eval(require("Storage").read("bench.js"));',
    servers: app ? { churn: 'exec ncat --recv-only -l -k ' + churnPort + ' > /dev/null < <(sleep 100000)' } : {},
  }, options));
}

interface Measured {
  javascript: number;
  io: number;
  ms: number;
}

/** CPU (s) of the interpreter's threads and wall time (ms) of `work`. */
async function measured(rig: InterpreterRig, work: () => Promise<void>): Promise<Measured> {
  const before = rig.interpreter.cpuSeconds();
  const started = Date.now();
  await work();
  const after = rig.interpreter.cpuSeconds();
  return { javascript: after.javascript - before.javascript, io: after.io - before.io, ms: Date.now() - started };
}

function printedLine(rig: InterpreterRig, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return rig.interpreter.waitFor(pattern, timeoutMs, rig.interpreter.text().length);
}

/** ncat sends `bytes` to the sink in the interpreter; resolves once the sink has counted them all. */
async function receive(rig: InterpreterRig, file: string, bytes: number): Promise<void> {
  const sunk = printedLine(rig, /SINK (\d+)\n/, 300000);
  const sent = await rig.bridge.exec('ncat --send-only ' + rig.bridge.deviceIp + ' ' + sinkPort + ' < ' + file, 300000);
  if (sent.code !== 0) throw new Error('ncat: ' + sent.stderr);
  const match = await sunk;
  if (Number(match[1]) !== bytes) throw new Error('the sink counted ' + match[1] + ' of ' + bytes + ' bytes');
}

/** ncat sends `file` through the firmware's echo service and checks that all of it came back. */
async function echo(rig: InterpreterRig, file: string, bytes: number): Promise<void> {
  const echoed = await rig.bridge.exec('ncat ' + rig.bridge.deviceIp + ' 7 < ' + file + ' | wc -c', 300000);
  if (echoed.code !== 0 || echoed.stdout.trim() !== String(bytes)) throw new Error('echo: ' + echoed.stdout + ' ' + echoed.stderr + '; the interpreter printed, last lines:\n' + rig.interpreter.tail(20));
}

/** curl fetches `bytes` of the firmware's /bytes/N. */
async function send(rig: InterpreterRig, bytes: number): Promise<void> {
  const fetched = await rig.bridge.exec('curl -sS --max-time 300 -o /dev/null -w "%{size_download}" http://' + rig.bridge.deviceIp + '/bytes/' + bytes, 310000);
  if (fetched.code !== 0 || fetched.stdout.trim() !== String(bytes)) throw new Error('curl: ' + fetched.stdout + ' ' + fetched.stderr + '; the interpreter printed, last lines:\n' + rig.interpreter.tail(20));
}

async function churn(rig: InterpreterRig, count: number): Promise<void> {
  const done = printedLine(rig, /CHURN (\d+) (.*)\n/, 600000);
  rig.interpreter.send('churn("c",' + count + ',function(n,f,full){print("CHURN "+n+" "+JSON.stringify(f))})');
  const match = await done;
  if (Number(match[1]) !== count) throw new Error('churn: ' + match[0]);
}

async function sections(rig: InterpreterRig): Promise<Section[]> {
  const report = JSON.parse((await rig.interpreter.capture('SECTIONS.report()')).trim()) as { [name: string]: [number, number] };
  return Object.keys(report).map((name) => ({ name, calls: report[name][0], ms: report[name][1] }));
}

function microseconds(seconds: number, count: number): number {
  return (seconds * 1e6) / count;
}

function transferFigures(runs: Measured[], segments: number, mss: number): TransferFigures {
  return {
    segmentsPerCpuSecond: summarize(runs.map((r) => segments / r.javascript)),
    microsecondsPerSegment: summarize(runs.map((r) => microseconds(r.javascript, segments))),
    kilobytesPerSecond: summarize(runs.map((r) => (segments * mss) / r.ms)),
    ioCpuShare: summarize(runs.map((r) => r.io / r.javascript)),
  };
}

function notMeasured(why: string, build: string, mss: number): InterpreterBenchResult {
  const nothing = summarize([0]);
  const transfer = { segmentsPerCpuSecond: nothing, microsecondsPerSegment: nothing, kilobytesPerSecond: nothing, ioCpuShare: nothing };
  return {
    skipped: why, build, mss, floorMicroseconds: { mss: nothing, full1460: nothing }, sent: transfer, echoed: transfer,
    receivedMicrosecondsPerSegment: nothing, receivedSegmentsPerCpuSecond: nothing, idleCpuPercent: nothing,
    app: { received: transfer, connectionsPerSecond: nothing, cpuMillisecondsPerConnection: nothing },
    freeVariables: { firmware: [], app: [] }, sections: { sent: [], echoed: [], idle: [], segmentsSent: 0, segmentsEchoed: 0 },
    rows: [['interpreter group', 'SKIPPED: ' + why]],
    goals: ['per-segment cost <= 3x the floor, each direction', 'idle stack < 2% of the CPU', 'free variables flat'].map((goal) => ({
      goal: goal + ' (interpreter)', met: false, figure: 'not measured: ' + why,
    })),
  };
}

export async function runInterpreterBench(plan: InterpreterBenchPlan | null, log: (line: string) => void): Promise<InterpreterBenchResult> {
  const build = slip.interpreter;
  const mss = Number(slip.config.mss);
  const skipped = plan ? unavailable() : 'not requested';
  if (!plan || skipped) {
    log('group 8 SKIPPED: ' + skipped);
    return notMeasured(skipped, build, mss);
  }
  fs.mkdirSync(plan.workDir, { recursive: true });
  const directory = fs.mkdtempSync(path.join(path.resolve(plan.workDir), 'interpreter-'));
  const sendFile = path.join(directory, 'payload');
  fs.writeFileSync(sendFile, Buffer.alloc(plan.receiveBytes, 0x61));
  const segmentsEchoed = Math.ceil(plan.receiveBytes / mss);
  const segmentsSent = Math.ceil(plan.sendBytes / mss);
  const floors: number[] = [];
  const floors1460: number[] = [];
  const sent: Measured[] = [];
  const echoed: Measured[] = [];
  const idle: number[] = [];
  const freeFirmware: VariableRange[] = [];
  const appReceived: Measured[] = [];
  const churned: Measured[] = [];
  const freeApp: VariableRange[] = [];
  const resting = async (rig: InterpreterRig, into: VariableRange[]) => into.push(await rig.interpreter.restingVariables());
  try {
    log('8/8 interpreter (espruino_linux_' + build + '): floor, sent, echoed, free variables');
    let rig = await startDevice({}, false);
    try {
      // Warm-up: the TIME_WAIT table holds what it will hold afterwards.
      await send(rig, mss);
      await echo(rig, sendFile, plan.receiveBytes);
      await resting(rig, freeFirmware);
      for (let run = 0; run < plan.runs; run++) {
        const floor = await measured(rig, async () => {
          await rig.interpreter.capture('floor(' + plan.floorIterations + ',' + mss + ')', 120000);
        });
        floors.push(microseconds(floor.javascript, plan.floorIterations));
        const floor1460 = await measured(rig, async () => {
          await rig.interpreter.capture('floor(' + plan.floorIterations + ',1460)', 120000);
        });
        floors1460.push(microseconds(floor1460.javascript, plan.floorIterations));
        sent.push(await measured(rig, () => send(rig, plan.sendBytes)));
        echoed.push(await measured(rig, () => echo(rig, sendFile, plan.receiveBytes)));
        await resting(rig, freeFirmware);
        log('  run ' + (run + 1) + ': floor ' + floors[run].toFixed(0) + ' us, sent ' + sent[run].ms + ' ms, echoed ' + echoed[run].ms + ' ms');
      }
    } finally {
      await rig.close();
    }

    log('  idle stack');
    rig = await startDevice({ idleFill: false }, false);
    try {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      for (let run = 0; run < plan.runs; run++) {
        const quiet = await measured(rig, () => new Promise((resolve) => setTimeout(resolve, plan.idleSeconds * 1000)));
        idle.push((100 * quiet.javascript) / (quiet.ms / 1000));
      }
    } finally {
      await rig.close();
    }

    log('  the user\'s own sockets: a require("net") sink, seed 000 from the device');
    rig = await startDevice({}, true);
    try {
      await churn(rig, 20);
      await receive(rig, sendFile, plan.receiveBytes);
      await resting(rig, freeApp);
      for (let run = 0; run < plan.runs; run++) {
        appReceived.push(await measured(rig, () => receive(rig, sendFile, plan.receiveBytes)));
        churned.push(await measured(rig, () => churn(rig, plan.connections)));
        await resting(rig, freeApp);
        log('  run ' + (run + 1) + ': received ' + appReceived[run].ms + ' ms, ' + plan.connections + ' connections ' + churned[run].ms + ' ms');
      }
    } finally {
      await rig.close();
    }

    log('  where the time goes (the bundle with section timers)');
    const profiled = buildProfiledBundle(directory);
    const timed = async (idleFill: boolean, work: (rig: InterpreterRig) => Promise<Section[][]>): Promise<Section[][]> => {
      const device = await startDevice({ bundle: profiled, idleFill, build: profiledBuild }, false);
      try {
        return await work(device);
      } finally {
        await device.close();
      }
    };
    const [sectionsSent, sectionsEchoed] = await timed(true, async (device) => {
      await send(device, mss);
      await device.interpreter.capture('SECTIONS.reset()');
      await send(device, plan.sendBytes);
      const afterSend = await sections(device);
      await device.interpreter.capture('SECTIONS.reset()');
      await echo(device, sendFile, plan.receiveBytes);
      return [afterSend, await sections(device)];
    });
    const [sectionsIdle] = await timed(false, async (device) => {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await device.interpreter.capture('SECTIONS.reset()');
      await new Promise((resolve) => setTimeout(resolve, plan.idleSeconds * 1000));
      return [await sections(device)];
    });

    const received = echoed.map((run, i) => microseconds(run.javascript - sent[i].javascript * segmentsEchoed / segmentsSent, segmentsEchoed));
    const result: InterpreterBenchResult = {
      skipped: '', build, mss,
      floorMicroseconds: { mss: summarize(floors), full1460: summarize(floors1460) },
      sent: transferFigures(sent, segmentsSent, mss),
      echoed: transferFigures(echoed, segmentsEchoed, mss),
      receivedMicrosecondsPerSegment: summarize(received),
      receivedSegmentsPerCpuSecond: summarize(received.map((us) => 1e6 / us)),
      idleCpuPercent: summarize(idle),
      app: {
        received: transferFigures(appReceived, segmentsEchoed, mss),
        connectionsPerSecond: summarize(churned.map((r) => plan.connections / (r.ms / 1000))),
        cpuMillisecondsPerConnection: summarize(churned.map((r) => (1000 * r.javascript) / plan.connections)),
      },
      freeVariables: { firmware: freeFirmware, app: freeApp },
      sections: { sent: sectionsSent, echoed: sectionsEchoed, idle: sectionsIdle, segmentsSent, segmentsEchoed },
      rows: [],
      goals: [],
    };
    result.rows = interpreterRows(result);
    result.goals = interpreterGoals(result);
    return result;
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

function ratio(cost: Summary, floor: Summary): string {
  return (cost.median / floor.median).toFixed(1) + 'x';
}

/** Per segment (or per tick) in microseconds, each section inclusive of the sections it calls. */
function sectionText(list: Section[], per: number, unit: string): string {
  return list.filter((s) => s.calls > 0).map((s) => s.name + ' ' + ((1000 * s.ms) / per).toFixed(0) + ' us/' + unit + ' (' +
    (s.calls / per).toFixed(1) + ' calls)').join('; ');
}

/** Every resting range overlaps the first: no drift the readings can tell from their own noise. */
function flat(ranges: VariableRange[]): boolean {
  return ranges.length > 0 && ranges.every((range) => sameVariables(range, ranges[0]));
}

function rangesText(ranges: VariableRange[]): string {
  return ranges.map(formatVariableRange).join(', ') + (flat(ranges) ? ' (flat)' : ' (NOT flat)');
}

function interpreterRows(r: InterpreterBenchResult): string[][] {
  const f = r.floorMicroseconds;
  const loopPasses = (r.sections.idle.filter((s) => s.name.indexOf('loop pass') === 0)[0] || { calls: 1 }).calls;
  return [
    ['floor per full-size segment (' + r.mss + ' B, the SLIP MSS): us of CPU; for 1,460 B', formatSummary(f.mss, 0) + '; ' + formatSummary(f.full1460, 0)],
    ['sent (the firmware\'s /bytes to curl): segments per CPU-second; us per segment; vs floor',
      formatSummary(r.sent.segmentsPerCpuSecond, 0) + '; ' + formatSummary(r.sent.microsecondsPerSegment, 0) + ' us; ' + ratio(r.sent.microsecondsPerSegment, f.mss)],
    ['received (an echoed segment less a sent one): segments per CPU-second; us per segment; vs floor',
      formatSummary(r.receivedSegmentsPerCpuSecond, 0) + '; ' + formatSummary(r.receivedMicrosecondsPerSegment, 0) + ' us; ' + ratio(r.receivedMicrosecondsPerSegment, f.mss)],
    ['bulk device -> kernel through the bridge (/bytes), KB/s; serial-thread CPU beside the main thread\'s',
      formatSummary(r.sent.kilobytesPerSecond, 1) + '; ' + formatSummary(r.sent.ioCpuShare, 2)],
    ['bulk kernel -> device -> kernel through the bridge (echo), KB/s each way; serial-thread CPU',
      formatSummary(r.echoed.kilobytesPerSecond, 1) + '; ' + formatSummary(r.echoed.ioCpuShare, 2)],
    ['idle stack (the loop with nothing to do), % of one CPU', formatSummary(r.idleCpuPercent, 2)],
    ['user code: kernel -> a require("net") server, KB/s; us of CPU per segment (the interpreter polls while a socket is open)',
      formatSummary(r.app.received.kilobytesPerSecond, 1) + '; ' + formatSummary(r.app.received.microsecondsPerSegment, 0)],
    ['user code: seed 000 loop from the device (require("net")), connections/s; CPU ms per connection',
      formatSummary(r.app.connectionsPerSecond, 1) + '; ' + formatSummary(r.app.cpuMillisecondsPerConnection, 1)],
    ['free variables (ranges of 15 readings at rest) after a warm-up, then after each run: firmware alone; with the user\'s sockets',
      rangesText(r.freeVariables.firmware) + '; ' + rangesText(r.freeVariables.app)],
    ['where the time goes, sent (inclusive sections)', sectionText(r.sections.sent, r.sections.segmentsSent, 'segment')],
    ['where the time goes, echoed (inclusive sections)', sectionText(r.sections.echoed, r.sections.segmentsEchoed, 'segment')],
    ['where the time goes, idle (inclusive sections)', sectionText(r.sections.idle, loopPasses, 'pass')],
  ];
}

function interpreterGoals(r: InterpreterBenchResult): { goal: string; met: boolean; figure: string }[] {
  const f = r.floorMicroseconds.mss;
  return [
    {
      goal: 'per-segment cost <= 3x the floor, each direction (interpreter)',
      met: r.receivedMicrosecondsPerSegment.median <= 3 * f.median && r.sent.microsecondsPerSegment.median <= 3 * f.median,
      figure: 'received ' + ratio(r.receivedMicrosecondsPerSegment, f) + ', sent ' + ratio(r.sent.microsecondsPerSegment, f) + ' of ' + f.median.toFixed(0) + ' us',
    },
    { goal: 'idle stack < 2% of the CPU (interpreter)', met: r.idleCpuPercent.median < 2, figure: r.idleCpuPercent.median.toFixed(2) + '%' },
    {
      goal: 'free variables flat (interpreter)', met: flat(r.freeVariables.firmware) && flat(r.freeVariables.app),
      figure: 'firmware ' + rangesText(r.freeVariables.firmware) + '; with the user\'s sockets ' + rangesText(r.freeVariables.app),
    },
  ];
}
