import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { slip } from '../../boards/common/profiles';
import { distDirectory } from '../../sim/espruino/interpreter-rig';
import { InterpreterBoard } from '../../sim/espruino/interpreter';
import { assertPoolsBack, interpreterTest, slipBuild, withDevice } from './support';

/**
 * A board user's day, on the interpreter: `npm run flash` uploads the SLIP bundle with the
 * espruino CLI to the interpreter as to a board on a serial port (its console on a
 * pseudo-terminal, served on a loopback TCP port), into Storage as .bootcde; then the
 * interpreter is started afresh on the same Storage, boots the firmware from flash, and the
 * kernel's curl reaches it. (The refusal of a bundle too big for the board's Storage is in
 * test/boards/flash.test.ts: it sends nothing, so it needs no interpreter.)
 */

const flashTool = path.join(__dirname, '../../tools/flash.js');

function run(command: string, args: string[], timeoutMs: number): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

interpreterTest('flash: npm run flash uploads the bundle with the espruino CLI; the interpreter boots it from Storage and curl reaches it', [slipBuild], async (t) => {
  // What a board stores is the pretokenised form (tools/flash.ts).
  const bundle = path.join(distDirectory, 'pretokenised', slip.name + '.js');
  const expected = fs.readFileSync(bundle);
  const bundleCheck = String(zlib.crc32(expected)) + ' ' + expected.length;
  const board = new InterpreterBoard(slipBuild);
  try {
    // The Linux build's console input can garble a byte when its input thread adds to an event its
    // main loop is reading (no lock between them, where a board has an interrupt): so the upload
    // is checked, as a cautious user would, and made again if Storage does not hold the bundle.
    // A garbled byte can also leave the console waiting for the rest of a statement, and the CLI
    // with it (once in a CI run): an upload takes about 30 s, so one still running after 80 s is
    // stopped and made again, and three attempts stay inside ava's five-minute timeout.
    let stored = '';
    let upload = { status: null as number | null, output: '' };
    for (let attempt = 1; attempt <= 3 && stored !== bundleCheck; attempt++) {
      const serial = await board.serveConsole({ mappedFlash: true });
      const started = Date.now();
      upload = await run(process.execPath, [flashTool, '--board', slip.name, '--port', serial.url, '--dist', distDirectory], 80000);
      await serial.stop();
      const said = 'upload ' + attempt + ': ' + ((Date.now() - started) / 1000).toFixed(1) + ' s, ' + (upload.status === null ? 'stopped' : 'exit ' + upload.status) +
        '; the CLI said: ' + upload.output.split('\n').filter((line) => /Connecting|Upload Complete|bytes, ~/.test(line)).join(' | ');
      t.log(said);
      // Also on stderr, which ava prints as it comes: t.log is lost if the run times out.
      if (upload.status !== 0) console.error('flash test, ' + said + '\n' + upload.output.split('\n').slice(-15).join('\n'));
      stored = board.inspect('(E.CRC32(require("Storage").read(".bootcde"))>>>0)+" "+require("Storage").read(".bootcde").length');
      if (stored !== bundleCheck) t.log('Storage holds CRC32 and length ' + stored + ', not the bundle\'s ' + bundleCheck + ': uploading again');
    }
    t.is(upload.status, 0, upload.output);
    t.regex(upload.output, /Upload Complete/);
    t.is(stored, bundleCheck, '.bootcde holds the bundle byte for byte');
    await withDevice(t, { board, bundle: null }, async (rig) => {
      t.regex(rig.upLine, /^up: 192\.0\.2\.2, echo on 7, HTTP on 80/, 'booted from flash, with the wiring and addresses of this machine');
      const page = await rig.bridge.exec('curl -sS --max-time 20 http://' + rig.bridge.deviceIp + '/', 25000);
      t.is(page.code, 0, page.stderr);
      t.regex(page.stdout, /^espruino-tcp up \d+ s, connections 1, memory \d+ bytes\n$/);
      await assertPoolsBack(t, rig, 1);
    });
  } finally {
    await board.remove();
  }
}, true);
