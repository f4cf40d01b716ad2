import { runInterpreterBench } from '../../sim/bench/interpreter';
import { interpreterTest, slipBuild } from '../interpreter/support';

/**
 * Group 8's pieces on a tiny workload: the floor runs from Storage, every transfer and the
 * connection loop complete, the bundle with section timers builds and reports, and every figure
 * and goal is filled in. No timing is asserted.
 */

interpreterTest('group 8 measures the firmware inside the interpreter: floor, sent, echoed, idle, the user\'s sockets, sections', [slipBuild, 'esp32'], async (t) => {
  const lines: string[] = [];
  const result = await runInterpreterBench({
    runs: 1, receiveBytes: 5000, sendBytes: 10000, connections: 5, idleSeconds: 1, floorIterations: 100, workDir: 'bench-results/tmp',
  }, (line) => lines.push(line));
  t.is(result.skipped, '', lines.join('\n'));
  for (const figure of [result.floorMicroseconds.mss, result.floorMicroseconds.full1460, result.sent.microsecondsPerSegment,
    result.echoed.microsecondsPerSegment, result.idleCpuPercent, result.app.received.microsecondsPerSegment, result.app.connectionsPerSecond]) {
    t.true(figure.median > 0 && figure.runs === 1, JSON.stringify(figure));
  }
  t.is(result.freeVariables.firmware.length, 2, 'after the warm-up and after the run');
  t.is(result.freeVariables.app.length, 2);
  for (const list of [result.sections.sent, result.sections.echoed, result.sections.idle]) {
    t.true(list.some((section) => section.name.indexOf('loop pass') === 0 && section.calls > 0), JSON.stringify(list));
  }
  t.is(result.goals.length, 3);
  t.is(result.rows.length, 12);
  t.log(lines.join('\n'));
}, true);
