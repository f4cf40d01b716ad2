import test, { ExecutionContext } from 'ava';
import { Socket } from '../../firmware/api/net';
import { statNames } from '../../firmware/stats';
import { W5500Counter } from '../../hal/drivers/w5500';
import { VirtualClock } from '../../sim/clock';
import { Link } from '../../sim/link';
import { BoardOptions, Collector, DEVICE_IP, Peer, W5500Board, echo, handshake, leakCheck, pattern, pump, runUntil, sameBytes } from './w5500-harness';

const MEGABYTE = 1 << 20;

function stat(stats: Uint32Array, name: string): number {
  return stats[statNames().indexOf(name)];
}

interface Run {
  clock: VirtualClock;
  link: Link;
  board: W5500Board;
  peer: Peer;
}

function setUp(t: ExecutionContext, options: BoardOptions = {}, peerConfig: { [field: string]: unknown } = {}): Run {
  const clock = new VirtualClock();
  const link = new Link(clock, { delay: 0.2 });
  const board = new W5500Board(clock, link, options);
  const peer = new Peer(clock, link, peerConfig);
  t.true(board.start(), 'the driver brings the chip up');
  return { clock, link, board, peer };
}

/** Stops both hosts, lets the link drain, and checks for leaks and for driver misuse of the chip. */
function tearDown(t: ExecutionContext, run: Run): void {
  run.board.stop();
  run.peer.host.stop();
  run.clock.run();
  t.is(run.clock.pending(), 0, 'simulation drained');
  leakCheck(t, run.board.stack, run.board.memoryAtStart, 'device');
  t.deepEqual(run.board.model.faults, [], 'the driver did nothing the datasheet forbids');
  t.is(run.board.driver.counters[W5500Counter.chipTimeouts], 0, 'no chip timeouts');
}

test('handshake over the W5500: the peer connects to the device and both see the connection', (t) => {
  const run = setUp(t);
  handshake(t, run.clock, run.board.net, run.peer.net, DEVICE_IP);
  t.true(run.board.driver.counters[W5500Counter.framesReceived] >= 3, 'ARP and the handshake came in through the chip');
  t.true(run.board.driver.counters[W5500Counter.framesSent] >= 3, 'and went out through it');
  tearDown(t, run);
});

test('1 MB each way through the echo server, byte for byte, pointers wrapping many times', (t) => {
  const run = setUp(t, { model: { openPointer: 0xfe00 } });
  const data = pattern(MEGABYTE, 5);
  const flow = echo(run.board.net, run.peer.net, DEVICE_IP, data);
  const ms = runUntil(run.clock, () => flow.closed.client && flow.closed.server, 600000);
  sameBytes(t, flow.received, data);
  t.deepEqual(flow.errors, []);
  const counters = run.board.driver.counters;
  t.is(counters[W5500Counter.rxResyncs], 0);
  t.is(counters[W5500Counter.txDropped], 0);
  t.is(run.board.model.rxOverflows, 0);
  t.log('virtual ' + ms + ' ms; frames in ' + counters[W5500Counter.framesReceived] + ', out ' +
    counters[W5500Counter.framesSent] + '; SPI transactions ' + run.board.spi.transactions + ', bytes ' + run.board.spi.bytes);
  tearDown(t, run);
});

test('frames landing while the host reads Sn_RX_RSR tear single reads; reading until stable loses nothing', (t) => {
  const run = setUp(t, { model: { arrivalSpacing: 3 } });
  const data = pattern(256 * 1024, 6);
  const flow = echo(run.board.net, run.peer.net, DEVICE_IP, data);
  runUntil(run.clock, () => flow.closed.client && flow.closed.server, 600000);
  sameBytes(t, flow.received, data);
  t.true(run.board.model.tornReads > 0, 'the model tore ' + run.board.model.tornReads + ' reads');
  t.is(run.board.driver.counters[W5500Counter.rxResyncs], 0, 'no torn value reached the frame walk');
  run.board.model.flushArrivals();
  tearDown(t, run);
});

test('cable out for 3 s in the middle of 1 MB: the stack sees link down, TCP retransmits, the transfer completes', (t) => {
  const run = setUp(t);
  const data = pattern(MEGABYTE, 7);
  const flow = echo(run.board.net, run.peer.net, DEVICE_IP, data);
  runUntil(run.clock, () => flow.received.length >= data.length / 3, 600000);
  t.true(flow.received.length < data.length, 'pulled mid-transfer');
  run.board.model.cable = false;
  runUntil(run.clock, () => false, 100);
  t.false(run.board.driver.linkUp(), 'the driver reports link down from PHYCFGR');
  runUntil(run.clock, () => false, 2900);
  run.board.model.cable = true;
  runUntil(run.clock, () => flow.closed.client && flow.closed.server, 600000);
  t.true(run.board.driver.linkUp());
  sameBytes(t, flow.received, data);
  t.deepEqual(flow.errors, []);
  t.true(stat(run.board.stack.stats, 'dropLinkDown') > 0 || run.board.model.linkDrops > 0, 'the outage cost frames');
  t.true(stat(run.peer.stack.stats, 'tcpRetransmits') + stat(run.board.stack.stats, 'tcpRetransmits') > 0, 'TCP retransmitted');
  tearDown(t, run);
});

test('cable out for longer than the user timeout: both ends fail with ETIMEDOUT and free everything', (t) => {
  const run = setUp(t, { config: { userTimeout: 20000 } }, { userTimeout: 20000 });
  const data = pattern(MEGABYTE, 8);
  const flow = echo(run.board.net, run.peer.net, DEVICE_IP, data);
  runUntil(run.clock, () => flow.received.length >= data.length / 4, 600000);
  run.board.model.cable = false;
  runUntil(run.clock, () => flow.closed.client && flow.closed.server, 120000);
  run.board.model.cable = true;
  t.true(flow.closed.client && flow.closed.server, 'both sockets closed');
  t.deepEqual(flow.errors.sort(), ['client ETIMEDOUT', 'server ETIMEDOUT']);
  t.true(flow.received.length < data.length);
  leakCheck(t, run.peer.stack, run.peer.stack.memory(), 'peer');
  tearDown(t, run);
});

test('RX buffer overflow in the chip: a 32 KB window into a 16 KB buffer drained every 20 ms drops frames, TCP recovers', (t) => {
  const big = { sockets: 2, sendBuffer: 32768, receiveBuffer: 32768, memoryBudget: 1 << 20 };
  const run = setUp(t, { config: big, pollInterval: 20 }, big);
  const data = pattern(MEGABYTE, 9);
  const server = run.board.net.createServer((socket: Socket) => {
    received.attach(socket);
    socket.on('close', () => {
      serverClosed = true;
      server.close();
    });
  });
  server.listen(9);
  let serverClosed = false;
  let clientClosed = false;
  const received = new Collector(data.length);
  const client = run.peer.net.connect({ host: DEVICE_IP, port: 9 }, () => pump(client, data, 8192));
  client.on('close', () => {
    clientClosed = true;
  });
  runUntil(run.clock, () => clientClosed && serverClosed, 600000);
  sameBytes(t, received, data);
  t.true(run.board.model.rxOverflows > 0, 'the chip dropped ' + run.board.model.rxOverflows + ' frames');
  t.true(stat(run.peer.stack.stats, 'tcpRetransmits') > 0, 'the peer retransmitted');
  tearDown(t, run);
});
