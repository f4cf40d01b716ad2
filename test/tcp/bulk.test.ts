import test, { ExecutionContext } from 'ava';
import { TcpEvent } from '../../firmware/tcp/events';
import { TcpState } from '../../firmware/tcp/state';
import { Pair, pattern } from './harness';

const SIZE = 256 * 1024;

/** Both ends send SIZE bytes at once, read everything, then close; returns virtual ms taken. */
function transfer(t: ExecutionContext, pair: Pair, maxMs: number): number {
  const { a, b } = pair;
  const listener = b.tcp.listen(80, 4);
  const client = a.tcp.connect(b.ip.address, 80, 0, pair.clock.t);
  t.true(client >= 0);
  let server = -1;
  const outA = pattern(SIZE, 1);
  const outB = pattern(SIZE, 2);
  const inA = new Uint8Array(SIZE);
  const inB = new Uint8Array(SIZE);
  let sentA = 0;
  let sentB = 0;
  let gotA = 0;
  let gotB = 0;
  let closedA = false;
  let closedB = false;
  const start = pair.clock.t;
  const step = () => {
    if (server < 0) server = b.tcp.accept(listener);
    if (sentA < SIZE) sentA += Math.max(0, a.tcp.send(client, outA, sentA, Math.min(3000, SIZE - sentA)));
    else if (!closedA) closedA = a.tcp.shutdown(client) === 0;
    if (server >= 0) {
      if (sentB < SIZE) sentB += Math.max(0, b.tcp.send(server, outB, sentB, Math.min(5000, SIZE - sentB)));
      else if (!closedB) closedB = b.tcp.shutdown(server) === 0;
      gotB += Math.max(0, b.tcp.receive(server, inB, gotB, SIZE - gotB));
    }
    gotA += Math.max(0, a.tcp.receive(client, inA, gotA, SIZE - gotA));
  };
  while (pair.clock.t - start < maxMs && !(gotA === SIZE && gotB === SIZE && a.tcp.state(client) === TcpState.CLOSED &&
    b.tcp.state(server) === TcpState.CLOSED)) {
    pair.run(10, step);
  }
  const elapsed = pair.clock.t - start;
  t.is(gotA, SIZE, 'A received everything');
  t.is(gotB, SIZE, 'B received everything');
  t.true(Buffer.from(inA).equals(Buffer.from(outB)), 'B → A byte for byte');
  t.true(Buffer.from(inB).equals(Buffer.from(outA)), 'A → B byte for byte');
  t.is(a.tcp.state(client), TcpState.CLOSED);
  t.is(b.tcp.state(server), TcpState.CLOSED);
  t.is(a.tcp.socketError(client), 0);
  t.is(b.tcp.socketError(server), 0);
  t.is(a.events.take(client) & TcpEvent.ERROR, 0);
  a.tcp.release(client);
  b.tcp.release(server);
  b.tcp.unlisten(listener);
  const timeWait = a.tcp.timeWait.count + b.tcp.timeWait.count;
  t.true(timeWait >= 1 && timeWait <= 2, 'one TIME_WAIT record per active closer');
  a.leakCheck(t, a.tcp.timeWait.count);
  b.leakCheck(t, b.tcp.timeWait.count);
  return elapsed;
}

test('back to back: 256 KB each way, byte for byte, clean close', (t) => {
  const pair = new Pair();
  const ms = transfer(t, pair, 600000);
  t.log('virtual time ' + ms + ' ms; A sent ' + pair.a.stat('tcpOut') + ' segments, retransmits ' + pair.a.stat('tcpRetransmits'));
  t.is(pair.a.stat('tcpRetransmits') + pair.b.stat('tcpRetransmits'), 0, 'no loss, no retransmission');
});

test('back to back with 3% loss both ways: retransmission, fast recovery and reassembly still deliver every byte', (t) => {
  const pair = new Pair({ userTimeout: 0, dataRetries: 20 });
  let x = 987654321;
  pair.filter = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % 100 >= 3;
  };
  const ms = transfer(t, pair, 3600000);
  const stat = (name: string) => pair.a.stat(name) + pair.b.stat(name);
  t.log('virtual time ' + ms + ' ms; retransmits ' + stat('tcpRetransmits') + ', fast ' + stat('tcpFastRetransmits') +
    ', RTO ' + stat('tcpRtoTimeouts') + ', out of order ' + stat('tcpOutOfOrder'));
  t.true(stat('tcpRetransmits') > 0);
  t.true(stat('tcpOutOfOrder') > 0);
});

test('back to back with small buffers and Nagle off', (t) => {
  const pair = new Pair({ sendBuffer: 700, receiveBuffer: 600, noDelay: true, mss: 536 });
  transfer(t, pair, 1200000);
});
