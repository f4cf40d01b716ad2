import * as path from 'node:path';
import { interpreterTest, withBoard } from './support';

/** The console's new wording (issue 16) as the interpreter prints it, from the default board's bundle booted out of Storage. */
interpreterTest('on the ESP32 interpreter, NET.timewait() says "none" before anything was recycled', ['esp32'], async (t) => {
  await withBoard('esp32', async (board) => {
    board.store('.bootcde', path.join(process.env.DIST_DIR || 'dist', 'esp32-w5500.js'));
    const running = board.boot();
    await running.waitFor(/up: DHCP, fallback /, 30000);
    const from = running.text().length;
    running.send('NET.timewait()');
    const line = await running.waitFor(/TIME_WAIT [^\n]*\n/, 10000, from);
    t.is(line[0], 'TIME_WAIT 0/32 recycled 0 shed 0 last recycled age none\n');
  });
});
