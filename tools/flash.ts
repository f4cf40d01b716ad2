/**
 * Uploads a board's bundle with the `espruino` CLI, into Storage as `.bootcde`, the file the
 * interpreter runs at every boot: the firmware survives a reset and runs from flash (ESPRUINO.md:
 * code in Storage costs a few variables per function, code sent to RAM ~1 per 5 bytes). What is
 * stored is the bundle's pretokenised form (dist/pretokenised/NAME.js, tools/pretokenise.ts),
 * byte for byte: the CLI writes it as a data file in `require("Storage").write` chunks, then
 * `load()` starts it as a reset would.
 *
 * Usage (the arguments are checked first; then every bundle is built into dist/ and the budget
 * check runs, as `npm run build` does, before anything is sent):
 *   npm run flash -- --board NAME --port /dev/ttyUSB0 [--baud 115200]
 *   npm run flash -- --board NAME --port tcp://127.0.0.1:PORT   a board (or the interpreter) on a network port
 *   npm run flash -- --board NAME --dry-run FILE      writes what would be sent, no board needed
 * Options for tests: --dist DIR (bundles and report.json already built there; nothing is built).
 *
 * A bundle larger than the largest file the board's Storage can hold (boards/common/profiles.ts,
 * storageFile) is refused before anything is sent: a Storage write past the end throws on the
 * board, after the upload has erased what was there.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { BoardProfile, boardProfiles } from '../boards/common/profiles';

export interface FlashOptions {
  board: string;
  port: string;
  baud: number;
  dryRun: string;
  dist: string;
}

const cli = require.resolve('espruino/bin/espruino-cli.js');

/** --name value pairs; throws on an unknown option or a missing value. */
export function parseArguments(argv: string[]): FlashOptions {
  const options: FlashOptions = { board: '', port: '', baud: 115200, dryRun: '', dist: '' };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i];
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new Error('flash: ' + name + ' needs a value');
    if (name === '--board') options.board = value;
    else if (name === '--port') options.port = value;
    else if (name === '--baud') options.baud = Number(value);
    else if (name === '--dry-run') options.dryRun = value;
    else if (name === '--dist') options.dist = value;
    else throw new Error('flash: unknown option ' + name);
  }
  const names = boardProfiles.map((profile) => profile.name);
  if (names.indexOf(options.board) < 0) throw new Error('flash: --board must be one of ' + names.join(', '));
  if (!options.port && !options.dryRun) throw new Error('flash: give --port PORT, or --dry-run FILE to write what would be sent');
  if (!(options.baud > 0 && Number.isInteger(options.baud))) throw new Error('flash: --baud must be a positive integer');
  return options;
}

/**
 * The espruino CLI's arguments. A dry run cannot ask a board what it is, so it hands the CLI a
 * board description instead (the interpreter version, for the Storage upload, and the built-in
 * modules, so that `require("NetworkJS")` is not looked up on the web).
 */
export function cliArguments(options: FlashOptions, bundle: string, boardFile: string): string[] {
  const store = ['--storage', '.bootcde:' + bundle, '-e', 'load()'];
  if (options.dryRun) return ['-n', '--board', boardFile, '-o', options.dryRun].concat(store);
  // Without --no-ble the CLI looks for Bluetooth devices (through D-Bus) even when given a port.
  return ['--no-ble', '-p', options.port, '-b', String(options.baud)].concat(store);
}

/** '' when `bytes` fit the largest Storage file of the profile's board; otherwise the refusal, naming both sizes. */
export function storageRefusal(profile: BoardProfile, bundle: string, bytes: number): string {
  const largest = profile.storageFile;
  if (bytes <= largest) return '';
  return 'flash: ' + bundle + ' is ' + bytes.toLocaleString('en-US') + ' bytes, larger than the largest Storage file on its board, ' +
    largest.toLocaleString('en-US') + ' bytes (the Storage of espruino_linux_' + profile.interpreter + '); nothing was sent';
}

/** The rest of `npm run build` after tsc: every bundle, then the bundle report with its budget check. */
function build(): number {
  const rollup = spawnSync(process.execPath, [require.resolve('rollup/dist/bin/rollup'), '-c', 'rollup.config.mjs'], { stdio: 'inherit' });
  if (rollup.status !== 0) return rollup.status || 1;
  const report = spawnSync(process.execPath, [path.join(__dirname, 'bundle-report.js'), 'dist'], { stdio: 'inherit' });
  return report.status || 0;
}

function main(argv: string[]): number {
  const options = parseArguments(argv);
  if (!options.dist) {
    const built = build();
    if (built !== 0) return built;
    options.dist = 'dist';
  }
  const profile = boardProfiles.filter((p) => p.name === options.board)[0];
  const bundle = path.join(options.dist, 'pretokenised', profile.name + '.js');
  if (!fs.existsSync(bundle)) throw new Error('flash: ' + bundle + ' is missing: run `npm run build`');
  const refusal = storageRefusal(profile, bundle, fs.statSync(bundle).size);
  if (refusal) throw new Error(refusal);
  const reportFile = path.join(options.dist, 'report.json');
  if (fs.existsSync(reportFile)) {
    const report = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
    const budget = (report.boards || []).filter((b: { board: string }) => b.board === profile.name)[0];
    if (budget && budget.problems.length > 0) throw new Error('flash: ' + budget.problems.join('; '));
    if (budget) {
      console.log(profile.title + ': ' + budget.storedBytes + ' bytes stored of the ' + budget.storageLimit + ' the firmware may take; ' +
        (budget.used === null ? 'variables not measured' : budget.free + ' of ' + budget.variables + ' variables free after boot, measured on espruino_linux_' +
          budget.interpreter) + ' (' + budget.appReserve + ' kept for the application)');
    }
  }
  const boardFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'flash-')), 'board.json');
  fs.writeFileSync(boardFile, JSON.stringify({
    BOARD: profile.espruinoBoard, VERSION: '2v29', VERSION_MAJOR: 2, VERSION_MINOR: 29,
    info: { builtin_modules: ['NetworkJS', 'Storage', 'net', 'http'] },
  }));
  const result = spawnSync(process.execPath, [cli].concat(cliArguments(options, bundle, boardFile)), { stdio: 'inherit' });
  fs.rmSync(path.dirname(boardFile), { recursive: true, force: true });
  if (result.status !== 0) return result.status || 1;
  if (options.dryRun && !fs.existsSync(options.dryRun)) throw new Error('flash: the espruino CLI wrote nothing to ' + options.dryRun);
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 2;
  }
}
