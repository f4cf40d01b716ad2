import test, { ExecutionContext } from 'ava';
import { Err } from '../../firmware/errors';
import { TcpState, tcpStateNames } from '../../firmware/tcp/state';
import { TcpEvent } from '../../firmware/tcp/events';
import { Env, SYN, ACK, RST, FIN, expectSegment, openServer } from './harness';

/** Puts an accepted connection into `state`; returns the slot, our next sequence number and the peer's. */
function inState(t: ExecutionContext, env: Env, state: TcpState): { slot: number; sndNxt: number; rcvNxt: number } {
  const { slot, iss, irs } = openServer(t, env);
  let sndNxt = iss + 1;
  let rcvNxt = irs + 1;
  switch (state) {
    case TcpState.FIN_WAIT_1:
      env.tcp.shutdown(slot);
      sndNxt++;
      break;
    case TcpState.FIN_WAIT_2:
      env.tcp.shutdown(slot);
      sndNxt++;
      env.inject({ seq: rcvNxt, ack: sndNxt, flags: ACK });
      break;
    case TcpState.CLOSE_WAIT:
      env.inject({ seq: rcvNxt, ack: sndNxt, flags: FIN | ACK });
      rcvNxt++;
      break;
    case TcpState.CLOSING:
      env.tcp.shutdown(slot);
      env.inject({ seq: rcvNxt, ack: sndNxt, flags: FIN | ACK });
      sndNxt++;
      rcvNxt++;
      break;
    case TcpState.LAST_ACK:
      env.inject({ seq: rcvNxt, ack: sndNxt, flags: FIN | ACK });
      env.tcp.shutdown(slot);
      sndNxt++;
      rcvNxt++;
      break;
  }
  env.take();
  env.events.take(slot);
  t.is(env.tcp.state(slot), state, 'fixture reached ' + tcpStateNames()[state]);
  return { slot, sndNxt: sndNxt >>> 0, rcvNxt: rcvNxt >>> 0 };
}

const synchronized = [TcpState.ESTABLISHED, TcpState.FIN_WAIT_1, TcpState.FIN_WAIT_2, TcpState.CLOSE_WAIT, TcpState.CLOSING, TcpState.LAST_ACK];

for (const state of synchronized) {
  const name = tcpStateNames()[state];

  test(`${name}: RST at exactly rcv.nxt resets (ECONNRESET), no reply`, (t) => {
    const env = new Env();
    const { slot, rcvNxt } = inState(t, env, state);
    env.inject({ seq: rcvNxt, flags: RST });
    t.deepEqual(env.take(), []);
    t.is(env.tcp.state(slot), TcpState.CLOSED);
    t.is(env.tcp.socketError(slot), Err.ECONNRESET);
    t.is(env.events.take(slot), TcpEvent.ERROR);
    t.is(env.stat('tcpResets'), 1);
    env.tcp.release(slot);
    env.leakCheck(t);
  });

  test(`${name}: RST in the window but not exact earns a challenge ACK (RFC 5961)`, (t) => {
    const env = new Env();
    const { slot, sndNxt, rcvNxt } = inState(t, env, state);
    env.inject({ seq: rcvNxt + 100, flags: RST });
    expectSegment(t, env.one(t), { flags: ACK, seq: sndNxt, ack: rcvNxt });
    t.is(env.tcp.state(slot), state);
    t.is(env.stat('tcpChallengeAcks'), 1);
    env.tcp.abort(slot);
    env.take();
    env.leakCheck(t);
  });

  test(`${name}: RST outside the window is dropped silently`, (t) => {
    const env = new Env();
    const { slot, rcvNxt } = inState(t, env, state);
    env.inject({ seq: rcvNxt + 100000, flags: RST });
    env.inject({ seq: rcvNxt - 1, flags: RST });
    t.deepEqual(env.take(), []);
    t.is(env.tcp.state(slot), state);
    env.tcp.abort(slot);
    env.take();
    env.leakCheck(t);
  });

  test(`${name}: SYN earns a challenge ACK and changes nothing`, (t) => {
    const env = new Env();
    const { slot, sndNxt, rcvNxt } = inState(t, env, state);
    env.inject({ seq: rcvNxt + 5, flags: SYN });
    expectSegment(t, env.one(t), { flags: ACK, seq: sndNxt, ack: rcvNxt });
    t.is(env.tcp.state(slot), state);
    env.tcp.abort(slot);
    env.take();
    env.leakCheck(t);
  });

  test(`${name}: ACK of data never sent (beyond snd.nxt) earns a challenge ACK and is dropped`, (t) => {
    const env = new Env();
    const { slot, sndNxt, rcvNxt } = inState(t, env, state);
    env.inject({ seq: rcvNxt, ack: sndNxt + 1000, flags: ACK });
    expectSegment(t, env.one(t), { flags: ACK, seq: sndNxt, ack: rcvNxt });
    t.is(env.tcp.state(slot), state);
    t.is(env.stat('dropTcpBadAck'), 1);
    env.tcp.abort(slot);
    env.take();
    env.leakCheck(t);
  });
}

test('an ACK older than snd.una - max.snd.wnd earns a challenge ACK; one inside that range is accepted', (t) => {
  const env = new Env();
  const { slot, sndNxt, rcvNxt } = inState(t, env, TcpState.ESTABLISHED);
  env.inject({ seq: rcvNxt, ack: sndNxt - 100, flags: ACK });
  t.deepEqual(env.take(), [], 'old duplicate ACK inside max.snd.wnd: fine');
  env.inject({ seq: rcvNxt, ack: sndNxt - 100000, flags: ACK });
  expectSegment(t, env.one(t), { flags: ACK, seq: sndNxt, ack: rcvNxt });
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('challenge ACKs are throttled per socket, not globally', (t) => {
  const env = new Env({ challengeAckLimit: 3 });
  const a = inState(t, env, TcpState.ESTABLISHED);
  for (let i = 0; i < 10; i++) env.inject({ seq: a.rcvNxt + 10 + i, flags: RST });
  t.is(env.take().length, 3);
  t.is(env.stat('tcpChallengeAcks'), 3);
  t.is(env.stat('tcpChallengeAcksThrottled'), 7);
  // Another connection has its own budget.
  const { slot: b, iss, irs } = openServer(t, env, { srcPort: 50000 });
  env.inject({ srcPort: 50000, seq: irs + 10, flags: RST });
  expectSegment(t, env.one(t), { flags: ACK, seq: iss + 1, ack: irs + 1 }, 'second socket not throttled');
  // A second later the first one may challenge again.
  env.advance(1000);
  env.take();
  env.inject({ seq: a.rcvNxt + 10, flags: RST });
  t.is(env.take().length, 1);
  env.tcp.abort(a.slot);
  env.tcp.abort(b);
  env.take();
  env.leakCheck(t);
});

test('unacceptable segments (old data, beyond the window) are answered with an ACK and not processed', (t) => {
  const env = new Env();
  const { slot, sndNxt, rcvNxt } = inState(t, env, TcpState.ESTABLISHED);
  env.inject({ seq: rcvNxt - 10, ack: sndNxt, flags: ACK, data: 'old' });
  expectSegment(t, env.one(t), { flags: ACK, seq: sndNxt, ack: rcvNxt });
  env.inject({ seq: rcvNxt + 5000, ack: sndNxt, flags: ACK, data: 'far' });
  expectSegment(t, env.one(t), { flags: ACK, seq: sndNxt, ack: rcvNxt });
  t.is(env.tcp.readable(slot), 0);
  t.is(env.stat('dropTcpOutOfWindow'), 2);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('a segment overlapping rcv.nxt is trimmed to its new bytes', (t) => {
  const env = new Env({ delayedAck: 0 });
  const { slot, sndNxt, rcvNxt } = inState(t, env, TcpState.ESTABLISHED);
  env.inject({ seq: rcvNxt, ack: sndNxt, flags: ACK, data: 'abc' });
  env.inject({ seq: rcvNxt, ack: sndNxt, flags: ACK, data: 'abcdef' });
  expectSegment(t, env.take()[1], { flags: ACK, ack: rcvNxt + 6 });
  const into = new Uint8Array(10);
  t.is(env.tcp.receive(slot, into, 0, 10), 6);
  t.is(new TextDecoder().decode(into.subarray(0, 6)), 'abcdef');
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('segments without ACK are dropped in synchronized states', (t) => {
  const env = new Env();
  const { slot, rcvNxt } = inState(t, env, TcpState.ESTABLISHED);
  env.inject({ seq: rcvNxt, flags: 0, data: 'x' });
  env.inject({ seq: rcvNxt, flags: FIN });
  t.deepEqual(env.take(), []);
  t.is(env.tcp.readable(slot), 0);
  t.is(env.tcp.state(slot), TcpState.ESTABLISHED);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('SYN_RECEIVED (simultaneous open): RST in the window but not exact earns a challenge ACK; outside it is dropped', (t) => {
  const env = new Env();
  const slot = env.tcp.connect(0x0a000001, 7, 5555, env.now);
  const syn = env.one(t);
  env.inject({ srcIp: 0x0a000001, srcPort: 7, dstPort: 5555, seq: 1000, flags: SYN });
  env.take();
  env.inject({ srcIp: 0x0a000001, srcPort: 7, dstPort: 5555, seq: 1100, flags: RST });
  expectSegment(t, env.one(t), { flags: ACK, seq: syn.seq + 1, ack: 1001 });
  env.inject({ srcIp: 0x0a000001, srcPort: 7, dstPort: 5555, seq: 900, flags: RST });
  t.deepEqual(env.take(), []);
  t.is(env.tcp.state(slot), TcpState.SYN_RECEIVED);
  env.inject({ srcIp: 0x0a000001, srcPort: 7, dstPort: 5555, seq: 1001, flags: RST });
  t.is(env.tcp.socketError(slot), Err.ECONNREFUSED);
  env.tcp.release(slot);
  env.leakCheck(t);
});
