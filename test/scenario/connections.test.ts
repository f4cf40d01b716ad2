import test from 'ava';
import { Socket } from '../../firmware/api/net';
import { Stat } from '../../firmware/stats';
import { TcpState } from '../../firmware/tcp/state';
import { buildNetwork, stat } from '../seeds/network';
import { Collector, pattern, sameBytes, settleAndCheck } from './flows';

/**
 * Whole stacks over the simulated link: the zero window through the API, simultaneous open and
 * simultaneous close, and the first packet to a host whose MAC is not known yet.
 */

const A = '192.0.2.2';
const B = '192.0.2.9';

function twoHosts(seed: number, capture: string) {
  const network = buildNetwork({ seed, link: { delay: 1 }, capture, hosts: [{ name: 'a', ip: A }, { name: 'b', ip: B }] });
  return { network, a: network.host('a'), b: network.host('b') };
}

test('zero window: a paused reader closes the window, the writer sees write() false and probes, resume() delivers all in order and drain fires', (t) => {
  const { network, a, b } = twoHosts(31, 'zero-window');
  const data = pattern(64 * 1024, 31);
  const got = new Collector(data.length);
  let reader: Socket | null = null;
  const server = b.net.createServer((socket: Socket) => {
    reader = socket;
    socket.pause();
    socket.on('data', (chunk: Uint8Array) => got.take(chunk));
  }).listen(80);
  const writer = a.net.connect({ host: B, port: 80 });
  let drained = 0;
  let accepted = null as boolean | null;
  writer.on('drain', () => drained++);
  writer.on('connect', () => {
    accepted = writer.write(data);
  });
  network.run(10000);
  t.is(accepted, false, 'write() returned false: the data does not fit the send ring');
  t.is(got.length, 0, 'nothing delivered while paused');
  t.is(b.stack.tcp.readable((reader as unknown as Socket).slot), b.stack.config.receiveBuffer, 'the receive ring is full');
  const probes = a.stack.stats[Stat.tcpZeroWindowProbes];
  t.true(probes > 0, 'zero-window probes sent: ' + probes);
  t.is(a.stack.tcp.state(writer.slot), TcpState.ESTABLISHED, 'the connection survives the closed window');
  t.is(drained, 0);
  network.run(20000);
  t.true(a.stack.stats[Stat.tcpZeroWindowProbes] > probes, 'still probing');
  t.is(a.stack.stats[Stat.tcpRetransmitAborts], 0, 'probes answered are not retransmissions that time out');
  (reader as unknown as Socket).resume();
  t.true(network.runUntil(() => got.length === data.length && drained > 0, 10000), 'everything delivered after resume');
  sameBytes(t, got, data, 'after the window reopened');
  t.is(drained, 1, "'drain' once");
  writer.end();
  t.true(network.runUntil(() => writer.destroyed && (reader as unknown as Socket).destroyed, 5000));
  server.close();
  settleAndCheck(t, network);
});

test('simultaneous open from fixed local ports in the same tick, then simultaneous close in the same tick', (t) => {
  const { network, a, b } = twoHosts(32, 'simultaneous');
  // Both ARP caches warm, so both SYNs leave at once and cross on the wire.
  const warm = a.net.connect({ host: B, port: 9 });
  warm.on('error', () => undefined);
  network.run(100);
  const events: string[] = [];
  const fromA = a.net.connect({ host: B, port: 5002, localPort: 5001 });
  const fromB = b.net.connect({ host: A, port: 5001, localPort: 5002 });
  const gotA = new Collector(5);
  const gotB = new Collector(5);
  for (const [name, socket, got] of [['a', fromA, gotA], ['b', fromB, gotB]] as [string, Socket, Collector][]) {
    socket.on('connect', () => events.push(name + ' connect'));
    socket.on('data', (chunk: Uint8Array) => got.take(chunk));
    socket.on('end', () => events.push(name + ' end'));
    socket.on('close', (hadError: boolean) => events.push(name + ' close' + (hadError ? ' with error' : '')));
    socket.on('error', (e: { code: string }) => events.push(name + ' error ' + e.code));
  }
  network.run(1.5);
  t.is(a.stack.tcp.state(fromA.slot), TcpState.SYN_RECEIVED, 'the SYNs crossed: a in SYN_RECEIVED');
  t.is(b.stack.tcp.state(fromB.slot), TcpState.SYN_RECEIVED, 'b in SYN_RECEIVED');
  t.true(network.runUntil(() => events.length === 2, 5000), 'both connected');
  t.deepEqual(events.sort(), ['a connect', 'b connect']);
  t.is(stat(a, 'tcpPassiveOpens') + stat(b, 'tcpPassiveOpens'), 0, 'no listener involved');
  t.true(stat(a, 'tcpActiveOpens') >= 1 && stat(b, 'tcpActiveOpens') === 1);
  t.is(stat(a, 'tcpRstOut') + stat(b, 'tcpRstOut'), 1, 'only the warm-up connection was refused');
  fromA.write('hello');
  fromB.write('world');
  t.true(network.runUntil(() => gotA.length === 5 && gotB.length === 5, 1000));
  t.is(Buffer.from(gotA.bytes).toString('latin1'), 'world');
  t.is(Buffer.from(gotB.bytes).toString('latin1'), 'hello');

  events.length = 0;
  fromA.end();
  fromB.end();
  network.run(1.5);
  t.is(a.stack.tcp.state(fromA.slot), TcpState.CLOSING, 'the FINs crossed: a in CLOSING');
  t.is(b.stack.tcp.state(fromB.slot), TcpState.CLOSING, 'b in CLOSING');
  t.true(network.runUntil(() => events.length === 4, 5000), 'both closed');
  t.deepEqual(events.sort(), ['a close', 'a end', 'b close', 'b end']);
  // Both FINs crossed: each side went FIN_WAIT_1 → CLOSING → TIME_WAIT (RFC 9293 figure 13).
  t.is(a.stack.tcp.timeWait.count, 1, 'a in TIME_WAIT');
  t.is(b.stack.tcp.timeWait.count, 1, 'b in TIME_WAIT');
  settleAndCheck(t, network);
});

test("a lossy handshake: no round-trip sample from a retransmitted SYN-ACK (Karn), and a new ACK ends the backoff even without a sample", (t) => {
  const { network, a, b } = twoHosts(34, 'lossy-handshake');
  let accepted: Socket | null = null;
  const got = new Collector(100);
  const server = b.net.createServer((socket: Socket) => {
    accepted = socket;
    socket.on('data', (chunk: Uint8Array) => got.take(chunk));
  }).listen(80);
  const warm = a.net.connect({ host: B, port: 9 });
  warm.on('error', () => undefined);
  network.run(100);
  // The first SYN-ACK is lost; the client's retransmitted SYN is answered with a second one.
  network.link.impair({ up: false }, b.nic.port);
  const client = a.net.connect({ host: B, port: 80 });
  network.run(500);
  network.link.impair({ up: true }, b.nic.port);
  t.true(network.runUntil(() => accepted !== null && !client.connecting, 5000));
  t.is(stat(b, 'tcpSynAckRetransmits'), 1, 'the SYN-ACK went out twice');
  t.is(stat(b, 'tcpPassiveOpens'), 1);
  const serverSlot = (accepted as unknown as Socket).slot;
  // RFC 6298 3: the ACK may answer either SYN-ACK, so the ~1 s it took is no round-trip time.
  t.is(b.stack.tcp.slots.srtt8[serverSlot], 0, 'the server took no sample from the ambiguous handshake');
  t.is(a.stack.tcp.slots.srtt8[client.slot], 0, 'nor did the client, whose SYN was retransmitted');

  // Data lost once: the RTO doubles; the retransmission's ACK must end the backoff, and with
  // no estimate yet the RTO goes back to its initial value (RFC 6298 2.1), not stay doubled.
  network.link.impair({ up: false }, a.nic.port);
  client.write(pattern(100, 34));
  network.run(100);
  network.link.impair({ up: true }, a.nic.port);
  t.true(network.runUntil(() => got.length === 100, 10000), 'delivered by the retransmission');
  network.run(a.stack.config.delayedAck + 50);
  t.is(stat(a, 'tcpRtoTimeouts'), 1, 'the data timed out once');
  t.is(a.stack.tcp.slots.retries[client.slot], 0, 'retries cleared');
  t.is(a.stack.tcp.slots.rto[client.slot], a.stack.config.rtoInitial, 'backoff ended');
  client.end();
  t.true(network.runUntil(() => client.destroyed, 5000));
  server.close();
  settleAndCheck(t, network);
});

test('the first packet to a new host waits for ARP and is not lost', (t) => {
  const { network, a, b } = twoHosts(33, 'arp-first-packet');
  let accepted = 0;
  const server = b.net.createServer((socket: Socket) => {
    accepted++;
    socket.end();
  }).listen(80);
  const client = a.net.connect({ host: B, port: 80 });
  let connectedAt = -1;
  const started = network.now;
  client.on('connect', () => {
    connectedAt = network.now;
    client.end();
  });
  t.is(stat(a, 'arpRequestsSent'), 1, 'the SYN waits behind an ARP request');
  t.true(network.runUntil(() => client.destroyed, 5000));
  t.is(accepted, 1);
  t.true(connectedAt - started < a.stack.config.rtoInitial, 'connected in ' + (connectedAt - started) + ' ms: no retransmission needed');
  t.is(stat(a, 'tcpRetransmits'), 0, 'the held SYN went out once ARP resolved');
  t.is(stat(a, 'arpQueueDrops'), 0);
  t.is(stat(a, 'arpResolved'), 1);
  server.close();
  settleAndCheck(t, network);
});
