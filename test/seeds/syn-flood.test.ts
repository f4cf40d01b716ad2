import test from 'ava';
import { Socket } from '../../firmware/api/net';
import { parseIp } from '../../firmware/wire/ip-address';
import { Network, assertBackToStart, resourceCounts, stat } from './network';
import { ACK, SYN } from '../tcp/harness';
import { RawPeer } from './raw-peer';

/**
 * A SYN flood of 10,000 spoofed sources at line rate while a real client connects. The SYN queue
 * holds a few half-open records; once it is full the listener answers with SYN cookies
 * (RFC 4987 3.6), keeping no state, so the flood fills nothing and the real client's ACK, which
 * carries the cookie back, is enough to open its connection.
 *
 * The flood comes from off-link addresses (as spoofed floods do), so the device answers through
 * its gateway; the RawPeer is that gateway and swallows the answers, counting them.
 */

const DEVICE = '192.0.2.2';
const CLIENT = '192.0.2.9';
const GATEWAY = '192.0.2.1';
const PORT = 80;
const FLOOD = 10000;
/** 100 Mbit/s Ethernet carries 148,810 minimum-size frames a second: 149 per virtual millisecond. */
const SYNS_PER_MS = 149;

test('a SYN flood of 10,000 spoofed sources at line rate cannot keep a real client out', (t) => {
  const network = new Network({ delay: 1, seed: 41 });
  const device = network.add('device', DEVICE, { gateway: GATEWAY });
  const client = network.add('client', CLIENT);
  const gateway = parseIp(GATEWAY);
  const onLink = parseIp(DEVICE) >>> 8;
  const raw = new RawPeer(network.link, 60, (address) => address === gateway || address >>> 8 !== onLink);
  const served: string[] = [];
  device.net.createServer((socket: Socket) => {
    socket.on('data', (chunk: Uint8Array) => socket.end(chunk));
    socket.on('error', () => undefined);
  }).listen(PORT);
  const deviceIp = parseIp(DEVICE);
  const startMemory = device.stack.memory().total;
  let peakSynQueue = 0;
  let sent = 0;
  let clientStarted = false;
  let reply = '';
  let clientError = '';
  while (sent < FLOOD) {
    for (let i = 0; i < SYNS_PER_MS && sent < FLOOD; i++, sent++) {
      // 198.18.0.0/15 (RFC 2544's benchmarking range): 10,000 distinct sources, random-looking ports and ISNs.
      const source = (0xc6120000 + sent * 7) >>> 0;
      raw.segment(device.nic.mac, {
        srcIp: source, dstIp: deviceIp, srcPort: 1024 + ((sent * 7919) % 60000), dstPort: PORT,
        seq: Math.imul(sent + 1, 0x9e3779b1) >>> 0, flags: SYN, mss: 1460,
      });
    }
    if (!clientStarted && sent >= FLOOD / 2) {
      // Halfway through the flood, when the SYN queue has long been full.
      clientStarted = true;
      const socket = client.net.connect({ host: DEVICE, port: PORT }, () => socket.write('real client'));
      socket.on('data', (chunk: Uint8Array) => { reply += String.fromCharCode.apply(null, Array.from(chunk)); });
      socket.on('end', () => served.push(reply));
      socket.on('error', (error: { code: string }) => { clientError = error.code; });
    }
    network.run(1);
    if (device.stack.tcp.synQueue.count > peakSynQueue) peakSynQueue = device.stack.tcp.synQueue.count;
    t.is(device.stack.memory().total, startMemory);
  }
  const floodEnded = network.now;
  t.true(network.runUntil(() => served.length === 1 || clientError !== '', 10000), 'the real client finished');
  t.is(clientError, '');
  t.deepEqual(served, ['real client'], 'connected and echoed during the flood');
  network.run(10);
  const answers = raw.take();
  const synAcks = answers.filter((s) => s.flags === (SYN | ACK)).length;
  const counts = resourceCounts(device);
  // The first answers wait for the gateway's ARP reply, and the ARP queue holds only a few frames.
  t.true(synAcks + counts.arpQueueDrops >= FLOOD,
    'every spoofed SYN answered or its answer counted as dropped (' + synAcks + ' SYN+ACKs, ' + counts.arpQueueDrops + ' ARP queue drops)');
  t.is(peakSynQueue, device.stack.config.synQueue, 'the SYN queue filled and stayed bounded');
  t.is(counts.tcpSynQueueFull, FLOOD + 1 - device.stack.config.synQueue, 'every SYN after the queue filled was answered with a cookie');
  t.is(counts.tcpSynCookiesSent, counts.tcpSynQueueFull);
  t.is(counts.tcpSynCookiesAccepted, 1, 'the real client came in on a cookie');
  t.is(stat(device, 'tcpPassiveOpens'), 1);
  // The flood's half-open records give up after their SYN+ACK retransmissions.
  t.true(network.runUntil(() => device.stack.tcp.synQueue.count === 0, 120000, 100), 'half-open records expired');
  t.is(stat(device, 'tcpSynQueueTimeouts'), device.stack.config.synQueue);
  t.log('SYN flood of', FLOOD, 'in', floodEnded, 'virtual ms:', JSON.stringify(counts), 'SYN+ACKs to spoofed sources', synAcks,
    ', SYN-queue timeouts', stat(device, 'tcpSynQueueTimeouts'), ', memory', startMemory, 'of budget', device.stack.config.memoryBudget, 'throughout');
  // The device answered and closed first: it holds that connection's TIME_WAIT record.
  assertBackToStart(t, device, 1);
  assertBackToStart(t, client, 0);
});
