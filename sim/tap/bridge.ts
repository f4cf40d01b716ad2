/**
 * The simulator attached to the Linux kernel's TCP/IP through a TAP device (issue 4).
 *
 *   const bridge = await startTapBridge({ impairments: { loss: 0.05, delay: 5, reorder: 0.1 }, seed: 7 });
 *   const device = startTapDevice(bridge);                      // sim/tap/tap-device.ts, or:
 *   const nic = bridge.attach(macFor(2));                       // a PolledNic for any stack
 *   await bridge.exec('curl -s http://' + bridge.deviceIp + '/');   // a command in the namespace
 *   const listener = bridge.spawn('ncat --recv-only -l -k 2500'); // a long-running one, killed by close()
 *   bridge.close();
 *
 * Path of a frame: kernel (namespace NS, TAP tapName at tapIp/24) → socat → one UDP datagram per
 * frame on the host's loopback → this process's UDP socket → `link` (a sim/link.ts Link on the
 * wall clock, with the seeded impairments, both directions) → the attached NIC → the stack; and
 * back the same way. socat runs in the host's namespace, creates the TAP there and the bridge
 * moves the TAP into a namespace of its own, so the kernel peer is isolated from the host's
 * networking while the UDP relay needs no socket inside the namespace. With `device: 'tun'` the
 * interface is a TUN and the link carries bare IPv4 packets instead of frames (the SLIP relay,
 * sim/tap/slip-relay.ts, sits on such a link). Both UDP sockets get
 * 8 MB buffers (socat by SO_RCVBUFFORCE/SO_SNDBUFFORCE; ours up to net.core.rmem_max/wmem_max,
 * which the bridge raises to 8 MB when they are lower: those two limits are global, not per
 * namespace), since default buffers drop frames under load.
 *
 * Names are unique per process and bridge (namespace `espt-<pid>-<n>`), so runs do not collide.
 * close() kills every process started in the namespace and socat, and deletes the namespace
 * (the TAP goes with socat); it also runs on process exit, SIGINT and SIGTERM, and namespaces
 * left by a process that was killed outright are removed by the next startTapBridge().
 *
 * Exports: tapUnavailableReason() → '' or why this machine cannot run a bridge;
 * startTapBridge(options) → Promise<TapBridge>; TapBridge { namespace, tapName, tapIp, deviceIp,
 * prefixLength, link, clock, relayPort, attach(mac), exec(command, timeoutMs), spawn(command),
 * impair(settings), close() }; TapNic (the PolledNic attach() returns). Traffic between the
 * namespace's ncat and a device (bulk each way, seed-000 churn) is in sim/tap/workloads.ts.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as dgram from 'dgram';
import * as fs from 'fs';
import { FrameSink, PolledNic } from '../../hal/bus';
import { Impairments, Link, LinkEndpoint } from '../link';
import { RealTimeClock } from './real-time-clock';

export interface TapBridgeOptions {
  /** Applied to frames in both directions between the relay and the stack; none unless given. */
  impairments?: Partial<Impairments>;
  /** Seed of the impairments' random source; 1 unless given. */
  seed?: number;
  /** The kernel's side and the device's address; 192.0.2.1 and 192.0.2.2 in a /24 unless given. */
  tapIp?: string;
  deviceIp?: string;
  prefixLength?: number;
  /**
   * 'tap' (default): the kernel's interface carries Ethernet frames, as a NIC's cable does;
   * 'tun': bare IPv4 packets, as a point-to-point link such as SLIP carries them.
   */
  device?: 'tap' | 'tun';
  /** The kernel interface's MTU; the kernel's default (1500) unless given. */
  mtu?: number;
}

export interface ExecResult {
  /** Exit status; null when the command was killed (timeout or close). */
  code: number | null;
  stdout: string;
  stderr: string;
}

const socketBuffer = 8 * 1024 * 1024;
const namespacePrefix = 'espt-';
let bridgesStarted = 0;
const openBridges: TapBridge[] = [];

/** '' when this machine can run a bridge (root, /dev/net/tun, socat and ip present); otherwise why not. */
export function tapUnavailableReason(): string {
  if (process.platform !== 'linux') return 'not Linux';
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'not running as root';
  if (!fs.existsSync('/dev/net/tun')) return '/dev/net/tun is missing';
  for (const tool of ['socat', 'ip']) {
    try {
      execFileSync('sh', ['-c', 'command -v ' + tool], { stdio: 'ignore' });
    } catch (error) {
      return tool + ' is not installed';
    }
  }
  return '';
}

/**
 * The NIC a stack gets from attach(): frames from the link go to `sink` (Stack.input) as they
 * arrive, so poll() never finds any waiting. counters: frames in, frames out, frames dropped
 * because no sink was set (names in tapNicCounterNames).
 */
export class TapNic implements PolledNic, LinkEndpoint {
  readonly ethernet = true;
  readonly mtu = 1500;
  readonly counters = new Uint32Array(3);
  sink: FrameSink | null = null;
  /** Its port on the link (link.counters(port) counts what it sent). */
  readonly port: number;

  constructor(private readonly link: Link, readonly mac: Uint8Array) {
    this.port = link.attach(this);
  }

  transmit(frame: Uint8Array, length: number): void {
    this.counters[1]++;
    this.link.transmit(this.port, frame, length);
  }

  linkUp(): boolean {
    return this.link.up;
  }

  poll(): number {
    return 0;
  }

  deliver(frame: Uint8Array, length: number): void {
    if (!this.sink) {
      this.counters[2]++;
      return;
    }
    this.counters[0]++;
    this.sink.input(frame, length);
  }
}

/** Named as the chip drivers name theirs (boards/common/boot.ts), so `nic` reads alike everywhere. */
export const tapNicCounterNames = 'framesReceived framesSent rxDropped';

/** The relay's end of the link: frames the link delivers here go to socat as UDP datagrams. */
class RelayEndpoint implements LinkEndpoint {
  sendErrors = 0;
  private readonly onSent = (error: Error | null) => {
    if (error) this.sendErrors++;
  };

  constructor(private readonly socket: dgram.Socket, private readonly socatPort: number) {}

  deliver(frame: Uint8Array, length: number): void {
    this.socket.send(frame, 0, length, this.socatPort, '127.0.0.1', this.onSent);
  }
}

export class TapBridge {
  readonly tapIp: string;
  readonly deviceIp: string;
  readonly prefixLength: number;
  readonly clock = new RealTimeClock();
  readonly link: Link;
  /** The link port frames from the kernel enter by (link.counters(relayPort) counts them). */
  readonly relayPort: number;
  /** Set when socat exits before close(): the relay is gone. */
  socatExit: string | null = null;
  private socat: ChildProcess | null = null;
  private readonly children: ChildProcess[] = [];
  private closed = false;

  constructor(readonly namespace: string, readonly tapName: string, private readonly socket: dgram.Socket, socatPort: number, options: TapBridgeOptions) {
    this.tapIp = options.tapIp || '192.0.2.1';
    this.deviceIp = options.deviceIp || '192.0.2.2';
    this.prefixLength = options.prefixLength || 24;
    this.link = new Link(this.clock, Object.assign({ seed: options.seed === undefined ? 1 : options.seed }, options.impairments));
    this.relayPort = this.link.attach(new RelayEndpoint(socket, socatPort));
    socket.on('message', (frame: Buffer, from: dgram.RemoteInfo) => {
      if (from.port === socatPort) this.link.transmit(this.relayPort, frame, frame.length);
    });
  }

  /** A NIC on the bridge's link for a stack (set its `sink`). */
  attach(mac: Uint8Array): TapNic {
    return new TapNic(this.link, mac);
  }

  /** Changes the impairments of frames in both directions from now on. */
  impair(settings: Partial<Impairments>): void {
    this.link.impair(settings);
  }

  /**
   * Starts `command` (a bash command line) inside the namespace, in a process group of its own so
   * close() can kill it with its children. Its output is not collected.
   */
  spawn(command: string): ChildProcess {
    if (this.closed) throw new Error('TapBridge: closed');
    const child = spawn('ip', ['netns', 'exec', this.namespace, 'bash', '-c', command], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push(child);
    child.on('exit', () => {
      const index = this.children.indexOf(child);
      if (index >= 0) this.children.splice(index, 1);
    });
    return child;
  }

  /** Runs `command` in the namespace to completion, killed after `timeoutMs` (60 s unless given). */
  exec(command: string, timeoutMs?: number): Promise<ExecResult> {
    const child = this.spawn(command);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    (child.stdout as NodeJS.ReadableStream).on('data', (chunk: Buffer) => stdout.push(chunk));
    (child.stderr as NodeJS.ReadableStream).on('data', (chunk: Buffer) => stderr.push(chunk));
    return new Promise((resolve) => {
      const timer = setTimeout(() => killGroup(child), timeoutMs === undefined ? 60000 : timeoutMs);
      child.on('close', (code: number | null) => {
        clearTimeout(timer);
        resolve({ code, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() });
      });
    });
  }

  /** Removes everything the bridge made. Synchronous, so it also works from an exit handler; safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.clock.stop();
    const index = openBridges.indexOf(this);
    if (index >= 0) openBridges.splice(index, 1);
    for (const child of this.children.slice()) killGroup(child);
    if (this.socat) killGroup(this.socat);
    removeNamespace(this.namespace);
    try {
      this.socket.close();
    } catch (error) {
      // Already closed by a failed start.
    }
  }

  /** Called by startTapBridge once socat runs. */
  adoptSocat(socat: ChildProcess, errors: string[]): void {
    this.socat = socat;
    socat.on('exit', (code, signal) => {
      if (!this.closed) this.socatExit = 'socat exited (' + (signal || code) + '): ' + errors.join('').trim();
    });
  }
}

function killGroup(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch (error) {
    // The group is already gone.
  }
}

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Kills whatever still runs in the namespace (only our own processes can be there) and deletes it. */
function removeNamespace(namespace: string): void {
  try {
    const pids = run('ip', ['netns', 'pids', namespace]).split(/\s+/).filter((pid) => pid !== '');
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch (error) {
        // Exited meanwhile.
      }
    }
    run('ip', ['netns', 'del', namespace]);
  } catch (error) {
    // Not there (never created, or removed already).
  }
}

/** Namespaces of ours whose creating process no longer exists (it was killed with SIGKILL). */
function removeStaleNamespaces(): void {
  let list = '';
  try {
    list = run('ip', ['netns', 'list']);
  } catch (error) {
    return;
  }
  for (const line of list.split('\n')) {
    const match = /^(espt-(\d+)-\d+)/.exec(line);
    if (!match) continue;
    let alive = true;
    try {
      process.kill(Number(match[2]), 0);
    } catch (error) {
      alive = false;
    }
    if (!alive) removeNamespace(match[1]);
  }
}

/** net.core.rmem_max and wmem_max cap what setRecvBufferSize/setSendBufferSize get; they are global. */
function raiseSocketBufferLimits(): void {
  for (const name of ['rmem_max', 'wmem_max']) {
    const file = '/proc/sys/net/core/' + name;
    try {
      if (Number(fs.readFileSync(file, 'utf8')) < socketBuffer) fs.writeFileSync(file, String(socketBuffer));
    } catch (error) {
      // Without the raise the socket keeps the smaller buffer; the relay still works, with more drops under load.
    }
  }
}

function bindLoopback(): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.removeListener('error', reject);
      resolve(socket);
    });
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function installExitHandlers(): void {
  const closeAll = () => {
    for (const bridge of openBridges.slice()) bridge.close();
  };
  process.on('exit', closeAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as NodeJS.Signals[]) {
    process.once(signal, () => {
      closeAll();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

const setupAttempts = 3;

/**
 * Creates the namespace, the TAP and the relay; throws (having removed what it made) when every
 * attempt failed. socat's port is picked here and bound by socat a moment later, so another
 * process (a parallel test worker) can take it first: socat then exits and its TAP vanishes
 * between two setup steps. A fresh attempt picks a fresh port.
 */
export async function startTapBridge(options: TapBridgeOptions = {}): Promise<TapBridge> {
  const unavailable = tapUnavailableReason();
  if (unavailable) throw new Error('TAP bridge unavailable: ' + unavailable);
  if (bridgesStarted === 0) {
    removeStaleNamespaces();
    installExitHandlers();
  }
  const failures: string[] = [];
  for (let attempt = 1; attempt <= setupAttempts; attempt++) {
    try {
      return await attemptTapBridge(options);
    } catch (error) {
      failures.push('attempt ' + attempt + ': ' + (error as Error).message.trim());
    }
  }
  throw new Error('TAP bridge setup failed ' + setupAttempts + ' times; ' + failures.join('; '));
}

async function attemptTapBridge(options: TapBridgeOptions): Promise<TapBridge> {
  const sequence = bridgesStarted++;
  const namespace = namespacePrefix + process.pid + '-' + sequence;
  const tapName = 'et' + process.pid.toString(36) + 'n' + sequence.toString(36);
  raiseSocketBufferLimits();
  const socket = await bindLoopback();
  socket.setRecvBufferSize(socketBuffer);
  socket.setSendBufferSize(socketBuffer);
  // socat's port: taken from a socket bound and closed here, so it is free a moment later.
  const probe = await bindLoopback();
  const socatPort = probe.address().port;
  probe.close();
  run('ip', ['netns', 'add', namespace]);
  const bridge = new TapBridge(namespace, tapName, socket, socatPort, options);
  openBridges.push(bridge);
  try {
    const errors: string[] = [];
    const socat = spawn('socat', ['-b', '65536',
      'TUN,tun-type=' + (options.device || 'tap') + ',iff-no-pi,tun-name=' + tapName,
      'UDP-DATAGRAM:127.0.0.1:' + socket.address().port + ',bind=127.0.0.1:' + socatPort +
      ',setsockopt-int=1:33:' + socketBuffer + ',setsockopt-int=1:32:' + socketBuffer,
    ], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    (socat.stderr as NodeJS.ReadableStream).on('data', (chunk: Buffer) => errors.push(chunk.toString()));
    bridge.adoptSocat(socat, errors);
    const prefix = bridge.tapIp + '/' + bridge.prefixLength;
    for (let attempt = 0; ; attempt++) {
      if (bridge.socatExit) throw new Error(bridge.socatExit);
      if (fs.existsSync('/sys/class/net/' + tapName)) break;
      if (attempt === 200) throw new Error('socat did not create ' + tapName + ' within 2 s');
      await delay(10);
    }
    run('ip', ['link', 'set', tapName, 'netns', namespace]);
    run('ip', ['netns', 'exec', namespace, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    run('ip', ['-n', namespace, 'link', 'set', 'lo', 'up']);
    run('ip', ['-n', namespace, 'addr', 'add', prefix, 'dev', tapName]);
    if (options.mtu) run('ip', ['-n', namespace, 'link', 'set', tapName, 'mtu', String(options.mtu)]);
    run('ip', ['-n', namespace, 'link', 'set', tapName, 'up']);
  } catch (error) {
    bridge.close();
    throw error;
  }
  return bridge;
}
