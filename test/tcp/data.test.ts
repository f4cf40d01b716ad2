import test from 'ava';
import { TcpState } from '../../firmware/tcp/state';
import { TcpEvent } from '../../firmware/tcp/events';
import { SocketOption, setSocketOption, getSocketOption } from '../../firmware/tcp/socket-option';
import { Env, ACK, FIN, PSH, expectSegment, openServer, pattern } from './harness';

test('receive: in-order data becomes readable, delayed ACK fires after config.delayedAck', (t) => {
  const env = new Env({ delayedAck: 100 });
  const { slot, iss, irs } = openServer(t, env);
  env.inject({ seq: irs + 1, ack: iss + 1, flags: ACK | PSH, data: 'hello' });
  t.deepEqual(env.take(), [], 'ACK delayed');
  t.is(env.events.take(slot), TcpEvent.READABLE);
  t.is(env.tcp.readable(slot), 5);
  env.advance(90);
  t.deepEqual(env.take(), []);
  env.advance(10);
  expectSegment(t, env.one(t), { flags: ACK, seq: iss + 1, ack: irs + 6, window: 4091 });
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('delayed ACK: every second segment is acknowledged at once', (t) => {
  const env = new Env({ delayedAck: 200 });
  const { slot, iss, irs } = openServer(t, env);
  env.inject({ seq: irs + 1, ack: iss + 1, flags: ACK, data: pattern(1000) });
  t.deepEqual(env.take(), []);
  env.inject({ seq: irs + 1001, ack: iss + 1, flags: ACK, data: pattern(1000) });
  expectSegment(t, env.one(t), { flags: ACK, ack: irs + 2001 });
  env.inject({ seq: irs + 2001, ack: iss + 1, flags: ACK, data: pattern(1000) });
  t.deepEqual(env.take(), []);
  env.advance(200);
  expectSegment(t, env.one(t), { flags: ACK, ack: irs + 3001 });
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('delayed ACK rides on outgoing data', (t) => {
  const env = new Env({ delayedAck: 200, rtoMin: 1000 });
  const { slot, iss, irs } = openServer(t, env);
  env.inject({ seq: irs + 1, ack: iss + 1, flags: ACK, data: 'GET /' });
  env.tcp.send(slot, pattern(10), 0, 10);
  expectSegment(t, env.one(t), { flags: ACK | PSH, seq: iss + 1, ack: irs + 6, length: 10 });
  env.advance(300);
  t.deepEqual(env.take(), [], 'nothing more owed');
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('receive() copies in order across the ring wrap and the window never exceeds free space', (t) => {
  const env = new Env({ receiveBuffer: 1000, delayedAck: 0 });
  const { slot, iss, irs } = openServer(t, env);
  const data = pattern(3000);
  const got: number[] = [];
  let seq = irs + 1;
  let offset = 0;
  const into = new Uint8Array(700);
  while (offset < data.length) {
    const length = Math.min(600, data.length - offset);
    env.inject({ seq, ack: iss + 1, flags: ACK, data: data.subarray(offset, offset + length) });
    for (const s of env.take()) t.true(s.window <= 1000 - env.tcp.readable(slot), 'window within free space');
    seq += length;
    offset += length;
    const n = env.tcp.receive(slot, into, 0, 700);
    for (const s of env.take()) t.true(s.window <= 1000 - env.tcp.readable(slot), 'window update within free space');
    for (let i = 0; i < n; i++) got.push(into[i]);
  }
  let n: number;
  while ((n = env.tcp.receive(slot, into, 0, 700)) > 0) for (let i = 0; i < n; i++) got.push(into[i]);
  t.deepEqual(Uint8Array.from(got), data);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('data beyond the advertised window is trimmed', (t) => {
  const env = new Env({ receiveBuffer: 1000, delayedAck: 0 });
  const { slot, iss, irs } = openServer(t, env);
  env.inject({ seq: irs + 1, ack: iss + 1, flags: ACK | FIN, data: pattern(1500) });
  expectSegment(t, env.one(t), { flags: ACK, ack: irs + 1001, window: 0 });
  t.is(env.tcp.readable(slot), 1000);
  t.is(env.tcp.state(slot), TcpState.ESTABLISHED, 'FIN beyond the window ignored');
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('receiver SWS avoidance: the window reopens only by min(MSS, half the buffer); window update after reading 2 MSS or half', (t) => {
  const env = new Env({ receiveBuffer: 4000, delayedAck: 0 });
  const { slot, iss, irs } = openServer(t, env, { mss: 1000 });
  env.inject({ seq: irs + 1, ack: iss + 1, flags: ACK, data: pattern(4000) });
  expectSegment(t, env.one(t), { flags: ACK, ack: irs + 4001, window: 0 });
  const into = new Uint8Array(4000);
  env.tcp.receive(slot, into, 0, 500);
  t.deepEqual(env.take(), [], 'no update for 500 bytes');
  // The peer probes: the answer still shows a zero window (500 < min(MSS 1000, 2000)).
  env.inject({ seq: irs + 4000, ack: iss + 1, flags: ACK });
  expectSegment(t, env.one(t), { flags: ACK, ack: irs + 4001, window: 0 });
  env.tcp.receive(slot, into, 0, 600);
  t.deepEqual(env.take(), [], '1100 bytes free: below the 2000-byte update threshold');
  env.inject({ seq: irs + 4000, ack: iss + 1, flags: ACK });
  expectSegment(t, env.one(t), { flags: ACK, window: 1100 }, 'but a probe now learns of 1100 (>= MSS)');
  env.tcp.receive(slot, into, 0, 1000);
  t.deepEqual(env.take(), [], 'the peer knows of 1100; 1000 more is below the threshold');
  env.tcp.receive(slot, into, 0, 1000);
  expectSegment(t, env.one(t), { flags: ACK, ack: irs + 4001, window: 3100 }, 'window update after reading 2000 more');
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('send(): partial when the ring is full, WRITABLE once acknowledged data frees room', (t) => {
  const env = new Env({ sendBuffer: 2000 });
  const { slot, iss, irs } = openServer(t, env, { window: 60000 });
  t.is(env.tcp.send(slot, pattern(3000), 0, 3000), 2000);
  t.is(env.tcp.writable(slot), 0);
  t.is(env.tcp.send(slot, pattern(10), 0, 10), 0);
  const sent = env.take();
  t.deepEqual(sent.map((s) => s.data.length), [1460], 'the 540-byte tail waits for the ACK (Nagle)');
  t.deepEqual(sent[0].data, pattern(3000).subarray(0, 1460));
  env.inject({ seq: irs + 1, ack: iss + 1461, flags: ACK });
  t.deepEqual(env.take().map((s) => s.data.length), [540]);
  t.is(env.events.take(slot) & TcpEvent.WRITABLE, TcpEvent.WRITABLE);
  t.is(env.tcp.writable(slot), 1460);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('SEND_BUFFER limits the usable part of the send ring', (t) => {
  const env = new Env();
  const { slot } = openServer(t, env);
  t.is(setSocketOption(env.tcp, slot, SocketOption.SEND_BUFFER, 100), 0);
  t.is(env.tcp.send(slot, pattern(500), 0, 500), 100);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('Nagle: small writes coalesce while data is unacknowledged; NO_DELAY sends each at once', (t) => {
  const env = new Env();
  const { slot, iss, irs } = openServer(t, env);
  env.tcp.send(slot, pattern(10), 0, 10);
  expectSegment(t, env.one(t), { flags: ACK | PSH, seq: iss + 1, length: 10 }, 'first small write goes');
  env.tcp.send(slot, pattern(10), 0, 10);
  env.tcp.send(slot, pattern(10), 0, 10);
  t.deepEqual(env.take(), [], 'held');
  env.inject({ seq: irs + 1, ack: iss + 11, flags: ACK });
  expectSegment(t, env.one(t), { flags: ACK | PSH, seq: iss + 11, length: 20 }, 'coalesced');
  t.is(setSocketOption(env.tcp, slot, SocketOption.NO_DELAY, 1), 0);
  env.tcp.send(slot, pattern(5), 0, 5);
  env.tcp.send(slot, pattern(5), 0, 5);
  t.deepEqual(env.take().map((s) => s.data.length), [5, 5]);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('config.noDelay sets the default', (t) => {
  const env = new Env({ noDelay: true });
  const { slot } = openServer(t, env);
  t.is(getSocketOption(env.tcp, slot, SocketOption.NO_DELAY), 1);
  env.tcp.send(slot, pattern(5), 0, 5);
  env.tcp.send(slot, pattern(5), 0, 5);
  t.is(env.take().length, 2);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('zero window: persist probes with backoff; answered probes never abort; reopening resumes sending', (t) => {
  const env = new Env({ rtoInitial: 1000, rtoMin: 1000, dataRetries: 3 });
  const { slot, iss, irs } = openServer(t, env, { window: 0 });
  env.tcp.send(slot, pattern(100), 0, 100);
  t.deepEqual(env.take(), [], 'nothing fits');
  const probeTimes: number[] = [];
  const start = env.now;
  while (env.now - start < 200000) {
    env.advance(100);
    for (const s of env.take()) {
      expectSegment(t, s, { flags: ACK, seq: iss, ack: irs + 1, length: 0 }, 'probe below snd.una');
      probeTimes.push(env.now - start);
      // The peer answers, still with a zero window.
      env.inject({ seq: irs + 1, ack: iss + 1, flags: ACK, window: 0 });
      t.deepEqual(env.take(), []);
    }
  }
  t.deepEqual(probeTimes.slice(0, 6), [1000, 3000, 7000, 15000, 31000, 63000]);
  t.true(probeTimes.length > 7, 'still probing, well past dataRetries');
  t.is(env.tcp.state(slot), TcpState.ESTABLISHED);
  t.is(env.stat('tcpZeroWindowProbes'), probeTimes.length);
  env.inject({ seq: irs + 1, ack: iss + 1, flags: ACK, window: 4000 });
  expectSegment(t, env.one(t), { flags: ACK | PSH, seq: iss + 1, length: 100 }, 'window reopened');
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('zero window: unanswered probes abort after dataRetries with ETIMEDOUT', (t) => {
  const env = new Env({ rtoInitial: 1000, rtoMin: 1000, dataRetries: 3 });
  const { slot } = openServer(t, env, { window: 0 });
  env.tcp.send(slot, pattern(100), 0, 100);
  let probes = 0;
  while (env.tcp.state(slot) === TcpState.ESTABLISHED && env.now < 1e6) {
    env.advance(100);
    for (const s of env.take()) if (s.data.length === 0 && !(s.flags & 4)) probes++;
  }
  t.is(probes, 3);
  t.is(env.tcp.state(slot), TcpState.CLOSED);
  t.is(env.tcp.socketError(slot), -6);
  env.tcp.release(slot);
  env.leakCheck(t);
});

test('a window smaller than the data and the MSS: persist timer forces what fits (sender SWS)', (t) => {
  const env = new Env({ rtoInitial: 1000, rtoMin: 1000 });
  const { slot, iss, irs } = openServer(t, env, { window: 3000 });
  env.tcp.send(slot, pattern(3000), 0, 3000);
  t.deepEqual(env.take().map((s) => s.data.length), [1460, 1460], 'the 80-byte tail waits (Nagle)');
  env.inject({ seq: irs + 1, ack: iss + 2921, flags: ACK, window: 50 });
  t.deepEqual(env.take(), [], '50 bytes of window is silly: wait');
  env.advance(1000);
  expectSegment(t, env.one(t), { flags: ACK, seq: iss + 2921, length: 50 }, 'persist forces 50');
  env.inject({ seq: irs + 1, ack: iss + 2971, flags: ACK, window: 4000 });
  expectSegment(t, env.one(t), { flags: ACK | PSH, seq: iss + 2971, length: 30 });
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('out of order: held in the ring, immediate duplicate ACKs, delivered when the hole fills', (t) => {
  const env = new Env({ delayedAck: 200 });
  const { slot, iss, irs } = openServer(t, env);
  const data = pattern(400);
  env.inject({ seq: irs + 101, ack: iss + 1, flags: ACK, data: data.subarray(100, 200) });
  expectSegment(t, env.one(t), { flags: ACK, ack: irs + 1 }, 'dup ACK at once');
  env.inject({ seq: irs + 301, ack: iss + 1, flags: ACK, data: data.subarray(300, 400) });
  expectSegment(t, env.one(t), { flags: ACK, ack: irs + 1 });
  t.is(env.tcp.readable(slot), 0);
  t.is(env.stat('tcpOutOfOrder'), 2);
  env.inject({ seq: irs + 1, ack: iss + 1, flags: ACK, data: data.subarray(0, 100) });
  expectSegment(t, env.one(t), { flags: ACK, ack: irs + 201 }, 'hole partly filled: ACK at once');
  env.inject({ seq: irs + 201, ack: iss + 1, flags: ACK, data: data.subarray(200, 300) });
  expectSegment(t, env.one(t), { flags: ACK, ack: irs + 401 });
  const into = new Uint8Array(400);
  t.is(env.tcp.receive(slot, into, 0, 400), 400);
  t.deepEqual(into, data);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('out of order: a segment that needs one range too many is dropped; overlapping ones merge', (t) => {
  const env = new Env({ reassemblyRanges: 2 });
  const { slot, iss, irs } = openServer(t, env);
  const data = pattern(1000);
  const send = (from: number, to: number) => env.inject({ seq: irs + 1 + from, ack: iss + 1, flags: ACK, data: data.subarray(from, to) });
  send(100, 200);
  send(300, 400);
  send(500, 600);
  t.is(env.stat('dropTcpOutOfOrderFull'), 1);
  send(150, 320);
  t.is(env.tcp.slots.flags[slot] >= 0, true);
  send(500, 600);
  t.is(env.stat('dropTcpOutOfOrderFull'), 1, 'merging freed a range');
  env.take();
  send(0, 100);
  expectSegment(t, env.take().pop(), { flags: ACK, ack: irs + 401 });
  send(400, 500);
  expectSegment(t, env.take().pop(), { flags: ACK, ack: irs + 601 });
  const into = new Uint8Array(600);
  t.is(env.tcp.receive(slot, into, 0, 600), 600);
  t.deepEqual(into, data.subarray(0, 600));
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('out of order FIN is remembered and processed when the data before it arrives', (t) => {
  const env = new Env();
  const { slot, iss, irs } = openServer(t, env);
  env.inject({ seq: irs + 6, ack: iss + 1, flags: ACK | FIN, data: 'world' });
  expectSegment(t, env.one(t), { flags: ACK, ack: irs + 1 });
  t.is(env.tcp.state(slot), TcpState.ESTABLISHED);
  env.inject({ seq: irs + 1, ack: iss + 1, flags: ACK, data: 'hello' });
  expectSegment(t, env.one(t), { flags: ACK, ack: irs + 12 });
  t.is(env.tcp.state(slot), TcpState.CLOSE_WAIT);
  t.is(env.events.take(slot), TcpEvent.READABLE | TcpEvent.PEER_CLOSED);
  const into = new Uint8Array(10);
  env.tcp.receive(slot, into, 0, 10);
  t.is(new TextDecoder().decode(into), 'helloworld');
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('a bare out-of-order FIN waits for the data before it', (t) => {
  const env = new Env();
  const { slot, iss, irs } = openServer(t, env);
  env.inject({ seq: irs + 4, ack: iss + 1, flags: ACK | FIN });
  env.take();
  t.is(env.tcp.state(slot), TcpState.ESTABLISHED);
  env.inject({ seq: irs + 1, ack: iss + 1, flags: ACK, data: 'abc' });
  expectSegment(t, env.one(t), { flags: ACK, ack: irs + 5 });
  t.is(env.tcp.state(slot), TcpState.CLOSE_WAIT);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('a data segment arriving on a zero window has its ACK processed and is answered', (t) => {
  const env = new Env({ receiveBuffer: 100, delayedAck: 0 });
  const { slot, iss, irs } = openServer(t, env);
  env.tcp.send(slot, pattern(10), 0, 10);
  env.take();
  env.inject({ seq: irs + 1, ack: iss + 1, flags: ACK, data: pattern(100) });
  expectSegment(t, env.one(t), { flags: ACK, window: 0 });
  env.inject({ seq: irs + 101, ack: iss + 11, flags: ACK, data: 'x' });
  expectSegment(t, env.one(t), { flags: ACK, ack: irs + 101, window: 0 });
  t.is(env.tcp.writable(slot), 4096, 'the ACK it carried was processed');
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});
