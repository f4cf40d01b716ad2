import test from 'ava';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseCommandLine, OptionSpec } from '../../sim/command-line';

/**
 * Every option of `npm start` (both forms), measure:tap and the bench is checked before anything
 * starts: unknown options, missing values and values out of range end the program with one line
 * naming the option and what it takes, and exit status 2.
 */

const specs: { [name: string]: OptionSpec } = {
  seconds: { kind: 'integer', min: 1, max: 86400, fallback: 20 },
  loss: { kind: 'number', min: 0, max: 1, fallback: 0 },
  pcap: { kind: 'text', value: 'FILE', fallback: '' },
  batch: { kind: 'flag' },
};

test('values are read, defaults fill in the rest', (t) => {
  const options = parseCommandLine('demo', specs, ['--seconds', '3', '--loss', '0.25', '--batch']);
  t.is(options.number('seconds'), 3);
  t.is(options.number('loss'), 0.25);
  t.true(options.flag('batch'));
  t.is(options.text('pcap'), '');
  t.false(parseCommandLine('demo', specs, []).flag('batch'));
  t.is(parseCommandLine('demo', specs, []).number('seconds'), 20);
});

test('each bad argument is named with what the option takes', (t) => {
  const cases: [string[], RegExp][] = [
    [['--seconds', 'abc'], /^demo: --seconds takes a whole number from 1 to 86400, not "abc"$/],
    [['--seconds', '-5'], /^demo: --seconds takes a whole number from 1 to 86400, not "-5"$/],
    [['--seconds', '2.5'], /^demo: --seconds takes a whole number from 1 to 86400, not "2.5"$/],
    [['--seconds', ''], /^demo: --seconds takes a whole number/],
    [['--loss', '2'], /^demo: --loss takes a number from 0 to 1, not "2"$/],
    [['--loss'], /^demo: --loss needs a value: --loss a number from 0 to 1$/],
    [['--bogus'], /^demo: unknown option --bogus; options: --seconds a whole number from 1 to 86400, --loss a number from 0 to 1, --pcap FILE, --batch$/],
    [['stray'], /^demo: unexpected argument stray; options: /],
    [['--batch', '--batch'], /^demo: --batch given twice$/],
    [['--constructor'], /^demo: unknown option --constructor/],
  ];
  for (const [argv, message] of cases) {
    const error = t.throws(() => parseCommandLine('demo', specs, argv), undefined, argv.join(' '));
    t.regex(error!.message, message);
  }
});

const cli = path.join(__dirname, '../../sim/cli.js');

function run(script: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [script].concat(args), { encoding: 'utf8', timeout: 30000 });
}

test('npm start refuses bad options with one line and status 2, before anything starts', (t) => {
  const cases: [string[], RegExp][] = [
    [['--seconds', 'abc'], /^npm start: --seconds takes a whole number from 1 to 86400, not "abc"\n$/],
    [['--seconds', '-5'], /^npm start: --seconds takes a whole number from 1 to 86400, not "-5"\n$/],
    [['--loss', '2'], /^npm start: --loss takes a number from 0 to 1, not "2"\n$/],
    [['--bogus'], /^npm start: unknown option --bogus; options: [^\n]*--batch\n$/],
    [['--batch', '--delay', '5'], /^npm start: unknown option --delay; /],
    [['--tap', '--bogus'], /^npm start -- --tap: unknown option --bogus; options: --tap, [^\n]*--reorder a number from 0 to 1\n$/],
    [['--tap', '--loss', '2'], /^npm start -- --tap: --loss takes a number from 0 to 1, not "2"\n$/],
  ];
  for (const [args, message] of cases) {
    const result = run(cli, args);
    t.is(result.status, 2, args.join(' '));
    t.regex(result.stderr, message, args.join(' '));
    t.is(result.stdout, '', 'nothing ran: ' + args.join(' '));
  }
});

test('measure:tap and the bench check their options first too', (t) => {
  const measure = run(path.join(__dirname, '../../sim/tap/measure.js'), ['--runs', '0']);
  t.is(measure.status, 2);
  t.regex(measure.stderr, /^npm run measure:tap: --runs takes a whole number from 1 to 100, not "0"\n$/);
  const bench = run(path.join(__dirname, '../../sim/bench/run.js'), ['--quik']);
  t.is(bench.status, 2);
  t.regex(bench.stderr, /^npm run bench: unknown option --quik; options: --quick, --out DIR\n$/);
  t.is(bench.stdout, '');
});
