import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { statNames } from '../../firmware/stats';
import { measureMemory } from '../../sim/bench/memory';

/**
 * The README against what the commands it names print: each memory figure is the one its
 * command shows, and the limits table names counters the stack has.
 */

const root = path.join(__dirname, '../../..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const dist = process.env.DIST_DIR || path.join(root, 'dist');

function section(title: string): string {
  const start = readme.indexOf('\n## ' + title + '\n');
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** The cells of the benchmark table's row whose figure column starts with `figure`. */
function benchRow(figure: string): string {
  const row = section('Benchmarks').split('\n').filter((line) => line.startsWith('| 1 memory | ' + figure))[0];
  if (!row) throw new Error('no benchmark row ' + figure);
  return row.split(' | ')[2].replace(/ \|$/, '');
}

function number(text: string): number {
  return Number(text.replace(/,/g, ''));
}

test('the limits table names only counters the stack keeps, fragments and path MTU included', (t) => {
  const rows = section('At the limits').split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| limit') && !line.startsWith('|---'));
  t.true(rows.length > 10);
  for (const row of rows) {
    const counters = row.split(' | ')[2];
    for (const name of (counters.match(/`(\w+)`/g) || []).map((quoted) => quoted.slice(1, -1))) {
      t.true(statNames().indexOf(name) >= 0, name + ' in: ' + row);
    }
  }
  const rowFor = (limit: string) => rows.filter((row) => row.startsWith('| ' + limit))[0] || '';
  t.regex(rowFor('IP fragments'), /dropped[^|]*\| `dropIpFragment` \|$/);
  t.regex(rowFor('path MTU discovery'), /none[^|]*\| `icmpUnreachableIn` \|$/);
});

test('node dist/selftest.js prints the stackBytes of the benchmark table\'s self-test row', (t) => {
  const printed = /"stackBytes":(\d+)/.exec(spawnSync(process.execPath, [path.join(dist, 'selftest.js')], { encoding: 'utf8' }).stdout);
  t.truthy(printed);
  t.is(benchRow('board selftest'), printed![1] + ' B');
});

test('npm start prints the stack memory of the benchmark table\'s esp32-w5500 row', (t) => {
  const result = spawnSync(process.execPath, [path.join(root, 'build/sim/cli.js'), '--batch', '--seconds', '1'], { encoding: 'utf8' });
  const printed = /stack memory (\d+) bytes/.exec(result.stdout);
  t.truthy(printed, result.stdout);
  t.is(benchRow('board esp32-w5500 as flashed').split(' B;')[0], printed![1]);
});

test('the memory section\'s figures are the benchmark\'s group 1 for the default configuration', (t) => {
  const memory = measureMemory(dist);
  const table = section('Memory').split('\n').filter((line) => /^\| [A-Za-z]/.test(line) && !line.startsWith('| structure'));
  const bytes = (structure: string): number => number(table.filter((row) => row.startsWith('| ' + structure))[0].split(' | ')[1]);
  t.is(bytes('TIME_WAIT entry'), memory.timeWaitEntry.bytes);
  t.is(bytes('SYN-queue entry'), memory.synQueueEntry.bytes);
  t.is(bytes('socket slot, control block'), memory.socketSlot.bytes);
  t.is(bytes('socket slot with its'), memory.socketSlotWithBuffers.bytes);
  t.is(bytes('ARP cache entry'), memory.arpEntry.bytes);
  t.is(bytes('default configuration, total'), memory.defaultReport.total);
  t.is(benchRow('default configuration total'), memory.defaultReport.total + ' B, ' + memory.defaultEspruinoVariables + ' vars');
  const counters = /counters ([\d,]+)\./.exec(section('Memory'));
  t.is(number(counters![1]), memory.defaultReport['stack.counters']);
  const scratch = /scratch buffer[^;]* ([\d,]+);/.exec(section('Memory'));
  t.is(number(scratch![1]), memory.defaultReport['stack.scratch']);
});
