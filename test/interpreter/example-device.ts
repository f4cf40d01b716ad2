/**
 * One of the examples (examples/*.js) on an interpreter sized like a board, as a board owner
 * flashes it: its modules minified in Storage under their names (dist/modules), its settings file,
 * and the example itself as `.boot1`, which the interpreter runs at boot; after boot, the test's
 * probe of free variables. The servers it talks to run in a ServerPlace; the host's side of a
 * conversation is a peer process (./peers) there.
 */
import { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as readline from 'readline';
import { slip } from '../../boards/common/profiles';
import { InterpreterBoard, InterpreterBuild, InterpreterProcess } from '../../sim/espruino/interpreter';
import { distDirectory, InterpreterRig, startInterpreterRig } from '../../sim/espruino/interpreter-rig';
import { loopbackPlace, namespacePlace, ServerPlace, serverFolder } from './servers';

/** The Storage file a board runs the example from: `.boot0` .. `.boot3` run at boot, before `.bootcde`. */
export const exampleBootFile = '.boot1';

const examplesDirectory = path.resolve('examples');
const modulesDirectory = path.join(distDirectory, 'modules');

export interface ExampleOptions {
  build: InterpreterBuild;
  /**
   * Over this stack: the SLIP firmware (dist/slip.js) as `.bootcde` beside the example, on a rig
   * (sim/espruino/interpreter-rig.ts) whose namespace holds the servers. Otherwise the example
   * alone, on the interpreter's own Linux sockets, its servers on the host's loopback: what the
   * example costs by itself, on boards the firmware does not fit yet.
   */
  overStack: boolean;
  /** File name in examples/. */
  example: string;
  /** Modules it requires, from dist/modules. */
  modules: string[];
  settingsFile: string;
  /** Its settings, given where the servers are and a folder for them. */
  settings: (place: ServerPlace, folder: string) => Promise<object>;
  /**
   * Code typed after boot, before the probe starts: uses of built-ins the example uses (the
   * interpreter creates the object behind a built-in such as `DataView`, and its prototype, on
   * first use and keeps it), so that a first use during the run does not read as a leak.
   */
  warmUp?: string;
}

export interface ExampleDevice {
  interpreter: InterpreterProcess;
  place: ServerPlace;
  /** The device's address as the servers' place reaches it. */
  deviceAddress: string;
  /** A folder for the servers' files, removed by close(). */
  folder: string;
  /** The rig, over the stack; null on the interpreter's own sockets. */
  rig: InterpreterRig | null;
  close(): Promise<void>;
}

/** The rig's addresses (sim/tap/bridge.ts defaults), known before it starts. */
const rigServerAddress = '192.0.2.1';
const rigDeviceAddress = '192.0.2.2';

export async function startExampleDevice(options: ExampleOptions): Promise<ExampleDevice> {
  const folder = serverFolder(options.example.replace(/\.js$/, ''));
  const board = new InterpreterBoard(options.build);
  let place: ServerPlace = options.overStack ? namespacePlace('', rigServerAddress) : loopbackPlace();
  let rig: InterpreterRig | null = null;
  const close = async () => {
    place.close();
    if (rig) await rig.close();
    await board.remove();
    fs.rmSync(folder, { recursive: true, force: true });
  };
  try {
    // The firmware first, the example last: writing a file boots what Storage holds, and the
    // example booted without the firmware would use the interpreter's own sockets, whose connect
    // blocks the interpreter for minutes on an address that does not answer.
    if (options.overStack) board.store('.bootcde', path.join(distDirectory, slip.name + '.js'));
    for (const name of options.modules) board.store(name, path.join(modulesDirectory, name + '.js'));
    board.storeText(options.settingsFile, JSON.stringify(await options.settings(place, folder)));
    board.store(exampleBootFile, path.join(examplesDirectory, options.example));
    const code = (options.warmUp ? options.warmUp + ';' : '') + variableProbe;
    let interpreter: InterpreterProcess;
    if (options.overStack) {
      rig = await startInterpreterRig({ build: options.build, board, bundle: null, code });
      place = namespacePlace(rig.bridge.namespace, rig.bridge.tapIp);
      interpreter = rig.interpreter;
    } else {
      interpreter = board.boot(code);
    }
    // The probe's first reading: boot is over (the example has run its first lines).
    await until(() => variableReadings(interpreter).length > 0, 60000, () => 'the board to boot; ' + consoleTail(interpreter));
    return { interpreter, place, deviceAddress: options.overStack ? rigDeviceAddress : place.address, folder, rig, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Not a multiple of the firmware's 10 ms tick: the interpreter keeps each timer's time to run as a
 * number, and on the Linux build (microseconds) the tick's costs a variable of its own while it is
 * more than 8,191 µs away (4,095 on the smaller builds). A probe locked to the tick's phase read
 * one variable more or less depending on that phase alone, which traffic can shift; at 253 ms
 * successive readings fall 3 ms further along the tick, so the most of four sees it near.
 */
export const variableProbeMs = 253;
/**
 * The test's probe, typed at the console after boot (the interpreter's -e): prints the interpreter's free variables
 * (process.memory(), after its garbage collection) every `variableProbeMs`. The console's input
 * cannot carry the question: the Linux build's input thread adds typed characters to the event
 * queue while the interpreter takes them out, without a lock (src/jsdevices.c,
 * jshPushIOCharEvents; a board does this with interrupts off), and under load a typed line
 * arrives with characters lost (measured: about one line in 30 while the MQTT example worked).
 */
export const variableProbe = 'setInterval(function(){print("vars "+process.memory().free)},' + variableProbeMs + ');';

/** Every probe reading printed after `from` (an offset into consoleText()). */
export function variableReadings(interpreter: InterpreterProcess, from = 0): number[] {
  return Array.from(consoleText(interpreter).slice(from).matchAll(/^vars (\d+)$/gm)).map((match) => Number(match[1]));
}

const bareReadings: { [build: string]: number } = {};

/** Free variables of a board of `build` with nothing in Storage, the probe only (measured once a process). */
export async function bareFreeVariables(build: InterpreterBuild): Promise<number> {
  if (bareReadings[build] === undefined) {
    const board = new InterpreterBoard(build);
    try {
      bareReadings[build] = await restingFreeVariables(board.boot(variableProbe));
    } finally {
      await board.remove();
    }
  }
  return bareReadings[build];
}

/**
 * Free variables at rest: the most of the next `count` probe readings. One reading may be a
 * variable or two lower than the next while an event is being handled (the probe's own output
 * line, a timer) or while a timer is far from running (variableProbeMs); a leak shows in every reading.
 */
export async function restingFreeVariables(interpreter: InterpreterProcess, count = 4): Promise<number> {
  const from = consoleText(interpreter).length;
  await until(() => variableReadings(interpreter, from).length >= count, 30000 + count * variableProbeMs, () => 'free-variable readings; ' + consoleTail(interpreter));
  return Math.max.apply(null, variableReadings(interpreter, from).slice(0, count));
}

/**
 * The lines the interpreter printed so far (not the one it may be printing now), each as the
 * program printed it: a line printed while the console shows its prompt comes after the prompt,
 * and an erase (ESC "[J") unless a line typed at the console left the prompt behind.
 */
export function consoleText(interpreter: InterpreterProcess): string {
  return interpreter.output.replace(/^>?(\x1b\[J)?/gm, '');
}

/** The last `count` lines the program printed, without the probe's, for error messages. */
export function consoleTail(interpreter: InterpreterProcess, count = 8): string {
  return consoleText(interpreter).split('\n').filter((line) => !/^vars \d+$/.test(line)).slice(-count).join('\n');
}

/** Every match of `pattern` (global; ^ and $ with the m flag match at the program's lines) in what the interpreter printed. */
export function consoleMatches(interpreter: InterpreterProcess, pattern: RegExp): RegExpMatchArray[] {
  return Array.from(consoleText(interpreter).matchAll(pattern));
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves once `condition()` holds, polled every 20 ms; rejects with `what` after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out after ' + timeoutMs + ' ms waiting for ' + what());
    await delay(20);
  }
}

/** A peer (./peers/NAME.js) running in a place, driven by JSON lines both ways. */
export class PeerProcess {
  readonly events: { [field: string]: unknown }[] = [];
  private readonly child: ChildProcess;
  private stderr = '';

  constructor(place: ServerPlace, name: string, args: (string | number)[]) {
    const script = path.join(__dirname, 'peers', name + '.js');
    this.child = place.spawn('exec node ' + [script].concat(args.map(String)).map((arg) => "'" + arg + "'").join(' '));
    readline.createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on('line', (line) => this.events.push(JSON.parse(line)));
    (this.child.stderr as NodeJS.ReadableStream).on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
  }

  send(command: object): void {
    (this.child.stdin as NodeJS.WritableStream).write(JSON.stringify(command) + '\n');
  }

  /** Events with `field` set. */
  having(field: string): { [field: string]: unknown }[] {
    return this.events.filter((event) => event[field] !== undefined);
  }

  describe(): string {
    return 'peer events: ' + JSON.stringify(this.events.slice(-5)) + (this.stderr ? ' stderr: ' + this.stderr.slice(-400) : '');
  }

  /** Closes its stdin, which ends it. */
  end(): void {
    (this.child.stdin as NodeJS.WritableStream).end();
  }
}
