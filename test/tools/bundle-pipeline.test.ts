import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { checkBundle } from '../../tools/bundle-check';
import { reportBundles } from '../../tools/bundle-report';

// ava runs test files with the project root as the working directory.
const root = process.cwd();
const rollup = path.join(root, 'node_modules', 'rollup', 'dist', 'bin', 'rollup');
const reportTool = path.join(__dirname, '..', '..', 'tools', 'bundle-report.js');

function buildBoards(boardsDir: string, distDir: string, tsconfig?: string): void {
  const env: NodeJS.ProcessEnv = { ...process.env, BOARDS_DIR: boardsDir, DIST_DIR: distDir };
  if (tsconfig) env.BUNDLE_TSCONFIG = tsconfig;
  execFileSync(process.execPath, [rollup, '-c', 'rollup.config.mjs', '--silent'], { cwd: root, env, stdio: 'pipe' });
}

function referenceChecksum(buf: Uint8Array, offset: number, length: number, initial: number): number {
  let sum = initial;
  for (let i = 0; i < length; i++) sum += i & 1 ? buf[offset + i] : buf[offset + i] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** What test/tools/fixture-board/fixture.ts prints, given the free bytes memory() reports. */
function expectedLine(freeMemory: number): string {
  const data = new Uint8Array(101);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + 11) & 255;
  return 'FIXTURE 192.0.2.7 ' + referenceChecksum(data, 1, 99, 0) + ' ' + referenceChecksum(data, 0, 100, 0x1234) + ' ' +
    data[3] + ' ' + freeMemory;
}

test('a board builds into one self-contained ES5 bundle that passes the check and runs on Node and on the interpreter', (t) => {
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-pipeline-'));
  try {
    fs.writeFileSync(path.join(dist, 'stale.js'), 'old board');
    buildBoards('test/tools/fixture-board', dist, 'test/tools/fixture-board/tsconfig.json');
    t.deepEqual(fs.readdirSync(dist).sort(), ['fixture.js', 'names', 'pretokenised'], 'one bundle per board, stale bundles removed');
    t.deepEqual(fs.readdirSync(path.join(dist, 'pretokenised')), ['fixture.js'], 'and beside it the form a board stores');

    const code = fs.readFileSync(path.join(dist, 'fixture.js'), 'utf8');
    t.deepEqual(checkBundle(code, 'fixture.js'), []);
    t.regex(code, /^!function\(\)\{"use strict";/, 'an IIFE: nothing leaks onto the REPL');
    t.notRegex(code, /\b(let|const|class)\s/, 'ES5 output');
    t.notRegex(code, /\brequire\(|\bexport\b|\bimport\b/, 'self-contained');

    const [report] = reportBundles(dist);
    t.is(report.bundle, 'fixture.js');
    t.is(report.bytes, Buffer.byteLength(code));
    t.true(report.gzipBytes > 0 && report.gzipBytes < report.bytes);
    t.true(report.functions >= 8, 'the HAL class alone has 7 functions');
    t.is(report.pretokenisedBytes, fs.statSync(path.join(dist, 'pretokenised', 'fixture.js')).size);
    t.true(report.pretokenisedBytes < report.bytes, 'pretokenised is smaller');
    t.deepEqual(report.problems, []);

    t.is(execFileSync(process.execPath, [path.join(dist, 'fixture.js')], { encoding: 'utf8' }).trim(), expectedLine(16 << 20));

    const logged: string[] = [];
    let sums = 0;
    vm.runInNewContext(code, {
      E: {
        sum(values: Uint16Array): number {
          sums++;
          let total = 0;
          for (let i = 0; i < values.length; i++) total += values[i];
          return total;
        },
        hwRand: () => 7,
      },
      getTime: () => 1,
      process: { memory: () => ({ free: 300, blocksize: 16 }) },
      console: { log: (line: string) => logged.push(line) },
      Uint8Array, Uint16Array,
    });
    t.deepEqual(logged, [expectedLine(300 * 16)]);
    t.is(sums, 2, 'both checksums went through E.sum');
  } finally {
    fs.rmSync(dist, { recursive: true, force: true });
  }
});

test('zero boards is not an error and builds nothing', (t) => {
  const boards = fs.mkdtempSync(path.join(os.tmpdir(), 'no-boards-'));
  const dist = path.join(boards, 'dist');
  try {
    buildBoards(boards, dist);
    t.false(fs.existsSync(dist) && fs.readdirSync(dist).length > 0);
    const run = spawnSync(process.execPath, [reportTool, dist], { encoding: 'utf8' });
    t.is(run.status, 0, run.stderr);
    t.deepEqual(JSON.parse(fs.readFileSync(path.join(dist, 'report.json'), 'utf8')).bundles, []);
  } finally {
    fs.rmSync(boards, { recursive: true, force: true });
  }
});

test('the report fails the build on a bundle with a problem, naming file, line and column', (t) => {
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-report-'));
  try {
    fs.writeFileSync(path.join(dist, 'good.js'), '!function(){function a(){}a()}();');
    fs.writeFileSync(path.join(dist, 'bad.js'), '!function(){\nb();function b(){}var m=new Map}();');
    const run = spawnSync(process.execPath, [reportTool, dist], { encoding: 'utf8' });
    t.is(run.status, 1);
    const bad = path.join(dist, 'bad.js');
    t.true(run.stderr.includes(bad + ':2:1 calls b before its declaration'), run.stderr);
    t.true(run.stderr.includes(bad + ':2:29 Map is missing'), run.stderr);
    t.regex(run.stdout, /bad\.js .* 2 problems/);
    t.regex(run.stdout, /good\.js .* ok/);
    const written = JSON.parse(fs.readFileSync(path.join(dist, 'report.json'), 'utf8'));
    t.deepEqual(written.bundles.map((b: { bundle: string; functions: number }) => [b.bundle, b.functions]), [['bad.js', 2], ['good.js', 2]]);
  } finally {
    fs.rmSync(dist, { recursive: true, force: true });
  }
});
