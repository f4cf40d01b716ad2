import test, { ExecutionContext } from 'ava';
import { execFileSync } from 'child_process';
import { slip } from '../../boards/common/profiles';
import { DevicePools, InterpreterRig, InterpreterRigOptions, startInterpreterRig } from '../../sim/espruino/interpreter-rig';
import { InterpreterBoard, InterpreterBuild, interpreterUnavailableReason, mappedFlashLibrary } from '../../sim/espruino/interpreter';
import { ptyLineUnavailableReason } from '../../sim/uart/pty-uart';
import { skipReason as kernelSkipReason } from '../interop/support';

/**
 * The interpreter tier: tests that run bundles on the Espruino interpreter sized like their
 * boards, among them those of the SLIP firmware inside the interpreter (issue 14), on a rig
 * (sim/espruino/interpreter-rig.ts) torn down whatever happens, each ending with the device's
 * pools back to their start and the namespace gone. Without the binaries, or what else a test
 * needs (root, /dev/net/tun, a tool, a server program), each test is registered as skipped with
 * the reason in its title, and the first skip also says so loudly in the run's output; under
 * CI=true a skip is a failure, because CI builds the interpreters (.ci/run), installs the tools
 * and must not pass without running them.
 */

/** The interpreter build the SLIP bundle targets (boards/common/profiles.ts). */
export const slipBuild = slip.interpreter as InterpreterBuild;

/** '' when a rig can run here (root, /dev/net/tun, the tools, a pty line, the mapped-flash helper); otherwise why not. */
export const rigUnavailableReason = (() => {
  if (kernelSkipReason) return kernelSkipReason;
  const pty = ptyLineUnavailableReason();
  if (pty) return pty;
  try {
    mappedFlashLibrary();
    return '';
  } catch (error) {
    return (error as Error).message;
  }
})();

let skipNoticeShown = false;

type TestBody = (t: ExecutionContext) => Promise<void>;

/**
 * Registers `title` as a serial test that logs its wall time. `builds`: the interpreters it runs
 * on; without `builds`, the test runs on a rig with the SLIP bundle's build. `unmet`: why else the
 * test cannot run here ('' when it can), for example a missing server program. `knownFailure`:
 * why the test is expected to fail (a limitation of the interpreter, reported); it runs, and it is
 * a failure when it passes, so a fix shows.
 */
export function interpreterTest(title: string, body: TestBody): void;
export function interpreterTest(title: string, builds: InterpreterBuild[], body: TestBody, unmet?: string, knownFailure?: string): void;
export function interpreterTest(title: string, buildsOrBody: InterpreterBuild[] | TestBody, rigBody?: TestBody, unmet = '', knownFailure = ''): void {
  const onRig = typeof buildsOrBody === 'function';
  const body = (onRig ? buildsOrBody : rigBody) as TestBody;
  const reason = interpreterUnavailableReason(onRig ? [slipBuild] : buildsOrBody as InterpreterBuild[]) || (onRig ? rigUnavailableReason : '') || unmet;
  if (!reason) {
    const timed: TestBody = async (t) => {
      const started = Date.now();
      try {
        await body(t);
      } finally {
        t.log('wall time ' + ((Date.now() - started) / 1000).toFixed(1) + ' s');
      }
    };
    if (knownFailure) test.serial.failing(title + ' [known failure: ' + knownFailure + ']', timed);
    else test.serial(title, timed);
    return;
  }
  if (process.env.CI === 'true') {
    test(title, (t) => {
      t.fail('the interpreter tier cannot be skipped in CI: ' + reason);
    });
    return;
  }
  if (!skipNoticeShown) {
    skipNoticeShown = true;
    test('interpreter tier SKIPPED on this machine', (t) => {
      const line = 'SKIPPED: the interpreter tier cannot run here: ' + reason;
      t.log(line);
      process.stderr.write('\n*** ' + line + ' ***\n\n');
      t.pass();
    });
  }
  test.skip(title + ' [skipped: ' + reason + ']', () => undefined);
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
export async function assertPoolsBack(t: ExecutionContext, rig: InterpreterRig, timeWait?: number, settleMs = 5000): Promise<void> {
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
