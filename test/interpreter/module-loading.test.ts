import * as fs from 'fs';
import * as path from 'path';
import { InterpreterBuild } from '../../sim/espruino/interpreter';
import { restingFreeVariables, variableProbe } from './example-device';
import { interpreterTest, withBoard } from './support';

/**
 * What a module costs in interpreter variables, by the way it reaches the board: as a Storage
 * file named like the module (require() then runs it from flash, its functions' code staying
 * there), minified or as published; or as text handed to Modules.addCached, which is what the Web
 * IDE and the espruino CLI send when they upload code to RAM. The examples' README recommends the
 * cheapest; this test measures all four and checks that it is the cheapest.
 */

const ways = ['Storage, minified', 'Storage, as published', 'addCached, minified', 'addCached, as published'];

function moduleFile(name: string, minified: boolean): string {
  return minified ? path.resolve(process.env.DIST_DIR || 'dist', 'modules', name + '.js') : path.resolve('examples', 'modules', name + '.js');
}

async function moduleCost(build: InterpreterBuild, name: string, way: number): Promise<number> {
  return withBoard(build, async (board) => {
    const file = moduleFile(name, way === 0 || way === 2);
    const load = way < 2
      ? 'require(' + JSON.stringify(name) + ')'
      : 'Modules.addCached(' + JSON.stringify(name) + ',E.openFile(' + JSON.stringify(file) + ',"r").read(' + fs.statSync(file).size + '));require(' + JSON.stringify(name) + ')';
    if (way < 2) board.store(name, file);
    // The probe first, then the module a second later: the readings before and after differ by the module alone.
    const interpreter = board.boot(variableProbe + 'setTimeout(function(){' + load + ';print("loaded")},1000);');
    const bare = await restingFreeVariables(interpreter, 2);
    await interpreter.waitFor(/loaded/, 30000);
    return bare - (await restingFreeVariables(interpreter));
  });
}

for (const build of ['esp32', 'pico'] as InterpreterBuild[]) {
  interpreterTest('Modules (' + build + '-sized): MQTT and ws cost the fewest variables saved minified to Storage under their own names', [build], async (t) => {
    for (const name of ['MQTT', 'ws']) {
      const costs: number[] = [];
      for (let way = 0; way < ways.length; way++) costs.push(await moduleCost(build, name, way));
      t.log(build + ' ' + name + ': ' + ways.map((way, i) => way + ' ' + costs[i]).join(', ') + ' variables');
      t.is(Math.min.apply(null, costs), costs[0], name + ': Storage, minified, is the cheapest');
    }
  });
}
