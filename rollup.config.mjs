// One self-contained ES5 bundle per board file: boards/<name>.ts -> dist/<name>.js, and the form a
// board stores, dist/pretokenised/<name>.js.
// BOARDS_DIR, DIST_DIR and BUNDLE_TSCONFIG (a tsconfig that includes BOARDS_DIR) let a test build a
// board of its own without touching boards/ or dist/.
import fs from 'node:fs';
import path from 'node:path';
import { boardBundle } from './tools/bundle-config.mjs';

const boardsDir = path.resolve(process.env.BOARDS_DIR || 'boards');
const distDir = path.resolve(process.env.DIST_DIR || 'dist');

const boards = fs.existsSync(boardsDir)
  ? fs.readdirSync(boardsDir).filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts')).sort()
  : [];

// Bundles of boards that no longer exist must not linger in the report.
if (fs.existsSync(distDir)) {
  for (const name of fs.readdirSync(distDir)) {
    if (name.endsWith('.js') || name === 'report.json' || name === 'pretokenised' || name === 'names') fs.rmSync(path.join(distDir, name), { recursive: true });
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

const bundles = boards.map((name) => boardBundle(path.join(boardsDir, name), path.join(distDir, name.replace(/\.ts$/, '.js')),
  { tsconfig: process.env.BUNDLE_TSCONFIG || 'tsconfig.bundle.json' }));

export default bundles.length > 0 ? bundles : [noBoards];
