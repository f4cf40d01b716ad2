import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { Stat, statNames } from '../../firmware/stats';
import { boardProfiles, selftest } from '../../boards/common/profiles';

/**
 * A bundle built without a part (firmware/features.ts) leaves that part's counters unnamed in
 * statNames(); if a placeholder held one name too few or too many, every counter after it would
 * print under its neighbour's name on that board. statNames() is evaluated here with each
 * board's features, as its bundle has them, and must give one name per counter every time.
 */

const source = fs.readFileSync(path.join(__dirname, '../../../firmware/stats.ts'), 'utf8');
const body = (source.match(/export function statNames\(\): string\[\] \{\n  return ([^]*?);\n\}/) as RegExpMatchArray)[1];

function namesWith(features: { [feature: string]: boolean }): string[] {
  const context: { [name: string]: boolean } = {};
  for (const name of body.match(/\bwith\w+/g) || []) context[name] = features[name] !== false;
  return vm.runInNewContext(body, context) as string[];
}

test('statNames gives one name per counter for every board\'s choice of parts', (t) => {
  t.is(statNames().length, Stat.COUNT);
  t.false(statNames().some((name) => name === ''), 'under Node every part is built in and named');
  for (const profile of boardProfiles.concat([selftest])) {
    const names = namesWith(profile.features);
    t.is(names.length, Stat.COUNT, profile.name);
    names.forEach((name, i) => t.true(name === '' || name === statNames()[i], profile.name + ': ' + name + ' at ' + i));
  }
  const none = namesWith({ withDhcp: false, withDns: false, withSack: false, withServices: false, withSynCookies: false });
  t.is(none.length, Stat.COUNT, 'with every optional part left out');
  t.true(none.filter((name) => name === '').length >= 30);
});
