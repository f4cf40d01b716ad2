import test, { ExecutionContext } from 'ava';
import { Socket } from '../../firmware/api/net';
import { parseIp } from '../../firmware/wire/ip-address';
import { Device, Network, assertBackToStart, resourceCounts, stat } from './network';
import { ACK, Env, FIN, LOCAL_PORT, PEER_IP, PEER_PORT, RST, SYN, expectSegment, flagNames, openServer, pattern } from '../tcp/harness';
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

/**
 * The engine alone on a manual clock (test/tcp/harness.ts): a server connection that sends
 * `bytes`, closes first and ends in TIME_WAIT without the clock moving. Returns our old snd.nxt,
 * the old rcv.nxt and our old ISS.
 */
function engineTimeWait(t: ExecutionContext, env: Env, bytes: number): { sndNxt: number; rcvNxt: number; iss: number } {
  const { slot, iss, irs } = openServer(t, env);
  t.is(env.tcp.send(slot, pattern(bytes), 0, bytes), bytes);
  env.tcp.release(slot);
  let sndNxt = -1;
  for (let round = 0; round < 20 && sndNxt < 0; round++) {
    let acked = -1;
    for (const segment of env.take()) {
      const end = (segment.seq + segment.data.length + (segment.flags & FIN ? 1 : 0)) >>> 0;
      acked = end;
      if (segment.flags & FIN) sndNxt = end;
    }
    if (acked >= 0) env.inject({ seq: irs + 1, ack: acked, flags: ACK, window: 65535 });
  }
  t.is(sndNxt, (iss + 1 + bytes + 1) >>> 0, 'every byte and the FIN sent');
  env.inject({ seq: irs + 1, ack: sndNxt, flags: FIN | ACK });
  expectSegment(t, env.one(t, 'ACK of the FIN'), { flags: ACK, seq: sndNxt, ack: irs + 2 });
  t.is(env.tcp.timeWait.count, 1);
  return { sndNxt, rcvNxt: (irs + 2) >>> 0, iss };
}

test('seed 003: a reopened 4-tuple starts beyond everything the old connection sent, even before the ISN clock catches up', (t) => {
  const env = new Env({ noDelay: true, sendBuffer: 32768 });
  const old = engineTimeWait(t, env, 20000);
  // Same instant, same 4-tuple: the RFC 6528 ISN is the old ISS again, 20,002 below the old snd.nxt.
  env.inject({ seq: old.rcvNxt + 1000, flags: SYN, mss: 1460 });
  const synAck = env.one(t, 'SYN-ACK');
  expectSegment(t, synAck, { flags: SYN | ACK, ack: old.rcvNxt + 1001 });
  t.is(env.stat('twSynReopened'), 1);
  t.is(synAck.seq, (old.sndNxt + 65537) >>> 0, 'our new ISS is a window beyond the old snd.nxt (as Linux)');
  t.true(((synAck.seq - old.sndNxt) | 0) > 0);
  env.inject({ seq: old.rcvNxt + 1001, flags: RST });
  t.is(env.tcp.synQueue.count, 0);

  // A second incarnation a second later: the clock has run 250,000 ahead, so the RFC 6528 ISN stands.
  const second = new Env({ noDelay: true });
  const before = engineTimeWait(t, second, 100);
  second.advance(1000);
  second.inject({ seq: before.rcvNxt + 1000, flags: SYN, mss: 1460 });
  const later = second.one(t, 'SYN-ACK');
  t.is(later.seq, (before.iss + 250 * 1000) >>> 0, 'the clock-driven ISN, unchanged');
  second.inject({ seq: before.rcvNxt + 1001, flags: RST });
  env.leakCheck(t, 0);
  second.leakCheck(t, 0);
});

test('seed 003: a SYN beyond rcv.nxt for a port nobody listens on is refused and leaves the TIME_WAIT in place', (t) => {
  const env = new Env();
  const old = engineTimeWait(t, env, 10);
  env.tcp.unlisten(0);
  env.inject({ seq: old.rcvNxt + 1000, flags: SYN, mss: 1460 });
  expectSegment(t, env.one(t, 'refusal'), { flags: RST | ACK, ack: old.rcvNxt + 1001 });
  t.is(env.stat('twSynReopened'), 0);
  t.is(env.stat('tcpRefusedNoListener'), 1);
  const table = env.tcp.timeWait;
  t.true(table.find(PEER_IP, LOCAL_PORT, PEER_PORT) >= 0, 'the record still guards the 4-tuple');
  // Still a TIME_WAIT: an old SYN gets the old connection's ACK.
  env.inject({ seq: old.rcvNxt - 10, flags: SYN, mss: 1460 });
  expectSegment(t, env.one(t), { flags: ACK, seq: old.sndNxt, ack: old.rcvNxt });
  env.leakCheck(t, 1);
});
