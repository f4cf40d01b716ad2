import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { spawnSync } from 'node:child_process';
import { cliArguments, parseArguments } from '../../tools/flash';
import { slip } from '../../boards/common/profiles';

// `npm test` builds dist/ first; DIST_DIR points at another build, as it does for rollup.
const dist = process.env.DIST_DIR || 'dist';
const flash = path.join(__dirname, '../../tools/flash.js');

/** Runs what the dry run wrote with a fake Storage, and returns the files it wrote and what it loaded. */
function replay(sent: string): { files: { [name: string]: string }; loaded: string[] } {
  const files: { [name: string]: string } = {};
  const loaded: string[] = [];
  const storage = {
    write(name: string, data: string, offset: number, size?: number) {
      if (offset === 0) files[name] = ' '.repeat(size as number);
      const file = files[name];
      files[name] = file.substring(0, offset) + data + file.substring(offset + data.length);
    },
  };
  vm.runInNewContext(sent, {
    require: (module: string) => (module === 'Storage' ? storage : undefined),
    atob: (base64: string) => Buffer.from(base64, 'base64').toString('latin1'),
    load: (name?: string) => loaded.push(name || '.bootcde'),
  });
  return { files, loaded };
}

for (const board of ['esp32-w5500', 'pico-enc28j60']) {
  test('a dry run for ' + board + ' writes the pretokenised bundle into Storage as .bootcde and loads it', (t) => {
    const bundle = path.join(dist, 'pretokenised', board + '.js');
    t.true(fs.existsSync(bundle), 'run `npm run build` first');
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dry-run-')), 'sent.js');
    const result = spawnSync(process.execPath, [flash, '--board', board, '--dry-run', out, '--dist', dist], { encoding: 'utf8' });
    t.is(result.status, 0, result.stdout + result.stderr);
    t.regex(result.stdout, /bytes stored of the \d+ the firmware may take; .* \(\d+ kept for the application\)/);
    const sent = fs.readFileSync(out, 'latin1');
    t.true(sent.startsWith('require("Storage").write(".bootcde",'), sent.substring(0, 80));
    t.true(sent.trimEnd().endsWith('load()'));
    const replayed = replay(sent);
    t.deepEqual(Object.keys(replayed.files), ['.bootcde']);
    t.is(replayed.files['.bootcde'], fs.readFileSync(bundle, 'latin1'), 'exactly the bundle, byte for byte');
    t.deepEqual(replayed.loaded, ['.bootcde']);
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  });
}

test('a real upload goes to the port, into Storage; bad arguments are refused before anything runs', (t) => {
  const options = parseArguments(['--board', 'slip', '--port', '/dev/ttyUSB0']);
  t.deepEqual(cliArguments(options, 'dist/pretokenised/slip.js', 'unused'),
    ['--no-ble', '-p', '/dev/ttyUSB0', '-b', '115200', '--storage', '.bootcde:dist/pretokenised/slip.js', '-e', 'load()']);
  t.throws(() => parseArguments(['--board', 'esp8266', '--port', '/dev/ttyUSB0']), { message: /--board must be one of esp32-w5500, / });
  t.throws(() => parseArguments(['--board', 'slip']), { message: /--port PORT, or --dry-run FILE/ });
  t.throws(() => parseArguments(['--board', 'slip', '--port']), { message: /--port needs a value/ });
  t.throws(() => parseArguments(['--bord', 'slip']), { message: /unknown option --bord/ });
});

test('a bundle larger than the board\'s largest Storage file is refused before anything is sent, naming both sizes', (t) => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'too-big-'));
  const largest = slip.storageFile;
  fs.mkdirSync(path.join(directory, 'pretokenised'));
  fs.writeFileSync(path.join(directory, 'pretokenised', 'slip.js'), Buffer.alloc(largest + 1, 0x20));
  // A port nobody listens on: had the refusal not come first, the CLI would have tried it.
  const result = spawnSync(process.execPath, [flash, '--board', 'slip', '--port', 'tcp://127.0.0.1:9', '--dist', directory], { encoding: 'utf8' });
  fs.rmSync(directory, { recursive: true, force: true });
  t.is(result.status, 2, result.stdout + result.stderr);
  t.regex(result.stderr, new RegExp('is ' + (largest + 1).toLocaleString('en-US') + ' bytes, larger than the largest Storage file on its board, ' +
    largest.toLocaleString('en-US') + ' bytes'));
  t.notRegex(result.stdout, /Connecting/, 'the espruino CLI never started');
});

test('npm run flash checks its arguments before it builds anything', (t) => {
  const scripts = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')).scripts;
  t.is(scripts.flash, 'npm run compile --silent && node build/tools/flash.js', 'no bundle build before flash.js has read its arguments');
  // Without --dist, flash.js would build every bundle into ./dist: in an empty folder a bad board must stop it first.
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'flash-args-'));
  const started = Date.now();
  const result = spawnSync(process.execPath, [flash, '--board', 'nosuchboard', '--port', '/dev/ttyUSB0'], { cwd: empty, encoding: 'utf8' });
  t.is(result.status, 2);
  t.regex(result.stderr, /^flash: --board must be one of esp32-w5500, [^\n]+\n$/);
  t.is(result.stdout, '');
  t.deepEqual(fs.readdirSync(empty), [], 'nothing built');
  t.true(Date.now() - started < 10000);
  fs.rmSync(empty, { recursive: true, force: true });
});
