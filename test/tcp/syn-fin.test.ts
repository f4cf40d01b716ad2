import test from 'ava';
import { TcpState } from '../../firmware/tcp/state';
import { Env, PEER_ISS, LOCAL_PORT, SYN, ACK, RST, FIN, expectSegment, openServer } from './harness';

/**
 * SYN+FIN (README, At the limits): to a closed port it is answered with RST like any segment that
 * is not a RST (RFC 9293 3.10.7.1); wherever something listens or lives (a listener, a connection,
 * a TIME_WAIT record) it is dropped and counted, as Linux drops it at a listener, and opens nothing.
 */

test('SYN+FIN to a closed port: RST, its ACK covering both the SYN and the FIN', (t) => {
  const env = new Env();
  env.inject({ dstPort: 81, seq: PEER_ISS, flags: SYN | FIN });
  expectSegment(t, env.one(t), { flags: RST | ACK, seq: 0, ack: PEER_ISS + 2 });
  t.is(env.stat('tcpRefusedNoListener'), 1);
  t.is(env.stat('dropTcpFlags'), 0);
  env.inject({ dstPort: 81, seq: PEER_ISS, ack: 1234, flags: SYN | FIN | ACK });
  expectSegment(t, env.one(t), { flags: RST, seq: 1234 });
  env.leakCheck(t);
});

test('SYN+FIN to a listening port: dropped and counted, no half-open record, no answer', (t) => {
  const env = new Env();
  env.tcp.listen(LOCAL_PORT, 2);
  env.inject({ seq: PEER_ISS, flags: SYN | FIN });
  t.deepEqual(env.take(), []);
  t.is(env.stat('dropTcpFlags'), 1);
  t.is(env.tcp.synQueue.count, 0);
  env.leakCheck(t);
});

test('SYN+FIN on an established connection or to a TIME_WAIT record: dropped, both left as they were', (t) => {
  const env = new Env();
  const { slot, iss, irs } = openServer(t, env);
  env.inject({ seq: irs + 1, ack: iss + 1, flags: SYN | FIN | ACK });
  t.deepEqual(env.take(), []);
  t.is(env.tcp.state(slot), TcpState.ESTABLISHED);
  env.tcp.release(slot);
  env.take();
  env.inject({ seq: irs + 1, ack: iss + 2, flags: FIN | ACK });
  env.take();
  t.is(env.tcp.timeWait.count, 1);
  env.inject({ seq: irs + 100000, flags: SYN | FIN });
  t.deepEqual(env.take(), []);
  t.is(env.tcp.timeWait.count, 1, 'not reopened');
  t.is(env.stat('dropTcpFlags'), 2);
  t.is(env.stat('twSynReopened'), 0);
  env.leakCheck(t, 1);
});
