import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { SequenceSecrets } from '../../firmware/tcp/isn';
import { parseIp } from '../../firmware/wire/ip-address';
import { NodeHal } from '../../sim/node-hal';
import { Network } from '../seeds/network';
import { RawPeer } from '../seeds/raw-peer';
import { ACK, SYN } from '../tcp/harness';

/**
 * The ISN and cookie keys (RFC 6528) come from the platform's real random source: Node's crypto in
 * the simulator and the TAP build, whatever --seed says, so two runs with one seed do not share
 * sequence numbers. A test that needs them replayed asks for it (NodeHal's replaySecrets).
 */

/** The sequence number of the first SYN-ACK the device at 192.0.2.2 sends to a SYN from a raw peer, in a network built from `seed`. */
function firstIsn(seed: number): number {
  const network = new Network({ seed, delay: 1 });
  const device = network.add('device', '192.0.2.2');
  device.net.createServer(() => undefined).listen(80);
  const peer = parseIp('192.0.2.9');
  const raw = new RawPeer(network.link, 40, (address) => address === peer);
  raw.segment(device.nic.mac, { srcIp: peer, dstIp: parseIp('192.0.2.2'), srcPort: 40000, dstPort: 80, seq: 1000, flags: SYN, mss: 1460 });
  network.run(10);
  const answer = raw.take()[0];
  if (!answer || answer.flags !== (SYN | ACK)) throw new Error('no SYN-ACK');
  return answer.seq;
}

test('two simulations from one seed, at the same virtual time, send different initial sequence numbers', (t) => {
  const isns = [firstIsn(5), firstIsn(5), firstIsn(5)];
  t.is(new Set(isns).size, 3, isns.join(' '));
});

test('keys are replayed from the seed only when a test asks for it', (t) => {
  const isn = (hal: NodeHal) => new SequenceSecrets(hal).isn(1, 80, 2, 40000, 0);
  const clock = { now: () => 0 };
  t.is(isn(new NodeHal(clock, 5, true)), isn(new NodeHal(clock, 5, true)));
  t.not(isn(new NodeHal(clock, 5)), isn(new NodeHal(clock, 5)));
  // Everything else a seed gives stays replayable: the same values, in the same order, either way.
  const plain = new NodeHal(clock, 9);
  const replaying = new NodeHal(clock, 9, true);
  new SequenceSecrets(plain);
  new SequenceSecrets(replaying);
  t.is(plain.random32(), replaying.random32());
});

/** Sequence numbers of every SYN-ACK in a classic little-endian Ethernet pcap file. */
function synAckSequences(file: string): number[] {
  const bytes = fs.readFileSync(file);
  const sequences: number[] = [];
  for (let offset = 24; offset + 16 <= bytes.length;) {
    const length = bytes.readUInt32LE(offset + 8);
    const frame = bytes.subarray(offset + 16, offset + 16 + length);
    offset += 16 + length;
    if (frame.length < 54 || frame.readUInt16BE(12) !== 0x0800 || frame[23] !== 6) continue;
    const tcp = 14 + (frame[14] & 15) * 4;
    if ((frame[tcp + 13] & (SYN | ACK)) === (SYN | ACK)) sequences.push(frame.readUInt32BE(tcp + 4));
  }
  return sequences;
}

test('npm start twice with one --seed: the captures show different sequence numbers', (t) => {
  const cli = path.join(__dirname, '../../sim/cli.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isn-'));
  const runs = [1, 2].map((run) => {
    const file = path.join(dir, run + '.pcap');
    const result = spawnSync(process.execPath, [cli, '--batch', '--seconds', '2', '--seed', '7', '--pcap', file], { encoding: 'utf8' });
    t.is(result.status, 0, result.stdout + result.stderr);
    return synAckSequences(file);
  });
  fs.rmSync(dir, { recursive: true, force: true });
  t.true(runs[0].length > 0 && runs[0].length === runs[1].length, 'the same exchanges: ' + runs[0].length + ' and ' + runs[1].length + ' SYN-ACKs');
  t.notDeepEqual(runs[0], runs[1]);
});
