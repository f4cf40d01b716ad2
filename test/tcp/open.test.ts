import test from 'ava';
import { getSocketOption } from '../../firmware/tcp/socket-option';
import { Err } from '../../firmware/errors';
import { TcpState } from '../../firmware/tcp/state';
import { TcpEvent, ListenerEvent } from '../../firmware/tcp/events';
import { cookieMss } from '../../firmware/tcp/isn';
import {
  Env, PEER_IP, PEER_PORT, LOCAL_PORT, LOCAL_PORT_REMOTE, PEER_ISS, SYN, ACK, RST, FIN,
  expectSegment, openClient, openServer,
} from './harness';

test('active open: SYN_SENT, SYN-ACK → ESTABLISHED with CONNECTED, MSS announced and honoured', (t) => {
  const env = new Env();
  const slot = env.tcp.connect(PEER_IP, LOCAL_PORT_REMOTE, 0, env.now);
  t.is(env.tcp.state(slot), TcpState.SYN_SENT);
  const syn = env.one(t);
  expectSegment(t, syn, { flags: SYN, ack: 0, length: 0, window: 4096 });
  t.is(syn.mss, 1460);
  t.true(syn.srcPort >= env.config.portFirst && syn.srcPort <= env.config.portLast);
  t.is(env.tcp.slots.localPort[slot], syn.srcPort);
  env.inject({ srcPort: LOCAL_PORT_REMOTE, dstPort: syn.srcPort, seq: PEER_ISS, ack: syn.seq + 1, flags: SYN | ACK, mss: 500 });
  expectSegment(t, env.one(t), { flags: ACK, seq: syn.seq + 1, ack: PEER_ISS + 1 });
  t.is(env.tcp.state(slot), TcpState.ESTABLISHED);
  t.is(env.events.take(slot), TcpEvent.CONNECTED);
  t.is(getSocketOption(env.tcp, slot, 3), 500, 'send MSS = peer MSS');
  t.is(env.stat('tcpActiveOpens'), 1);
  t.is(env.stat('tcpEstablished'), 1);
  // Data goes out in segments of the peer's MSS; Nagle holds the short tail until the ACK.
  env.tcp.send(slot, new Uint8Array(1200), 0, 1200);
  t.deepEqual(env.take().map((s) => s.data.length), [500, 500]);
  env.inject({ srcPort: LOCAL_PORT_REMOTE, dstPort: syn.srcPort, seq: PEER_ISS + 1, ack: syn.seq + 1001, flags: ACK });
  t.deepEqual(env.take().map((s) => s.data.length), [200]);
  env.tcp.abort(slot);
  expectSegment(t, env.one(t), { flags: RST | ACK });
  env.leakCheck(t);
});

test('SYN_SENT: absent MSS option means 536', (t) => {
  const env = new Env();
  const slot = env.tcp.connect(PEER_IP, LOCAL_PORT_REMOTE, 0, env.now);
  const syn = env.one(t);
  env.inject({ srcPort: LOCAL_PORT_REMOTE, dstPort: syn.srcPort, seq: PEER_ISS, ack: syn.seq + 1, flags: SYN | ACK });
  env.take();
  t.is(getSocketOption(env.tcp, slot, 3), 536);
  env.tcp.abort(slot);
  env.leakCheck(t);
});

test('SYN_SENT: RST with acceptable ACK → ECONNREFUSED; RST without ACK ignored', (t) => {
  const env = new Env();
  const slot = env.tcp.connect(PEER_IP, LOCAL_PORT_REMOTE, 0, env.now);
  const syn = env.one(t);
  env.inject({ srcPort: LOCAL_PORT_REMOTE, dstPort: syn.srcPort, seq: 0, flags: RST });
  t.is(env.tcp.state(slot), TcpState.SYN_SENT, 'RST without ACK ignored');
  env.inject({ srcPort: LOCAL_PORT_REMOTE, dstPort: syn.srcPort, seq: 0, ack: syn.seq + 5, flags: RST | ACK });
  t.is(env.tcp.state(slot), TcpState.SYN_SENT, 'RST with unacceptable ACK ignored');
  t.deepEqual(env.take(), [], 'never a RST in reply to a RST');
  env.inject({ srcPort: LOCAL_PORT_REMOTE, dstPort: syn.srcPort, seq: 0, ack: syn.seq + 1, flags: RST | ACK });
  t.is(env.tcp.state(slot), TcpState.CLOSED);
  t.is(env.tcp.socketError(slot), Err.ECONNREFUSED);
  t.is(env.events.take(slot), TcpEvent.ERROR);
  t.deepEqual(env.take(), []);
  t.is(env.slotsInUse(), 1, 'held until released');
  env.tcp.release(slot);
  env.leakCheck(t);
});

test('SYN_SENT: unacceptable ACK gets a RST <SEQ=SEG.ACK>', (t) => {
  const env = new Env();
  const slot = env.tcp.connect(PEER_IP, LOCAL_PORT_REMOTE, 0, env.now);
  const syn = env.one(t);
  env.inject({ srcPort: LOCAL_PORT_REMOTE, dstPort: syn.srcPort, seq: PEER_ISS, ack: syn.seq + 100, flags: SYN | ACK });
  expectSegment(t, env.one(t), { flags: RST, seq: syn.seq + 100 });
  t.is(env.tcp.state(slot), TcpState.SYN_SENT);
  t.is(env.stat('dropTcpBadAck'), 1);
  env.tcp.release(slot);
  t.deepEqual(env.take(), [], 'closing in SYN_SENT sends nothing');
  env.leakCheck(t);
});

test('SYN_SENT: SYN retransmitted with backoff up to synRetries, then ETIMEDOUT', (t) => {
  const env = new Env({ synRetries: 3, rtoInitial: 1000 });
  const start = env.now;
  const slot = env.tcp.connect(PEER_IP, LOCAL_PORT_REMOTE, 0, env.now);
  const syn = env.one(t);
  const times: number[] = [];
  while (env.tcp.state(slot) === TcpState.SYN_SENT) {
    env.advance(10);
    for (const s of env.take()) {
      expectSegment(t, s, { flags: SYN, seq: syn.seq });
      times.push(env.now - start);
    }
  }
  t.deepEqual(times, [1000, 3000, 7000]);
  t.is(env.tcp.state(slot), TcpState.CLOSED);
  t.is(env.now - start, 15000);
  t.is(env.tcp.socketError(slot), Err.ETIMEDOUT);
  t.is(env.stat('tcpConnectTimeouts'), 1);
  t.deepEqual(env.take(), [], 'no RST from SYN_SENT');
  env.tcp.release(slot);
  env.leakCheck(t);
});

test('simultaneous open: SYN in SYN_SENT → SYN_RECEIVED, then ACK → ESTABLISHED', (t) => {
  const env = new Env();
  const slot = env.tcp.connect(PEER_IP, LOCAL_PORT_REMOTE, 5555, env.now);
  const syn = env.one(t);
  env.inject({ srcPort: LOCAL_PORT_REMOTE, dstPort: 5555, seq: PEER_ISS, flags: SYN, mss: 1000 });
  const synAck = env.one(t);
  expectSegment(t, synAck, { flags: SYN | ACK, seq: syn.seq, ack: PEER_ISS + 1 });
  t.is(env.tcp.state(slot), TcpState.SYN_RECEIVED);
  // The peer's SYN-ACK (its answer to our SYN) completes it.
  env.inject({ srcPort: LOCAL_PORT_REMOTE, dstPort: 5555, seq: PEER_ISS + 1, ack: syn.seq + 1, flags: ACK });
  t.is(env.tcp.state(slot), TcpState.ESTABLISHED);
  t.is(env.events.take(slot), TcpEvent.CONNECTED);
  t.is(getSocketOption(env.tcp, slot, 3), 1000);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('simultaneous open: SYN_RECEIVED retransmits SYN-ACK, RST there → ECONNREFUSED', (t) => {
  const env = new Env({ rtoInitial: 1000 });
  const slot = env.tcp.connect(PEER_IP, LOCAL_PORT_REMOTE, 5555, env.now);
  const syn = env.one(t);
  env.inject({ srcPort: LOCAL_PORT_REMOTE, dstPort: 5555, seq: PEER_ISS, flags: SYN });
  env.take();
  env.advance(1000);
  expectSegment(t, env.one(t), { flags: SYN | ACK, seq: syn.seq, ack: PEER_ISS + 1 }, 'retransmitted SYN-ACK');
  env.inject({ srcPort: LOCAL_PORT_REMOTE, dstPort: 5555, seq: PEER_ISS + 1, flags: RST });
  t.is(env.tcp.state(slot), TcpState.CLOSED);
  t.is(env.tcp.socketError(slot), Err.ECONNREFUSED);
  env.tcp.release(slot);
  env.leakCheck(t);
});

test('simultaneous open: SYN_RECEIVED with an unacceptable ACK answers RST and stays', (t) => {
  const env = new Env();
  const slot = env.tcp.connect(PEER_IP, LOCAL_PORT_REMOTE, 5555, env.now);
  const syn = env.one(t);
  env.inject({ srcPort: LOCAL_PORT_REMOTE, dstPort: 5555, seq: PEER_ISS, flags: SYN });
  env.take();
  env.inject({ srcPort: LOCAL_PORT_REMOTE, dstPort: 5555, seq: PEER_ISS + 1, ack: syn.seq + 9, flags: ACK });
  expectSegment(t, env.one(t), { flags: RST, seq: syn.seq + 9 });
  t.is(env.tcp.state(slot), TcpState.SYN_RECEIVED);
  env.tcp.abort(slot);
  expectSegment(t, env.one(t), { flags: RST | ACK });
  env.leakCheck(t);
});

test('passive open: SYN takes a SYN-queue record, not a slot; ACK completes into the accept queue', (t) => {
  const env = new Env();
  const listener = env.tcp.listen(LOCAL_PORT, 2);
  t.is(listener, 0);
  env.inject({ seq: PEER_ISS, flags: SYN, mss: 1200 });
  const synAck = env.one(t);
  expectSegment(t, synAck, { flags: SYN | ACK, ack: PEER_ISS + 1, window: 4096 });
  t.is(synAck.mss, 1460);
  t.is(env.slotsInUse(), 0, 'no slot for a half-open connection');
  t.is(env.tcp.synQueue.count, 1);
  t.is(env.tcp.acceptQueueLength(listener), 1);
  t.is(env.tcp.accept(listener), -1, 'nothing to accept yet');
  env.inject({ seq: PEER_ISS + 1, ack: synAck.seq + 1, flags: ACK });
  t.deepEqual(env.take(), []);
  t.is(env.tcp.synQueue.count, 0);
  t.is(env.slotsInUse(), 1);
  t.deepEqual(env.events.listener, [{ listener, events: ListenerEvent.ACCEPTABLE }]);
  t.is(env.tcp.acceptQueueLength(listener), 1);
  const slot = env.tcp.accept(listener);
  t.true(slot >= 0);
  t.is(env.tcp.state(slot), TcpState.ESTABLISHED);
  t.is(env.tcp.slots.remotePort[slot], PEER_PORT);
  t.is(env.tcp.slots.remoteIp[slot], PEER_IP);
  t.is(env.tcp.slots.localPort[slot], LOCAL_PORT);
  t.is(getSocketOption(env.tcp, slot, 3), 1200);
  t.is(env.stat('tcpPassiveOpens'), 1);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('passive open: the completing ACK carries data and FIN', (t) => {
  const env = new Env({ delayedAck: 100 });
  const listener = env.tcp.listen(LOCAL_PORT, 2);
  env.inject({ seq: PEER_ISS, flags: SYN });
  const synAck = env.one(t);
  env.inject({ seq: PEER_ISS + 1, ack: synAck.seq + 1, flags: ACK | FIN, data: 'hello' });
  expectSegment(t, env.one(t), { flags: ACK, ack: PEER_ISS + 7 }, 'FIN acknowledged at once');
  const slot = env.tcp.accept(listener);
  t.is(env.tcp.state(slot), TcpState.CLOSE_WAIT);
  env.tcp.pollEvents(env.events);
  t.is(env.events.take(slot), TcpEvent.READABLE | TcpEvent.PEER_CLOSED);
  const into = new Uint8Array(10);
  t.is(env.tcp.receive(slot, into, 0, 10), 5);
  t.is(new TextDecoder().decode(into.subarray(0, 5)), 'hello');
  env.tcp.release(slot);
  expectSegment(t, env.one(t), { flags: FIN | ACK, seq: synAck.seq + 1, ack: PEER_ISS + 7 });
  t.is(env.slotsInUse(), 1, 'LAST_ACK');
  env.inject({ seq: PEER_ISS + 7, ack: synAck.seq + 2, flags: ACK });
  env.leakCheck(t);
});

test('passive open: SYN-ACK retransmitted with backoff, record dropped after synRetries or synReceivedTimeout', (t) => {
  const env = new Env({ synRetries: 3, rtoInitial: 1000, synReceivedTimeout: 60000 });
  env.tcp.listen(LOCAL_PORT, 2);
  const start = env.now;
  env.inject({ seq: PEER_ISS, flags: SYN });
  const first = env.one(t);
  const times: number[] = [];
  while (env.tcp.synQueue.count > 0) {
    env.advance(10);
    for (const s of env.take()) {
      expectSegment(t, s, { flags: SYN | ACK, seq: first.seq, ack: PEER_ISS + 1 });
      times.push(env.now - start);
    }
  }
  t.deepEqual(times, [1000, 3000, 7000]);
  t.is(env.now - start, 15000);
  t.is(env.stat('tcpSynAckRetransmits'), 3);
  t.is(env.stat('tcpSynQueueTimeouts'), 1);
  env.leakCheck(t);

  const short = new Env({ synRetries: 10, rtoInitial: 1000, synReceivedTimeout: 5000 });
  short.tcp.listen(LOCAL_PORT, 2);
  const start2 = short.now;
  short.inject({ seq: PEER_ISS, flags: SYN });
  while (short.tcp.synQueue.count > 0) short.advance(10);
  t.is(short.now - start2, 5000, 'bounded by synReceivedTimeout');
  short.leakCheck(t);
});

test('passive open: a retransmitted SYN is answered with the same SYN-ACK; RST removes the record', (t) => {
  const env = new Env();
  env.tcp.listen(LOCAL_PORT, 2);
  env.inject({ seq: PEER_ISS, flags: SYN });
  const synAck = env.one(t);
  env.inject({ seq: PEER_ISS, flags: SYN });
  expectSegment(t, env.one(t), { flags: SYN | ACK, seq: synAck.seq, ack: PEER_ISS + 1 });
  t.is(env.tcp.synQueue.count, 1);
  env.inject({ seq: PEER_ISS + 5, flags: RST });
  t.is(env.tcp.synQueue.count, 1, 'RST off sequence ignored');
  env.inject({ seq: PEER_ISS + 1, flags: RST });
  t.is(env.tcp.synQueue.count, 0);
  t.deepEqual(env.take(), []);
  env.leakCheck(t);
});

test('passive open: wrong ACK in SYN-RECEIVED answered with RST, record kept', (t) => {
  const env = new Env();
  env.tcp.listen(LOCAL_PORT, 2);
  env.inject({ seq: PEER_ISS, flags: SYN });
  const synAck = env.one(t);
  env.inject({ seq: PEER_ISS + 1, ack: synAck.seq + 77, flags: ACK });
  expectSegment(t, env.one(t), { flags: RST, seq: synAck.seq + 77 });
  t.is(env.tcp.synQueue.count, 1);
  env.inject({ seq: PEER_ISS + 1, ack: synAck.seq + 1, flags: ACK });
  const slot = env.tcp.accept(0);
  t.true(slot >= 0);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('accept queue full: the completing ACK is dropped, the record stays, the retransmission completes after accept', (t) => {
  const env = new Env();
  const listener = env.tcp.listen(LOCAL_PORT, 1);
  const first = openServer(t, env, { srcPort: 1000 });
  t.is(first.listener, listener);
  // Fill the queue with a second connection that is not accepted.
  env.inject({ srcPort: 1001, seq: PEER_ISS, flags: SYN });
  const synAck1 = env.one(t);
  env.inject({ srcPort: 1001, seq: PEER_ISS + 1, ack: synAck1.seq + 1, flags: ACK });
  t.is(env.tcp.acceptQueueLength(listener), 1);
  // Third: handshake ACK arrives while the accept queue is full.
  env.inject({ srcPort: 1002, seq: PEER_ISS, flags: SYN });
  const synAck2 = env.one(t);
  env.inject({ srcPort: 1002, seq: PEER_ISS + 1, ack: synAck2.seq + 1, flags: ACK });
  t.deepEqual(env.take(), [], 'dropped silently (Linux default)');
  t.is(env.stat('tcpAcceptQueueFull'), 1);
  t.is(env.tcp.synQueue.count, 1, 'record stays');
  t.is(env.tcp.acceptQueueLength(listener), 2, 'one queued, one half-open');
  const second = env.tcp.accept(listener);
  t.is(env.tcp.slots.remotePort[second], 1001);
  env.inject({ srcPort: 1002, seq: PEER_ISS + 1, ack: synAck2.seq + 1, flags: ACK });
  const third = env.tcp.accept(listener);
  t.true(third >= 0);
  t.is(env.tcp.slots.remotePort[third], 1002);
  for (const slot of [first.slot, second, third]) env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('no free slot at handshake completion: EMFILE counted, record stays', (t) => {
  const env = new Env({ sockets: 1 });
  const listener = env.tcp.listen(LOCAL_PORT, 4);
  const first = openServer(t, env, { srcPort: 1000 });
  env.inject({ srcPort: 1001, seq: PEER_ISS, flags: SYN });
  const synAck = env.one(t);
  env.inject({ srcPort: 1001, seq: PEER_ISS + 1, ack: synAck.seq + 1, flags: ACK });
  t.is(env.stat('tcpEmfile'), 1);
  t.is(env.tcp.synQueue.count, 1);
  env.tcp.abort(first.slot);
  env.take();
  env.inject({ srcPort: 1001, seq: PEER_ISS + 1, ack: synAck.seq + 1, flags: ACK });
  const second = env.tcp.accept(listener);
  t.true(second >= 0);
  env.tcp.abort(second);
  env.take();
  env.leakCheck(t);
});

test('SYN cookies when the SYN queue is full: valid cookie ACK accepted, forged one rejected with RST', (t) => {
  const env = new Env({ synQueue: 1 });
  const listener = env.tcp.listen(LOCAL_PORT, 4);
  env.inject({ srcPort: 2000, seq: PEER_ISS, flags: SYN });
  env.take();
  t.is(env.tcp.synQueue.count, 1);
  env.inject({ srcPort: 2001, seq: 5000, flags: SYN, mss: 1400 });
  const cookieSynAck = env.one(t);
  expectSegment(t, cookieSynAck, { flags: SYN | ACK, ack: 5001 });
  t.is(env.stat('tcpSynQueueFull'), 1);
  t.is(env.stat('tcpSynCookiesSent'), 1);
  t.is(env.tcp.synQueue.count, 1, 'no record for the cookie');
  // A forged ACK.
  env.inject({ srcPort: 2002, seq: 9001, ack: cookieSynAck.seq + 1, flags: ACK });
  expectSegment(t, env.one(t), { flags: RST, seq: cookieSynAck.seq + 1 });
  t.is(env.stat('tcpSynCookiesRejected'), 1);
  // The real one, carrying data.
  env.inject({ srcPort: 2001, seq: 5001, ack: cookieSynAck.seq + 1, flags: ACK | 8, data: 'abc' });
  t.is(env.stat('tcpSynCookiesAccepted'), 1);
  const slot = env.tcp.accept(listener);
  t.true(slot >= 0);
  t.is(env.tcp.slots.remotePort[slot], 2001);
  t.is(env.tcp.readable(slot), 3);
  t.is(getSocketOption(env.tcp, slot, 3), cookieMss[5], 'MSS from the cookie (1400)');
  env.tcp.abort(slot);
  env.advance(30000);
  env.take();
  env.leakCheck(t);
});

test('a SYN flood cannot deny service: the SYN queue fills, cookies keep answering', (t) => {
  const env = new Env({ synQueue: 4 });
  const listener = env.tcp.listen(LOCAL_PORT, 4);
  for (let i = 0; i < 100; i++) env.inject({ srcIp: PEER_IP + 1 + i, srcPort: 3000 + i, seq: i * 1000, flags: SYN });
  t.is(env.take().length, 100, 'every SYN answered');
  t.is(env.tcp.synQueue.count, 4);
  const { slot } = openServer(t, env, { srcPort: 4444 });
  t.is(env.tcp.slots.remotePort[slot], 4444);
  t.is(env.tcp.accept(listener), -1);
  env.tcp.abort(slot);
  env.take();
  env.advance(env.config.synReceivedTimeout + 1000);
  env.take();
  env.leakCheck(t);
});

test('no listener: SYN answered with RST|ACK, ACK with RST, RST with nothing', (t) => {
  const env = new Env();
  env.inject({ seq: 100, flags: SYN });
  expectSegment(t, env.one(t), { flags: RST | ACK, seq: 0, ack: 101 });
  env.inject({ seq: 100, ack: 5555, flags: ACK, data: 'xyz' });
  expectSegment(t, env.one(t), { flags: RST, seq: 5555 });
  env.inject({ seq: 100, flags: FIN, data: 'xy' });
  expectSegment(t, env.one(t), { flags: RST | ACK, seq: 0, ack: 103 });
  env.inject({ seq: 100, ack: 5, flags: RST | ACK });
  t.deepEqual(env.take(), []);
  t.is(env.stat('tcpRefusedNoListener'), 3);
  t.is(env.stat('tcpRstOut'), 3);
  env.leakCheck(t);
});

test('listener ignores RST and drops segments without SYN or ACK', (t) => {
  const env = new Env();
  env.tcp.listen(LOCAL_PORT, 2);
  env.inject({ seq: 100, flags: RST });
  env.inject({ seq: 100, flags: FIN });
  t.deepEqual(env.take(), []);
  env.inject({ seq: 100, ack: 1, flags: SYN | ACK });
  expectSegment(t, env.one(t), { flags: RST, seq: 1 });
  env.leakCheck(t);
});

test('unlisten resets queued connections and forgets half-open ones', (t) => {
  const env = new Env();
  const listener = env.tcp.listen(LOCAL_PORT, 4);
  env.inject({ srcPort: 1, seq: PEER_ISS, flags: SYN });
  const synAck = env.one(t);
  env.inject({ srcPort: 1, seq: PEER_ISS + 1, ack: synAck.seq + 1, flags: ACK });
  env.inject({ srcPort: 2, seq: PEER_ISS, flags: SYN });
  env.take();
  t.is(env.tcp.acceptQueueLength(listener), 2);
  env.tcp.unlisten(listener);
  expectSegment(t, env.one(t), { flags: RST | ACK, seq: synAck.seq + 1 });
  t.is(env.tcp.listenerPort(listener), 0);
  env.inject({ srcPort: 3, seq: PEER_ISS, flags: SYN });
  expectSegment(t, env.one(t), { flags: RST | ACK }, 'port closed now');
  env.leakCheck(t);
});

test('a queued connection reset by the peer leaves the accept queue and frees its slot', (t) => {
  const env = new Env();
  const listener = env.tcp.listen(LOCAL_PORT, 4);
  env.inject({ seq: PEER_ISS, flags: SYN });
  const synAck = env.one(t);
  env.inject({ seq: PEER_ISS + 1, ack: synAck.seq + 1, flags: ACK });
  t.is(env.slotsInUse(), 1);
  env.inject({ seq: PEER_ISS + 1, flags: RST });
  t.is(env.slotsInUse(), 0);
  t.is(env.tcp.accept(listener), -1);
  env.leakCheck(t);
});

test('openClient helper reaches ESTABLISHED (sanity)', (t) => {
  const env = new Env();
  const { slot } = openClient(t, env);
  t.is(env.tcp.state(slot), TcpState.ESTABLISHED);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('simultaneous open: close in SYN_RECEIVED sends FIN once the ACK arrives (→ FIN_WAIT_1)', (t) => {
  const env = new Env();
  const slot = env.tcp.connect(PEER_IP, LOCAL_PORT_REMOTE, 5555, env.now);
  const syn = env.one(t);
  env.inject({ srcPort: LOCAL_PORT_REMOTE, dstPort: 5555, seq: PEER_ISS, flags: SYN });
  env.take();
  t.is(env.tcp.shutdown(slot), 0);
  t.is(env.tcp.state(slot), TcpState.SYN_RECEIVED);
  t.deepEqual(env.take(), []);
  env.inject({ srcPort: LOCAL_PORT_REMOTE, dstPort: 5555, seq: PEER_ISS + 1, ack: syn.seq + 1, flags: ACK });
  expectSegment(t, env.one(t), { flags: FIN | ACK, seq: syn.seq + 1, ack: PEER_ISS + 1 });
  t.is(env.tcp.state(slot), TcpState.FIN_WAIT_1);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('listener ids and slot numbers are validated as integers', (t) => {
  const env = new Env();
  const listener = env.tcp.listen(LOCAL_PORT, 2);
  t.is(env.tcp.accept(listener + 0.5), Err.EINVAL);
  t.is(env.tcp.acceptQueueLength(-1), Err.EINVAL);
  t.is(env.tcp.listenerPort(0.5), 0);
  const { slot } = openServer(t, env);
  t.is(env.tcp.readable(slot + 0.5), Err.EINVAL);
  t.is(env.tcp.socketError(slot + 0.5), 0);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});
