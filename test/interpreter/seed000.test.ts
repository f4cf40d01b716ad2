import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { churnCode } from '../../sim/espruino/device-code';
import { formatVariableRange, sameVariables } from '../../sim/espruino/interpreter';
import { assertPoolsBack, deviceStats, interpreterTest, printed, slipBuild, withDevice } from './support';

/**
 * Seed 000 from the device side, inside the interpreter: the user's code opens a connection with
 * the interpreter's own require("net") (over the firmware's stack through NetworkJS), sends a
 * short line and closes it, as fast as it can, 1,000 times, to `ncat -l -k` in the namespace.
 * The interpreter's free variables (process.memory(), after its garbage collection) are the same
 * before and after the 1,000: fifteen readings at rest before and fifteen after give overlapping
 * ranges (readings at rest differ by a variable or two with what the firmware's loop and the
 * interpreter's timers hold at that instant; a leak of one variable per hundred connections
 * would already be ten). So are the device's pools, with TIME_WAIT full and recycling.
 */

const iterations = 1000;
/** Connections before the first reading: the TIME_WAIT table full and the net module's state made. */
const warmUp = 20;
const port = 2500;

interpreterTest('seed 000 from inside the interpreter: connect, send a line, close, 1,000 times; free variables and pools the same before and after', [slipBuild], async (t) => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'seed000-'));
  const lines = path.join(directory, 'lines');
  try {
    await withDevice(t, {
      code: churnCode('192.0.2.1', port),
      servers: { sink: 'exec ncat --recv-only -l -k ' + port + ' > ' + lines + ' < <(sleep 100000)' },
    }, async (rig) => {
      const run = async (tag: string, count: number, timeoutMs: number) => {
        const done = printed(rig, new RegExp('CHURN ' + tag + ' (\\d+) (\\d+) (.*)\\n'), timeoutMs);
        rig.interpreter.send('churn("' + tag + '",' + count + ',function(n,f,full){print("CHURN ' + tag + ' "+n+" "+full+" "+JSON.stringify(f))})');
        const match = await done;
        return { closed: Number(match[1]), full: Number(match[2]), failures: JSON.parse(match[3]) as string[] };
      };
      // ncat may not listen yet: the warm-up is repeated (a few times) until one completes.
      let warm = await run('warm', warmUp, 30000);
      for (let attempt = 1; attempt < 5 && warm.closed < warmUp; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        warm = await run('warm', warmUp, 30000);
      }
      t.is(warm.closed, warmUp, 'warm-up: ' + JSON.stringify(warm.failures));
      // Both readings are taken in the same state: every connection closed, the device quiet.
      await assertPoolsBack(t, rig, 16);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const before = await rig.interpreter.restingVariables();
      const started = Date.now();
      const result = await run('run', iterations, 600000);
      const seconds = (Date.now() - started) / 1000;
      await assertPoolsBack(t, rig, 16);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const after = await rig.interpreter.restingVariables();
      t.log(iterations + ' connections in ' + seconds.toFixed(1) + ' s, ' + (iterations / seconds).toFixed(1) + ' connections/s; free variables ' +
        formatVariableRange(before) + ' before, ' + formatVariableRange(after) + ' after (of ' + before.total + '); ' + result.full +
        ' connects refused at once with every slot still closing an earlier connection, and tried again');
      t.deepEqual(result.failures, [], 'no connection failed');
      t.is(result.closed, iterations);
      t.true(sameVariables(before, after), 'free variables the same before and after (their resting ranges overlap)');
      const stats = await deviceStats(rig);
      t.log('TIME_WAIT inserted ' + stats.twInserted + ', recycled ' + stats.twRecycled);
      t.is(stats.twRecycled, stats.twInserted - 16, 'TIME_WAIT filled to its 16 records and recycled the oldest');
      t.is(stats.tcpEmfile || 0, 0);
      t.is(stats.tcpAddrNotAvail || 0, 0);
      const received = fs.readFileSync(lines, 'latin1').split('\n').filter((line) => line.startsWith('run '));
      const seen = new Uint8Array(iterations);
      for (const line of received) seen[Number(line.slice(4))]++;
      t.is(received.length, iterations, 'ncat received one line per connection');
      t.is(seen.indexOf(0), -1, 'every line arrived');
      t.is(seen.indexOf(2), -1, 'no line arrived twice');
    });
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}, true);
