import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { tapUnavailableReason } from '../../sim/tap/bridge';

/**
 * A machine that has everything the TAP bridge needs but not liblwip-dev must skip the benchmark's
 * TAP group, naming what is missing, not fail it. Shown for real: liblwip-dev's headers are hidden
 * in a mount namespace of the test's own (root and unshare needed for that), and the group's test
 * file runs there.
 */

const lwipHeaders = '/usr/include/lwip';
const canUnshare = spawnSync('unshare', ['-m', 'true']).status === 0;
const why = tapUnavailableReason() || (canUnshare ? '' : 'unshare -m (util-linux, with CAP_SYS_ADMIN) does not run here') ||
  (fs.existsSync(lwipHeaders) ? '' : 'liblwip-dev is not installed here anyway');

(why ? test.skip : test)('without liblwip-dev the TAP benchmark test is skipped, naming it' + (why ? ' [skipped: ' + why + ']' : ''), (t) => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'no-lwip-'));
  const ava = path.join(__dirname, '../../../node_modules/ava/entrypoints/cli.mjs');
  const file = path.join(__dirname, 'tap.test.js');
  // The file is named, so AVA_FILES (a narrower selection this run may have) must not apply.
  const env = Object.assign({}, process.env);
  delete env.AVA_FILES;
  const result = spawnSync('unshare', ['-m', 'sh', '-c', 'mount --bind "$1" ' + lwipHeaders + ' && exec "$2" "$3" "$4"', 'sh',
    empty, process.execPath, ava, file], { cwd: path.join(__dirname, '../../..'), env, encoding: 'utf8', timeout: 120000 });
  fs.rmSync(empty, { recursive: true, force: true });
  const output = result.stdout + result.stderr;
  t.is(result.status, 0, output);
  t.regex(output, /SKIPPED: benchmark group 4 needs [^\n]*: liblwip-dev is not installed/);
});
