import { execFileSync, spawn, ChildProcess } from 'child_process';
import * as dgram from 'dgram';
import * as fs from 'fs';
import * as path from 'path';
import { LinkEndpoint, Link } from '../link';
import { macFor } from '../host';
import { startTapBridge, tapUnavailableReason, TapBridge } from '../tap/bridge';
import { startTapDevice, TapDevice } from '../tap/tap-device';
import { Socket } from '../../firmware/api/net';
import { Stat } from '../../firmware/stats';
import { formatSummary, summarize, Summary } from './summary';

/**
 * Group 4: our stack against the Linux kernel over the TAP bridge of issue 4, and in the same run
 * two references on the same relay:
 *   ours     kernel (namespace A) → TAP → socat → UDP on loopback → this process: the stack
 *   ceiling  kernel (A) → TAP → socat → this process, forwarding → socat → TAP → kernel (namespace B)
 *   lwIP     kernel (A) → TAP → socat → this process, forwarding → UDP → lwIP (bench/lwip/harness.c)
 * The references pass through this process as ours does, plus one relay hop of their own, so the
 * ceiling is that of the relay, not of either end. All three answer at 192.0.2.2 with the same
 * servers (discard 9, source 19, answer-and-close 13), driven by the same kernel-side client
 * (tap-peer.ts) in namespace A: bulk each way in MB/s, and connections per second (4 at a time,
 * each server closes first).
 */

export interface TapTargetFigures {
  target: string;
  upMegabytesPerSecond: Summary;
  downMegabytesPerSecond: Summary;
  connectionsPerSecond: Summary;
  failures: string[];
  /** Ours only: SYNs that met a TIME_WAIT entry during the runs, reopened (RFC 6191) or answered with an ACK. */
  timeWaitSyns?: { reopened: number; answeredWithAck: number };
}

export interface TapResult {
  /** Why group 4 did not run, or '' when it did. */
  skipped: string;
  /** [figure, value] rows for the table. */
  rows: string[][];
  goals: { goal: string; met: boolean; figure: string }[];
  targets: TapTargetFigures[];
  bulkBytes: number;
  connections: number;
}

const RUNS = 3;
const PARALLEL = 4;
/** A rate run that has not finished by then reports what it has: a stalled run shows its cause without costing the bench minutes. */
const RATE_LIMIT_MS = 60000;
const peerScript = path.join(__dirname, 'tap-peer.js');
const harnessSource = path.join('bench', 'lwip', 'harness.c');

/** One link port that hands every frame to `forward` (another link, or lwIP's UDP socket). */
class Forwarder implements LinkEndpoint {
  readonly port: number;
  forward: (frame: Uint8Array, length: number) => void = () => undefined;

  constructor(readonly link: Link) {
    this.port = link.attach(this);
  }

  deliver(frame: Uint8Array, length: number): void {
    this.forward(frame, length);
  }
}

interface Target {
  bridge: TapBridge;
  stop(): void;
  timeWaitSyns?: () => { reopened: number; answeredWithAck: number };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function ours(config: { [field: string]: unknown }, sourceBytes: number): Promise<Target> {
  const bridge = await startTapBridge({});
  // The firmware's echo and HTTP servers plus the three benchmark servers.
  const device: TapDevice = startTapDevice(bridge, { config: Object.assign({ listeners: 5 }, config) });
  const sockets = device.net;
  sockets.createServer((socket: Socket) => {
    socket.on('end', () => socket.end());
    socket.on('error', () => undefined);
  }).listen(9);
  sockets.createServer((socket: Socket) => {
    let left = sourceBytes;
    const block = new Uint8Array(16384);
    const pump = (): void => {
      while (left > 0) {
        const n = Math.min(left, block.length);
        left -= n;
        if (!socket.write(n === block.length ? block : block.subarray(0, n))) return;
      }
      socket.end();
    };
    socket.on('drain', pump);
    socket.on('error', () => undefined);
    pump();
  }).listen(19);
  sockets.createServer((socket: Socket) => {
    socket.on('error', () => undefined);
    socket.end('ok\n');
  }).listen(13);
  return {
    bridge, stop: () => { device.stop(); bridge.close(); },
    timeWaitSyns: () => ({ reopened: device.stack.stats[Stat.twSynReopened], answeredWithAck: device.stack.stats[Stat.twSynAnsweredWithAck] }),
  };
}

async function kernelCeiling(sourceBytes: number): Promise<Target> {
  const bridge = await startTapBridge({});
  const far = await startTapBridge({ tapIp: bridge.deviceIp, deviceIp: bridge.tapIp });
  const near = new Forwarder(bridge.link);
  const across = new Forwarder(far.link);
  near.forward = (frame, length) => far.link.transmit(across.port, frame.slice(0, length), length);
  across.forward = (frame, length) => bridge.link.transmit(near.port, frame.slice(0, length), length);
  const server = far.spawn('exec node ' + peerScript + ' serve ' + sourceBytes);
  await waitForLine(server, 'listening');
  return { bridge, stop: () => { far.close(); bridge.close(); } };
}

export async function lwip(binary: string, sourceBytes: number): Promise<Target> {
  const bridge = await startTapBridge({});
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  socket.setRecvBufferSize(8 * 1024 * 1024);
  socket.setSendBufferSize(8 * 1024 * 1024);
  const probe = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', () => resolve()));
  const lwipPort = probe.address().port;
  probe.close();
  const mac = Array.from(macFor(3)).map((b) => b.toString(16).padStart(2, '0')).join(':');
  const harness = spawn(binary, [String(lwipPort), String(socket.address().port), bridge.deviceIp, String(bridge.prefixLength), mac, String(sourceBytes)],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const near = new Forwarder(bridge.link);
  near.forward = (frame, length) => socket.send(frame, 0, length, lwipPort, '127.0.0.1');
  socket.on('message', (frame: Buffer) => bridge.link.transmit(near.port, frame, frame.length));
  await waitForLine(harness, 'ready');
  return {
    bridge, stop: () => {
      harness.kill('SIGKILL');
      socket.close();
      bridge.close();
    },
  };
}

function waitForLine(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error('no "' + text + '" within 10 s: ' + seen)), 10000);
    (child.stdout as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.indexOf(text) >= 0) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error('exited (' + code + ') before "' + text + '": ' + seen)));
  });
}

export async function peer(bridge: TapBridge, args: string, timeoutMs: number): Promise<{ [key: string]: unknown }> {
  const result = await bridge.exec('exec node ' + peerScript + ' ' + args, timeoutMs);
  const line = result.stdout.trim().split('\n').pop() || '';
  try {
    return JSON.parse(line);
  } catch (error) {
    return { error: 'no result (exit ' + result.code + '): ' + result.stderr.trim().slice(0, 200) };
  }
}

async function measure(name: string, target: Target, bulkBytes: number, connections: number, log: (line: string) => void): Promise<TapTargetFigures> {
  const host = target.bridge.deviceIp;
  const up: number[] = [];
  const down: number[] = [];
  const rates: number[] = [];
  const failures: string[] = [];
  // ARP and a first connection before anything is timed.
  await peer(target.bridge, 'rate ' + host + ' 13 4 1 9000', 10000);
  for (let run = 0; run < RUNS; run++) {
    const sent = await peer(target.bridge, 'up ' + host + ' 9 ' + bulkBytes, 120000);
    if (sent.bytes === bulkBytes && (sent.ms as number) > 0) up.push(bulkBytes / 1e6 / ((sent.ms as number) / 1000));
    else failures.push('up: ' + JSON.stringify(sent));
    const received = await peer(target.bridge, 'down ' + host + ' 19', 120000);
    if (received.bytes === bulkBytes && (received.ms as number) > 0) down.push(bulkBytes / 1e6 / ((received.ms as number) / 1000));
    else failures.push('down: ' + JSON.stringify(received));
    const rate = await peer(target.bridge, 'rate ' + host + ' 13 ' + connections + ' ' + PARALLEL + ' ' + RATE_LIMIT_MS, RATE_LIMIT_MS + 10000);
    if (rate.ok === connections) rates.push(connections / ((rate.ms as number) / 1000));
    else failures.push('rate: ' + JSON.stringify(rate));
  }
  const figures = {
    target: name, upMegabytesPerSecond: summarize(up.length ? up : [0]), downMegabytesPerSecond: summarize(down.length ? down : [0]),
    connectionsPerSecond: summarize(rates.length ? rates : [0]), failures,
    timeWaitSyns: target.timeWaitSyns ? target.timeWaitSyns() : undefined,
  };
  log('  ' + name + ': kernel -> it ' + formatSummary(figures.upMegabytesPerSecond, 2) + ' MB/s, it -> kernel ' +
    formatSummary(figures.downMegabytesPerSecond, 2) + ' MB/s, ' + formatSummary(figures.connectionsPerSecond, 0) + ' conn/s' +
    (figures.timeWaitSyns ? '; SYNs to TIME_WAIT reopened ' + figures.timeWaitSyns.reopened + ', answered with ACK ' + figures.timeWaitSyns.answeredWithAck : '') +
    (failures.length ? '; FAILURES ' + failures.join('; ') : ''));
  return figures;
}

function buildHarness(): string {
  const binary = path.join(process.cwd(), 'bench-results', 'tmp', 'lwip-harness');
  fs.mkdirSync(path.dirname(binary), { recursive: true });
  execFileSync('gcc', ['-O2', '-Wall', '-I/usr/include/lwip', '-o', binary, harnessSource, '-llwip', '-lpthread'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return binary;
}

/** '' when this machine can run group 4 (what a TAP bridge needs, liblwip-dev's headers and gcc); otherwise why not, naming what is missing. */
export function tapBenchUnavailableReason(): string {
  const reason = tapUnavailableReason();
  if (reason) return reason;
  if (!fs.existsSync('/usr/include/lwip/lwip/tcp.h')) return 'liblwip-dev is not installed';
  try {
    execFileSync('sh', ['-c', 'command -v gcc'], { stdio: 'ignore' });
  } catch (error) {
    return 'gcc is not installed';
  }
  return '';
}

/** Bulk transfers of `seconds` x 5 MB and `seconds` x 700 connections per run, three runs per target. */
export async function runTapBench(seconds: number, log: (line: string) => void): Promise<TapResult> {
  const bulkBytes = Math.round(seconds * 5e6);
  const connections = Math.round(seconds * 700);
  const skipped = seconds <= 0 ? 'not requested' : tapBenchUnavailableReason();
  const notMeasured = (why: string): TapResult => ({
    skipped: why, rows: [['TAP bridge group', 'SKIPPED: ' + why]], targets: [], bulkBytes, connections,
    goals: [
      { goal: '>= 80% of the path ceiling for bulk, each direction', met: false, figure: 'not measured: ' + why },
      { goal: ">= lwIP's connection rate on the same path", met: false, figure: 'not measured: ' + why },
    ],
  });
  if (skipped) {
    log('group 4 SKIPPED: ' + skipped);
    return notMeasured(skipped);
  }
  const binary = buildHarness();
  const targets: TapTargetFigures[] = [];
  const plans: [string, () => Promise<Target>][] = [
    ['ceiling: kernel to kernel through the relay', () => kernelCeiling(bulkBytes)],
    ['lwIP 2.1.3 (Debian liblwip-dev)', () => lwip(binary, bulkBytes)],
    ['ours, default configuration (8 sockets, 4 KB rings)', () => ours({}, bulkBytes)],
    ['ours, 64 KB rings', () => ours({ sockets: 4, sendBuffer: 65535, receiveBuffer: 65535, memoryBudget: 1 << 20 }, bulkBytes)],
  ];
  for (const plan of plans) {
    const target = await plan[1]();
    try {
      targets.push(await measure(plan[0], target, bulkBytes, connections, log));
    } finally {
      target.stop();
    }
    await delay(200);
  }
  const [ceiling, reference, defaults, wide] = targets;
  const ratio = (a: Summary, b: Summary): string => (b.median > 0 ? (100 * a.median / b.median).toFixed(0) + '%' : 'n/a');
  const rows: string[][] = [];
  for (const t of targets) {
    rows.push([t.target + ': kernel -> it, MB/s', formatSummary(t.upMegabytesPerSecond, 2)]);
    rows.push([t.target + ': it -> kernel, MB/s', formatSummary(t.downMegabytesPerSecond, 2)]);
    rows.push([t.target + ': connections/s (' + PARALLEL + ' at a time)', formatSummary(t.connectionsPerSecond, 0) + (t.failures.length ? ' FAILURES: ' + t.failures.join('; ') : '')]);
    if (t.timeWaitSyns) rows.push([t.target + ': SYNs to a TIME_WAIT 4-tuple, reopened / answered with ACK', t.timeWaitSyns.reopened + ' / ' + t.timeWaitSyns.answeredWithAck]);
  }
  for (const t of [defaults, wide]) {
    rows.push([t.target + ' vs ceiling / vs lwIP', 'kernel -> it ' + ratio(t.upMegabytesPerSecond, ceiling.upMegabytesPerSecond) + ' / ' + ratio(t.upMegabytesPerSecond, reference.upMegabytesPerSecond) +
      '; it -> kernel ' + ratio(t.downMegabytesPerSecond, ceiling.downMegabytesPerSecond) + ' / ' + ratio(t.downMegabytesPerSecond, reference.downMegabytesPerSecond) +
      '; connections ' + ratio(t.connectionsPerSecond, ceiling.connectionsPerSecond) + ' / ' + ratio(t.connectionsPerSecond, reference.connectionsPerSecond)]);
  }
  // Judged per configuration: the default's 4 KB window, not the path, is what limits it.
  const bulkGoal = (t: TapTargetFigures) => ({
    goal: '>= 80% of the path ceiling for bulk, each direction, ' + t.target,
    met: t.upMegabytesPerSecond.median >= 0.8 * ceiling.upMegabytesPerSecond.median && t.downMegabytesPerSecond.median >= 0.8 * ceiling.downMegabytesPerSecond.median,
    figure: 'kernel -> it ' + ratio(t.upMegabytesPerSecond, ceiling.upMegabytesPerSecond) + ', it -> kernel ' + ratio(t.downMegabytesPerSecond, ceiling.downMegabytesPerSecond),
  });
  return {
    skipped: '', rows, targets, bulkBytes, connections,
    goals: [
      bulkGoal(defaults),
      bulkGoal(wide),
      {
        goal: ">= lwIP's connection rate on the same path", met: defaults.connectionsPerSecond.median >= reference.connectionsPerSecond.median,
        figure: defaults.connectionsPerSecond.median.toFixed(0) + ' vs ' + reference.connectionsPerSecond.median.toFixed(0) + ' conn/s (' + ratio(defaults.connectionsPerSecond, reference.connectionsPerSecond) + ')',
      },
    ],
  };
}
