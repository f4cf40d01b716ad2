import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
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
