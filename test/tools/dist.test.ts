import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkBundle } from '../../tools/bundle-check';

// `npm test` builds first; ava runs with the project root as the working directory.
const boards = fs.existsSync('boards') ? fs.readdirSync('boards').filter((name) => /(?<!\.d)\.ts$/.test(name)) : [];
const bundles = fs.existsSync('dist') ? fs.readdirSync('dist').filter((name) => name.endsWith('.js')) : [];

test('every board has its bundle in dist/, and every bundle passes the check', (t) => {
  t.deepEqual(bundles.sort(), boards.map((name) => name.replace(/\.ts$/, '.js')).sort(), 'run `npm run build` first');
  if (boards.length === 0) t.log('no boards/*.ts yet, so no bundles');
  for (const name of bundles) {
    const file = path.join('dist', name);
    t.deepEqual(checkBundle(fs.readFileSync(file, 'utf8'), file), [], file);
  }
});
