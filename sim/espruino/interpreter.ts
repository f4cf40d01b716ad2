import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { nativeHelper } from '../native-helper';

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

let ticksPerSecond = 0;

/** The unit of the CPU times in /proc/PID/stat (USER_HZ). */
function clockTicksPerSecond(): number {
  if (!ticksPerSecond) ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  return ticksPerSecond;
}

/** Interpreter variables in use, free and in all, as process.memory() reports them (after its garbage collection). */
export interface VariableCount {
  free: number;
  usage: number;
  total: number;
}

/** Between two characters typed at the console, ms. */
const typingInterval = 2;

const terminalEscape = /\x1b\[[0-9;]*[A-Za-z]/g;

/** Free variables over a few readings at rest (InterpreterProcess.restingVariables). */
export interface VariableRange {
  min: number;
  max: number;
  total: number;
}

/** Two resting ranges that overlap: the same state, as far as the readings can tell. */
export function sameVariables(a: VariableRange, b: VariableRange): boolean {
  return a.min <= b.max && b.min <= a.max;
}

/** "min..max" (or one number). */
export function formatVariableRange(range: VariableRange): string {
  return range.min === range.max ? String(range.min) : range.min + '..' + range.max;
}

/** Lines the interpreter prints at start that say nothing about the program it runs. */
const bannerLine = /^( _|\| |\|_|\s*$|\s+\|_\| espruino\.com|\s*\d+v\d+ \(c\)|Espruino is Open Source|only by sales of|http:\/\/espruino\.com|Copyright|[ \t]*espruino\.com)/;

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
  private readonly listeners: Array<(chunk: Buffer) => void> = [];
  /** What send() has still to type, and the timer typing it. */
  private typing = '';
  private typist: NodeJS.Timeout | null = null;
  private partial = '';

  constructor(readonly build: InterpreterBuild, readonly folder: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
    this.child = spawn(interpreterPath(build), args, { cwd: folder, stdio: ['pipe', 'pipe', 'pipe'], env });
    const take = (chunk: Buffer) => {
      for (const listener of this.listeners) listener(chunk);
      const text = this.partial + chunk.toString('latin1').replace(/\r/g, '');
      const lines = text.split('\n');
      this.partial = lines.pop() as string;
      for (const raw of lines) {
        // The console clears the prompt line (ESC [ J) before it prints.
        const line = raw.replace(terminalEscape, '');
        if (!bannerLine.test(line)) this.output += line + '\n';
      }
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

  get pid(): number {
    return this.child.pid as number;
  }

  /** `listener` gets every chunk the interpreter prints from now on, as printed (line ends \r\n, escapes kept). */
  onOutput(listener: (chunk: Buffer) => void): void {
    this.listeners.push(listener);
  }

  /** Bytes typed at its console as they are (a terminal's keys), where send() types a whole line. */
  write(data: Buffer | string): void {
    (this.child.stdin as NodeJS.WritableStream).write(data);
  }

  /**
   * CPU seconds the process has used so far, from /proc: `javascript` is its main thread, where
   * the interpreter runs all JavaScript and its event loop; `io` the rest, the Linux build's input
   * thread, which moves serial and console bytes one read of 32 bytes or one write() per byte
   * at a time (targets/linux/jshardware.c), the work a board's UART hardware does.
   */
  cpuSeconds(): { javascript: number; io: number } {
    const ticks = (file: string): number => {
      const fields = fs.readFileSync(file, 'latin1').replace(/^.*\) /, '').split(' ');
      return Number(fields[11]) + Number(fields[12]);
    };
    const hertz = clockTicksPerSecond();
    const all = ticks('/proc/' + this.pid + '/stat') / hertz;
    const javascript = ticks('/proc/' + this.pid + '/task/' + this.pid + '/stat') / hertz;
    return { javascript, io: all - javascript };
  }

  /** Everything printed so far plus the line still being written (a prompt has no line end). */
  text(): string {
    return this.output + this.partial.replace(terminalEscape, '');
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

  /**
   * Runs `line` at the console as a program does (the Web IDE, the espruino CLI): prefixed with
   * DLE, so the interpreter neither echoes it nor keeps it in its command history, whose entries
   * are variables (a free-variable reading must not count the commands that take it). Typed one
   * character every 2 ms: the Linux build's input thread adds the characters it reads in one go to
   * the last queued event with no lock against its main loop, which may be taking that event at
   * the same moment (busy, while any socket of its own is open), and a character is lost; one at
   * a time, each is an event of its own.
   */
  send(line: string): void {
    this.typing += '\x10' + line + '\n';
    if (this.typist === null) this.typeNext();
  }

  private typeNext(): void {
    if (this.typing === '' || this.exitCode !== null) {
      this.typist = null;
      return;
    }
    (this.child.stdin as NodeJS.WritableStream).write(this.typing[0]);
    this.typing = this.typing.slice(1);
    this.typist = setTimeout(() => this.typeNext(), typingInterval);
  }

  /**
   * Evaluates `expression` at the console and resolves with what it printed between two markers,
   * so a reply is never confused with the firmware's own output (nor with the console's echo of
   * the line typed, which carries the markers only split in two).
   */
  async evaluate(expression: string, timeoutMs = 10000): Promise<string> {
    return this.capture('print(' + expression + ')', timeoutMs).then((text) => text.replace(/\n$/, ''));
  }

  /**
   * Runs `statements` as one console line and resolves with everything they printed. The markers
   * are assembled by the interpreter, so no echo of the line could ever match them.
   */
  async capture(statements: string, timeoutMs = 10000): Promise<string> {
    // Always the same length: the command line is a string in the interpreter's memory while it runs.
    const tag = 'R' + (1e8 + Math.floor(Math.random() * 9e8)).toString();
    const from = this.text().length;
    this.send('print("<"+"' + tag + '>");' + statements + ';print("</"+"' + tag + '>")');
    const match = await this.waitFor(new RegExp('<' + tag + '>\n([\\s\\S]*?)</' + tag + '>'), timeoutMs, from);
    return match[1];
  }

  /** process.memory() at the console (it collects garbage first). */
  async variables(): Promise<VariableCount> {
    return JSON.parse(await this.evaluate('JSON.stringify(process.memory())')) as VariableCount;
  }

  /**
   * The range of free variables over `readings` readings 100 ms apart, with nothing else going
   * on: readings at rest differ by a variable or two (what the firmware's loop and the
   * interpreter's timers hold at that instant), so two states are compared by their ranges.
   */
  async restingVariables(readings = 15): Promise<VariableRange> {
    const free: number[] = [];
    let total = 0;
    for (let i = 0; i < readings; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      const reading = await this.variables();
      free.push(reading.free);
      total = reading.total;
    }
    return { min: Math.min(...free), max: Math.max(...free), total };
  }

  /** The last lines printed, for error messages. */
  tail(lines = 40): string {
    return this.text().split('\n').slice(-lines).join('\n');
  }

  /** Kills the process at once (for exit handlers, which cannot wait). */
  kill(): void {
    if (this.exitCode === null) this.child.kill('SIGKILL');
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

/** The LD_PRELOAD library that maps Storage into memory (sim/espruino/mapped-flash.c), built on first use. */
export function mappedFlashLibrary(): string {
  return nativeHelper('sim/espruino/mapped-flash.c', ['-ldl'], true);
}

/** The interpreter's console on a TCP port (InterpreterBoard.serveConsole). */
export interface ConsoleServer {
  /** The port as the espruino CLI's -p takes it. */
  url: string;
  stop(): Promise<void>;
}

/** A TCP port free on the host's loopback at the moment of asking. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
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
  private readonly servers: ConsoleServer[] = [];

  constructor(readonly build: InterpreterBuild, folder?: string) {
    this.folder = folder || fs.mkdtempSync(path.join(os.tmpdir(), 'espruino-' + build + '-'));
  }

  /**
   * Writes the file at `file` into Storage as `name`; throws with the interpreter's own words when
   * Storage refuses it (a file larger than the board's Storage throws there too). The interpreter
   * that writes it boots what Storage already holds first, as any start does, and quits after.
   */
  store(name: string, file: string): void {
    const size = fs.statSync(file).size;
    const code = 'var f=E.openFile(' + JSON.stringify(path.resolve(file)) + ',"r"),S=require("Storage"),o=0,c;' +
      'try{while((c=f.read(1024))){S.write(' + JSON.stringify(name) + ',c,o,' + size + ');o+=c.length;}' +
      'print("STORED "+o+" "+S.read(' + JSON.stringify(name) + ').length)}catch(e){print("STORE FAILED "+e)}f.close();';
    const out = this.runOnce(code);
    const match = out.match(/STORED (\d+) (\d+)/);
    if (!match || Number(match[1]) !== size || Number(match[2]) !== size) {
      const failure = out.match(/STORE FAILED .*/);
      throw new Error('Storage refused ' + name + ' (' + size + ' bytes) on espruino_linux_' + this.build + ': ' +
        (failure ? failure[0] : out.split('\n').filter((line) => !bannerLine.test(line)).join(' ').slice(-400)));
    }
  }

  /** Evaluates `expression` in an interpreter started on this board's Storage (which boots first) and returns what it printed. */
  inspect(expression: string): string {
    const out = this.runOnce('print("<"+"R>"+(' + expression + ')+"</"+"R>");');
    const match = /<R>([\s\S]*?)<\/R>/.exec(out);
    if (!match) throw new Error('espruino_linux_' + this.build + ' did not evaluate ' + expression + ': ' + out.slice(-400));
    return match[1];
  }

  /**
   * Runs `code` once in a fresh interpreter on this board's Storage and returns its output. It
   * quits from a timer: quit() inside -e code is undone when the code returns, and the firmware
   * booted from Storage keeps timers pending.
   */
  private runOnce(code: string): string {
    return execFileSync(interpreterPath(this.build), ['-e', code + 'setTimeout(function(){quit();},0);'], { cwd: this.folder, input: '', timeout: 60000 })
      .toString('latin1').replace(/\r/g, '');
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

  /**
   * Powers the board up: `.bootcde` runs from Storage, then `code` (typed after boot, as `-e` does).
   * With `mappedFlash`, Storage is read from memory, as a board's memory-mapped flash is, instead
   * of one file open per 16 bytes of code the firmware runs (sim/espruino/mapped-flash.c).
   */
  boot(code = '', options: { mappedFlash?: boolean } = {}): InterpreterProcess {
    const env = options.mappedFlash ? Object.assign({}, process.env, { LD_PRELOAD: mappedFlashLibrary() }) : process.env;
    const started = new InterpreterProcess(this.build, this.folder, ['-e', code], env);
    this.running.push(started);
    return started;
  }

  /**
   * The board on a serial port, as the espruino CLI reaches one: a fresh interpreter (booting from
   * Storage as at power-on) whose console is a pseudo-terminal, served by socat on a loopback TCP
   * port (`espruino -p tcp://127.0.0.1:PORT`; the CLI opens only ports its serial library lists, so
   * not the pty's path). One connection; stop() ends socat and the interpreter. `mappedFlash` as for boot().
   */
  async serveConsole(options: { mappedFlash?: boolean } = {}): Promise<ConsoleServer> {
    const port = await freeLoopbackPort();
    const env = options.mappedFlash ? Object.assign({}, process.env, { LD_PRELOAD: mappedFlashLibrary() }) : process.env;
    const socat = spawn('socat', ['-d', '-d', 'TCP-LISTEN:' + port + ',bind=127.0.0.1,reuseaddr',
      'EXEC:' + interpreterPath(this.build) + ',pty,raw,echo=0'], { cwd: this.folder, detached: true, stdio: ['ignore', 'ignore', 'pipe'], env });
    const errors: string[] = [];
    const exited = new Promise<void>((resolve) => socat.on('exit', () => resolve()));
    const kill = () => {
      try {
        process.kill(-(socat.pid as number), 'SIGKILL');
      } catch (error) {
        // Already gone.
      }
    };
    // socat runs in a process group of its own (so the interpreter goes with it): it must not outlive this process.
    process.on('exit', kill);
    // A probe connection would be the one connection socat serves: wait for its "listening" notice instead.
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('socat did not listen on ' + port + ' within 5 s: ' + errors.join(''))), 5000);
        (socat.stderr as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
          errors.push(chunk.toString());
          if (/listening on/.test(errors.join(''))) {
            clearTimeout(timer);
            resolve();
          }
        });
        socat.on('exit', (code) => {
          clearTimeout(timer);
          reject(new Error('socat serving the console exited (' + code + '): ' + errors.join('')));
        });
      });
    } catch (error) {
      kill();
      process.removeListener('exit', kill);
      throw error;
    }
    const server = {
      url: 'tcp://127.0.0.1:' + port,
      stop: async () => {
        kill();
        await exited;
        process.removeListener('exit', kill);
      },
    };
    this.servers.push(server);
    return server;
  }

  /** Stops every process this board started and removes its folder. */
  async remove(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.stop()));
    await Promise.all(this.running.map((running) => running.stop()));
    fs.rmSync(this.folder, { recursive: true, force: true });
  }
}
