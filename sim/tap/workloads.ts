/**
 * Traffic between the kernel's tools in a TAP bridge's namespace and a device on the bridge, as
 * the interop tests (test/interop/) and the measurements (sim/tap/measure.ts) run it:
 *
 *   kernelToDevice(device, data, port, limitMs) → Promise<Transfer>   ncat --send-only → a sink on the device
 *   deviceToKernel(device, data, port, limitMs) → Promise<Transfer>   the device → ncat --recv-only
 *   connectSendClose(device, { iterations, port, limitMs, onClosed? }) → Promise<ChurnResult>
 *       seed 000: the device connects to `ncat --recv-only -l -k port`, sends "msg N\n" and closes,
 *       one connection after another as fast as it can
 *
 * Each starts its own ncat in the namespace and leaves nothing running when its promise settles
 * (the ncat it started has exited or been killed). ncat's stdin never reaches EOF (it would
 * half-close the connection): it reads from a sleep, and `exec` makes ncat the spawned process,
 * so its exit is ncat's own.
 */
import { ChildProcess } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Socket } from '../../firmware/api/net';
import { TapDevice } from './tap-device';

export interface Transfer {
  /** Bytes that arrived, and their sha256 (hex). */
  bytes: number;
  sha256: string;
  /** From the connection's start to the receiver's end of stream; 0 if it never started. */
  ms: number;
  /** '' on success; otherwise what went wrong (a device socket error, an ncat failure, 'timeout'). */
  error: string;
}

export interface ChurnResult {
  /** Connections that completed (connect, send, close) without error. */
  closed: number;
  failures: string[];
  /** From the first connection's close to the last one's. */
  ms: number;
  /** The lines ncat received, in arrival order. */
  lines: string[];
}

export interface ChurnOptions {
  iterations: number;
  port: number;
  limitMs: number;
  /** Called after each clean close with the number closed so far. */
  onClosed?: (closed: number) => void;
}

function temporaryFile(name: string): { file: string; remove: () => void } {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'tap-' + name + '-'));
  return { file: path.join(directory, name), remove: () => fs.rmSync(directory, { recursive: true, force: true }) };
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.on('exit', () => resolve());
  });
}

/** Kills the child's process group: ncat, and the sleep feeding it, which outlives an ncat that exited. */
function kill(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch (error) {
    // Gone already.
  }
}

function hashFile(file: string): { bytes: number; sha256: string } {
  const data = fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0);
  return { bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') };
}

/** ncat in the namespace sends `data` to a sink on the device at `port`, which counts and hashes what arrives. */
export async function kernelToDevice(device: TapDevice, data: Buffer, port: number, limitMs: number): Promise<Transfer> {
  const hash = createHash('sha256');
  let bytes = 0;
  let started = 0;
  let ended = 0;
  let error = '';
  const server = device.net.createServer((socket: Socket) => {
    started = Date.now();
    socket.on('data', (chunk: Uint8Array) => {
      bytes += chunk.length;
      hash.update(chunk);
    });
    socket.on('end', () => {
      ended = Date.now();
    });
    socket.on('error', (failure: Error) => {
      error = 'sink: ' + failure.message;
    });
  }).listen(port);
  const input = temporaryFile('send');
  try {
    fs.writeFileSync(input.file, data);
    const sent = await device.bridge.exec('ncat --send-only ' + device.bridge.deviceIp + ' ' + port + ' < ' + input.file, limitMs);
    if (sent.code !== 0) error = error || 'ncat exited ' + sent.code + ': ' + sent.stderr.trim();
    const deadline = Date.now() + 10000;
    while (!ended && !error && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    if (!ended && !error) error = 'timeout';
  } finally {
    input.remove();
    server.close();
  }
  return { bytes, sha256: hash.digest('hex'), ms: started && ended ? ended - started : 0, error };
}

/** The device connects to `ncat --recv-only -l port` in the namespace and streams `data` to it, then closes. */
export async function deviceToKernel(device: TapDevice, data: Buffer, port: number, limitMs: number): Promise<Transfer> {
  const output = temporaryFile('received');
  const receiver = device.bridge.spawn('exec ncat --recv-only -l ' + port + ' > ' + output.file + ' < <(sleep 100000)');
  const receiverExited = exited(receiver);
  let started = 0;
  let error = '';
  let socket: Socket | null = null;
  const connect = () => {
    const attempt = device.net.connect({ host: device.bridge.tapIp, port }, () => {
      started = Date.now();
      let offset = 0;
      const pump = () => {
        while (offset < data.length) {
          const chunk = data.subarray(offset, offset + 16384);
          offset += chunk.length;
          if (!attempt.write(chunk)) return;
        }
        attempt.end();
      };
      attempt.on('drain', pump);
      pump();
    });
    socket = attempt;
    attempt.on('error', (failure: Error & { code: string }) => {
      // Refused only while ncat is not listening yet.
      if (started === 0 && failure.code === 'ECONNREFUSED') setTimeout(connect, 50);
      else error = failure.code || failure.message;
    });
  };
  connect();
  let timer: NodeJS.Timeout | null = null;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      error = error || 'timeout';
      resolve();
    }, limitMs);
  });
  const failed = new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (error) {
        clearInterval(check);
        resolve();
      }
    }, 10);
    receiverExited.then(() => clearInterval(check));
  });
  // ncat exits once the device's FIN has arrived and everything is written out.
  await Promise.race([receiverExited, timeout, failed]);
  if (timer) clearTimeout(timer);
  const ms = Date.now() - started;
  kill(receiver);
  if (error && socket) (socket as Socket).destroy();
  const received = hashFile(output.file);
  output.remove();
  return { bytes: received.bytes, sha256: received.sha256, ms: started ? ms : 0, error };
}

/** Seed 000 against the kernel: connect, send a line, close, `iterations` times in a row (see the top of the file). */
export async function connectSendClose(device: TapDevice, options: ChurnOptions): Promise<ChurnResult> {
  const output = temporaryFile('lines');
  const receiver = device.bridge.spawn('exec ncat --recv-only -l -k ' + options.port + ' > ' + output.file + ' < <(sleep 100000)');
  const failures: string[] = [];
  let started = 0;
  let closed = 0;
  let firstAt = 0;
  let lastAt = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const iteration = (): void => {
    const n = started++;
    const socket = device.net.connect({ host: device.bridge.tapIp, port: options.port }, () => socket.end('msg ' + n + '\n'));
    socket.on('error', (error: Error & { code: string }) => {
      // Refused only while ncat is not listening yet: that attempt is repeated.
      if (closed === 0 && error.code === 'ECONNREFUSED') started--;
      else failures.push(n + ': ' + error.code);
    });
    socket.on('close', (hadError: boolean) => {
      if (!hadError) {
        lastAt = Date.now();
        if (closed++ === 0) firstAt = lastAt;
        if (options.onClosed) options.onClosed(closed);
      }
      if (started < options.iterations && failures.length === 0) setImmediate(iteration);
      else if (closed === options.iterations || failures.length > 0) finish();
    });
  };
  iteration();
  const timer = setTimeout(() => {
    failures.push('timeout after ' + closed + ' connections');
    finish();
  }, options.limitMs);
  await finished;
  clearTimeout(timer);
  // Every line is on ncat's stdout once its connection has closed; give the last write a moment.
  let lines: string[] = [];
  const deadline = Date.now() + 5000;
  for (;;) {
    lines = fs.existsSync(output.file) ? fs.readFileSync(output.file, 'utf8').split('\n').filter((line) => line !== '') : [];
    if (lines.length >= closed || Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  kill(receiver);
  await exited(receiver);
  output.remove();
  return { closed, failures, ms: lastAt - firstAt, lines };
}
