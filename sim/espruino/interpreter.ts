import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * The Espruino interpreter itself (the Linux build of 2v29, sized like each board by
 * ../shared/espruino/build.sh), run as a board runs it: files written into its Storage (the
 * file espruino.flash in its working folder), then started so that it loads `.bootcde` from
 * there, its console on stdin/stdout.
 */

/** The binaries build.sh makes, by the board they are sized like. */
export type InterpreterBuild = 'net' | 'pico' | 'f4disc' | 'wifi' | 'esp32' | 'f767';

export interface InterpreterSize {
  /** process.memory().total; 0 for the resizable development build. */
  variables: number;
  /** The largest single file its Storage can hold, bytes (../shared/espruino/README.md). */
  largestFile: number;
}

export const interpreterSizes: { [build in InterpreterBuild]: InterpreterSize } = {
  net: { variables: 0, largestFile: 262112 },
  pico: { variables: 5100, largestFile: 49120 },
  f4disc: { variables: 5450, largestFile: 262112 },
  wifi: { variables: 8190, largestFile: 65504 },
  esp32: { variables: 16383, largestFile: 917472 },
  f767: { variables: 31999, largestFile: 262112 },
};

/** Where the binaries are: $ESPRUINO_BIN_DIR, or the folder .ci/run builds them into. */
export function interpreterDirectory(): string {
  return process.env.ESPRUINO_BIN_DIR || path.join(os.homedir(), '.cache', 'espruino-2v29');
}

export function interpreterPath(build: InterpreterBuild): string {
  return path.join(interpreterDirectory(), 'espruino_linux_' + build);
}

/** '' when every binary in `builds` is present and runs; otherwise why not, naming what to do. */
export function interpreterUnavailableReason(builds: InterpreterBuild[] = Object.keys(interpreterSizes) as InterpreterBuild[]): string {
  const missing = builds.filter((build) => {
    try {
      fs.accessSync(interpreterPath(build), fs.constants.X_OK);
      return false;
    } catch (error) {
      return true;
    }
  });
  if (missing.length === 0) return '';
  return 'no Espruino interpreter ' + missing.map((build) => 'espruino_linux_' + build).join(', ') + ' in ' + interpreterDirectory() +
    ' (build them with ../shared/espruino/build.sh DIR and set ESPRUINO_BIN_DIR=DIR, as .ci/run does)';
}

/** Interpreter variables in use, free and in all, as process.memory() reports them (after its garbage collection). */
export interface VariableCount {
  free: number;
  usage: number;
  total: number;
}

/** Lines the interpreter prints at start that say nothing about the program it runs. */
const bannerLine = /^( _|\| |\|_|\s*$|Espruino is Open Source|only by sales of|http:\/\/espruino\.com|Copyright|[ \t]*espruino\.com)/;

/**
 * A running interpreter. `output` holds everything it printed so far (line ends as \n, the
 * start-up banner and terminal escapes removed); `waitFor` resolves when a pattern appears; `send` types a line at
 * its console.
 */
export class InterpreterProcess {
  output = '';
  exitCode: number | null = null;
  readonly exited: Promise<number>;
  private readonly child: ChildProcess;
  private readonly waiters: Array<() => void> = [];
  private partial = '';

  constructor(readonly build: InterpreterBuild, readonly folder: string, args: string[]) {
    this.child = spawn(interpreterPath(build), args, { cwd: folder, stdio: ['pipe', 'pipe', 'pipe'] });
    const take = (chunk: Buffer) => {
      // The console redraws its prompt with terminal escapes (ESC [ J): only the text matters here.
      const text = (this.partial + chunk.toString('latin1')).replace(/\r|\x1b\[[0-9;]*[A-Za-z]/g, '');
      const lines = text.split('\n');
      this.partial = lines.pop() as string;
      for (const line of lines) if (!bannerLine.test(line)) this.output += line + '\n';
      for (const wake of this.waiters.slice()) wake();
    };
    (this.child.stdout as NodeJS.ReadableStream).on('data', take);
    (this.child.stderr as NodeJS.ReadableStream).on('data', take);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        if (this.partial && !bannerLine.test(this.partial)) this.output += this.partial;
        this.partial = '';
        this.exitCode = code === null ? 128 + (signal ? os.constants.signals[signal] : 0) : code;
        for (const wake of this.waiters.slice()) wake();
        resolve(this.exitCode);
      });
    });
  }

  /** Everything printed so far plus the line still being written (a prompt has no line end). */
  text(): string {
    return this.output + this.partial;
  }

  /**
   * Resolves with the first match of `pattern` in the output after `from` (a character offset
   * into `text()`); rejects, quoting the output's tail, when the interpreter exits first or
   * `timeoutMs` passes.
   */
  waitFor(pattern: RegExp, timeoutMs: number, from = 0): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = this.text().slice(from).match(pattern);
        if (match) {
          done();
          resolve(match);
        } else if (this.exitCode !== null) {
          done();
          reject(new Error('interpreter exited (' + this.exitCode + ') before ' + pattern + '; it printed:\n' + this.tail()));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error('no ' + pattern + ' from the interpreter within ' + timeoutMs + ' ms; it printed:\n' + this.tail()));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        const index = this.waiters.indexOf(check);
        if (index >= 0) this.waiters.splice(index, 1);
      };
      this.waiters.push(check);
      check();
    });
  }

  /** Types `line` at the console. */
  send(line: string): void {
    (this.child.stdin as NodeJS.WritableStream).write(line + '\n');
  }

  /**
   * Evaluates `expression` at the console and resolves with what it printed between two markers,
   * so a reply is never confused with the firmware's own output (nor with the console's echo of
   * the line typed, which carries the markers only split in two).
   */
  async evaluate(expression: string, timeoutMs = 10000): Promise<string> {
    const tag = 'R' + Math.floor(Math.random() * 1e9).toString(36);
    const from = this.text().length;
    this.send('print("<"+"' + tag + '>"+(' + expression + ')+"</"+"' + tag + '>")');
    const match = await this.waitFor(new RegExp('<' + tag + '>([\\s\\S]*?)</' + tag + '>'), timeoutMs, from);
    return match[1];
  }

  /** process.memory() at the console (it collects garbage first). */
  async variables(): Promise<VariableCount> {
    return JSON.parse(await this.evaluate('JSON.stringify(process.memory())')) as VariableCount;
  }

  /** The last lines printed, for error messages. */
  tail(lines = 40): string {
    return this.text().split('\n').slice(-lines).join('\n');
  }

  /** Ends the process (SIGKILL after `graceMs`) and resolves once it has exited. */
  async stop(graceMs = 2000): Promise<number> {
    if (this.exitCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exitCode as number;
  }
}

/**
 * A board's flash and RAM: a folder of its own holding the interpreter's Storage. Files are
 * written into Storage by the interpreter itself (Storage.write in chunks, read from disk with
 * E.openFile so that no copy of the file sits in the interpreter's RAM), then `boot` starts it
 * as a board powers up: `.bootcde` runs from flash.
 */
export class InterpreterBoard {
  readonly folder: string;
  private readonly running: InterpreterProcess[] = [];

  constructor(readonly build: InterpreterBuild, folder?: string) {
    this.folder = folder || fs.mkdtempSync(path.join(os.tmpdir(), 'espruino-' + build + '-'));
  }

  /**
   * Writes the file at `file` into Storage as `name`; throws with the interpreter's own words when
   * Storage refuses it (a file larger than the board's Storage throws there too).
   */
  store(name: string, file: string): void {
    const size = fs.statSync(file).size;
    const code = 'var f=E.openFile(' + JSON.stringify(path.resolve(file)) + ',"r"),S=require("Storage"),o=0,c;' +
      'try{while((c=f.read(1024))){S.write(' + JSON.stringify(name) + ',c,o,' + size + ');o+=c.length;}' +
      'print("STORED "+o+" "+S.read(' + JSON.stringify(name) + ').length)}catch(e){print("STORE FAILED "+e)}f.close();';
    const out = execFileSync(interpreterPath(this.build), ['-e', code], { cwd: this.folder, input: '', timeout: 60000 })
      .toString('latin1').replace(/\r/g, '');
    const match = out.match(/STORED (\d+) (\d+)/);
    if (!match || Number(match[1]) !== size || Number(match[2]) !== size) {
      const failure = out.match(/STORE FAILED .*/);
      throw new Error('Storage refused ' + name + ' (' + size + ' bytes) on espruino_linux_' + this.build + ': ' +
        (failure ? failure[0] : out.split('\n').filter((line) => !bannerLine.test(line)).join(' ').slice(-400)));
    }
  }

  /** Writes `text` into a file of the board's folder and stores it as `name`. */
  storeText(name: string, text: string): void {
    const file = path.join(this.folder, '.upload-' + name.replace(/[^\w.-]/g, '_'));
    fs.writeFileSync(file, text, 'latin1');
    try {
      this.store(name, file);
    } finally {
      fs.rmSync(file, { force: true });
    }
  }

  /** Powers the board up: `.bootcde` runs from Storage, then `code` (typed after boot, as `-e` does). */
  boot(code = ''): InterpreterProcess {
    const process = new InterpreterProcess(this.build, this.folder, ['-e', code]);
    this.running.push(process);
    return process;
  }

  /** Stops every process this board started and removes its folder. */
  async remove(): Promise<void> {
    await Promise.all(this.running.map((running) => running.stop()));
    fs.rmSync(this.folder, { recursive: true, force: true });
  }
}
