/**
 * The Espruino modules the examples use (examples/modules, unmodified upstream copies), minified
 * for a board's Storage: examples/modules/NAME.js -> DIR/modules/NAME.js. Saved to Storage under
 * its module name, `require("NAME")` loads a module from flash, where its functions' code stays:
 * measured on the interpreter, MQTT costs about a quarter of the variables it costs when sent as
 * text (examples/README.md). The minifier's settings are the bundles' (rollup.config.mjs) but
 * for property names, which stay: a module's properties are its users' API. Each output passes
 * the bundle check.
 * Usage: node build/tools/minify-modules.js [DIR]   (DIR defaults to dist)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { minify } from 'terser';
import { checkBundle } from './bundle-check';

export const modulesSource = path.join('examples', 'modules');

export async function minifyModules(dist: string): Promise<string[]> {
  const out = path.join(dist, 'modules');
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const problems: string[] = [];
  for (const name of fs.readdirSync(modulesSource).filter((file) => file.endsWith('.js')).sort()) {
    const result = await minify(fs.readFileSync(path.join(modulesSource, name), 'utf8'), {
      ecma: 5,
      module: false,
      toplevel: true,
      compress: { ecma: 5, passes: 2, hoist_vars: true },
      mangle: { toplevel: true },
      format: { ecma: 5, comments: false, max_line_len: 160 },
    });
    const file = path.join(out, name);
    fs.writeFileSync(file, result.code as string);
    for (const problem of checkBundle(result.code as string, file)) problems.push(problem.file + ':' + problem.line + ':' + problem.column + ' ' + problem.message);
  }
  return problems;
}

if (require.main === module) {
  minifyModules(process.argv[2] || 'dist').then((problems) => {
    for (const problem of problems) console.error(problem);
    process.exitCode = problems.length ? 1 : 0;
  });
}
