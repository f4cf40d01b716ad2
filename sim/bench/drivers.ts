/**
 * Bench group 7: per-frame cost of the three Ethernet drivers over their register-level models
 * (sim/bench/driver-frames.ts), under Node and on the interpreter in the same run. The interpreter
 * side is that file bundled for it (sim/bench/espruino/driver-frames.ts, with the drivers and the
 * models in the firmware's subset) and run from RAM on espruino_linux_net.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { NodeHal } from '../node-hal';
import { interpreterPath, interpreterUnavailableReason } from '../espruino/interpreter';
import { DriverFrameCost, benchDrivers, benchFrameSizes, measureDriverFrames } from './driver-frames';
import { Summary, summarize } from './summary';

export interface DriverFrameFigures {
  driver: string;
  frameBytes: number;
  /** Node: medians of `runs` runs of the driver's own microseconds per frame. */
  nodeReceive: Summary;
  nodeTransmit: Summary;
  /** The same figures on the interpreter (medians of its runs); null when the interpreter is absent. */
  interpreterReceive: Summary | null;
  interpreterTransmit: Summary | null;
  /** Microseconds per frame the models took answering the driver on the interpreter (not counted above). */
  interpreterModelReceive: Summary | null;
  interpreterModelTransmit: Summary | null;
  /** Bus work per frame, which is the same on both. */
  perFrame: DriverFrameCost;
}

export interface DriverBenchResult {
  figures: DriverFrameFigures[];
  /** Why the interpreter side did not run ('' when it did). */
  interpreterSkipped: string;
}

function nodeHost() {
  const clock = { time: 0, now(): number { return this.time; } };
  return {
    clock, hal: new NodeHal(clock, 1), timer: () => performance.now(),
    advance(ms: number): void { clock.time += ms; },
  };
}

/** Bundles the interpreter side with the project's Rollup configuration and runs it; returns its rows. */
function runOnInterpreter(workDir: string): DriverFrameCost[] {
  const outDir = path.resolve(workDir, 'bench-espruino');
  execFileSync(process.execPath, [require.resolve('rollup/dist/bin/rollup'), '-c', 'rollup.config.mjs', '--silent'], {
    env: Object.assign({}, process.env, { BOARDS_DIR: 'sim/bench/espruino', DIST_DIR: outDir, BUNDLE_TSCONFIG: 'tsconfig.bench-bundle.json' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = execFileSync(interpreterPath('net'), [path.join(outDir, 'driver-frames.js')], {
    cwd: outDir, input: '', timeout: 600000,
  }).toString('latin1');
  const line = output.split(/\r?\n/).filter((l) => l.indexOf('DRIVERFRAMES') === 0)[0] || '';
  if (line.indexOf('DRIVERFRAMES [') !== 0) throw new Error('driver bench on the interpreter: ' + (line || output.slice(-400)));
  fs.rmSync(outDir, { recursive: true, force: true });
  return JSON.parse(line.slice('DRIVERFRAMES '.length)) as DriverFrameCost[];
}

export function runDriverBench(frames: number, runs: number, onTheInterpreter: boolean, workDir: string, log: (line: string) => void): DriverBenchResult {
  const figures: DriverFrameFigures[] = [];
  const skipped = onTheInterpreter ? interpreterUnavailableReason(['net']) : 'not asked for (quick plan)';
  let onInterpreter: DriverFrameCost[] = [];
  if (!skipped) {
    log('drivers: the same bench bundled for the interpreter, on espruino_linux_net (about a minute)');
    onInterpreter = runOnInterpreter(workDir);
  }
  for (const driver of benchDrivers) {
    for (const frameBytes of benchFrameSizes) {
      measureDriverFrames(driver, frameBytes, frames, nodeHost());
      const samples: DriverFrameCost[] = [];
      for (let run = 0; run < runs; run++) samples.push(measureDriverFrames(driver, frameBytes, frames, nodeHost()));
      const there = onInterpreter.filter((r) => r.driver === driver && r.frameBytes === frameBytes);
      const median = (pick: (r: DriverFrameCost) => number) => (there.length ? summarize(there.map(pick)) : null);
      figures.push({
        driver, frameBytes,
        nodeReceive: summarize(samples.map((s) => s.receiveMicroseconds)),
        nodeTransmit: summarize(samples.map((s) => s.transmitMicroseconds)),
        interpreterReceive: median((r) => r.receiveMicroseconds),
        interpreterTransmit: median((r) => r.transmitMicroseconds),
        interpreterModelReceive: median((r) => r.receiveModelMicroseconds),
        interpreterModelTransmit: median((r) => r.transmitModelMicroseconds),
        perFrame: samples[0],
      });
    }
  }
  return { figures, interpreterSkipped: skipped };
}
