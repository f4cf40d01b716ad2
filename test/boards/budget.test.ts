import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { spawnSync } from 'node:child_process';
import { budgetFor, boardBudgets, estimateVariables } from '../../tools/board-budget';
import { boardProfiles, picoEnc28j60 } from '../../boards/common/profiles';

const dist = process.env.DIST_DIR || 'dist';

test('typed arrays are costed as ESPRUINO.md measured them (17-byte blocks)', (t) => {
  t.is(estimateVariables(new Uint32Array(64), 17, []), 19);
  t.is(estimateVariables(new Uint8Array(1500), 17, []), 92);
  const buffer = new Uint8Array(1500);
  t.is(estimateVariables([buffer, buffer.subarray(14)], 17, []), 1 + 2 + 92 + 2, 'a view on a counted buffer costs only itself');
  t.is(estimateVariables({ a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10 }, 17, []), 11, 'ESPRUINO.md: 10 number fields = 11 variables');
});

test('every board in the build fits its variables with its application reserve left', (t) => {
  const report = JSON.parse(fs.readFileSync(path.join(dist, 'report.json'), 'utf8'));
  t.is(report.boards.length, boardProfiles.length, 'every profile has a bundle and a budget line');
  for (const budget of report.boards) {
    t.true(budget.fits, budget.board + ': ' + budget.total + ' of ' + budget.available);
    t.true(budget.codeVariables > 0 && budget.dataVariables > 0);
    t.is(budget.total, budget.codeVariables + budget.dataVariables);
  }
  t.deepEqual(boardBudgets(report.bundles).map((b) => b.total), report.boards.map((b: { total: number }) => b.total), 'the estimate is deterministic');
});

test('a configuration too large for its board is reported as not fitting', (t) => {
  const greedy = Object.assign({}, picoEnc28j60, { config: Object.assign({}, picoEnc28j60.config, { sockets: 8, sendBuffer: 4096, receiveBuffer: 4096, memoryBudget: 131072 }) });
  const budget = budgetFor(greedy, 1500);
  t.false(budget.fits);
  t.true(budget.headroom < 0);
  t.true(budgetFor(picoEnc28j60, 1500).fits);
});

test('the build report fails when a board bundle does not fit its board', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'budget-'));
  let code = '';
  for (let i = 0; i < 800; i++) code += 'function f' + i + '(){return ' + i + '}\n';
  fs.writeFileSync(path.join(dir, 'pico-enc28j60.js'), code);
  const result = spawnSync(process.execPath, [path.join(__dirname, '../../tools/bundle-report.js'), dir], { encoding: 'utf8' });
  t.is(result.status, 1);
  t.regex(result.stdout, /pico-enc28j60 +5100 +1000 .* OVER/);
  t.regex(result.stderr, /pico-enc28j60: ~\d+ variables exceed the 4100 left after the 1000-variable application reserve/);
  const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8'));
  t.false(report.boards[0].fits);
  fs.rmSync(dir, { recursive: true, force: true });
});
