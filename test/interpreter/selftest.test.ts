import * as path from 'node:path';
import { InterpreterBuild } from '../../sim/espruino/interpreter';
import { interpreterTest, withBoard } from './support';

/**
 * The self-test bundle (boards/selftest.ts: two stacks on an in-memory wire, a 10 KB echo and
 * 1,000 connections each opened, used and closed by the client, which keeps the TIME_WAIT) as a
 * board runs it, from Storage, on the smallest board's interpreter and on the ESP32's. The seed-000
 * promise on the interpreter's own heap: after the 1,000 connections exactly as many variables
 * are free as before them, each read after a garbage collection.
 */

const dist = process.env.DIST_DIR || 'dist';

for (const build of ['pico', 'esp32'] as InterpreterBuild[]) {
  interpreterTest('the self-test passes on espruino_linux_' + build + ', with as many variables free after its 1,000 connections as before',
    [build], (t) => withBoard(build, async (board) => {
      board.store('.bootcde', path.join(dist, 'pretokenised', 'selftest.js'));
      const started = Date.now();
      const running = board.boot();
      const line = await running.waitFor(/SELFTEST (PASS|FAIL) ([^\n]*)\n/, 280000);
      t.log('espruino_linux_' + build + ': ' + line[0].trim() + ' in ' + ((Date.now() - started) / 1000).toFixed(1) + ' s');
      t.is(line[1], 'PASS', line[2]);
      const result = JSON.parse(line[2]) as { [figure: string]: number };
      t.is(result.connections, 1000);
      t.is(result.echoBytes, 10240);
      t.true(result.freeVarsBeforeChurn > 0, 'measured on the interpreter');
      t.is(result.freeVarsAfterChurn, result.freeVarsBeforeChurn, 'no variable left behind by the churn');
      t.notRegex(running.text(), /Uncaught|LOW_MEMORY/);
    }));
}
