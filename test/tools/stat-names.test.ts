import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { statNames } from '../../firmware/stats';

/**
 * A bundle built without a part (firmware/features.ts) names that part's counters '-' in
 * statNames(); if a placeholder group had one name too few or too many, every counter after it
 * would print under its neighbour's name on that board. Each `withX ? 'names' : 'placeholders'`
 * of firmware/stats.ts must hold as many words on both sides.
 */
test('every feature\'s placeholder names stand for exactly as many counters as its real names', (t) => {
  const source = fs.readFileSync(path.join(__dirname, '../../../firmware/stats.ts'), 'utf8');
  const groups = Array.from(source.matchAll(/\((with[\w |&]+)\s*\?\s*((?:'[^']*'\s*\+?\s*)+):\s*'([^']*)'\)/g));
  t.true(groups.length >= 7, groups.length + ' feature groups');
  for (const [, feature, names, placeholders] of groups) {
    const words = (text: string) => text.replace(/'\s*\+\s*'/g, '').replace(/'/g, '').trim().split(/\s+/);
    t.true(words(names).every((word) => /^[a-z]\w+$/.test(word)), feature + ': names');
    t.true(words(placeholders).every((word) => word === '-'), feature + ': placeholders');
    t.is(words(placeholders).length, words(names).length, feature);
  }
  t.false(statNames().some((name) => name === '-' || name === ''), 'under Node every part is built in and named');
});
