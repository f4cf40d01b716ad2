import * as fs from 'node:fs';
import * as path from 'node:path';
import { boardProfiles } from '../../boards/common/profiles';
import { storageShare } from '../../tools/board-budget';
import { interpreterTest, withBoard } from './support';

/**
 * Every board bundle as a board runs it: its pretokenised form written into the Storage of the
 * interpreter sized like its board, booted from there. On the interpreter's Linux build there is
 * no network chip (SPI has nothing behind it, the STM32 pins and the MAC do not exist), so each
 * must say so on the console and keep retrying, never raise an uncaught error; its console must
 * answer every command; and it must leave the board's application its variables.
 */

const dist = process.env.DIST_DIR || 'dist';

for (const profile of boardProfiles) {
  interpreterTest(profile.name + ' on espruino_linux_' + profile.interpreter + ': fits 75% of its Storage, boots to up:, reports its NIC, ' +
    'answers the console, leaves ' + profile.appReserve + ' variables free', [profile.interpreter], (t) => withBoard(profile.interpreter, async (board) => {
    const file = path.join(dist, 'pretokenised', profile.name + '.js');
    const bytes = fs.statSync(file).size;
    t.true(bytes <= profile.storageFile * storageShare, bytes + ' bytes of the ' + profile.storageFile + '-byte largest Storage file');
    board.store('.bootcde', file);
    const running = board.boot();
    const up = await running.waitFor(/(?:^|\n)up: ([^\n]*)\n/, 60000);
    t.log('up: ' + up[1]);
    // The first bring-up of the chip is at 100 ms, the second 2 s later: then it has said why it is not up.
    if (profile.nic !== 'slip') await running.waitFor(/(?:^|\n|>)nic: [^\n]*\(retrying\)\n/, 15000);
    const answers: { [command: string]: string } = {};
    for (const command of ['stat', 'sockets', 'timewait', 'mem', 'nic', 'wd']) {
      const from = running.text().length;
      await running.evaluate('NET.' + command + '()', 20000);
      answers[command] = running.text().slice(from);
    }
    t.regex(answers.stat, /wdChecks=\d+|all counters 0/);
    t.regex(answers.sockets, /syn queue 0\/\d+, cookies sent 0/);
    t.regex(answers.timewait, /TIME_WAIT 0\/\d+ recycled 0 shed 0 last recycled age none/);
    t.regex(answers.mem, /total=\d+ budget=\d+ \(bytes\)\ninterpreter: \d+ of \d+ variables free \(\d+ B each\)/);
    t.regex(answers.nic, /nic link (up|down) \w+=\d+/);
    t.regex(answers.wd, /wd ok free \d+ low<\d+/);
    const memory = await running.variables();
    t.log(bytes + ' B stored (' + (100 * bytes / profile.storageFile).toFixed(0) + '% of Storage); ' +
      memory.free + ' of ' + memory.total + ' variables free after boot');
    t.true(memory.free >= profile.appReserve, memory.free + ' variables free, ' + profile.appReserve + ' needed');
    t.notRegex(running.text(), /Uncaught|LOW_MEMORY|MEMORY_BUSY/, 'no uncaught error, no memory trouble');
    t.is(running.exitCode, null, 'still running');
  }));
}
