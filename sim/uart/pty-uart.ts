import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import { nativeHelper } from '../native-helper';
import { Uart } from '../../hal/bus';

/**
 * A Uart on a pseudo-terminal device (or a real serial port set to raw mode), opened
 * non-blocking: read() returns what the kernel has, 0 when nothing is waiting; write() retries
 * while the terminal's buffer is full, up to a bound, and counts what it could not send.
 */
export class PtyUart implements Uart {
  /** Bytes write() gave up on because the far end was not reading. */
  dropped = 0;
  private fd: number;

  constructor(readonly path: string) {
    this.fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  }

  write(data: Uint8Array, offset: number, length: number): void {
    let attempts = 0;
    while (length > 0) {
      let written = 0;
      try {
        written = fs.writeSync(this.fd, data, offset, length);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      }
      offset += written;
      length -= written;
      if (written === 0 && ++attempts > 10000) {
        this.dropped += length;
        return;
      }
    }
  }

  read(data: Uint8Array, offset: number, length: number): number {
    try {
      return fs.readSync(this.fd, data, offset, length, null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return 0;
      throw error;
    }
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}

/** Two pseudo-terminals joined by socat, as a null-modem cable between two serial ports. */
export interface PtyPair {
  a: string;
  b: string;
  close(): void;
}

/**
 * Starts `socat -d -d pty,raw,echo=0 pty,raw,echo=0` and resolves with the two device paths
 * it reports; rejects when socat is missing or says nothing within `timeoutMs`.
 */
export function openPtyPair(timeoutMs = 5000): Promise<PtyPair> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      reject(error);
      return;
    }
    const paths: string[] = [];
    let log = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error('socat did not report two ptys: ' + log));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    (child.stderr as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const pattern = /PTY is (\S+)/g;
      let match: RegExpExecArray | null;
      paths.length = 0;
      while ((match = pattern.exec(log)) !== null) paths.push(match[1]);
      // "starting data transfer loop" follows once both ends exist.
      if (paths.length === 2 && /starting data transfer loop/.test(log)) {
        clearTimeout(timer);
        resolve({ a: paths[0], b: paths[1], close: () => child.kill() });
      }
    });
  });
}

/**
 * Bytes per step of flow control towards the pty's reader: below the smallest
 * JSV_FLAT_STRING_BREAK_EVEN of the interpreter's builds (25 bytes; see pty-flow.c for why).
 */
export const ptyLineStep = 24;

/**
 * One pseudo-terminal whose host end is this process: the host's end of a serial cable whose
 * other end, the pty's path, a program opens as its serial port (the interpreter's
 * Serial1.setup(baud, {path})). The pty is made and fed by pty-flow (sim/uart/pty-flow.c,
 * compiled on first use), which hands the reader at most `ptyLineStep` bytes at a time, each
 * once the one before has been read. A Uart whose read() drains what has arrived from the
 * reader; `onReadable` runs whenever bytes arrive, so a driver can poll at once instead of on a
 * timer. write() copies, since drivers reuse their buffers.
 */
export class PtyLine implements Uart {
  onReadable: () => void = () => undefined;
  bytesIn = 0;
  bytesOut = 0;
  /** Set when pty-flow exits before close(): the cable is cut. */
  exit: string | null = null;
  private readonly chunks: Buffer[] = [];
  private offset = 0;
  private closed = false;

  constructor(readonly path: string, private readonly helper: ChildProcess, errors: string[]) {
    (helper.stdout as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.bytesIn += chunk.length;
      this.onReadable();
    });
    // A write racing close() finds the pipe gone.
    (helper.stdin as NodeJS.WritableStream).on('error', () => undefined);
    helper.on('exit', (code, signal) => {
      if (!this.closed) this.exit = 'pty-flow (' + path + ') exited (' + (signal || code) + '): ' + errors.join('').trim();
    });
  }

  write(data: Uint8Array, offset: number, length: number): void {
    if (this.closed) return;
    this.bytesOut += length;
    (this.helper.stdin as NodeJS.WritableStream).write(Buffer.from(data.subarray(offset, offset + length)));
  }

  read(data: Uint8Array, offset: number, length: number): number {
    let moved = 0;
    while (moved < length && this.chunks.length > 0) {
      const chunk = this.chunks[0];
      const run = Math.min(length - moved, chunk.length - this.offset);
      data.set(chunk.subarray(this.offset, this.offset + run), offset + moved);
      moved += run;
      this.offset += run;
      if (this.offset === chunk.length) {
        this.chunks.shift();
        this.offset = 0;
      }
    }
    return moved;
  }

  /** Bytes written and not yet taken by pty-flow (which holds at most 4 KB more for the reader). */
  backlog(): number {
    return (this.helper.stdin as NodeJS.WritableStream & { writableLength: number }).writableLength;
  }

  /** Bytes arrived and not yet read. */
  waiting(): number {
    let count = -this.offset;
    for (const chunk of this.chunks) count += chunk.length;
    return count;
  }

  close(): void {
    this.closed = true;
    if (this.helper.exitCode === null && this.helper.signalCode === null) this.helper.kill('SIGKILL');
  }
}

function ptyFlowPath(): string {
  return nativeHelper('sim/uart/pty-flow.c', ['-lutil']);
}

/** '' when pty-flow is built or can be (gcc), otherwise why not. */
export function ptyLineUnavailableReason(): string {
  try {
    ptyFlowPath();
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Starts pty-flow and resolves with the line once it reports the pty's path. With `fill` (a byte
 * value), pty-flow writes that byte whenever nothing else waits, one at a time (see pty-flow.c).
 */
export function openPtyLine(fill?: number, timeoutMs = 5000): Promise<PtyLine> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      const args = [String(ptyLineStep)].concat(fill === undefined ? [] : [String(fill)]);
      child = spawn(ptyFlowPath(), args, { stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (error) {
      reject(error);
      return;
    }
    const errors: string[] = [];
    let settled = false;
    const timer = setTimeout(() => fail(new Error('pty-flow did not report a pty: ' + errors.join(''))), timeoutMs);
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.on('error', fail);
    child.on('exit', (code) => fail(new Error('pty-flow exited (' + code + '): ' + errors.join(''))));
    (child.stderr as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
      errors.push(chunk.toString());
      const match = /PTY (\S+)/.exec(errors.join(''));
      if (settled || !match) return;
      settled = true;
      clearTimeout(timer);
      resolve(new PtyLine(match[1], child, errors));
    });
  });
}
