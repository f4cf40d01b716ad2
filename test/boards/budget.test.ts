import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { spawnSync } from 'node:child_process';
import { boardProfiles, picoEnc28j60 } from '../../boards/common/profiles';

const dist = process.env.DIST_DIR || 'dist';

test('the build report has a budget line for every board, with its stored size within 75% of the board\'s Storage', (t) => {
  const report = JSON.parse(fs.readFileSync(path.join(dist, 'report.json'), 'utf8'));
  t.deepEqual(report.boards.map((b: { board: string }) => b.board), boardProfiles.map((p) => p.name), 'every profile has a bundle and a budget line');
  for (const budget of report.boards) {
    t.is(budget.storedBytes, fs.statSync(path.join(dist, 'pretokenised', budget.board + '.js')).size);
    t.true(budget.storedBytes <= budget.storageLimit, budget.board + ': ' + budget.storedBytes + ' of ' + budget.storageLimit);
    t.is(budget.storageLimit, Math.floor(budget.storageFile * 0.75));
    t.deepEqual(budget.problems, []);
  }
});

test('the build report fails, naming both sizes, when a board bundle is too big for its board\'s Storage', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'budget-'));
  try {
    fs.mkdirSync(path.join(dir, 'pretokenised'));
    fs.writeFileSync(path.join(dir, 'pico-enc28j60.js'), 'var x = 1;\n');
    fs.writeFileSync(path.join(dir, 'pretokenised', 'pico-enc28j60.js'), Buffer.alloc(40000, 32));
    const result = spawnSync(process.execPath, [path.join(__dirname, '../../tools/bundle-report.js'), dir],
      { encoding: 'utf8', env: Object.assign({}, process.env, { BUDGET: 'off' }) });
    t.is(result.status, 1);
    t.regex(result.stdout, /pico-enc28j60 +pico +40000 +81% +36840 .* OVER/);
    t.regex(result.stderr, new RegExp('pico-enc28j60: 40000 bytes stored exceed 36840, 75% of the ' + picoEnc28j60.storageFile + '-byte largest Storage file of a Espruino Pico'));
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8'));
    t.is(report.boards[0].used, null, 'not booted when asked not to');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
