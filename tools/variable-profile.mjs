// Where a board bundle's interpreter variables go, measured on the interpreter sized like the board.
// Usage: npm run profile:vars -- BOARD [INTERPRETER]
//   (INTERPRETER: another size, e.g. esp32, for a bundle that does not fit its own board)
//
// Builds boards/BOARD.ts exactly as the real build does, plus a probe after each module that
// prints process.memory().usage (the interpreter collects garbage first), stores it in the
// interpreter's Storage and boots it as a board does. It prints the variables each module costs
// at rest (its functions, and whatever its top level builds), then what each step of the boot
// builds: every `x = new X(...)` statement of the boot, the device and the stack's constructor
// is probed the same way. The probes themselves add a few bytes of code, no variables.
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { rollup } from 'rollup';
import { boardBundle } from './bundle-config.mjs';
import { profileOf } from '../build/boards/common/profiles.js';
import { InterpreterBoard } from '../build/sim/espruino/interpreter.js';

const board = process.argv[2];
const profile = board && profileOf(board);
if (!profile) {
  console.error('usage: npm run profile:vars -- BOARD [INTERPRETER]   (BOARD: a bundle with a profile in boards/common/profiles.ts)');
  process.exit(2);
}
const interpreter = process.argv[3] || profile.interpreter;

const marker = '\u0001';
const stepped = ['boards/common/boot.ts', 'firmware/stack.ts', 'firmware/device.ts', 'firmware/tcp/tcp.ts', 'firmware/network-interface.ts'];
const probe = {
  name: 'variable-probe',
  transform(code, id) {
    if (!/\.ts$/.test(id)) return null;
    const module = path.relative(process.cwd(), id);
    let probed = code;
    if (stepped.includes(module)) {
      probed = probed.replace(/^(\s*)((?:var |const |let )?([\w.]+) = new (\w+)\(.*\);)$/gm, (line, indent, statement, target, type) =>
        `${indent}${statement} print("${marker}STEP ${module} ${target} (${type}) " + process.memory().usage);`);
    }
    return { code: probed + `\nprint("${marker}MOD ${module} " + process.memory().usage);\n`, map: null };
  },
};

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'variable-profile-'));
const file = path.join(folder, board + '.js');
const options = boardBundle(path.join('boards', board + '.ts'), file, { plugins: [probe] });
const bundle = await rollup(Object.assign({}, options, { onwarn() {} }));
await bundle.write(options.output);
await bundle.close();

const target = new InterpreterBoard(interpreter);
try {
  target.store('.bootcde', file);
  const running = target.boot();
  const booted = await running.waitFor(/\n(up: [^\n]*|Uncaught [^\n]*)\n/, 60000).then((match) => match[1], (error) => String(error));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const memory = await running.variables();
  console.log(board + ' on espruino_linux_' + interpreter + ' (' + fs.statSync(file).size + ' B with probes): ' + booted);
  let previous = 0;
  const modules = [];
  const steps = [];
  for (const line of running.text().split('\n')) {
    const match = line.match(/\u0001(MOD|STEP) (.+) (\d+)$/);
    if (!match) continue;
    const cost = Number(match[3]) - previous;
    previous = Number(match[3]);
    // Module probes run as each module's top level finishes; the boot runs in the last (the board file).
    (match[1] === 'STEP' || match[2] === path.join('boards', board + '.ts') ? steps : modules).push([cost, match[2]]);
  }
  console.log('\nvariables by module (code at rest and what its top level builds), largest first; the first one');
  console.log('also carries the interpreter\'s own start and the bundle\'s top-level names:');
  for (const [cost, module] of modules.slice().sort((a, b) => b[0] - a[0])) if (cost !== 0) console.log(String(cost).padStart(7) + '  ' + module);
  console.log(String(modules.reduce((sum, row) => sum + row[0], 0)).padStart(7) + '  all modules');
  console.log('\nvariables by step of the boot, in order:');
  for (const [cost, step] of steps) console.log(String(cost).padStart(7) + '  ' + step);
  console.log(String(steps.reduce((sum, row) => sum + row[0], 0)).padStart(7) + '  the whole boot');
  console.log('\nafter boot: ' + memory.usage + ' used, ' + memory.free + ' free of ' + memory.total);
} finally {
  await target.remove();
  fs.rmSync(folder, { recursive: true, force: true });
}
