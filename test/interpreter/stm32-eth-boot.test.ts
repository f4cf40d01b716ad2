import * as path from 'path';
import { InterpreterBuild } from '../../sim/espruino/interpreter';
import { interpreterTest, withBoard } from './support';

/**
 * The two on-chip-MAC bundles booted from Storage on the interpreter sized like their boards. On
 * the interpreter's Linux build there is no MAC (BOARD is LINUX, and peek32/poke32 would touch the
 * process's own memory), so each must say so on the console, keep retrying without an error, and
 * leave the application its variables.
 */
const MIN_FREE_VARIABLES = 1500;

const boards: { bundle: string; build: InterpreterBuild }[] = [
  { bundle: 'stm32f4discovery-eth', build: 'f4disc' },
  { bundle: 'nucleo-f767zi-eth', build: 'f767' },
];

for (const { bundle, build } of boards) {
  interpreterTest(bundle + ' boots on espruino_linux_' + build + ': "no MAC" on the console, retries without an error, ' +
    MIN_FREE_VARIABLES + ' variables free', [build], (t) => withBoard(build, async (board) => {
    board.store('.bootcde', path.join('dist', bundle + '.js'));
    const running = board.boot();
    await running.waitFor(/nic: no stm32-eth answered on this chip \(no MAC here: BOARD LINUX\)/, 60000);
    // Two more retries (every 2 s) of the chip check, then the console and the firmware's own counters.
    await new Promise((resolve) => setTimeout(resolve, 4500));
    // Without the console's echo, a reply cannot be confused with the command line that asked for it.
    running.send('echo(0)');
    const from = running.text().length;
    running.send('NET.nic()');
    await running.waitFor(/nic link down framesReceived=0 framesSent=0 .*bufferMoves=0/, 10000, from);
    const memory = await running.variables();
    t.log('espruino_linux_' + build + ' after boot: ' + memory.free + ' of ' + memory.total + ' variables free');
    t.notRegex(running.text(), /Uncaught|\bError\b|LOW_MEMORY/, 'no error on the console');
    t.is(running.exitCode, null, 'still running');
    t.true(memory.free >= MIN_FREE_VARIABLES, memory.free + ' variables free after boot');
  }));
}
