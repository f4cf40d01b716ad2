/**
 * The SLIP firmware inside the Espruino interpreter, talking to the Linux kernel (issue 14):
 *
 *   kernel (namespace NS, TUN at 192.0.2.1/24, MTU of the SLIP link) → socat → UDP on loopback →
 *   this process: SlipRelay (SLIP framing, sim/tap/slip-relay.ts) → socat → pseudo-terminal →
 *   the interpreter's Serial1 → the bundle (dist/slip.js, booted from Storage) → and back.
 *
 *   const rig = await startInterpreterRig({ storage: { 'app.js': code }, code: 'eval(require("Storage").read("app.js"))',
 *     servers: { web: 'exec python3 -m http.server 80' } });
 *   await rig.bridge.exec('curl -s http://' + rig.bridge.deviceIp + '/');
 *   await rig.interpreter.evaluate('NET.stat()');
 *   await rig.close();
 *
 * The board's wiring is written into its Storage before it boots, as two files the bundle does
 * not contain: `.boot0` (which the interpreter runs before `.bootcde` at every boot) sets Serial1
 * up on the pty's path, and the firmware's configuration file (boards/common/boot.ts,
 * configFile) gives it the bridge's addresses; the bundle itself is the file a board runs.
 * Everything the rig starts (the namespace and what runs in it, both socats, the interpreter) is
 * removed by close(), on a failure during start, and on process exit, SIGINT or SIGTERM.
 */
import { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { configFile } from '../../boards/common/boot';
import { slip, slipMtu } from '../../boards/common/profiles';
import { Impairments } from '../link';
import { startTapBridge, TapBridge } from '../tap/bridge';
import { SlipRelay } from '../tap/slip-relay';
import { openPtyLine, PtyLine } from '../uart/pty-uart';
import { InterpreterBoard, InterpreterBuild, InterpreterProcess } from './interpreter';

export interface InterpreterRigOptions {
  /** The interpreter build, sized like a board; the SLIP profile's (boards/common/profiles.ts) unless given. */
  build?: InterpreterBuild;
  /** A board (Storage folder) to boot, for example one the espruino CLI flashed; a fresh one unless given. */
  board?: InterpreterBoard;
  /** The firmware written into Storage as `.bootcde`: dist/slip.js unless given; null keeps what Storage holds. */
  bundle?: string | null;
  /** More Storage files, name → content (modules for require(), the user's code, data). */
  storage?: { [name: string]: string };
  /**
   * true (default): Storage is read from memory, as a Pico's or an ESP32's flash is, rather than
   * through the Linux build's file reads (sim/espruino/mapped-flash.c); false measures the latter.
   */
  mappedFlash?: boolean;
  /** Code typed at the console right after boot (the interpreter's -e). */
  code?: string;
  /** Configuration overrides for the firmware (firmware/config.ts fields) over the bridge's addresses. */
  config?: { [field: string]: unknown };
  /** Processes started in the namespace before the interpreter boots, name → bash command; killed by close(). */
  servers?: { [name: string]: string };
  /**
   * true (default): the line carries SLIP ENDs while idle, so the interpreter's Linux build never
   * lets its serial thread sleep 50 ms (sim/uart/pty-flow.c); false for measuring an idle stack.
   */
  idleFill?: boolean;
  /** Impairments of the packets between the kernel and the serial line, both directions; none unless given. */
  impairments?: Partial<Impairments>;
  seed?: number;
  /** Every chunk the interpreter prints also goes here as it comes (the console of `npm start -- --interpreter`). */
  onOutput?: (chunk: Buffer) => void;
  /** Until the firmware's `up:` line; 60 s unless given. */
  bootTimeoutMs?: number;
}

/** A process started in the namespace, and everything it printed so far. */
export interface NamespaceServer {
  child: ChildProcess;
  output(): string;
}

/** The device's pools as its console reports them (NET.sockets(), NET.timewait(), NET.mem()). */
export interface DevicePools {
  slotsInUse: number;
  synQueue: number;
  acceptQueues: number;
  timeWait: number;
  memoryTotal: number;
}

export interface InterpreterRig {
  bridge: TapBridge;
  line: PtyLine;
  relay: SlipRelay;
  board: InterpreterBoard;
  interpreter: InterpreterProcess;
  servers: { [name: string]: NamespaceServer };
  /** What `up:` said, and the pools right after it. */
  upLine: string;
  start: DevicePools;
  /** Why the rig broke (the interpreter or a socat exited), or null while it holds. */
  failure(): string | null;
  pools(): Promise<DevicePools>;
  /** Stops everything; the board's folder stays when it was passed in, else it is removed. Safe to call twice. */
  close(): Promise<void>;
}

/** RFC 1055's END: back-to-back ENDs are empty frames, which a SLIP receiver ignores. */
const slipEnd = 0xc0;

const openRigs: Array<() => void> = [];
let exitHandlerInstalled = false;

/** Kills what a rig started, synchronously, so that it also works as the process exits. */
function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.on('exit', () => {
    for (const kill of openRigs.slice()) kill();
  });
}

/** The firmware's console tables, as numbers. */
export function parsePools(text: string): DevicePools {
  const lines = text.split('\n');
  const slotLine = /^\d+\s+[A-Z_0-9]+\s+:\d+/;
  const timeWait = /^TIME_WAIT (\d+)\//m.exec(text);
  const synQueue = /^syn queue (\d+)\//m.exec(text);
  const memory = /^total=(\d+) /m.exec(text);
  if (!timeWait || !synQueue || !memory) throw new Error('the console did not print its tables: ' + text);
  let acceptQueues = 0;
  for (const line of lines) {
    const listener = /^listen :\d+ accept (\d+)\//.exec(line);
    if (listener) acceptQueues += Number(listener[1]);
  }
  return {
    slotsInUse: lines.filter((line) => slotLine.test(line)).length, synQueue: Number(synQueue[1]), acceptQueues,
    timeWait: Number(timeWait[1]), memoryTotal: Number(memory[1]),
  };
}

/**
 * `fields` under the names `bundle` gives them: netconfig.json keeps the address fields' own
 * names (boards/common/boot.ts), and every other configuration field is known only by the short
 * name the minifier gave it, which the build lists in names/NAME.json beside the bundle.
 */
function bundleFieldNames(bundle: string, fields: { [field: string]: unknown }): { [field: string]: unknown } {
  const file = path.join(path.dirname(bundle), 'names', path.basename(bundle).replace(/\.js$/, '.json'));
  const names = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) as { [field: string]: string } : {};
  const renamed: { [field: string]: unknown } = {};
  for (const field of Object.keys(fields)) renamed[names[field] || field] = fields[field];
  return renamed;
}

/** Where the board bundles are built (`npm run build`). */
export const distDirectory = path.resolve(process.env.DIST_DIR || 'dist');

export async function startInterpreterRig(options: InterpreterRigOptions = {}): Promise<InterpreterRig> {
  const ownBoard = !options.board;
  const board = options.board || new InterpreterBoard(options.build || (slip.interpreter as InterpreterBuild));
  let bridge: TapBridge | null = null;
  let line: PtyLine | null = null;
  let interpreter: InterpreterProcess | null = null;
  const servers: { [name: string]: NamespaceServer } = {};
  const killNow = () => {
    if (line) line.close();
    if (bridge) bridge.close();
    if (interpreter) interpreter.kill();
    if (ownBoard) fs.rmSync(board.folder, { recursive: true, force: true });
  };
  installExitHandler();
  openRigs.push(killNow);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    const index = openRigs.indexOf(killNow);
    if (index >= 0) openRigs.splice(index, 1);
    if (interpreter) await interpreter.stop();
    if (line) line.close();
    if (bridge) bridge.close();
    if (ownBoard) await board.remove();
  };
  try {
    bridge = await startTapBridge({ device: 'tun', mtu: slipMtu, impairments: options.impairments, seed: options.seed });
    line = await openPtyLine(options.idleFill === false ? undefined : slipEnd);
    const relay = new SlipRelay(bridge, line, slipMtu);
    const uart = slip.uart as NonNullable<typeof slip.uart>;
    board.storeText('.boot0', 'Serial1.setup(' + uart.baud + ',{path:' + JSON.stringify(line.path) + '});');
    const bundle = options.bundle || path.join(distDirectory, slip.name + '.js');
    board.storeText(configFile, JSON.stringify(Object.assign({
      ip: bridge.deviceIp, netmask: '255.255.255.0', gateway: bridge.tapIp, dnsServer: bridge.tapIp,
    }, bundleFieldNames(bundle, options.config || {}))));
    const storage = options.storage || {};
    for (const name of Object.keys(storage)) board.storeText(name, storage[name]);
    if (options.bundle !== null) board.store('.bootcde', bundle);
    const serverCommands = options.servers || {};
    for (const name of Object.keys(serverCommands)) {
      const child = bridge.spawn(serverCommands[name]);
      let output = '';
      const take = (chunk: Buffer) => {
        output += chunk.toString('latin1');
      };
      (child.stdout as NodeJS.ReadableStream).on('data', take);
      (child.stderr as NodeJS.ReadableStream).on('data', take);
      servers[name] = { child, output: () => output };
    }
    interpreter = board.boot(options.code || '', { mappedFlash: options.mappedFlash !== false });
    if (options.onOutput) interpreter.onOutput(options.onOutput);
    const up = await interpreter.waitFor(/^up: .*\n/m, options.bootTimeoutMs || 60000);
    const started = interpreter;
    const pty = line;
    const bridged = bridge;
    const pools = async () => parsePools(await started.capture('NET.sockets();NET.timewait();NET.mem()'));
    return {
      bridge: bridged, line: pty, relay, board, interpreter: started, servers, upLine: up[0].trim(), start: await pools(), pools, close,
      failure: () => {
        if (started.exitCode !== null) return 'the interpreter exited (' + started.exitCode + '):\n' + started.tail();
        return pty.exit || bridged.socatExit;
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A rig for the duration of `body`, closed afterwards whatever happens. */
export async function withInterpreterRig<T>(options: InterpreterRigOptions, body: (rig: InterpreterRig) => Promise<T>): Promise<T> {
  const rig = await startInterpreterRig(options);
  try {
    return await body(rig);
  } finally {
    await rig.close();
  }
}
