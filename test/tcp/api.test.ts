import test from 'ava';
import { Err } from '../../firmware/errors';
import { TcpState } from '../../firmware/tcp/state';
import { SocketOption, setSocketOption, getSocketOption } from '../../firmware/tcp/socket-option';
import { MemoryReport } from '../../firmware/memory-report';
import { TcpField } from '../../firmware/wire/tcp-header';
import { Env, PEER_IP, LOCAL_PORT, SYN, ACK, FIN, openClient, openServer, pattern } from './harness';

test('pool exhaustion: connect gives EMFILE, never evicts a live connection, and recovers when a slot frees', (t) => {
  const env = new Env({ sockets: 2 });
  const a = openClient(t, env);
  const b = env.tcp.connect(PEER_IP, 7, 0, env.now);
  env.take();
  t.is(env.tcp.connect(PEER_IP, 7, 0, env.now), Err.EMFILE);
  t.is(env.stat('tcpEmfile'), 1);
  t.deepEqual(env.take(), [], 'nothing sent, nobody evicted');
  t.is(env.tcp.state(a.slot), TcpState.ESTABLISHED);
  t.is(env.tcp.state(b), TcpState.SYN_SENT);
  env.tcp.release(b);
  const c = env.tcp.connect(PEER_IP, 7, 0, env.now);
  t.is(c, b, 'the freed slot is reused');
  env.take();
  env.tcp.abort(a.slot);
  env.tcp.abort(c);
  env.take();
  env.leakCheck(t);
});

test('a slot finished but still held by the application is not reused', (t) => {
  const env = new Env({ sockets: 1 });
  const { slot } = openClient(t, env);
  env.inject({ srcPort: 7, dstPort: env.tcp.slots.localPort[slot], seq: 0x10000001, flags: 4 });
  t.is(env.tcp.state(slot), TcpState.CLOSED);
  t.is(env.tcp.connect(PEER_IP, 7, 0, env.now), Err.EMFILE);
  env.tcp.release(slot);
  const again = env.tcp.connect(PEER_IP, 7, 0, env.now);
  t.is(again, slot);
  env.tcp.release(again);
  env.take();
  env.leakCheck(t);
});

test('ephemeral ports: random start per boot, advancing per connection', (t) => {
  const first: number[] = [];
  for (const seed of [1, 2, 3]) {
    const env = new Env(undefined, { seed });
    const slot = env.tcp.connect(PEER_IP, 7, 0, env.now);
    const next = env.tcp.connect(PEER_IP, 8, 0, env.now);
    first.push(env.tcp.slots.localPort[slot]);
    const expected = env.tcp.slots.localPort[slot] === env.config.portLast ? env.config.portFirst : env.tcp.slots.localPort[slot] + 1;
    t.is(env.tcp.slots.localPort[next], expected);
    env.tcp.release(slot);
    env.tcp.release(next);
    env.take();
    env.leakCheck(t);
  }
  t.is(new Set(first).size, 3, 'different seeds, different first ports: ' + first);
});

test('ephemeral ports skip 4-tuples in TIME_WAIT and in use; EADDRNOTAVAIL only when every port to that peer is taken', (t) => {
  const env = new Env({ portFirst: 50000, portLast: 50003, sockets: 3, timeWaitCapacity: 8 });
  // Two connections end in TIME_WAIT on two of the four ports.
  const used: number[] = [];
  for (let i = 0; i < 2; i++) {
    const { slot, iss } = openClient(t, env);
    used.push(env.tcp.slots.localPort[slot]);
    env.tcp.release(slot);
    env.take();
    env.inject({ srcPort: 7, dstPort: used[i], seq: 0x10000001, ack: iss + 2, flags: FIN | ACK });
    env.take();
  }
  t.is(env.tcp.timeWait.count, 2);
  // One more live connection on a third port.
  const live = openClient(t, env);
  const livePort = env.tcp.slots.localPort[live.slot];
  t.false(used.includes(livePort), 'skipped TIME_WAIT ports');
  // Only one port is left for this peer.
  const last = env.tcp.connect(PEER_IP, 7, 0, env.now);
  t.true(last >= 0);
  t.false([...used, livePort].includes(env.tcp.slots.localPort[last]));
  t.is(env.tcp.connect(PEER_IP, 7, 0, env.now), Err.EADDRNOTAVAIL);
  t.is(env.stat('tcpAddrNotAvail'), 1);
  // Another peer (or another remote port) still has all four.
  const other = env.tcp.connect(PEER_IP, 8, 0, env.now);
  t.true(other >= 0, 'a different 4-tuple is free');
  t.is(env.tcp.connect(PEER_IP + 1, 7, 0, env.now), Err.EMFILE, 'then the pool is full');
  env.tcp.abort(live.slot);
  env.tcp.release(last);
  env.tcp.release(other);
  env.take();
  env.leakCheck(t, 2);
});

test('ephemeral ports skip listener ports', (t) => {
  const env = new Env({ portFirst: 50000, portLast: 50001 });
  env.tcp.listen(50000, 1);
  env.tcp.listen(50001, 1);
  t.is(env.tcp.connect(PEER_IP, 7, 0, env.now), Err.EADDRNOTAVAIL);
  env.leakCheck(t);
});

test('an explicit local port whose 4-tuple is in use gives EADDRINUSE', (t) => {
  const env = new Env();
  const a = env.tcp.connect(PEER_IP, 7, 6000, env.now);
  t.true(a >= 0);
  t.is(env.tcp.connect(PEER_IP, 7, 6000, env.now), Err.EADDRINUSE);
  const b = env.tcp.connect(PEER_IP, 8, 6000, env.now);
  t.true(b >= 0, 'same local port, other remote port');
  env.tcp.release(a);
  env.tcp.release(b);
  env.take();
  env.leakCheck(t);
});

test('connect validates its arguments', (t) => {
  const env = new Env();
  t.is(env.tcp.connect(0, 7, 0, env.now), Err.EINVAL);
  t.is(env.tcp.connect(PEER_IP, 0, 0, env.now), Err.EINVAL);
  t.is(env.tcp.connect(PEER_IP, 70000, 0, env.now), Err.EINVAL);
  t.is(env.tcp.connect(PEER_IP, 7, -1, env.now), Err.EINVAL);
  t.is(env.tcp.connect(PEER_IP, 7.5, 0, env.now), Err.EINVAL);
  t.deepEqual(env.take(), []);
  env.leakCheck(t);
});

test('listen: EADDRINUSE, EMFILE when out of listener records, EINVAL, port 0 picks a free port', (t) => {
  const env = new Env({ listeners: 2 });
  const a = env.tcp.listen(LOCAL_PORT, 4);
  t.is(a, 0);
  t.is(env.tcp.listenerPort(a), LOCAL_PORT);
  t.is(env.tcp.listen(LOCAL_PORT, 4), Err.EADDRINUSE);
  t.is(env.tcp.listen(81, 0), Err.EINVAL);
  t.is(env.tcp.listen(-1, 1), Err.EINVAL);
  t.is(env.tcp.listen(65536, 1), Err.EINVAL);
  const b = env.tcp.listen(0, 1);
  t.is(b, 1);
  const port = env.tcp.listenerPort(b);
  t.true(port >= env.config.portFirst && port <= env.config.portLast);
  t.is(env.tcp.listen(82, 1), Err.EMFILE);
  env.tcp.unlisten(a);
  t.is(env.tcp.listen(82, 1), 0, 'record reused');
  t.is(env.tcp.accept(3), Err.EINVAL);
  t.is(env.tcp.acceptQueueLength(3), Err.EINVAL);
  env.leakCheck(t);
});

test('setOption/getOption: every option validated, EINVAL on unknown option, bad value, or a slot not held', (t) => {
  const env = new Env({ sendBuffer: 4096, receiveBuffer: 4096, mss: 1460 });
  const { slot } = openServer(t, env);
  const cases: [number, number[], number[]][] = [
    [SocketOption.SEND_BUFFER, [64, 1000, 4096], [63, 4097, 0, 1.5]],
    [SocketOption.RECEIVE_BUFFER, [64, 4096], [63, 4097, -5]],
    [SocketOption.LINGER, [-1, 0, 5], [-2, 0.5]],
    [SocketOption.KEEPALIVE, [0, 1], [2, -1]],
    [SocketOption.KEEPALIVE_IDLE, [1, 7200000], [0, 86400001]],
    [SocketOption.KEEPALIVE_INTERVAL, [1, 75000], [0, -3]],
    [SocketOption.KEEPALIVE_COUNT, [1, 9, 255], [0, 256]],
    [SocketOption.USER_TIMEOUT, [0, 30000], [-1, 86400001]],
    [SocketOption.NO_DELAY, [0, 1], [2]],
  ];
  for (const [option, good, bad] of cases) {
    for (const value of good) {
      t.is(setSocketOption(env.tcp, slot, option, value), 0, 'option ' + option + ' = ' + value);
      const read = getSocketOption(env.tcp, slot, option);
      t.is(read, option === SocketOption.LINGER && value > 0 ? -1 : value, 'read back option ' + option);
    }
    for (const value of bad) t.is(setSocketOption(env.tcp, slot, option, value), Err.EINVAL, 'option ' + option + ' rejects ' + value);
    t.is(setSocketOption(env.tcp, slot, option, NaN), Err.EINVAL);
  }
  t.is(setSocketOption(env.tcp, slot, SocketOption.MSS, 1000), Err.EINVAL, 'MSS only before the connection is established');
  t.is(setSocketOption(env.tcp, slot, 99, 1), Err.EINVAL);
  t.is(getSocketOption(env.tcp, slot, 99), Err.EINVAL);
  t.is(setSocketOption(env.tcp, slot + 1, SocketOption.NO_DELAY, 1), Err.EINVAL, 'slot not in use');
  t.is(setSocketOption(env.tcp, -1, SocketOption.NO_DELAY, 1), Err.EINVAL);
  t.is(setSocketOption(env.tcp, 1000, SocketOption.NO_DELAY, 1), Err.EINVAL);
  t.is(getSocketOption(env.tcp, 1000, SocketOption.NO_DELAY), Err.EINVAL);
  env.tcp.abort(slot);
  env.take();
  t.is(setSocketOption(env.tcp, slot, SocketOption.NO_DELAY, 1), Err.EINVAL, 'released slot');
  env.leakCheck(t);
});

test('MSS option in SYN_SENT caps the segment size', (t) => {
  const env = new Env();
  const slot = env.tcp.connect(PEER_IP, 7, 0, env.now);
  t.is(setSocketOption(env.tcp, slot, SocketOption.MSS, 87), Err.EINVAL);
  t.is(setSocketOption(env.tcp, slot, SocketOption.MSS, 1461), Err.EINVAL);
  t.is(setSocketOption(env.tcp, slot, SocketOption.MSS, 300), 0);
  const syn = env.one(t);
  env.inject({ srcPort: 7, dstPort: syn.srcPort, seq: 1, ack: syn.seq + 1, flags: SYN | ACK, mss: 1460 });
  env.take();
  t.is(getSocketOption(env.tcp, slot, SocketOption.MSS), 300);
  setSocketOption(env.tcp, slot, SocketOption.NO_DELAY, 1);
  env.tcp.send(slot, pattern(700), 0, 700);
  t.deepEqual(env.take().map((s) => s.data.length), [300, 300, 100]);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('the announced MSS follows the link MTU', (t) => {
  const env = new Env(undefined, { mtu: 576 });
  env.tcp.connect(PEER_IP, 7, 0, env.now);
  t.is(env.one(t).mss, 536);
  env.tcp.abort(0);
  env.leakCheck(t);
});

test('API calls on slots that are not held return EINVAL and never throw', (t) => {
  const env = new Env();
  const buf = new Uint8Array(10);
  for (const slot of [-1, 0, 3, 8, 1e9, 1.5, NaN]) {
    t.is(env.tcp.send(slot, buf, 0, 10), Err.EINVAL);
    t.is(env.tcp.receive(slot, buf, 0, 10), Err.EINVAL);
    t.is(env.tcp.readable(slot), Err.EINVAL);
    t.is(env.tcp.writable(slot), Err.EINVAL);
    t.is(env.tcp.shutdown(slot), Err.EINVAL);
    t.is(env.tcp.state(slot), TcpState.CLOSED);
    env.tcp.release(slot);
    env.tcp.abort(slot);
    env.tcp.unlisten(slot);
  }
  const { slot } = openServer(t, env);
  t.is(env.tcp.send(slot, buf, 5, 10), Err.EINVAL, 'range past the buffer');
  t.is(env.tcp.receive(slot, buf, -1, 2), Err.EINVAL);
  t.is(env.tcp.receive(slot, buf, 0, 10), 0, 'nothing to read');
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});

test('send and shutdown after the connection failed report the error', (t) => {
  const env = new Env();
  const { slot, irs } = openServer(t, env);
  env.inject({ seq: irs + 1, flags: 4 });
  t.is(env.tcp.send(slot, new Uint8Array(1), 0, 1), Err.ECONNRESET);
  t.is(env.tcp.shutdown(slot), Err.ECONNRESET);
  t.is(env.tcp.receive(slot, new Uint8Array(1), 0, 1), Err.ECONNRESET);
  t.is(env.tcp.writable(slot), 0);
  env.tcp.release(slot);
  env.leakCheck(t);
});

test('memory report: every structure named, total fixed by the config, unchanged by traffic', (t) => {
  const env = new Env({ sockets: 4, sendBuffer: 2048, receiveBuffer: 1024, reassemblyRanges: 3, timeWaitCapacity: 10, synQueue: 5, listeners: 2 });
  const report: MemoryReport = {};
  env.tcp.reportMemory(report);
  t.deepEqual(Object.keys(report).sort(), ['tcp.listeners', 'tcp.reassembly', 'tcp.receiveRings', 'tcp.scoreboard', 'tcp.sendRings', 'tcp.slots', 'tcp.synQueue', 'tcp.timeWait']);
  t.is(report['tcp.sendRings'], 4 * 2048);
  t.is(report['tcp.receiveRings'], 4 * 1024);
  t.is(report['tcp.reassembly'], 4 * 3 * 8 + 4 * 5);
  t.is(report['tcp.scoreboard'], 4 * 4 * 8 + 4 * 5, 'four SACKed ranges per slot, what one ACK can report');
  t.is(report['tcp.timeWait'], 10 * 20 + 8, 'ten records and the two recycled ages');
  // Besides the slots: the parsed header fields and the six numbers of the segment in hand (Tcp.segment).
  const perSlot = (report['tcp.slots'] - 4 * TcpField.COUNT - 8 * 6) / 4;
  t.log('control block bytes per slot: ' + perSlot);
  t.true(Number.isInteger(perSlot) && perSlot < 200);
  const { slot } = openServer(t, env);
  env.tcp.send(slot, pattern(100), 0, 100);
  env.tcp.abort(slot);
  env.take();
  env.leakCheck(t);
});
