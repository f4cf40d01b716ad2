// One self-contained ES5 bundle per board file: boards/<name>.ts -> dist/<name>.js.
// BOARDS_DIR, DIST_DIR and BUNDLE_TSCONFIG (a tsconfig that includes BOARDS_DIR) let a test build a
// board of its own without touching boards/ or dist/.
import fs from 'node:fs';
import path from 'node:path';
import typescript from '@rollup/plugin-typescript';
import terser from '@rollup/plugin-terser';

const boardsDir = path.resolve(process.env.BOARDS_DIR || 'boards');
const distDir = path.resolve(process.env.DIST_DIR || 'dist');

const boards = fs.existsSync(boardsDir)
  ? fs.readdirSync(boardsDir).filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts')).sort()
  : [];

// Bundles of boards that no longer exist must not linger in the report.
if (fs.existsSync(distDir)) {
  for (const name of fs.readdirSync(distDir)) {
    if (name.endsWith('.js') || name === 'report.json') fs.rmSync(path.join(distDir, name));
  }
}

// Rollup refuses an empty configuration list, so zero boards builds one empty module and writes nothing.
const noBoards = {
  input: 'no-boards',
  output: { dir: distDir, format: 'iife' },
  onwarn(warning, warn) {
    if (warning.code !== 'EMPTY_BUNDLE') warn(warning);
  },
  plugins: [{
    name: 'no-boards',
    resolveId: (id) => id,
    load: () => '',
    generateBundle(options, bundle) {
      for (const name of Object.keys(bundle)) delete bundle[name];
    },
  }],
};

const bundles = boards.map((name) => ({
  input: path.join(boardsDir, name),
  output: {
    file: path.join(distDir, name.replace(/\.ts$/, '.js')),
    format: 'iife',
    sourcemap: false,
  },
  plugins: [
    typescript({
      tsconfig: process.env.BUNDLE_TSCONFIG || 'tsconfig.bundle.json',
      outputToFilesystem: false,
    }),
    terser({
      ecma: 5,
      module: false,
      toplevel: true,
      // hoist_vars: the interpreter does not hoist `var`, and mangled locals assigned before their
      // `var` would write an outer binding of the same short name (../shared/ESPRUINO.md).
      compress: { ecma: 5, passes: 2, hoist_vars: true },
      mangle: { toplevel: true },
      // Short lines: an uncaught error prints the line around it, and on a small board building that
      // text from one 80 KB line can itself run out of memory.
      format: { ecma: 5, comments: false, max_line_len: 160 },
      safari10: false,
      ie8: false,
    }),
  ],
}));

export default bundles.length > 0 ? bundles : [noBoards];
