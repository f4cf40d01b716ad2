import * as path from 'node:path';
import { picoEnc28j60 } from '../../boards/common/profiles';
import { interpreterTest, withBoard } from './support';

/**
 * An error raised inside the stack, on the smallest board: the interpreter prints where it
 * happened with the line around it, and for a bundle of one 80 KB line building that text could
 * itself run the board out of memory. The bundles are broken into short lines, so the message
 * names a position in a short line, shows a short piece of code, and the board carries on.
 */

const dist = process.env.DIST_DIR || 'dist';

interpreterTest('an error raised inside the stack prints a short, usable message on espruino_linux_pico, and the board carries on',
  ['pico'], (t) => withBoard('pico', async (board) => {
    board.store('.bootcde', path.join(dist, 'pretokenised', picoEnc28j60.name + '.js'));
    const running = board.boot();
    await running.waitFor(/(?:^|\n)up: /, 60000);
    // The heap watchdog reads process.memory() every second from the stack's tick: make that throw once.
    running.send('var memory=process.memory;process.memory=function(){process.memory=memory;throw new Error("probe from the test")}');
    const from = running.text().length;
    // The trace runs up to the next prompt, a line that starts with '>'.
    const trace = await running.waitFor(/Uncaught Error: probe from the test\n((?:(?!>)[^\n]*\n)+)>/, 15000, from);
    t.log(trace[0]);
    const lines = trace[1].split('\n').filter((line) => line !== '');
    t.true(lines.some((line) => /^ +at [^(]*\(\.bootcde:\d+:\d+\)$/.test(line)), 'names a position in the stored bundle');
    t.true(lines.every((line) => line.length <= 100), 'every line short: ' + lines.map((line) => line.length).join(' '));
    const memory = await running.variables();
    t.true(memory.free > picoEnc28j60.appReserve, memory.free + ' variables free afterwards');
    running.send('NET.wd()');
    await running.waitFor(/wd (ok|low|critical) free \d+/, 10000, from);
    t.notRegex(running.text(), /LOW_MEMORY|MEMORY_BUSY/);
    t.is(running.exitCode, null, 'still running');
  }));
