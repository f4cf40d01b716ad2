import test from 'ava';
import { DhcpState } from '../../firmware/dhcp';
import { statNames } from '../../firmware/stats';
import { formatIp } from '../../firmware/wire/ip-address';
import { Stm32EthCounter } from '../../hal/drivers/stm32-eth';
import { macFor } from '../../sim/host';
import { DhcpServer } from '../../sim/servers/dhcp-server';
import { UdpHost } from '../../sim/servers/udp-host';
import { DEVICE_IP, echo, handshake, pattern, runUntil, sameBytes } from './w5500-harness';
import { OUR_MAC, setUpRun, tearDownRun } from './stm32-eth-harness';
import { stm32f4discoveryEth } from '../../boards/common/profiles';

const MEGABYTE = 1 << 20;

function stat(stats: Uint32Array, name: string): number {
  return stats[statNames.indexOf(name)];
}

test('DHCP over the on-chip MAC: DISCOVER, OFFER, REQUEST, ACK through the rings, then echo to the leased address', (t) => {
  const run = setUpRun({}, { ip: '0.0.0.0', dhcp: true, dhcpFallbackAfter: 0 });
  const server = new UdpHost(run.link, macFor(200), '192.0.2.1');
  const dhcp = new DhcpServer(server, { poolStart: '192.0.2.100', router: '192.0.2.1', leaseSeconds: 600 }, () => run.clock.now());
  const client = run.board.stack.dhcp!;
  runUntil(run.clock, () => client.state === DhcpState.BOUND, 60000);
  t.is(client.state, DhcpState.BOUND);
  t.is(formatIp(client.leaseIp), '192.0.2.100');
  t.is(dhcp.count('out', 5), 1, 'one ACK');
  const data = pattern(64 * 1024, 30);
  const flow = echo(run.board.net, run.peer.net, '192.0.2.100', data);
  runUntil(run.clock, () => flow.closed.client && flow.closed.server, 600000);
  sameBytes(t, flow.received, data);
  t.deepEqual(flow.errors, []);
  server.nic.receiver = null;
  tearDownRun(t, run);
});

test('handshake over the on-chip MAC: ARP and the connection go through the descriptor rings', (t) => {
  const run = setUpRun();
  handshake(t, run.clock, run.board.net, run.peer.net, DEVICE_IP);
  t.true(run.board.nic.counters[Stm32EthCounter.framesReceived] >= 3);
  t.true(run.board.nic.counters[Stm32EthCounter.framesSent] >= 3);
  tearDownRun(t, run);
});

test('1 MB each way through the echo server over the on-chip MAC, byte for byte, the rings wrapping hundreds of times', (t) => {
  const run = setUpRun();
  const data = pattern(MEGABYTE, 31);
  const flow = echo(run.board.net, run.peer.net, DEVICE_IP, data);
  const ms = runUntil(run.clock, () => flow.closed.client && flow.closed.server, 600000);
  sameBytes(t, flow.received, data);
  t.deepEqual(flow.errors, []);
  const counters = run.board.nic.counters;
  t.is(counters[Stm32EthCounter.rxErrors], 0);
  t.is(counters[Stm32EthCounter.txDropped], 0);
  runUntil(run.clock, () => false, 60);
  t.is(counters[Stm32EthCounter.rxMissed] + counters[Stm32EthCounter.rxOverflows], run.model.missedNoDescriptor + run.model.fifoOverflows,
    'every frame the DMA lost is counted by the driver');
  t.log('virtual ' + ms + ' ms; frames in ' + counters[Stm32EthCounter.framesReceived] + ', out ' + counters[Stm32EthCounter.framesSent] +
    '; missed ' + counters[Stm32EthCounter.rxMissed] + '; register accesses ' + run.model.accesses);
  tearDownRun(t, run);
});

test('the STM32F4 Discovery as flashed (2 receive and 1 transmit descriptor, its memory configuration): 1 MB each way intact', (t) => {
  const profile = stm32f4discoveryEth;
  const wiring = profile.eth!;
  const run = setUpRun({ phyAddress: wiring.phyAddress, pins: wiring.pins }, Object.assign({}, profile.config, { ip: DEVICE_IP, dhcp: false }),
    {}, 1, { pins: wiring.pins, phyAddress: wiring.phyAddress, rxDescriptors: wiring.rxDescriptors, txDescriptors: wiring.txDescriptors });
  const data = pattern(MEGABYTE, 32);
  const flow = echo(run.board.net, run.peer.net, DEVICE_IP, data);
  const ms = runUntil(run.clock, () => flow.closed.client && flow.closed.server, 900000);
  sameBytes(t, flow.received, data);
  t.deepEqual(flow.errors, []);
  const counters = run.board.nic.counters;
  t.is(counters[Stm32EthCounter.txDropped], 0);
  t.log('virtual ' + ms + ' ms; frames in ' + counters[Stm32EthCounter.framesReceived] + ', missed ' + run.model.missedNoDescriptor +
    ', transmit waits ' + counters[Stm32EthCounter.txWaits]);
  tearDownRun(t, run);
});

test('a flood of frames overruns the receive ring mid-transfer: the DMA discards and counts, the driver resumes it, the link stays up, TCP completes', (t) => {
  const big = { sockets: 2, sendBuffer: 16384, receiveBuffer: 16384, memoryBudget: 1 << 20 };
  const run = setUpRun({}, big, big, 20);
  const flooder = run.link.attach({ deliver() {} });
  const junk = pattern(1000, 40);
  junk.set(OUR_MAC, 0);
  junk[12] = 0x88;
  junk[13] = 0xb5;
  const data = pattern(256 * 1024, 41);
  const flow = echo(run.board.net, run.peer.net, DEVICE_IP, data);
  let bursts = 0;
  runUntil(run.clock, () => {
    if (bursts < 50 && run.clock.now() % 100 < 10) {
      bursts++;
      for (let i = 0; i < 20; i++) run.link.transmit(flooder, junk, junk.length);
    }
    return flow.closed.client && flow.closed.server;
  }, 600000);
  sameBytes(t, flow.received, data);
  t.deepEqual(flow.errors, []);
  const counters = run.board.nic.counters;
  t.true(run.model.missedNoDescriptor > 0, 'the DMA discarded ' + run.model.missedNoDescriptor + ' frames');
  t.is(counters[Stm32EthCounter.rxMissed], run.model.missedNoDescriptor, 'and the driver counted each');
  t.true(counters[Stm32EthCounter.rxResumes] > 0);
  t.is(counters[Stm32EthCounter.linkDrops], 0, 'the link never dropped');
  t.true(run.board.nic.linkUp());
  tearDownRun(t, run);
});

test('cable out for 3 s in the middle of 1 MB: the PHY reports the link down, TCP retransmits, the connection survives', (t) => {
  const run = setUpRun();
  const data = pattern(MEGABYTE, 42);
  const flow = echo(run.board.net, run.peer.net, DEVICE_IP, data);
  runUntil(run.clock, () => flow.received.length >= data.length / 3, 600000);
  t.true(flow.received.length < data.length, 'pulled mid-transfer');
  run.model.setCable(false);
  runUntil(run.clock, () => false, 100);
  t.false(run.board.nic.linkUp(), 'the driver reports link down');
  runUntil(run.clock, () => false, 2900);
  run.model.setCable(true);
  runUntil(run.clock, () => flow.closed.client && flow.closed.server, 600000);
  t.true(run.board.nic.linkUp());
  sameBytes(t, flow.received, data);
  t.deepEqual(flow.errors, []);
  t.is(run.board.nic.counters[Stm32EthCounter.linkDrops], 1);
  t.true(stat(run.board.stack.stats, 'dropLinkDown') > 0 || run.model.lostLinkDown > 0, 'the outage cost frames');
  t.true(stat(run.peer.stack.stats, 'tcpRetransmits') + stat(run.board.stack.stats, 'tcpRetransmits') > 0, 'TCP retransmitted');
  tearDownRun(t, run);
});

test('a slow wire fills the transmit ring during a bulk send: transmit() waits, and every frame handed to the driver reaches the wire', (t) => {
  const big = { sockets: 2, sendBuffer: 16384, receiveBuffer: 16384, memoryBudget: 1 << 20 };
  const run = setUpRun({ txLatency: 25 }, big, big);
  const data = pattern(MEGABYTE / 2, 43);
  const flow = echo(run.board.net, run.peer.net, DEVICE_IP, data);
  runUntil(run.clock, () => flow.closed.client && flow.closed.server, 600000);
  sameBytes(t, flow.received, data);
  const counters = run.board.nic.counters;
  t.true(counters[Stm32EthCounter.txWaits] > 100, counters[Stm32EthCounter.txWaits] + ' sends waited for a descriptor');
  t.is(counters[Stm32EthCounter.txDropped], 0, 'none dropped');
  tearDownRun(t, run);
  t.is(run.model.transmitted, counters[Stm32EthCounter.framesSent], 'the wire carried every frame the driver took');
  t.is(counters[Stm32EthCounter.txErrors], 0, 'no frame left with an error status');
});
