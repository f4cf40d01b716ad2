import test from 'ava';
import { Err } from '../../firmware/errors';
import { TcpState } from '../../firmware/tcp/state';
import { Env, ACK, RST, expectSegment, openServer, pattern } from './harness';

test('RTO: retransmission from snd.una with exponential backoff, abort with ETIMEDOUT after dataRetries', (t) => {
  const env = new Env({ rtoInitial: 1000, rtoMin: 1000, rtoMax: 60000, dataRetries: 4, userTimeout: 0 });
  const { slot, iss } = openServer(t, env);
  const start = env.now;
  env.tcp.send(slot, pattern(100), 0, 100);
  expectSegment(t, env.one(t), { flags: ACK, seq: iss + 1, length: 100 });
  const times: number[] = [];
  while (env.tcp.state(slot) === TcpState.ESTABLISHED) {
    env.advance(10);
    for (const s of env.take()) {
      if (s.flags & RST) continue;
      expectSegment(t, s, { flags: ACK, seq: iss + 1, length: 100 });
      t.deepEqual(s.data, pattern(100), 'retransmission re-reads the ring');
      times.push(env.now - start);
    }
  }
  t.deepEqual(times, [1000, 3000, 7000, 15000]);
  t.is(env.now - start, 31000);
  t.is(env.tcp.socketError(slot), Err.ETIMEDOUT);
  t.is(env.stat('tcpRtoTimeouts'), 4);
  t.is(env.stat('tcpRetransmits'), 4);
  t.is(env.stat('tcpRetransmitAborts'), 1);
  env.tcp.release(slot);
  env.leakCheck(t);
});

test('RTO is clamped to rtoMax', (t) => {
  const env = new Env({ rtoInitial: 1000, rtoMin: 1000, rtoMax: 4000, dataRetries: 5, userTimeout: 0 });
  const { slot } = openServer(t, env);
  const start = env.now;
  env.tcp.send(slot, pattern(10), 0, 10);
  env.take();
  const times: number[] = [];
  while (env.tcp.state(slot) === TcpState.ESTABLISHED) {
    env.advance(10);
    for (const s of env.take()) if (!(s.flags & RST)) times.push(env.now - start);
  }
  t.deepEqual(times, [1000, 3000, 7000, 11000, 15000]);
  env.tcp.release(slot);
  env.leakCheck(t);
});

test('an ACK resets the retry count: only consecutive retransmissions abort', (t) => {
  const env = new Env({ rtoInitial: 1000, rtoMin: 1000, dataRetries: 2, userTimeout: 0 });
  const { slot, iss, irs } = openServer(t, env);
  env.tcp.send(slot, pattern(10), 0, 10);
  env.advance(3000);
  t.is(env.take().length, 3, 'original + 2 retransmissions');
  env.inject({ seq: irs + 1, ack: iss + 11, flags: ACK });
  env.tcp.send(slot, pattern(10), 0, 10);
  env.take();
  env.advance(1000);
  t.is(env.tcp.state(slot), TcpState.ESTABLISHED);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('RTT estimation: RTO follows RFC 6298 from measured samples, Karn: no sample from retransmitted data, a new ACK ends the backoff', (t) => {
  const env = new Env({ rtoInitial: 3000, rtoMin: 100, rtoMax: 60000 });
  const { slot, iss, irs } = openServer(t, env);
  const rto = () => env.tcp.slots.rto[slot];
  const srtt = () => env.tcp.slots.srtt8[slot] / 8;
  t.is(rto(), 100, 'handshake sample of ~0 ms clamps to rtoMin');
  let seq = iss + 1;
  for (let i = 0; i < 20; i++) {
    env.tcp.send(slot, pattern(10), 0, 10);
    env.take();
    env.advance(50);
    seq += 10;
    env.inject({ seq: irs + 1, ack: seq, flags: ACK });
  }
  t.true(Math.abs(srtt() - 50) < 5, 'srtt converges on 50 ms (' + srtt() + ')');
  t.true(rto() >= 100 && rto() < 200, 'rto ' + rto());
  // A retransmitted segment gives no sample even if acknowledged much later.
  env.tcp.send(slot, pattern(10), 0, 10);
  env.take();
  const estimated = rto();
  env.advance(rto());
  t.is(env.take().length, 1, 'retransmitted');
  env.advance(5000);
  env.take();
  t.true(rto() > 1000, 'backed off');
  seq += 10;
  env.inject({ seq: irs + 1, ack: seq, flags: ACK });
  t.true(Math.abs(srtt() - 50) < 5, 'srtt untouched by the ambiguous sample');
  t.is(rto(), estimated, 'the new ACK ends the backoff: the RTO is the estimator\'s again');
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('fast retransmit on the third duplicate ACK, NewReno recovery through a partial ACK', (t) => {
  const env = new Env({ sendBuffer: 20000, rtoInitial: 5000, rtoMin: 5000 });
  const { slot, iss, irs } = openServer(t, env, { window: 60000, mss: 1000 });
  // Grow cwnd: slow start.
  env.tcp.send(slot, pattern(4000), 0, 4000);
  t.is(env.take().length, 4, 'initial window 4 segments (RFC 5681, MSS 1000)');
  env.inject({ seq: irs + 1, ack: iss + 4001, flags: ACK });
  t.is(env.tcp.slots.cwnd[slot], 6000, 'slow start: + the bytes acknowledged, at most 2 MSS per ACK (RFC 3465)');
  env.tcp.send(slot, pattern(5000), 0, 5000);
  const flight = env.take();
  t.deepEqual(flight.map((s) => s.seq - iss - 1), [4000, 5000, 6000, 7000, 8000]);
  // Segments 4000 and 6000 are lost: the peer acknowledges 4000 on every later arrival.
  const dup = () => env.inject({ seq: irs + 1, ack: iss + 4001, flags: ACK });
  dup();
  dup();
  t.deepEqual(env.take(), []);
  t.is(env.stat('tcpDupAcks'), 2);
  dup();
  const retransmitted = env.one(t, 'fast retransmit');
  expectSegment(t, retransmitted, { flags: ACK, seq: iss + 4001, length: 1000 });
  t.is(env.stat('tcpFastRetransmits'), 1);
  t.is(env.tcp.slots.ssthresh[slot], 2500, 'ssthresh = flight / 2');
  t.is(env.tcp.slots.cwnd[slot], 5500, 'cwnd = ssthresh + 3 MSS');
  // The retransmission fills the first hole; the ACK is partial (stops at the second hole).
  env.inject({ seq: irs + 1, ack: iss + 6001, flags: ACK });
  expectSegment(t, env.one(t), { flags: ACK, seq: iss + 6001, length: 1000 }, 'partial ACK retransmits the next hole');
  env.inject({ seq: irs + 1, ack: iss + 9001, flags: ACK });
  t.is(env.tcp.slots.cwnd[slot], 2000, 'full ACK: cwnd = min(ssthresh, max(flight, MSS) + MSS) (RFC 6582 3.2 step 3)');
  t.is(env.stat('tcpRtoTimeouts'), 0, 'no timeout needed');
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('duplicate ACKs do not count when they carry data or a window change', (t) => {
  const env = new Env();
  const { slot, iss, irs } = openServer(t, env, { window: 60000, mss: 1000 });
  env.tcp.send(slot, pattern(3000), 0, 3000);
  env.take();
  env.inject({ seq: irs + 1, ack: iss + 1, flags: ACK, window: 60000, data: 'a' });
  env.inject({ seq: irs + 2, ack: iss + 1, flags: ACK, window: 50000 });
  env.inject({ seq: irs + 2, ack: iss + 1, flags: ACK, window: 40000 });
  t.is(env.stat('tcpDupAcks'), 0);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('RTO collapses cwnd to one segment and slow-starts again', (t) => {
  const env = new Env({ sendBuffer: 20000, rtoInitial: 1000, rtoMin: 1000, userTimeout: 0 });
  const { slot, iss, irs } = openServer(t, env, { window: 60000, mss: 1000 });
  env.tcp.send(slot, pattern(8000), 0, 8000);
  t.is(env.take().length, 4);
  env.advance(1000);
  expectSegment(t, env.one(t), { flags: ACK, seq: iss + 1, length: 1000 }, 'one segment after the RTO');
  t.is(env.tcp.slots.cwnd[slot], 1000);
  t.is(env.tcp.slots.ssthresh[slot], 2000);
  env.inject({ seq: irs + 1, ack: iss + 1001, flags: ACK });
  t.deepEqual(env.take().map((s) => s.seq - iss - 1), [1000, 2000], 'go-back-N from snd.una, cwnd 2');
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('a late ACK for segments sent before the RTO moves snd.nxt forward (no needless resend)', (t) => {
  const env = new Env({ rtoInitial: 1000, rtoMin: 1000 });
  const { slot, iss, irs } = openServer(t, env, { window: 60000, mss: 1000 });
  env.tcp.send(slot, pattern(3000), 0, 3000);
  t.is(env.take().length, 3);
  env.advance(1000);
  t.is(env.take().length, 1);
  env.inject({ seq: irs + 1, ack: iss + 3001, flags: ACK });
  t.deepEqual(env.take(), []);
  t.is(env.tcp.writable(slot), 4096);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('sequence numbers wrap around 2^32 through a transfer', (t) => {
  const env = new Env({ delayedAck: 0 });
  const { slot, iss, irs } = openServer(t, env, { peerIss: 0xffffff00, mss: 100, window: 60000 });
  const data = pattern(1000);
  let offset = 0;
  while (offset < 1000) {
    env.inject({ seq: irs + 1 + offset, ack: iss + 1, flags: ACK, data: data.subarray(offset, offset + 100) });
    offset += 100;
  }
  const into = new Uint8Array(1000);
  t.is(env.tcp.receive(slot, into, 0, 1000), 1000);
  t.deepEqual(into, data);
  t.is(env.tcp.slots.rcvNxt[slot], (0xffffff00 + 1001) >>> 0);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('after timeouts on both ends: the new ACK on an old retransmission is taken, and bare ACKs go out from snd.max', (t) => {
  const env = new Env({ rtoInitial: 1000, rtoMin: 1000, userTimeout: 0 });
  const { slot, iss, irs } = openServer(t, env);
  // The peer sends 100 bytes; we take them (rcv.nxt = irs + 101) and our ACK is lost.
  env.inject({ seq: irs + 1, ack: iss + 1, flags: ACK, data: pattern(100) });
  const received = new Uint8Array(100);
  t.is(env.tcp.receive(slot, received, 0, 100), 100);
  env.advance(500);
  env.take();
  // We send 200 bytes; the peer gets them, but its ACKs are lost, and our RTO pulls snd.nxt back.
  env.tcp.send(slot, pattern(200), 0, 200);
  expectSegment(t, env.one(t), { flags: ACK, seq: iss + 1, length: 200 });
  env.advance(1000);
  expectSegment(t, env.one(t), { flags: ACK, seq: iss + 1, length: 200 }, 'retransmitted from snd.una');
  // The peer's own retransmission is old to us, but acknowledges our 200 bytes.
  env.inject({ seq: irs + 1, ack: iss + 201, flags: ACK, data: pattern(100) });
  t.is(env.stat('dropTcpOutOfWindow'), 1, 'the duplicate data is dropped');
  t.is(env.tcp.writable(slot), env.config.sendBuffer, 'its acknowledgment freed the send ring');
  const reply = env.one(t, 'one ACK in reply');
  expectSegment(t, reply, { flags: ACK, seq: iss + 201, ack: irs + 101, length: 0 });
  // Another old duplicate whose ACK is not new changes nothing but is answered.
  env.inject({ seq: irs + 1, ack: iss + 201, flags: ACK, data: pattern(100) });
  expectSegment(t, env.one(t), { flags: ACK, seq: iss + 201, ack: irs + 101, length: 0 });
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('the right edge the peer offered does not slide when an ACK arrives on an older sequence number', (t) => {
  const env = new Env({ rtoInitial: 1000, rtoMin: 1000, userTimeout: 0, sendBuffer: 8192 });
  const { slot, iss, irs } = openServer(t, env, { window: 1000, mss: 500 });
  // A window update with a later sequence number (a bare ACK from the peer's snd.max).
  env.inject({ seq: irs + 51, ack: iss + 1, flags: ACK, window: 1000 });
  env.take();
  env.tcp.send(slot, pattern(3000), 0, 3000);
  const first = env.take();
  t.is(first.reduce((sum, s) => sum + s.data.length, 0), 1000, 'one window of 1000 bytes');
  // The peer's retransmission from irs + 1 acknowledges 500 bytes; its window is stale.
  env.inject({ seq: irs + 1, ack: iss + 501, flags: ACK, window: 1000 });
  const after = env.take().filter((s) => s.data.length > 0);
  t.deepEqual(after, [], 'nothing beyond iss + 1001, the edge the peer offered');
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});
