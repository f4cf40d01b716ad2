import test, { ExecutionContext } from 'ava';
import { Socket } from '../../firmware/api/net';
import { parseIp } from '../../firmware/wire/ip-address';
import { Device, Network, assertBackToStart, resourceCounts, stat } from './network';
import { ACK, FIN, RST, SYN, flagNames } from '../tcp/harness';
import { RawPeer, RawSegment } from './raw-peer';

/**
 * Seed 003: what a 4-tuple in TIME_WAIT does with what arrives for it. The device is a server
 * that closes first, so it holds the TIME_WAIT record; the client is a RawPeer, which can send
 * the initial sequence numbers and stale segments a real client or a NAT in front of several
 * clients would. RFC 1122 4.2.2.13 (and RFC 6191 without timestamps): a SYN reopens the 4-tuple
 * only when its ISN lies beyond the old connection's rcv.nxt, since only then can no old
 * duplicate be taken for new data; RFC 1337: an RST never ends a TIME_WAIT.
 */

const DEVICE = '192.0.2.2';
const CLIENT = '192.0.2.9';
const PORT = 80;
const OLD_ISN = 0x40000000;

interface Rig {
  network: Network;
  device: Device;
  raw: RawPeer;
  deviceIp: number;
  clientIp: number;
}

function rig(seed: number): Rig {
  const network = new Network({ delay: 1, seed });
  const device = network.add('device', DEVICE);
  const clientIp = parseIp(CLIENT);
  const raw = new RawPeer(network.link, 50, (address) => address === clientIp);
  // The server closes first: every connection ends in TIME_WAIT on the device.
  device.net.createServer((socket: Socket) => {
    socket.on('error', () => undefined);
    socket.end('bye');
  }).listen(PORT);
  return { network, device, raw, deviceIp: parseIp(DEVICE), clientIp };
}

function send(r: Rig, srcPort: number, seq: number, ack: number, flags: number, data?: number[]): void {
  r.raw.segment(r.device.nic.mac, { srcIp: r.clientIp, dstIp: r.deviceIp, srcPort, dstPort: PORT, seq, ack, flags, data, mss: flags & SYN ? 1460 : 0 });
}

function replies(r: Rig): RawSegment[] {
  r.network.run(20);
  return r.raw.take();
}

/**
 * A whole connection from `srcPort` with initial sequence number `isn`: handshake, the server's
 * 'bye' and FIN, our ACK and FIN; returns the rcv.nxt the device's TIME_WAIT record holds.
 */
function connectionEndingInTimeWait(t: ExecutionContext, r: Rig, srcPort: number, isn: number): number {
  send(r, srcPort, isn, 0, SYN);
  const synAck = replies(r);
  t.deepEqual(synAck.map((s) => flagNames(s.flags)), ['SYN|ACK'], 'SYN answered with SYN+ACK');
  t.is(synAck[0].ack, (isn + 1) >>> 0);
  const serverIss = synAck[0].seq;
  send(r, srcPort, isn + 1, serverIss + 1, ACK);
  let finSeq = -1;
  for (let round = 0; round < 10 && finSeq < 0; round++) {
    for (const segment of replies(r)) if (segment.flags & FIN) finSeq = (segment.seq + segment.length) >>> 0;
  }
  t.true(finSeq >= 0, 'the server sent its data and FIN');
  send(r, srcPort, isn + 1, finSeq + 1, FIN | ACK);
  const last = replies(r);
  t.deepEqual(last.map((s) => flagNames(s.flags)), ['ACK'], 'our FIN acknowledged');
  t.is(last[0].ack, (isn + 2) >>> 0);
  return (isn + 2) >>> 0;
}

test('seed 003: an old duplicate RST cannot end a TIME_WAIT (RFC 1337)', (t) => {
  const r = rig(31);
  const rcvNxt = connectionEndingInTimeWait(t, r, 40001, OLD_ISN);
  t.is(r.device.stack.tcp.timeWait.count, 1);
  send(r, 40001, rcvNxt, 0, RST);
  send(r, 40001, rcvNxt - 1, 0, RST | ACK);
  t.deepEqual(replies(r), [], 'no answer to an RST');
  t.is(stat(r.device, 'twRstIgnored'), 2);
  t.is(r.device.stack.tcp.timeWait.count, 1, 'the record survives');
  // The record still guards the 4-tuple: an old SYN gets an ACK, not a connection.
  send(r, 40001, OLD_ISN, 0, SYN);
  t.deepEqual(replies(r).map((s) => flagNames(s.flags)), ['ACK']);
  t.log('seed 003 RST:', JSON.stringify(resourceCounts(r.device)));
  assertBackToStart(t, r.device, 1);
});

test('seed 003: a SYN with an ISN beyond the old rcv.nxt reopens the 4-tuple; one below it is answered with an ACK', (t) => {
  const r = rig(32);
  const rcvNxt = connectionEndingInTimeWait(t, r, 40002, OLD_ISN);
  // Lower: the device cannot tell it from an old duplicate of the previous connection.
  send(r, 40002, rcvNxt - 100000, 0, SYN);
  const answer = replies(r);
  t.deepEqual(answer.map((s) => flagNames(s.flags)), ['ACK'], 'answered with an ACK, not a SYN+ACK');
  t.is(answer[0].ack, rcvNxt, 'the ACK names the old connection\'s rcv.nxt');
  t.is(stat(r.device, 'twSynAnsweredWithAck'), 1);
  t.is(stat(r.device, 'tcpPassiveOpens'), 1, 'no new connection');
  t.is(r.device.stack.tcp.timeWait.count, 1);
  // Equal is not beyond either.
  send(r, 40002, rcvNxt, 0, SYN);
  t.deepEqual(replies(r).map((s) => flagNames(s.flags)), ['ACK']);
  t.is(stat(r.device, 'twSynAnsweredWithAck'), 2);
  // Higher: the record gives way and the listener takes the SYN; that connection ends in TIME_WAIT again.
  const next = connectionEndingInTimeWait(t, r, 40002, rcvNxt + 64000);
  t.is(stat(r.device, 'twSynReopened'), 1);
  t.is(stat(r.device, 'tcpPassiveOpens'), 2);
  t.is(r.device.stack.tcp.timeWait.count, 1, 'one record: the new connection\'s');
  const table = r.device.stack.tcp.timeWait;
  t.is(table.rcvNxt[table.find(r.clientIp, PORT, 40002)], next);
  t.log('seed 003 ISN:', JSON.stringify(resourceCounts(r.device)));
  assertBackToStart(t, r.device, 1);
});

test('seed 003: a client behind a NAT reusing the port with a lower ISN waits out the TIME_WAIT, counted', (t) => {
  const r = rig(33);
  const msl2 = 2 * r.device.stack.config.msl;
  const rcvNxt = connectionEndingInTimeWait(t, r, 40003, OLD_ISN);
  const enteredAt = r.network.now;
  // Another host behind the same NAT picks the same public port and an unrelated, lower ISN. It
  // behaves as RFC 9293 SYN-SENT says: an ACK that does not acknowledge its SYN draws an RST
  // (ignored by the TIME_WAIT), then it retransmits its SYN every 3 s until it gets a SYN+ACK.
  const isn = rcvNxt - 0x10000000;
  let answeredWithAck = 0;
  const synAcks: RawSegment[] = [];
  for (let attempt = 0; attempt < 40 && synAcks.length === 0; attempt++) {
    send(r, 40003, isn, 0, SYN);
    for (const segment of replies(r)) {
      if (segment.flags === (SYN | ACK)) synAcks.push(segment);
      else if (segment.flags === ACK) {
        answeredWithAck++;
        send(r, 40003, segment.ack, 0, RST);
      }
    }
    if (synAcks.length === 0) r.network.run(3000 - 20);
  }
  t.is(synAcks.length, 1, 'the SYN is accepted in the end');
  const waited = r.network.now - enteredAt;
  t.true(waited >= msl2 && waited <= msl2 + 3100, 'accepted once the record expired, after ' + waited + ' ms');
  t.is(stat(r.device, 'twSynAnsweredWithAck'), answeredWithAck, 'every refused SYN counted');
  t.is(stat(r.device, 'twRstIgnored'), answeredWithAck, 'every RST it drew ignored');
  t.is(stat(r.device, 'twExpired'), 1);
  t.is(stat(r.device, 'twSynReopened'), 0, 'never reopened early');
  send(r, 40003, isn + 1, synAcks[0].seq + 1, ACK);
  t.true(r.network.runUntil(() => r.raw.take().some((s) => (s.flags & FIN) !== 0), 1000), 'the new connection serves');
  t.log('seed 003 NAT: waited', waited, 'ms,', answeredWithAck, 'SYNs answered with ACK;', JSON.stringify(resourceCounts(r.device)));
  // Let the half-closed connection go: our RST after the server's FIN frees it.
  send(r, 40003, isn + 1, 0, RST);
  r.network.run(100);
  assertBackToStart(t, r.device, 0);
});

test('seed 003: a real client reconnecting from the same port gets in (RFC 6528 ISNs grow with the clock)', (t) => {
  const r = rig(34);
  const peer = r.network.add('peer', '192.0.2.10');
  const results: string[] = [];
  function once(): void {
    const socket = peer.net.connect({ host: DEVICE, port: PORT, localPort: 45000 });
    let text = '';
    socket.on('data', (chunk: Uint8Array) => { text += String.fromCharCode.apply(null, Array.from(chunk)); });
    socket.on('end', () => socket.end());
    socket.on('close', () => results.push(text));
    socket.on('error', (error: { code: string }) => results.push('error ' + error.code));
  }
  once();
  t.true(r.network.runUntil(() => results.length === 1, 2000));
  r.network.run(500);
  t.is(r.device.stack.tcp.timeWait.count, 1, 'the device holds the first connection in TIME_WAIT');
  once();
  t.true(r.network.runUntil(() => results.length === 2, 2000));
  t.deepEqual(results, ['bye', 'bye']);
  t.is(stat(r.device, 'twSynReopened'), 1, 'the second SYN reopened the 4-tuple');
  t.is(stat(r.device, 'twSynAnsweredWithAck'), 0);
  r.network.run(500);
  assertBackToStart(t, r.device, 1);
  assertBackToStart(t, peer, 0);
});
