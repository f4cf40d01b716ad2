import { formatVariableRange, VariableRange } from '../../sim/espruino/interpreter';
import { assertPoolsBack, interpreterTest, slipBuild, withDevice } from './support';

/**
 * On the interpreter a property holding an integer past its in-place range (about ±4,096 on the
 * smaller boards, ±8,192 on an ESP32) costs a variable of its own. State the firmware keeps
 * between packets (the segment in hand, a driver's pointers, the TIME_WAIT table's ages) lives in
 * typed arrays, so the free variables a board reports at rest do not depend on what came last.
 * This test makes the last segment differ in the numbers it carries: a kernel client on a port
 * under 4,096 and one on a port over 40,000, a transfer, a ping. It failed while the segment's
 * fields were properties of the TCP engine (a variable more after the high port).
 */

const restingReadings = 15;

interpreterTest('free variables at rest are the same whatever traffic came last: low and high client ports, a transfer, a ping', [slipBuild], async (t) => {
  await withDevice(t, {}, async (rig) => {
    const device = 'http://' + rig.bridge.deviceIp + '/';
    const curl = async (options: string, url: string) => {
      const result = await rig.bridge.exec('curl -sS --retry 3 -o /dev/null ' + options + ' ' + url, 60000);
      t.is(result.code, 0, 'curl ' + options + ' ' + url + ': ' + result.stderr);
    };
    // First uses (the HTTP service's paths, the TIME_WAIT table filled and recycling) before the first reading.
    for (let n = 0; n < 20; n++) await curl('--local-port ' + (40000 + n), device + (n % 2 ? 'bytes/3000' : ''));
    const resting = async (): Promise<VariableRange> => {
      await assertPoolsBack(t, rig);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      return rig.interpreter.restingVariables(restingReadings);
    };
    const readings: Array<{ after: string; range: VariableRange }> = [];
    readings.push({ after: 'warm-up', range: await resting() });
    await curl('--local-port 1024-1100', device);
    readings.push({ after: 'a client on port 1024', range: await resting() });
    await curl('--local-port 50000-50100', device + 'bytes/20000');
    readings.push({ after: '20 KB to a client on port 50000', range: await resting() });
    const ping = await rig.bridge.exec('ping -c 3 -i 0.2 -W 5 ' + rig.bridge.deviceIp, 30000);
    t.regex(ping.stdout, /3 received/);
    readings.push({ after: 'a ping', range: await resting() });
    await curl('--local-port 1024-1100', device + 'bytes/20000');
    readings.push({ after: '20 KB to a client on port 1024', range: await resting() });
    t.log('free variables at rest (' + restingReadings + ' readings each): ' +
      readings.map((reading) => reading.after + ' ' + formatVariableRange(reading.range)).join('; '));
    // At rest: the most of each set of readings (a reading taken while the firmware's loop runs is a variable lower).
    for (const reading of readings.slice(1)) t.is(reading.range.max, readings[0].range.max, 'after ' + reading.after + ' as after the warm-up');
  });
}, true);
