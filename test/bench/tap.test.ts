import test from 'ava';
import { runTapBench, tapBenchUnavailableReason } from '../../sim/bench/tap';

/**
 * Group 4's pieces on a tiny workload: the lwIP harness builds and serves, the kernel-to-kernel
 * ceiling forwards between two bridges, our stack answers on all three endpoints, and every
 * figure and ratio is filled in. No timing is asserted.
 */

const unavailable = tapBenchUnavailableReason();

if (unavailable) {
  test('group 4 smoke test SKIPPED on this machine', (t) => {
    const line = 'SKIPPED: benchmark group 4 needs root, /dev/net/tun, socat, iproute2, liblwip-dev and gcc: ' + unavailable;
    t.log(line);
    process.stderr.write('\n*** ' + line + ' ***\n\n');
    t.pass();
  });
} else {
  test('group 4 measures ours, the kernel-to-kernel ceiling and lwIP over the same bridge', async (t) => {
    const lines: string[] = [];
    const result = await runTapBench(0.1, (line) => lines.push(line));
    t.is(result.skipped, '', lines.join('\n'));
    t.is(result.targets.length, 4);
    for (const target of result.targets) {
      t.deepEqual(target.failures, [], target.target);
      t.true(target.upMegabytesPerSecond.min > 0 && target.downMegabytesPerSecond.min > 0 && target.connectionsPerSecond.min > 0, target.target);
    }
    t.is(result.goals.length, 3);
    t.true(result.rows.some((row) => row[0].indexOf('vs ceiling / vs lwIP') >= 0 && row[1].indexOf('n/a') < 0));
    t.log(lines.join('\n'));
  });
}
