import test, { ExecutionContext } from 'ava';
import { InterpreterBoard, InterpreterBuild, interpreterUnavailableReason } from '../../sim/espruino/interpreter';

/**
 * The interpreter tier: tests that run bundles on the Espruino interpreter sized like their
 * boards. Without the binaries each test is registered as skipped with the reason in its title,
 * and the first skip also says so loudly in the run's output; under CI=true a skipped tier is a
 * failure, because CI builds the interpreters (.ci/run) and must not pass without running them.
 */

let skipNoticeShown = false;

/**
 * `unmet`: why else the test cannot run here ('' when it can), for example a missing server
 * program. `knownFailure`: why the test is expected to fail (a limitation of the interpreter,
 * reported); it runs, and it is a failure when it passes, so a fix shows.
 */
export function interpreterTest(title: string, builds: InterpreterBuild[], body: (t: ExecutionContext) => Promise<void>, unmet = '', knownFailure = ''): void {
  const reason = interpreterUnavailableReason(builds) || unmet;
  if (!reason) {
    if (knownFailure) test.serial.failing(title + ' [known failure: ' + knownFailure + ']', body);
    else test.serial(title, body);
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
