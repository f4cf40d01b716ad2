/**
 * The real servers the examples talk to (mosquitto, nginx with a certificate made here by
 * openssl, the Node peers in ./peers), started in a ServerPlace: on the host's loopback, or
 * wherever a rig runs commands (its network namespace). Every process runs in a process group
 * of its own and is killed by the place's close().
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freeLoopbackPort } from '../../sim/espruino/interpreter';

/** Where the servers run, and how the device reaches them. */
export interface ServerPlace {
  /** The servers' address as the device sees it. */
  readonly address: string;
  /** Starts `command` (a bash command line) there; it is killed by close() if still running. */
  spawn(command: string): ChildProcess;
  /** A TCP port free there for a server. */
  freePort(): Promise<number>;
  /** Runs `command` there to its end (killed after `timeoutMs`) and resolves with its output; rejects when it fails. */
  run(command: string, timeoutMs: number): Promise<string>;
  close(): void;
}

function killGroup(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch (error) {
    // already gone
  }
}

/** `spawn`'s command run to its end, its output collected. */
export function runIn(spawnThere: (command: string) => ChildProcess, command: string, timeoutMs: number): Promise<string> {
  const child = spawnThere(command);
  let output = '';
  let errors = '';
  (child.stdout as NodeJS.ReadableStream).on('data', (chunk: Buffer) => (output += chunk.toString('latin1')));
  (child.stderr as NodeJS.ReadableStream).on('data', (chunk: Buffer) => (errors += chunk.toString('latin1')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => killGroup(child), timeoutMs);
    child.on('close', (code: number | null) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(command + ' failed (' + code + '): ' + errors.slice(-400)));
    });
  });
}

/** The host itself: servers on 127.0.0.1, reached by the interpreter's own Linux sockets. */
export function loopbackPlace(): ServerPlace {
  const children: ChildProcess[] = [];
  const spawnHere = (command: string): ChildProcess => {
    const child = spawn('bash', ['-c', command], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(child);
    return child;
  };
  return {
    address: '127.0.0.1',
    spawn: spawnHere,
    run: (command: string, timeoutMs: number) => runIn(spawnHere, command, timeoutMs),
    freePort: freeLoopbackPort,
    close(): void {
      for (const child of children) killGroup(child);
    },
  };
}

/**
 * A network namespace (a rig's): servers at `address` inside it, commands run there with
 * `ip netns exec`. Its ports are all free: nothing else listens there.
 */
export function namespacePlace(namespace: string, address: string): ServerPlace {
  const children: ChildProcess[] = [];
  let nextPort = 10000;
  const spawnThere = (command: string): ChildProcess => {
    const child = spawn('ip', ['netns', 'exec', namespace, 'bash', '-c', command], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(child);
    return child;
  };
  return {
    address,
    spawn: spawnThere,
    run: (command: string, timeoutMs: number) => runIn(spawnThere, command, timeoutMs),
    freePort: async () => nextPort++,
    close(): void {
      for (const child of children) killGroup(child);
    },
  };
}

/** Debian packages the examples' servers need, by command. */
export const serverTools: { [command: string]: string } = { mosquitto: 'mosquitto', nginx: 'nginx-light', openssl: 'openssl', curl: 'curl', ncat: 'ncat' };

/** '' when every server tool is installed; otherwise which are missing. */
export function missingServerTools(): string {
  const missing = Object.keys(serverTools).filter((tool) => {
    try {
      execFileSync('sh', ['-c', 'command -v ' + tool + ' || test -x /usr/sbin/' + tool], { stdio: 'ignore' });
      return false;
    } catch (error) {
      return true;
    }
  });
  return missing.length ? missing.map((tool) => tool + ' (Debian package ' + serverTools[tool] + ')').join(', ') + ' not installed' : '';
}

/** Resolves with the first line of `child`'s output matching `pattern`; rejects on exit or after `timeoutMs`. */
export function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number, what: string): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const look = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = seen.match(pattern);
      if (match) finish(() => resolve(match));
    };
    const exited = () => finish(() => reject(new Error(what + ' exited before ' + pattern + ': ' + seen.slice(-800))));
    const timer = setTimeout(() => finish(() => reject(new Error('no ' + pattern + ' from ' + what + ' within ' + timeoutMs + ' ms: ' + seen.slice(-800)))), timeoutMs);
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      (child.stdout as NodeJS.ReadableStream).removeListener('data', look);
      (child.stderr as NodeJS.ReadableStream).removeListener('data', look);
      child.removeListener('exit', exited);
      settle();
    };
    (child.stdout as NodeJS.ReadableStream).on('data', look);
    (child.stderr as NodeJS.ReadableStream).on('data', look);
    child.on('exit', exited);
  });
}

/**
 * mosquitto on `port`, anonymous, with persistence in its own folder (a session kept by a client
 * survives a restart, with the messages queued for it). It logs everything, each packet included
 * ("Sending PUBLISH to CLIENT (d0, q1, r0, m3, 'TOPIC', ... (4 bytes))"), into `log`, across
 * restarts. `restart` stops it as a service stop does (SIGTERM: it saves its database) and starts
 * it again on the same port.
 */
export class Mosquitto {
  log = '';
  private child: ChildProcess | null = null;
  private readonly config: string;

  constructor(private readonly place: ServerPlace, readonly port: number, readonly folder: string) {
    this.config = path.join(folder, 'mosquitto.conf');
    fs.writeFileSync(this.config, [
      'listener ' + port + ' ' + place.address,
      'allow_anonymous true',
      'user root',
      'persistence true',
      'persistence_location ' + folder + '/',
      'log_dest stderr',
      'log_type all',
      '',
    ].join('\n'));
  }

  async start(): Promise<void> {
    const child = this.place.spawn('exec mosquitto -c ' + this.config);
    this.child = child;
    const take = (chunk: Buffer) => {
      this.log += chunk.toString('latin1');
    };
    (child.stdout as NodeJS.ReadableStream).on('data', take);
    (child.stderr as NodeJS.ReadableStream).on('data', take);
    await waitForLine(child, /mosquitto version \S+ running/, 10000, 'mosquitto');
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    this.child = null;
  }
}

/** A certificate authority, and a server key and certificate it signed for `address` (its CN and subjectAltName). */
export interface Certificates {
  caPem: string;
  serverCertificate: string;
  serverKey: string;
  /** A second authority that signed nothing here: the wrong CA. */
  otherCaPem: string;
}

function openssl(args: string[], folder: string): void {
  execFileSync('openssl', args, { cwd: folder, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Makes the certificates with openssl in `folder` (RSA 2048, valid for a day). */
export function makeCertificates(folder: string, address: string): Certificates {
  const days = ['-days', '1'];
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=espruino-tcp test CA'].concat(days), folder);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other-ca.key', '-out', 'other-ca.pem', '-subj', '/CN=espruino-tcp other CA'].concat(days), folder);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=' + address], folder);
  fs.writeFileSync(path.join(folder, 'server.ext'), 'subjectAltName=IP:' + address + '\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-extfile', 'server.ext'].concat(days), folder);
  return {
    caPem: fs.readFileSync(path.join(folder, 'ca.pem'), 'latin1'),
    serverCertificate: path.join(folder, 'server.pem'),
    serverKey: path.join(folder, 'server.key'),
    otherCaPem: fs.readFileSync(path.join(folder, 'other-ca.pem'), 'latin1'),
  };
}

/** nginx serving `root` over HTTPS on `port` with the given certificate, in the foreground, one process. */
export class Nginx {
  private readonly config: string;

  /** `sendRate`: bytes a second per connection (nginx's limit_rate), 0 for no limit. */
  constructor(private readonly place: ServerPlace, readonly port: number, readonly folder: string, root: string, certificates: Certificates, sendRate = 0) {
    this.config = path.join(folder, 'nginx.conf');
    const temp = path.join(folder, 'nginx-temp');
    fs.mkdirSync(temp, { recursive: true });
    fs.writeFileSync(this.config, [
      'daemon off;',
      'master_process off;',
      'worker_processes 1;',
      'error_log stderr notice;',
      'pid ' + path.join(folder, 'nginx.pid') + ';',
      'events { worker_connections 32; }',
      'http {',
      '  access_log off;',
      '  client_body_temp_path ' + temp + '; proxy_temp_path ' + temp + '; fastcgi_temp_path ' + temp + ';',
      '  uwsgi_temp_path ' + temp + '; scgi_temp_path ' + temp + ';',
      '  types { application/json json; }',
      '  server {',
      '    listen ' + place.address + ':' + port + ' ssl;',
      '    ssl_certificate ' + certificates.serverCertificate + ';',
      '    ssl_certificate_key ' + certificates.serverKey + ';',
      '    root ' + root + ';',
      '    limit_rate ' + sendRate + ';',
      '  }',
      '}',
      '',
    ].join('\n'));
  }

  async start(): Promise<void> {
    await waitForLine(this.place.spawn('exec nginx -c ' + this.config + ' -p ' + this.folder), /start worker process|using the "\w+" event method/, 10000, 'nginx');
  }
}

/** A fresh folder for one test's servers, removed by the caller. */
export function serverFolder(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'espruino-' + name + '-'));
}

/** sha256 of `data`, hex. */
export function sha256(data: Buffer | string): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}
