/**
 * The command-line reader of `npm start` (both forms), measure:tap and the bench. Every argument
 * is checked before anything starts: an unknown option, a missing value or a value out of range
 * ends the program with one line naming the option and what it accepts, and exit status 2.
 *
 *   const options = readCommandLine('npm start', { seconds: { kind: 'integer', min: 1, max: 86400, fallback: 20 }, batch: { kind: 'flag' } });
 *   options.number('seconds'); options.flag('batch');
 */

export interface OptionSpec {
  /** number: a decimal number in [min, max]; integer: the same, whole; text: any value; flag: no value. */
  kind: 'number' | 'integer' | 'text' | 'flag';
  min?: number;
  max?: number;
  /** What the option means when absent (numbers and text). */
  fallback?: number | string;
  /** The value's name in messages: `--pcap FILE`. */
  value?: string;
}

export interface CommandLine {
  number(name: string): number;
  text(name: string): string;
  flag(name: string): boolean;
}

export class CommandLineError extends Error {}

function describe(name: string, spec: OptionSpec): string {
  if (spec.kind === 'flag') return '--' + name;
  if (spec.kind === 'text') return '--' + name + ' ' + (spec.value || 'TEXT');
  return '--' + name + ' ' + (spec.kind === 'integer' ? 'a whole number' : 'a number') + ' from ' + spec.min + ' to ' + spec.max;
}

/** Parses `argv` against `specs`; throws CommandLineError with the one-line reason. */
export function parseCommandLine(program: string, specs: { [name: string]: OptionSpec }, argv: string[]): CommandLine {
  const values: { [name: string]: number | string | boolean } = {};
  const fail = (message: string): never => {
    throw new CommandLineError(program + ': ' + message);
  };
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i];
    const name = argument.startsWith('--') ? argument.slice(2) : '';
    const spec = specs[name];
    if (!name || !Object.prototype.hasOwnProperty.call(specs, name)) {
      fail((name ? 'unknown option ' : 'unexpected argument ') + argument + '; options: ' +
        Object.keys(specs).map((option) => describe(option, specs[option])).join(', '));
    }
    if (name in values) fail(argument + ' given twice');
    if (spec.kind === 'flag') {
      values[name] = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) fail(argument + ' needs a value: ' + describe(name, spec));
    if (spec.kind === 'text') {
      values[name] = value;
      continue;
    }
    const number = value.trim() === '' ? NaN : Number(value);
    if (!(number >= (spec.min as number) && number <= (spec.max as number)) || (spec.kind === 'integer' && !Number.isInteger(number))) {
      fail(argument + ' takes ' + describe(name, spec).slice(argument.length + 1) + ', not ' + JSON.stringify(value));
    }
    values[name] = number;
  }
  const lookup = (name: string, kind: string): number | string | boolean => {
    const spec = specs[name];
    if (!spec || (kind === 'flag') !== (spec.kind === 'flag')) throw new Error(program + ': no ' + kind + ' option --' + name);
    if (name in values) return values[name];
    return spec.kind === 'flag' ? false : (spec.fallback as number | string);
  };
  return {
    number: (name) => lookup(name, 'number') as number,
    text: (name) => lookup(name, 'text') as string,
    flag: (name) => lookup(name, 'flag') as boolean,
  };
}

/** parseCommandLine over this process's arguments; on a bad one, prints the reason and exits with status 2. */
export function readCommandLine(program: string, specs: { [name: string]: OptionSpec }): CommandLine {
  try {
    return parseCommandLine(program, specs, process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof CommandLineError)) throw error;
    process.stderr.write(error.message + '\n');
    return process.exit(2);
  }
}

/** The simulated link's impairments, as `npm start -- --tap` and measure:tap take them. */
export const impairmentOptions: { [name: string]: OptionSpec } = {
  loss: { kind: 'number', min: 0, max: 1, fallback: 0 },
  delay: { kind: 'number', min: 0, max: 10000, fallback: 0 },
  reorder: { kind: 'number', min: 0, max: 1, fallback: 0 },
};
