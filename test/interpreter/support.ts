import test, { ExecutionContext } from 'ava';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { slip } from '../../boards/common/profiles';
import { DevicePools, InterpreterRig, InterpreterRigOptions, startInterpreterRig } from '../../sim/espruino/interpreter-rig';
import { InterpreterBoard, InterpreterBuild, interpreterUnavailableReason, mappedFlashLibrary } from '../../sim/espruino/interpreter';
import { ptyLineUnavailableReason } from '../../sim/uart/pty-uart';
import { skipReason as kernelSkipReason } from '../interop/support';

/**
 * The interpreter tier: tests that run bundles on the Espruino interpreter sized like their
 * boards. Without the binaries each test is registered as skipped with the reason in its title,
 * and the first skip also says so loudly in the run's output; under CI=true a skipped tier is a
 * failure, because CI builds the interpreters (.ci/run) and must not pass without running them.
 * Tests of the SLIP firmware against the Linux kernel (issue 14) also need root, /dev/net/tun
 * and tools (socat, ip, curl, ncat, hping3, ss, gcc): without them they skip naming what is
 * missing, under CI too. These tests run one at a time, whatever their file, and log their wall
 * time; the kernel ones share a rig (sim/espruino/interpreter-rig.ts) torn down whatever happens
 * and the checks they end with (the device's pools back to their start, the namespace gone).
 */

/** The interpreter build the SLIP bundle targets (boards/common/profiles.ts). */
export const slipBuild = slip.interpreter as InterpreterBuild;

let kernelMissing: string | null = null;

/** '' when the kernel side can run here; otherwise what is missing. */
function kernelEnvironmentMissing(): string {
  if (kernelMissing !== null) return kernelMissing;
  kernelMissing = kernelSkipReason || ptyLineUnavailableReason();
  if (!kernelMissing) {
    try {
      mappedFlashLibrary();
    } catch (error) {
      kernelMissing = (error as Error).message;
    }
  }
  return kernelMissing;
}

let skipNoticeShown = false;

function notice(line: string): void {
  if (skipNoticeShown) return;
  skipNoticeShown = true;
  test('interpreter tier SKIPPED on this machine', (t) => {
    t.log(line);
    process.stderr.write('\n*** ' + line + ' ***\n\n');
    t.pass();
  });
}

/**
 * Registers `title` as a serial test on the interpreter `builds` (with the Linux kernel on the
 * other side when `kernel`), or as a skipped test whose title says why, or, with an interpreter
 * missing under CI=true, as a failing one. `unmet`: why else it cannot run here ('' when it can),
 * a missing server program for example: a skip, and a failure under CI=true. `knownFailure`: why
 * the test is expected to fail (a limitation of the interpreter, reported); it runs, and it fails
 * when it passes, so that a fix shows.
 */
export function interpreterTest(title: string, builds: InterpreterBuild[], body: (t: ExecutionContext) => Promise<void>, kernel = false,
  unmet = '', knownFailure = ''): void {
  const interpreterMissing = interpreterUnavailableReason(builds);
  if ((interpreterMissing || unmet) && process.env.CI === 'true') {
    test(title, (t) => {
      t.fail('the interpreter tier cannot be skipped in CI: ' + (interpreterMissing || unmet));
    });
    return;
  }
  const reason = interpreterMissing || (kernel ? kernelEnvironmentMissing() : '') || unmet;
  if (reason) {
    notice('SKIPPED: the interpreter tier needs the Espruino interpreters' + (kernel ? ', root, /dev/net/tun and tools' : '') + ': ' + reason);
    test.skip(title + ' [skipped: ' + reason + ']', () => undefined);
    return;
  }
  const timed = async (t: ExecutionContext) => {
    const waited = Date.now();
    const release = await oneAtATime();
    const started = Date.now();
    try {
      await body(t);
    } finally {
      release();
      t.log('wall time ' + ((Date.now() - started) / 1000).toFixed(1) + ' s' +
        (started - waited > 1000 ? ' (after waiting ' + ((started - waited) / 1000).toFixed(1) + ' s for another file\'s test)' : ''));
    }
  };
  if (knownFailure) test.serial.failing(title + ' [known failure: ' + knownFailure + ']', timed);
  else test.serial(title, timed);
}

/** A board of `build` for the duration of `body`, removed with every process it ran, also on failure. */
export async function withBoard<T>(build: InterpreterBuild, body: (board: InterpreterBoard) => Promise<T>): Promise<T> {
  const board = new InterpreterBoard(build);
  try {
    return await body(board);
  } finally {
    await board.remove();
  }
}

/**
 * These tests run one at a time across test files (ava runs files in parallel workers): two
 * interpreters on two shared cores would only make each slower. A lock directory, taken over
 * when the process holding it has gone.
 */
const lockDirectory = path.join(os.tmpdir(), 'espruino-tcp-interpreter-tests.lock');

async function oneAtATime(): Promise<() => void> {
  for (;;) {
    try {
      fs.mkdirSync(lockDirectory);
      fs.writeFileSync(path.join(lockDirectory, 'pid'), String(process.pid));
      return () => fs.rmSync(lockDirectory, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (lockIsStale()) fs.rmSync(lockDirectory, { recursive: true, force: true });
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Its holder's process is gone, or it has had no holder for seconds (a process died between mkdir and writing its pid). */
function lockIsStale(): boolean {
  try {
    const holder = Number(fs.readFileSync(path.join(lockDirectory, 'pid'), 'utf8'));
    process.kill(holder, 0);
    return false;
  } catch (error) {
    const status = fs.statSync(lockDirectory, { throwIfNoEntry: false });
    return (error as NodeJS.ErrnoException).code === 'ESRCH' || (status !== undefined && Date.now() - status.mtimeMs > 5000);
  }
}

function namespaceExists(namespace: string): boolean {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').some((line) => line.split(' ')[0] === namespace);
}

/**
 * A rig for the duration of `body`; afterwards it is closed (also when `body` throws, whose
 * error then carries the interpreter's last lines) and its namespace must be gone.
 */
export async function withDevice(t: ExecutionContext, options: InterpreterRigOptions, body: (rig: InterpreterRig) => Promise<void>): Promise<void> {
  const rig = await startInterpreterRig(options);
  try {
    await body(rig);
  } catch (error) {
    t.log('the interpreter printed, last lines:\n' + rig.interpreter.tail(30));
    throw error;
  } finally {
    await rig.close();
  }
  t.false(namespaceExists(rig.bridge.namespace), 'namespace ' + rig.bridge.namespace + ' removed');
}

/**
 * The device's pools as they were after boot, read from its console; TIME_WAIT as `timeWait`
 * (or whatever it holds, when omitted). Waits up to `settleMs` for connections to finish closing.
 */
export async function assertPoolsBack(t: ExecutionContext, rig: InterpreterRig, timeWait?: number, settleMs = 15000): Promise<void> {
  const expected = (now: DevicePools): DevicePools => Object.assign({}, rig.start, { timeWait: timeWait === undefined ? now.timeWait : timeWait });
  const deadline = Date.now() + settleMs;
  let now = await rig.pools();
  while (JSON.stringify(now) !== JSON.stringify(expected(now)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    now = await rig.pools();
  }
  t.deepEqual(now, expected(now), 'device pools back to their starting counts');
}

/** The firmware's counters (NET.stat()), by name. */
export async function deviceStats(rig: InterpreterRig): Promise<{ [name: string]: number }> {
  const text = await rig.interpreter.capture('NET.stat()');
  const stats: { [name: string]: number } = {};
  const pattern = /(\w+)=(\d+)/g;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text)) !== null) stats[match[1]] = Number(match[2]);
  return stats;
}

/** Resolves with the first match of `pattern` printed from now on by the interpreter, within `timeoutMs`. */
export function printed(rig: InterpreterRig, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return rig.interpreter.waitFor(pattern, timeoutMs, rig.interpreter.text().length);
}
