import test from 'ava';
import { Err } from '../../firmware/errors';
import { TcpState } from '../../firmware/tcp/state';
import { TcpEvent } from '../../firmware/tcp/events';
import { SocketOption, setSocketOption, getSocketOption } from '../../firmware/tcp/socket-option';
import { Env, PEER_PORT, SYN, ACK, RST, FIN, expectSegment, openServer } from './harness';

test('active close: ESTABLISHED → FIN_WAIT_1 → FIN_WAIT_2 → TIME_WAIT (slot freed at once, record written)', (t) => {
  const env = new Env();
  const { slot, iss, irs } = openServer(t, env);
  t.is(env.tcp.shutdown(slot), 0);
  expectSegment(t, env.one(t), { flags: FIN | ACK, seq: iss + 1, ack: irs + 1 });
  t.is(env.tcp.state(slot), TcpState.FIN_WAIT_1);
  env.inject({ seq: irs + 1, ack: iss + 2, flags: ACK });
  t.is(env.tcp.state(slot), TcpState.FIN_WAIT_2);
  t.deepEqual(env.take(), []);
  env.inject({ seq: irs + 1, ack: iss + 2, flags: FIN | ACK });
  expectSegment(t, env.one(t), { flags: ACK, seq: iss + 2, ack: irs + 2 });
  t.is(env.tcp.state(slot), TcpState.CLOSED, 'the application sees CLOSED');
  t.is(env.events.take(slot), TcpEvent.PEER_CLOSED | TcpEvent.CLOSED);
  t.is(env.tcp.socketError(slot), 0);
  t.is(env.tcp.timeWait.count, 1);
  const record = env.tcp.timeWait.find(env.tcp.slots.remoteIp[slot], 80, PEER_PORT);
  t.true(record >= 0);
  t.is(env.tcp.timeWait.sndNxt[record], (iss + 2) >>> 0);
  t.is(env.tcp.timeWait.rcvNxt[record], (irs + 2) >>> 0);
  env.tcp.release(slot);
  env.leakCheck(t, 1);
  env.advance(2 * env.config.msl);
  env.leakCheck(t, 0);
});

test('active close with FIN+ACK at once: FIN_WAIT_1 → TIME_WAIT', (t) => {
  const env = new Env();
  const { slot, iss, irs } = openServer(t, env);
  env.tcp.release(slot);
  expectSegment(t, env.one(t), { flags: FIN | ACK, seq: iss + 1 });
  env.inject({ seq: irs + 1, ack: iss + 2, flags: FIN | ACK });
  expectSegment(t, env.one(t), { flags: ACK, seq: iss + 2, ack: irs + 2 });
  env.leakCheck(t, 1);
});

test('simultaneous close: FIN_WAIT_1 + FIN → CLOSING, then ACK → TIME_WAIT', (t) => {
  const env = new Env();
  const { slot, iss, irs } = openServer(t, env);
  env.tcp.shutdown(slot);
  env.take();
  env.inject({ seq: irs + 1, ack: iss + 1, flags: FIN | ACK });
  expectSegment(t, env.one(t), { flags: ACK, seq: iss + 2, ack: irs + 2 });
  t.is(env.tcp.state(slot), TcpState.CLOSING);
  env.inject({ seq: irs + 2, ack: iss + 2, flags: ACK });
  t.is(env.tcp.state(slot), TcpState.CLOSED);
  t.deepEqual(env.take(), []);
  env.tcp.release(slot);
  env.leakCheck(t, 1);
});

test('passive close: ESTABLISHED → CLOSE_WAIT → LAST_ACK → CLOSED (no TIME_WAIT)', (t) => {
  const env = new Env();
  const { slot, iss, irs } = openServer(t, env);
  env.inject({ seq: irs + 1, ack: iss + 1, flags: FIN | ACK });
  expectSegment(t, env.one(t), { flags: ACK, ack: irs + 2 });
  t.is(env.tcp.state(slot), TcpState.CLOSE_WAIT);
  t.is(env.events.take(slot), TcpEvent.PEER_CLOSED);
  // The CLOSE_WAIT side can still send.
  t.is(env.tcp.send(slot, new Uint8Array([1, 2, 3]), 0, 3), 3);
  expectSegment(t, env.one(t), { flags: ACK, seq: iss + 1, length: 3 });
  env.tcp.shutdown(slot);
  expectSegment(t, env.one(t), { flags: FIN | ACK, seq: iss + 4 });
  t.is(env.tcp.state(slot), TcpState.LAST_ACK);
  env.inject({ seq: irs + 2, ack: iss + 5, flags: ACK });
  t.is(env.tcp.state(slot), TcpState.CLOSED);
  t.is(env.events.take(slot), TcpEvent.CLOSED);
  env.tcp.release(slot);
  env.leakCheck(t, 0);
});

test('half-close: FIN_WAIT_2 keeps receiving data until the peer FINs', (t) => {
  const env = new Env({ delayedAck: 0 });
  const { slot, iss, irs } = openServer(t, env);
  env.tcp.shutdown(slot);
  env.take();
  t.is(env.tcp.send(slot, new Uint8Array(1), 0, 1), Err.EPIPE, 'no sending after shutdown');
  env.inject({ seq: irs + 1, ack: iss + 2, flags: ACK });
  t.is(env.tcp.state(slot), TcpState.FIN_WAIT_2);
  env.inject({ seq: irs + 1, ack: iss + 2, flags: ACK, data: 'more' });
  expectSegment(t, env.one(t), { flags: ACK, ack: irs + 5 });
  t.is(env.tcp.readable(slot), 4);
  env.advance(env.config.finWait2Timeout * 2);
  t.is(env.tcp.state(slot), TcpState.FIN_WAIT_2, 'no FIN_WAIT_2 timeout while the application holds the slot');
  env.take();
  env.inject({ seq: irs + 5, ack: iss + 2, flags: FIN | ACK });
  expectSegment(t, env.one(t), { flags: ACK, ack: irs + 6 });
  t.is(env.tcp.readable(slot), 4, 'data stays readable after the close');
  env.tcp.release(slot);
  env.leakCheck(t, 1);
});

test('half-close: the queued data goes before the FIN, and Nagle does not hold the last piece', (t) => {
  const env = new Env();
  const { slot, iss } = openServer(t, env);
  env.tcp.send(slot, new Uint8Array(100), 0, 100);
  expectSegment(t, env.one(t), { flags: ACK, seq: iss + 1, length: 100 });
  env.tcp.send(slot, new Uint8Array(50), 0, 50);
  t.deepEqual(env.take(), [], 'Nagle holds a small segment while data is in flight');
  env.tcp.shutdown(slot);
  expectSegment(t, env.one(t), { flags: FIN | ACK, seq: iss + 101, length: 50 });
  env.inject({ seq: 0x10000001, ack: iss + 152, flags: ACK });
  t.is(env.tcp.state(slot), TcpState.FIN_WAIT_2);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('FIN_WAIT_2 is bounded once the application has released the slot', (t) => {
  const env = new Env({ finWait2Timeout: 5000 });
  const { slot, iss, irs } = openServer(t, env);
  env.tcp.release(slot);
  env.take();
  env.inject({ seq: irs + 1, ack: iss + 2, flags: ACK });
  t.is(env.slotsInUse(), 1);
  env.advance(4990);
  t.is(env.slotsInUse(), 1);
  env.advance(20);
  t.is(env.slotsInUse(), 0);
  expectSegment(t, env.one(t), { flags: RST | ACK, seq: iss + 2 });
  t.is(env.stat('tcpStateTimeouts'), 1);
  env.leakCheck(t);
});

test('LAST_ACK: a vanished peer does not keep the FIN retransmitting forever', (t) => {
  const env = new Env({ dataRetries: 3, rtoInitial: 1000 });
  const { slot, iss, irs } = openServer(t, env);
  env.inject({ seq: irs + 1, ack: iss + 1, flags: FIN | ACK });
  env.tcp.release(slot);
  env.take();
  let fins = 0;
  while (env.slotsInUse() > 0 && env.now < 1e6) {
    env.advance(100);
    for (const s of env.take()) if (s.flags & FIN) fins++;
  }
  t.is(fins, 3);
  t.is(env.stat('tcpRetransmitAborts'), 1);
  env.leakCheck(t);
});

test('CLOSING and FIN_WAIT_1: FIN retransmission bounded, ETIMEDOUT', (t) => {
  for (const closing of [false, true]) {
    const env = new Env({ dataRetries: 2, rtoInitial: 500, rtoMin: 500 });
    const { slot, iss, irs } = openServer(t, env);
    env.tcp.shutdown(slot);
    env.take();
    if (closing) {
      env.inject({ seq: irs + 1, ack: iss + 1, flags: FIN | ACK });
      expectSegment(t, env.one(t), { flags: ACK, ack: irs + 2 });
      t.is(env.tcp.state(slot), TcpState.CLOSING);
    }
    env.advance(500);
    expectSegment(t, env.one(t), { flags: FIN | ACK, seq: iss + 1 }, 'first retransmission');
    env.advance(1000);
    expectSegment(t, env.one(t), { flags: FIN | ACK, seq: iss + 1 }, 'second retransmission');
    env.advance(2000);
    expectSegment(t, env.one(t), { flags: RST | ACK }, 'abort');
    t.is(env.tcp.state(slot), TcpState.CLOSED);
    t.is(env.tcp.socketError(slot), Err.ETIMEDOUT);
    env.tcp.release(slot);
    env.leakCheck(t);
  }
});

test('linger 0: release sends RST, takes no TIME_WAIT and frees the slot at once, even with nothing pending', (t) => {
  const env = new Env();
  const { slot, iss, irs } = openServer(t, env);
  t.is(setSocketOption(env.tcp, slot, SocketOption.LINGER, 0), 0);
  t.is(getSocketOption(env.tcp, slot, SocketOption.LINGER), 0);
  env.tcp.release(slot);
  expectSegment(t, env.one(t), { flags: RST | ACK, seq: iss + 1, ack: irs + 1 });
  t.is(env.stat('tcpAborts'), 1);
  env.leakCheck(t, 0);
});

test('abort: RST, slot freed at once; the slot number is invalid afterwards', (t) => {
  const env = new Env();
  const { slot, iss } = openServer(t, env);
  env.tcp.send(slot, new Uint8Array(10), 0, 10);
  env.take();
  env.tcp.abort(slot);
  expectSegment(t, env.one(t), { flags: RST | ACK, seq: iss + 11 });
  t.is(env.tcp.send(slot, new Uint8Array(1), 0, 1), Err.EINVAL);
  t.is(env.tcp.state(slot), TcpState.CLOSED);
  env.leakCheck(t);
});

test('data arriving after release is answered with RST (nobody will read it)', (t) => {
  const env = new Env();
  const { slot, iss, irs } = openServer(t, env);
  env.tcp.release(slot);
  env.take();
  env.inject({ seq: irs + 1, ack: iss + 2, flags: ACK, data: 'late' });
  expectSegment(t, env.one(t), { flags: RST | ACK });
  env.leakCheck(t);
});

test('release with unread data still closes gracefully', (t) => {
  const env = new Env();
  const { slot, iss, irs } = openServer(t, env);
  env.inject({ seq: irs + 1, ack: iss + 1, flags: ACK, data: 'unread' });
  env.take();
  env.tcp.release(slot);
  expectSegment(t, env.one(t), { flags: FIN | ACK, seq: iss + 1, ack: irs + 7 });
  env.inject({ seq: irs + 7, ack: iss + 2, flags: FIN | ACK });
  expectSegment(t, env.one(t), { flags: ACK, ack: irs + 8 });
  env.leakCheck(t, 1);
});

test('release in SYN_SENT sends nothing; a late SYN-ACK is reset', (t) => {
  const env = new Env();
  const slot = env.tcp.connect(0x0a000001, 7, 0, env.now);
  const syn = env.one(t);
  env.tcp.release(slot);
  t.deepEqual(env.take(), []);
  env.inject({ srcIp: 0x0a000001, srcPort: 7, dstPort: syn.srcPort, seq: 1, ack: syn.seq + 1, flags: SYN | ACK });
  expectSegment(t, env.one(t), { flags: RST, seq: syn.seq + 1 });
  env.leakCheck(t);
});

test('shutdown in SYN_SENT: FIN follows the handshake', (t) => {
  const env = new Env();
  const slot = env.tcp.connect(0x0a000001, 7, 0, env.now);
  const syn = env.one(t);
  t.is(env.tcp.send(slot, new Uint8Array([9, 9]), 0, 2), 2, 'data may be queued before the connection is up');
  t.is(env.tcp.shutdown(slot), 0);
  t.deepEqual(env.take(), []);
  env.inject({ srcIp: 0x0a000001, srcPort: 7, dstPort: syn.srcPort, seq: 1, ack: syn.seq + 1, flags: SYN | ACK });
  expectSegment(t, env.one(t), { flags: FIN | ACK, seq: syn.seq + 1, ack: 2, length: 2 });
  t.is(env.tcp.state(slot), TcpState.FIN_WAIT_1);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('a second FIN in CLOSE_WAIT is just re-acknowledged', (t) => {
  const env = new Env();
  const { slot, iss, irs } = openServer(t, env);
  env.inject({ seq: irs + 1, ack: iss + 1, flags: FIN | ACK });
  env.take();
  env.inject({ seq: irs + 1, ack: iss + 1, flags: FIN | ACK });
  expectSegment(t, env.one(t), { flags: ACK, ack: irs + 2 });
  t.is(env.tcp.state(slot), TcpState.CLOSE_WAIT);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('SYN in the RFC 9293 diagram: every synchronized state answers a SYN with a challenge ACK', (t) => {
  const env = new Env();
  const { slot, iss, irs } = openServer(t, env);
  env.inject({ seq: irs + 1000, flags: SYN });
  expectSegment(t, env.one(t), { flags: ACK, seq: iss + 1, ack: irs + 1 });
  t.is(env.tcp.state(slot), TcpState.ESTABLISHED);
  t.is(env.stat('tcpChallengeAcks'), 1);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('events stop at the terminal one and a released slot gets none', (t) => {
  const env = new Env();
  const { slot, iss, irs } = openServer(t, env);
  env.inject({ seq: irs + 1, flags: RST });
  t.is(env.events.take(slot), TcpEvent.ERROR);
  t.is(env.tcp.socketError(slot), Err.ECONNRESET);
  env.inject({ seq: irs + 1, ack: iss + 1, flags: ACK, data: 'x' });
  t.is(env.events.take(slot), 0);
  expectSegment(t, env.one(t), { flags: RST, seq: iss + 1 }, 'no connection any more');
  env.tcp.release(slot);
  env.leakCheck(t);
});
