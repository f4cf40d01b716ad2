import test from 'ava';
import { Err } from '../../firmware/errors';
import { TcpState } from '../../firmware/tcp/state';
import { TcpLimit } from '../../firmware/wire/tcp-header';
import { Env, PEER_IP, PEER_PORT, LOCAL_PORT, LOCAL_PORT_REMOTE, PEER_ISS, SYN, ACK, RST, expectSegment, openClient, openServer, pattern } from './harness';

/**
 * The peer's MSS (RFC 9293 3.7.1, RFC 6691): never a segment larger than it announced, however
 * small; below TcpLimit.MIN_PEER_MSS the connection is refused with RST and counted, in either
 * direction and also when the SYN queue is full and cookies answer.
 */

/** Sends `bytes` on `slot` and returns the payload length of each segment that went out, ACKing them as they come. */
function segmentLengths(env: Env, slot: number, bytes: number, irs: number, remotePort: number, localPort: number): number[] {
  env.tcp.send(slot, pattern(bytes), 0, bytes);
  const lengths: number[] = [];
  for (let round = 0; round < 100 && lengths.reduce((a, b) => a + b, 0) < bytes; round++) {
    const sent = env.take();
    for (const segment of sent) {
      lengths.push(segment.data.length);
      env.inject({ srcPort: remotePort, dstPort: localPort, seq: irs + 1, ack: segment.seq + segment.data.length, flags: ACK });
    }
    if (sent.length === 0) env.advance(10);
  }
  return lengths;
}

for (const mss of [64, TcpLimit.MIN_PEER_MSS]) {
  test('a listener sends a peer that announced MSS ' + mss + ' segments of at most ' + mss + ' bytes', (t) => {
    const env = new Env();
    const { slot, irs } = openServer(t, env, { mss });
    const lengths = segmentLengths(env, slot, 1000, irs, PEER_PORT, LOCAL_PORT);
    t.is(lengths.reduce((a, b) => a + b, 0), 1000, 'everything sent');
    t.is(Math.max(...lengths), mss, lengths.join(' '));
    t.is(env.stat('tcpMssRefused'), 0);
    env.tcp.abort(slot);
    env.take();
    env.leakCheck(t);
  });
}

test('a client sends a server that announced MSS 64 in its SYN-ACK segments of at most 64 bytes', (t) => {
  const env = new Env();
  const { slot, irs } = openClient(t, env, { mss: 64 });
  const lengths = segmentLengths(env, slot, 1000, irs, LOCAL_PORT_REMOTE, env.tcp.localPort(slot));
  t.is(lengths.reduce((a, b) => a + b, 0), 1000);
  t.is(Math.max(...lengths), 64, lengths.join(' '));
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

for (const mss of [1, TcpLimit.MIN_PEER_MSS - 1]) {
  test('a SYN announcing MSS ' + mss + ' is refused with RST, counted, and leaves no half-open record', (t) => {
    const env = new Env();
    env.tcp.listen(LOCAL_PORT, 2);
    env.inject({ seq: PEER_ISS, flags: SYN, mss });
    expectSegment(t, env.one(t), { flags: RST | ACK, seq: 0, ack: PEER_ISS + 1 });
    t.is(env.stat('tcpMssRefused'), 1);
    t.is(env.tcp.synQueue.count, 0);
    t.is(env.stat('tcpSynCookiesSent'), 0);
    env.leakCheck(t);
  });
}

test('a SYN-ACK announcing MSS 1 is refused: RST to the server, ECONNREFUSED to the application, counted', (t) => {
  const env = new Env();
  const slot = env.tcp.connect(PEER_IP, LOCAL_PORT_REMOTE, 0, env.now);
  const syn = env.one(t, 'SYN');
  env.inject({ srcPort: LOCAL_PORT_REMOTE, dstPort: syn.srcPort, seq: PEER_ISS, ack: syn.seq + 1, flags: SYN | ACK, mss: 1 });
  expectSegment(t, env.one(t), { flags: RST, seq: syn.seq + 1 });
  t.is(env.stat('tcpMssRefused'), 1);
  t.is(env.tcp.state(slot), TcpState.CLOSED);
  t.is(env.tcp.socketError(slot), Err.ECONNREFUSED);
  t.is(env.events.take(slot) & 1, 0, 'never connected');
  env.tcp.release(slot);
  env.leakCheck(t);
});

test('with the SYN queue full, a cookie for a peer that announced MSS 64 promises no more than 64', (t) => {
  const env = new Env({ synQueue: 1 });
  const listener = env.tcp.listen(LOCAL_PORT, 2);
  env.inject({ srcPort: 3000, seq: 7000, flags: SYN, mss: 1460 });
  env.take();
  env.inject({ srcPort: 3001, seq: 9000, flags: SYN, mss: 64 });
  const cookie = env.one(t, 'SYN-ACK with a cookie');
  t.is(env.stat('tcpSynCookiesSent'), 1);
  env.inject({ srcPort: 3001, seq: 9001, ack: cookie.seq + 1, flags: ACK });
  const slot = env.tcp.accept(listener);
  t.true(slot >= 0);
  t.true(env.tcp.getOption(slot, 3) <= 64, 'MSS ' + env.tcp.getOption(slot, 3));
  const lengths = segmentLengths(env, slot, 500, 9000, 3001, LOCAL_PORT);
  t.true(Math.max(...lengths) <= 64, lengths.join(' '));
  env.tcp.abort(slot);
  env.advance(60000);
  env.take();
  env.leakCheck(t);
});
