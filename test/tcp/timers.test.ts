import test from 'ava';
import { Err } from '../../firmware/errors';
import { TcpState } from '../../firmware/tcp/state';
import { TcpEvent } from '../../firmware/tcp/events';
import { SocketOption, setSocketOption, getSocketOption } from '../../firmware/tcp/socket-option';
import { Env, ACK, RST, expectSegment, openServer, pattern } from './harness';

test('keepalive: probes seq snd.una-1 after idle, every interval, ETIMEDOUT after count unanswered', (t) => {
  const env = new Env({ keepAlive: true, keepAliveIdle: 10000, keepAliveInterval: 2000, keepAliveCount: 3 });
  const { slot, iss, irs } = openServer(t, env);
  const start = env.now;
  const times: number[] = [];
  while (env.tcp.state(slot) === TcpState.ESTABLISHED) {
    env.advance(100);
    for (const s of env.take()) {
      if (s.flags & RST) {
        expectSegment(t, s, { flags: RST | ACK, seq: iss + 1 });
        continue;
      }
      expectSegment(t, s, { flags: ACK, seq: iss, ack: irs + 1, length: 0 });
      times.push(env.now - start);
    }
  }
  t.deepEqual(times, [10000, 12000, 14000]);
  t.is(env.now - start, 16000);
  t.is(env.tcp.socketError(slot), Err.ETIMEDOUT);
  t.is(env.events.take(slot), TcpEvent.ERROR);
  t.is(env.stat('tcpKeepaliveProbes'), 3);
  t.is(env.stat('tcpKeepaliveTimeouts'), 1);
  env.tcp.release(slot);
  env.leakCheck(t);
});

test('keepalive: an answered probe keeps the connection; any segment restarts the idle time', (t) => {
  const env = new Env({ keepAlive: true, keepAliveIdle: 10000, keepAliveInterval: 2000, keepAliveCount: 2 });
  const { slot, iss, irs } = openServer(t, env);
  env.advance(10000);
  expectSegment(t, env.one(t), { flags: ACK, seq: iss });
  env.inject({ seq: irs + 1, ack: iss + 1, flags: ACK });
  env.advance(9900);
  t.deepEqual(env.take(), []);
  env.advance(100);
  expectSegment(t, env.one(t), { flags: ACK, seq: iss });
  env.inject({ seq: irs + 1, ack: iss + 1, flags: ACK });
  let probes = 0;
  for (let i = 0; i < 600; i++) {
    env.advance(100);
    for (const probe of env.take()) {
      probes++;
      env.inject({ seq: irs + 1, ack: probe.seq + 1, flags: ACK });
    }
  }
  t.is(probes, 6, 'one probe per idle period while answered');
  t.is(env.tcp.state(slot), TcpState.ESTABLISHED);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('keepalive does not fire while data is outstanding (retransmission limits apply instead)', (t) => {
  const env = new Env({ keepAlive: true, keepAliveIdle: 1000, keepAliveInterval: 500, keepAliveCount: 1,
    rtoInitial: 3000, rtoMin: 3000, rtoMax: 3000, dataRetries: 10, userTimeout: 0 });
  const { slot, iss } = openServer(t, env);
  env.tcp.send(slot, pattern(10), 0, 10);
  env.take();
  env.advance(20000);
  const sent = env.take();
  t.true(sent.length > 0);
  for (const s of sent) expectSegment(t, s, { flags: ACK, seq: iss + 1, length: 10 }, 'only retransmissions');
  t.is(env.stat('tcpKeepaliveProbes'), 0);
  t.is(env.tcp.state(slot), TcpState.ESTABLISHED);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('keepalive off: an idle connection is never probed', (t) => {
  const env = new Env({ keepAlive: false });
  const { slot } = openServer(t, env);
  env.advance(10 * 60000);
  t.deepEqual(env.take(), []);
  t.is(getSocketOption(env.tcp, slot, SocketOption.KEEPALIVE), 0);
  t.is(setSocketOption(env.tcp, slot, SocketOption.KEEPALIVE_IDLE, 5000), 0);
  t.is(setSocketOption(env.tcp, slot, SocketOption.KEEPALIVE, 1), 0);
  env.advance(5000);
  t.is(env.take().length, 1, 'probing once enabled');
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('user timeout: data unacknowledged longer than USER_TIMEOUT aborts with ETIMEDOUT', (t) => {
  const env = new Env({ userTimeout: 5000, rtoInitial: 1000, rtoMin: 1000, dataRetries: 30 });
  const { slot } = openServer(t, env);
  env.tcp.send(slot, pattern(10), 0, 10);
  env.take();
  env.advance(4990);
  t.is(env.tcp.state(slot), TcpState.ESTABLISHED);
  env.advance(10);
  t.is(env.tcp.state(slot), TcpState.CLOSED);
  t.is(env.tcp.socketError(slot), Err.ETIMEDOUT);
  t.is(env.stat('tcpUserTimeouts'), 1);
  const sent = env.take();
  expectSegment(t, sent[sent.length - 1], { flags: RST | ACK });
  env.tcp.release(slot);
  env.leakCheck(t);
});

test('user timeout never aborts an idle connection, and progress restarts it', (t) => {
  const env = new Env({ userTimeout: 5000, keepAlive: false, rtoInitial: 1000, rtoMin: 1000 });
  const { slot, iss, irs } = openServer(t, env);
  env.advance(60000);
  t.is(env.tcp.state(slot), TcpState.ESTABLISHED, 'idle: nothing unacknowledged');
  // Data acknowledged bit by bit: each ACK restarts the clock.
  setSocketOption(env.tcp, slot, SocketOption.NO_DELAY, 1);
  let acked = iss + 1;
  for (let i = 0; i < 5; i++) {
    env.tcp.send(slot, pattern(10), 0, 10);
    env.advance(3000);
    acked += 10;
    env.inject({ seq: irs + 1, ack: acked, flags: ACK });
  }
  t.is(env.tcp.state(slot), TcpState.ESTABLISHED);
  t.is(setSocketOption(env.tcp, slot, SocketOption.USER_TIMEOUT, 0), 0);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('SYN_RECEIVED in a slot (simultaneous open) is bounded by synReceivedTimeout', (t) => {
  const env = new Env({ synReceivedTimeout: 3000, synRetries: 30, rtoInitial: 1000 });
  const slot = env.tcp.connect(0x0a000001, 7, 5555, env.now);
  env.take();
  env.inject({ srcIp: 0x0a000001, srcPort: 7, dstPort: 5555, seq: 1, flags: 2 });
  t.is(env.tcp.state(slot), TcpState.SYN_RECEIVED);
  env.advance(3000);
  t.is(env.tcp.state(slot), TcpState.CLOSED);
  t.is(env.tcp.socketError(slot), Err.ETIMEDOUT);
  t.is(env.stat('tcpStateTimeouts'), 1);
  env.take();
  env.tcp.release(slot);
  env.leakCheck(t);
});

test('lastActivity tracks the last segment received or sent with data', (t) => {
  const env = new Env({ keepAlive: false });
  const { slot, iss, irs } = openServer(t, env);
  env.advance(5000);
  env.tcp.send(slot, pattern(3), 0, 3);
  t.is(env.tcp.slots.lastActivity[slot], env.now);
  env.advance(5000);
  env.inject({ seq: irs + 1, ack: iss + 4, flags: ACK });
  t.is(env.tcp.slots.lastActivity[slot], env.now);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});
