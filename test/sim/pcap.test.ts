import test from 'ava';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { VirtualClock } from '../../sim/clock';
import { Link } from '../../sim/link';
import { PcapLinkType, PcapWriter } from '../../sim/pcap';

interface Capture {
  versionMajor: number;
  versionMinor: number;
  snaplen: number;
  linkType: number;
  records: { seconds: number; micros: number; originalLength: number; data: Uint8Array }[];
}

/** An independent reader of classic little-endian libpcap files, strict about every length. */
function readPcap(bytes: Uint8Array): Capture {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 24 || view.getUint32(0, true) !== 0xa1b2c3d4) throw new Error('bad magic');
  const capture: Capture = {
    versionMajor: view.getUint16(4, true),
    versionMinor: view.getUint16(6, true),
    snaplen: view.getUint32(16, true),
    linkType: view.getUint32(20, true),
    records: [],
  };
  let offset = 24;
  while (offset < bytes.length) {
    if (offset + 16 > bytes.length) throw new Error('truncated record header');
    const included = view.getUint32(offset + 8, true);
    const originalLength = view.getUint32(offset + 12, true);
    if (included > capture.snaplen || included > originalLength) throw new Error('bad included length');
    if (offset + 16 + included > bytes.length) throw new Error('truncated record');
    const micros = view.getUint32(offset + 4, true);
    if (micros >= 1000000) throw new Error('bad microseconds');
    capture.records.push({
      seconds: view.getUint32(offset, true),
      micros,
      originalLength,
      data: bytes.slice(offset + 16, offset + 16 + included),
    });
    offset += 16 + included;
  }
  return capture;
}

function frame(length: number, fill: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (fill + i) & 0xff;
  return bytes;
}

test('an in-memory capture round-trips headers, data and virtual timestamps', (t) => {
  const writer = new PcapWriter();
  writer.write(frame(60, 1), 60, 0);
  writer.write(frame(1514, 2), 1514, 1234.5678);
  writer.write(frame(42, 3), 40, 2999.9999); // rounds up into the next second
  writer.close();
  const capture = readPcap(writer.bytes());
  t.is(capture.versionMajor, 2);
  t.is(capture.versionMinor, 4);
  t.is(capture.snaplen, 65535);
  t.is(capture.linkType, 1);
  t.is(writer.packets, 3);
  t.deepEqual(
    capture.records.map((record) => [record.seconds, record.micros, record.originalLength, record.data.length]),
    [
      [0, 0, 60, 60],
      [1, 234568, 1514, 1514],
      [3, 0, 40, 40],
    ],
  );
  t.deepEqual(capture.records[1].data, frame(1514, 2));
  t.deepEqual(capture.records[2].data, frame(42, 3).subarray(0, 40));
});

test('snaplen truncates the stored bytes but keeps the original length; raw IP link type', (t) => {
  const writer = new PcapWriter({ snaplen: 64, linkType: PcapLinkType.rawIp });
  writer.write(frame(500, 9), 500, 7);
  const capture = readPcap(writer.bytes());
  t.is(capture.linkType, 101);
  t.is(capture.snaplen, 64);
  t.is(capture.records[0].originalLength, 500);
  t.deepEqual(capture.records[0].data, frame(64, 9));
  t.throws(() => new PcapWriter({ snaplen: 0 }), { instanceOf: RangeError });
});

test('a file capture attached to a link holds what the segment carried, and close detaches it', (t) => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-pcap-'));
  const file = path.join(directory, 'link.pcap');
  try {
    const clock = new VirtualClock();
    const link = new Link(clock, { delay: 1.5 });
    link.attach({ deliver: () => undefined });
    link.attach({ deliver: () => undefined });
    const writer = new PcapWriter({ path: file }).attachTo(link);
    t.throws(() => writer.attachTo(link));
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 2000; i++) {
      const bytes = frame(60 + (i % 100), i);
      sent.push(bytes);
      clock.at(i * 10, () => link.transmit(i % 2, bytes, bytes.length));
    }
    clock.run();
    t.throws(() => writer.bytes());
    writer.close();
    writer.close();
    t.throws(() => writer.write(frame(1, 1), 1, 0));
    link.transmit(0, frame(60, 0), 60);
    clock.run(); // the tap is gone: no write after close
    const capture = readPcap(new Uint8Array(fs.readFileSync(file)));
    t.is(capture.records.length, 2000);
    t.is(writer.packets, 2000);
    let mismatches = 0;
    capture.records.forEach((record, i) => {
      const time = i * 10 + 1.5;
      if (record.seconds !== Math.floor(time / 1000) || record.micros !== Math.round((time % 1000) * 1000)) mismatches++;
      if (Buffer.compare(Buffer.from(record.data), Buffer.from(sent[i])) !== 0) mismatches++;
    });
    t.is(mismatches, 0);
    readWithSystemTool(t, file, 2000);
    t.is(clock.pending(), 0);
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
});

/** Also reads the file with tshark or tcpdump when one is installed; says so loudly when neither is. */
function readWithSystemTool(t: { log: (...values: unknown[]) => void; is: (a: unknown, b: unknown) => void }, file: string, packets: number): void {
  const tools = ['tshark', 'tcpdump'].filter((tool) => spawnSync('which', [tool]).status === 0);
  if (tools.length === 0) {
    t.log('SKIPPED: neither tshark nor tcpdump is installed; the capture was checked only by the built-in reader');
    return;
  }
  // tcpdump adds hex-dump lines for frames it cannot decode, so only its timestamped summary lines count as packets.
  const args = tools[0] === 'tshark' ? ['-r', file, '-T', 'fields', '-e', 'frame.number'] : ['-nn', '-r', file];
  const output = execFileSync(tools[0], args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const records = output.split('\n').filter((line) => /^\d/.test(line));
  t.is(records.length, packets);
}
