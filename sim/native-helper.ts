import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** The repository (sources) and the build folder's own place for compiled helpers. */
const root = path.join(__dirname, '..', '..');
const outputDirectory = path.join(__dirname, '..', 'native');

/**
 * A small C helper of the simulator (`source`, relative to the repository), compiled with gcc
 * into build/native when missing or older than its source; returns the compiled file's path.
 * `shared` builds a shared object (for LD_PRELOAD). Throws, naming gcc, when it cannot be built.
 */
export function nativeHelper(source: string, libraries: string[], shared = false): string {
  const input = path.join(root, source);
  const output = path.join(outputDirectory, path.basename(source, '.c') + (shared ? '.so' : ''));
  if (fs.existsSync(output) && fs.statSync(output).mtimeMs >= fs.statSync(input).mtimeMs) return output;
  fs.mkdirSync(outputDirectory, { recursive: true });
  // Test workers may build it at the same time: each compiles to a file of its own and renames it into place.
  const temporary = output + '.' + process.pid;
  const flags = ['-O2', '-Wall'].concat(shared ? ['-shared', '-fPIC'] : []);
  try {
    execFileSync('gcc', flags.concat(['-o', temporary, input], libraries), { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error('cannot build ' + source + ' (gcc, from build-essential): ' + String((error as { stderr?: Buffer }).stderr || error).trim());
  }
  fs.renameSync(temporary, output);
  return output;
}
