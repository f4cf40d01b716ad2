import test, { ExecutionContext } from 'ava';
import { LinkCounters, LinkOptions } from '../../sim/link';
import { buildNetwork, stat } from '../seeds/network';
import { exchange, pattern, sameBytes, settleAndCheck } from './flows';

/**
 * Whole stacks over the simulated link (Stack + Net + SimNic, no mocks): a handshake and an
 * echo closed in both orders, then 1 MB each way at once over a clean link, under 10% and 30%
 * loss in both directions, with reordering and duplication, through a bandwidth cap with a short
 * queue, and with corrupted frames.
 */

const CLIENT = '192.0.2.2';
const SERVER = '192.0.2.9';
const PORT = 7;

function pair(seed: number, link: LinkOptions, capture: string) {
  const network = buildNetwork({
    seed, link: Object.assign({ delay: 1 }, link), capture,
    hosts: [{ name: 'client', ip: CLIENT }, { name: 'server', ip: SERVER }],
  });
  return { network, client: network.host('client'), server: network.host('server') };
}

for (const closer of ['client', 'server']) {
  test(`handshake, 10 KB echo byte for byte, graceful close with the ${closer} closing first`, (t) => {
    const { network, client, server } = pair(11, {}, 'echo-' + closer + '-closes');
    const data = pattern(10 * 1024, 1);
    const flow = exchange(client, server, PORT, data, new Uint8Array(0), true);
    t.true(network.runUntil(() => flow.toClient.length === data.length, 5000), 'echo complete');
    t.deepEqual(flow.clientEvents, ['connect']);
    t.is(stat(client, 'tcpEstablished'), 1);
    t.is(stat(server, 'tcpEstablished'), 1);
    if (closer === 'client') flow.client.end();
    else (flow.server as NonNullable<typeof flow.server>).end();
    t.true(network.runUntil(flow.closed, 5000), 'both sides closed');
    sameBytes(t, flow.toServer, data, 'to the server');
    sameBytes(t, flow.toClient, data, 'echoed back');
    t.deepEqual(flow.errors, []);
    t.deepEqual(flow.clientEvents, ['connect', 'end', 'close']);
    t.deepEqual(flow.serverEvents, ['end', 'close']);
    // The side that closed first holds TIME_WAIT; the other side's slot went back at LAST_ACK.
    const active = closer === 'client' ? client : server;
    const passive = closer === 'client' ? server : client;
    t.is(active.stack.tcp.timeWait.count, 1, closer + ' holds TIME_WAIT');
    t.is(passive.stack.tcp.timeWait.count, 0);
    settleAndCheck(t, network);
  });
}

/** 1 MB each way at once; returns the virtual time it took and the link's counters. */
function bulk(t: ExecutionContext, seed: number, link: LinkOptions, name: string, limit: number): { elapsed: number; link: LinkCounters } {
  const { network, client, server } = pair(seed, link, name);
  const up = pattern(1 << 20, seed);
  const down = pattern(1 << 20, seed + 1000);
  const started = network.now;
  const flow = exchange(client, server, PORT, up, down);
  const done = network.runUntil(flow.closed, limit, 10);
  const elapsed = network.now - started;
  t.true(done, name + ': finished within ' + limit + ' virtual ms (errors ' + flow.errors.join() + ')');
  t.deepEqual(flow.errors, []);
  sameBytes(t, flow.toServer, up, name + ' up');
  sameBytes(t, flow.toClient, down, name + ' down');
  t.log(name + ': ' + elapsed + ' virtual ms; retransmits', stat(client, 'tcpRetransmits') + stat(server, 'tcpRetransmits'),
    'fast', stat(client, 'tcpFastRetransmits') + stat(server, 'tcpFastRetransmits'),
    'link', JSON.stringify(network.link.totals()));
  settleAndCheck(t, network);
  return { elapsed, link: network.link.totals() };
}

test('1 MB each way at once over a clean link', (t) => {
  bulk(t, 21, {}, 'bulk-clean', 60000);
});

test('1 MB each way at once with 10% loss in both directions', (t) => {
  bulk(t, 22, { loss: 0.1 }, 'bulk-loss10', 600000);
});

test('1 MB each way at once with 30% loss in both directions', (t) => {
  bulk(t, 23, { loss: 0.3 }, 'bulk-loss30', 3600000);
});

test('reordering (20% held back 5-20 ms) and duplication (10%): exact delivery', (t) => {
  // reorderDelay is fixed per link; jitter (which never reorders by itself) spreads the held-back frames over 5-20 ms.
  bulk(t, 24, { reorder: 0.2, reorderDelay: 5, jitter: 15, duplicate: 0.1 }, 'bulk-reorder-dup', 600000);
});

test('a 100 kB/s link with a 2-frame queue and 20 ms delay: tail drops are recovered, delivery stays exact', (t) => {
  const result = bulk(t, 26, { bandwidth: 100000, queueLimit: 2, delay: 20 }, 'bulk-bottleneck', 600000);
  t.true(result.link.queueDrops > 0, 'the queue overflowed ' + result.link.queueDrops + ' times');
  // 1 MB each way through 100 kB/s each way cannot take less than about 10.5 s.
  t.true(result.elapsed >= 10000, 'the cap held: ' + result.elapsed + ' ms');
});

test('corruption (5%): corrupted frames are dropped and counted, delivery stays exact', (t) => {
  const { network, client, server } = pair(25, { corrupt: 0.05 }, 'bulk-corrupt');
  const up = pattern(1 << 20, 5);
  const down = pattern(1 << 20, 6);
  const flow = exchange(client, server, PORT, up, down);
  t.true(network.runUntil(flow.closed, 600000, 10), 'finished');
  t.deepEqual(flow.errors, []);
  sameBytes(t, flow.toServer, up, 'up');
  sameBytes(t, flow.toClient, down, 'down');
  const corrupted = network.link.totals().corrupted;
  let dropped = 0;
  for (const device of [client, server]) {
    for (const name of ['dropFrameShort', 'dropEtherType', 'dropNotForUs', 'dropIpVersion', 'dropIpHeaderLength',
      'dropIpChecksum', 'dropIpTotalLength', 'dropIpFragment', 'dropIpNotForUs', 'dropIpProtocol', 'dropTcpChecksum',
      'dropTcpHeaderLength', 'dropArpMalformed']) {
      dropped += stat(device, name);
    }
  }
  t.log('corrupted', corrupted, 'dropped', dropped, 'TCP checksum', stat(client, 'dropTcpChecksum') + stat(server, 'dropTcpChecksum'));
  t.true(corrupted > 50, 'the link corrupted ' + corrupted + ' frames');
  t.true(stat(client, 'dropTcpChecksum') + stat(server, 'dropTcpChecksum') > 0, 'TCP checksum errors counted');
  // A flipped bit in a MAC address can turn a frame into one for nobody (or a multicast), and a
  // flip in the ARP/Ethernet padding goes unnoticed; every other corruption is a counted drop.
  t.true(dropped <= corrupted && dropped >= corrupted * 0.8, 'drops ' + dropped + ' account for corruption ' + corrupted);
  settleAndCheck(t, network);
});
