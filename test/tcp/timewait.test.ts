import test, { ExecutionContext } from 'ava';
import { TcpState } from '../../firmware/tcp/state';
import { Env, PEER_IP, PEER_PORT, LOCAL_PORT, SYN, ACK, RST, FIN, expectSegment, openServer } from './harness';

/** An active close completed on a passive-open connection: the 4-tuple is in the TIME_WAIT table. */
function timeWait(t: ExecutionContext, env: Env): { sndNxt: number; rcvNxt: number } {
  const { slot, iss, irs } = openServer(t, env);
  env.tcp.release(slot);
  env.take();
  env.inject({ seq: irs + 1, ack: iss + 2, flags: FIN | ACK });
  env.take();
  t.is(env.slotsInUse(), 0, 'slot freed on entering TIME_WAIT');
  t.is(env.tcp.timeWait.count, 1);
  return { sndNxt: (iss + 2) >>> 0, rcvNxt: (irs + 2) >>> 0 };
}

test('a retransmitted FIN is re-acknowledged and the record gets a fresh 2MSL at the tail', (t) => {
  const env = new Env({ msl: 1000 });
  const { sndNxt, rcvNxt } = timeWait(t, env);
  // A second connection closes later, so its record is behind the first one.
  const second = openServer(t, env, { srcPort: 5000 });
  env.advance(500);
  env.tcp.release(second.slot);
  env.take();
  env.inject({ srcPort: 5000, seq: second.irs + 1, ack: second.iss + 2, flags: FIN | ACK });
  env.take();
  t.is(env.tcp.timeWait.count, 2);
  env.advance(1000);
  env.inject({ seq: rcvNxt - 1, ack: sndNxt, flags: FIN | ACK });
  expectSegment(t, env.one(t), { flags: ACK, seq: sndNxt, ack: rcvNxt });
  t.is(env.stat('twFinReacked'), 1);
  const table = env.tcp.timeWait;
  t.is(table.remotePort[table.first()], 5000, 'refreshed record moved behind the other one');
  env.advance(1100);
  t.is(table.count, 1, 'the other record expired on time');
  t.true(table.find(PEER_IP, LOCAL_PORT, PEER_PORT) >= 0, 'the refreshed one lives on');
  env.advance(1000);
  t.is(table.count, 0);
  env.leakCheck(t, 0);
});

test('RST in TIME_WAIT is ignored (RFC 1337)', (t) => {
  const env = new Env();
  const { rcvNxt } = timeWait(t, env);
  env.inject({ seq: rcvNxt, flags: RST });
  t.deepEqual(env.take(), []);
  t.is(env.stat('twRstIgnored'), 1);
  env.leakCheck(t, 1);
});

test('SYN with a sequence number beyond rcv.nxt reopens the 4-tuple', (t) => {
  const env = new Env();
  const listener = env.tcp.listen(LOCAL_PORT, 4);
  const { rcvNxt } = timeWait(t, env);
  env.inject({ seq: rcvNxt + 100000, flags: SYN });
  const synAck = env.one(t);
  expectSegment(t, synAck, { flags: SYN | ACK, ack: rcvNxt + 100001 });
  t.is(env.stat('twSynReopened'), 1);
  t.is(env.tcp.timeWait.count, 0);
  env.inject({ seq: rcvNxt + 100001, ack: synAck.seq + 1, flags: ACK });
  const slot = env.tcp.accept(listener);
  t.is(env.tcp.state(slot), TcpState.ESTABLISHED);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t, 0);
});

test('SYN with an old sequence number is answered with an ACK and reopens nothing', (t) => {
  const env = new Env();
  env.tcp.listen(LOCAL_PORT, 4);
  const { sndNxt, rcvNxt } = timeWait(t, env);
  env.inject({ seq: rcvNxt - 5000, flags: SYN });
  expectSegment(t, env.one(t), { flags: ACK, seq: sndNxt, ack: rcvNxt });
  t.is(env.stat('twSynAnsweredWithAck'), 1);
  t.is(env.tcp.synQueue.count, 0);
  env.leakCheck(t, 1);
});

test('other segments get an ACK; an in-window bare ACK gets none (no ACK ping-pong)', (t) => {
  const env = new Env();
  const { sndNxt, rcvNxt } = timeWait(t, env);
  env.inject({ seq: rcvNxt, ack: sndNxt, flags: ACK, data: 'late data' });
  expectSegment(t, env.one(t), { flags: ACK, seq: sndNxt, ack: rcvNxt });
  env.inject({ seq: rcvNxt - 40, ack: sndNxt, flags: ACK });
  expectSegment(t, env.one(t), { flags: ACK, seq: sndNxt, ack: rcvNxt });
  t.is(env.stat('twSegmentsAcked'), 2);
  env.inject({ seq: rcvNxt, ack: sndNxt, flags: ACK });
  t.deepEqual(env.take(), []);
  env.leakCheck(t, 1);
});

test('TIME_WAIT lasts 2 * msl and tick expires it', (t) => {
  const env = new Env({ msl: 2000 });
  timeWait(t, env);
  env.advance(3990);
  t.is(env.tcp.timeWait.count, 1);
  env.advance(20);
  t.is(env.tcp.timeWait.count, 0);
  t.is(env.stat('twExpired'), 1);
  env.leakCheck(t, 0);
});

test('an application still holding the slot sees CLOSED when the connection enters TIME_WAIT', (t) => {
  const env = new Env();
  const { slot, iss, irs } = openServer(t, env);
  env.tcp.shutdown(slot);
  env.inject({ seq: irs + 1, ack: iss + 2, flags: FIN | ACK });
  env.take();
  t.is(env.tcp.state(slot), TcpState.CLOSED);
  t.is(env.slotsInUse(), 1, 'kept until released');
  t.is(env.tcp.timeWait.count, 1);
  env.tcp.release(slot);
  env.leakCheck(t, 1);
});

test('a full TIME_WAIT table recycles the oldest record', (t) => {
  const env = new Env({ timeWaitCapacity: 2 });
  for (let i = 0; i < 3; i++) {
    const { slot, iss, irs } = openServer(t, env, { srcPort: 6000 + i });
    env.tcp.release(slot);
    env.inject({ srcPort: 6000 + i, seq: irs + 1, ack: iss + 2, flags: FIN | ACK });
    env.take();
  }
  t.is(env.tcp.timeWait.count, 2);
  t.is(env.stat('twRecycled'), 1);
  t.is(env.tcp.timeWait.find(PEER_IP, LOCAL_PORT, 6000), -1);
  env.leakCheck(t, 2);
});
