import * as fs from 'fs';
import { Link } from './link';

/** libpcap link types: Ethernet II frames, or bare IPv4 packets as on a SLIP link. */
export const enum PcapLinkType {
  ethernet = 1,
  rawIp = 101,
}

export interface PcapOptions {
  /** Write to this file; without it the capture is kept in memory for bytes(). */
  path?: string;
  linkType?: PcapLinkType;
  /** Bytes kept of each frame; 65535 unless given. */
  snaplen?: number;
}

const flushThreshold = 64 * 1024;

/**
 * Classic libpcap capture (magic a1b2c3d4 in little-endian order, version 2.4), readable by
 * Wireshark and tcpdump, stamped with the simulator's virtual time in ms since the clock's origin.
 */
export class PcapWriter {
  /** Records written so far. */
  packets = 0;
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private fd: number | null = null;
  private closed = false;
  private link: Link | null = null;
  private tapId = -1;
  private readonly snaplen: number;
  private readonly toFile: boolean;

  constructor(options: PcapOptions = {}) {
    this.snaplen = options.snaplen === undefined ? 65535 : options.snaplen;
    if (!(this.snaplen >= 1 && this.snaplen <= 0x40000)) throw new RangeError('PcapWriter: bad snaplen ' + this.snaplen);
    const header = Buffer.alloc(24);
    header.writeUInt32LE(0xa1b2c3d4, 0);
    header.writeUInt16LE(2, 4);
    header.writeUInt16LE(4, 6);
    // 8: timezone offset and 12: timestamp accuracy, both zero by convention.
    header.writeUInt32LE(this.snaplen, 16);
    header.writeUInt32LE(options.linkType === undefined ? PcapLinkType.ethernet : options.linkType, 20);
    this.toFile = options.path !== undefined;
    if (options.path !== undefined) this.fd = fs.openSync(options.path, 'w');
    this.append(header);
  }

  /** Captures every frame the link carries until close(). */
  attachTo(link: Link): this {
    if (this.link) throw new Error('PcapWriter: already attached to a link');
    this.link = link;
    this.tapId = link.addTap((frame, length, time) => this.write(frame, length, time));
    return this;
  }

  /** Adds one record: frame[0..length) captured at virtual time `time` (ms). */
  write(frame: Uint8Array, length: number, time: number): void {
    if (this.closed) throw new Error('PcapWriter: write after close');
    const captured = Math.min(length, this.snaplen);
    const record = Buffer.alloc(16 + captured);
    let seconds = Math.floor(time / 1000);
    let micros = Math.round((time - seconds * 1000) * 1000);
    if (micros >= 1000000) {
      seconds++;
      micros -= 1000000;
    }
    record.writeUInt32LE(seconds >>> 0, 0);
    record.writeUInt32LE(micros, 4);
    record.writeUInt32LE(captured, 8);
    record.writeUInt32LE(length, 12);
    record.set(frame.subarray(0, captured), 16);
    this.packets++;
    this.append(record);
  }

  /** The whole capture so far (in-memory captures only). */
  bytes(): Uint8Array {
    if (this.toFile) {
      throw new Error('PcapWriter: bytes() is only for in-memory captures');
    }
    return new Uint8Array(Buffer.concat(this.chunks));
  }

  /** Writes buffered records to the file. */
  flush(): void {
    if (this.fd === null || this.chunks.length === 0) return;
    fs.writeSync(this.fd, Buffer.concat(this.chunks));
    this.chunks.length = 0;
    this.buffered = 0;
  }

  /** Detaches from the link, flushes and closes the file. Idempotent. */
  close(): void {
    if (this.closed) return;
    if (this.link) this.link.removeTap(this.tapId);
    this.link = null;
    this.flush();
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    this.closed = true;
  }

  private append(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.fd !== null && this.buffered >= flushThreshold) this.flush();
  }
}
