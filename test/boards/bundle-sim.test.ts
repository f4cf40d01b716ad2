import test, { ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { resolveConfig } from '../../firmware/config';
import { Stack } from '../../firmware/stack';
import { Net, Socket } from '../../firmware/api/net';
import { FakeSpi, SpiChipModel } from '../../sim/chips/fake-spi';
import { W5500Model } from '../../sim/chips/w5500-model';
import { Enc28j60Model } from '../../sim/chips/enc28j60-model';
import { VirtualClock } from '../../sim/clock';
import { Link } from '../../sim/link';
import { SimNic } from '../../sim/sim-nic';
import { SimHost, macFor } from '../../sim/host';
import { NodeHal } from '../../sim/node-hal';
import { EthWiring, boardProfiles, slipMtu } from '../../boards/common/profiles';
import { Stm32EthModel } from '../../sim/chips/stm32-eth-model';
import { SlipNic } from '../../hal/drivers/slip';
import { Uart } from '../../hal/bus';
import { UdpHost } from '../../sim/servers/udp-host';
import { DhcpServer } from '../../sim/servers/dhcp-server';
import { DnsServer } from '../../sim/servers/dns-server';
import { Interpreter, JsNetworkDriver, JsObject } from '../networkjs/interpreter';

/*
 * The built board bundles (dist/, as flashed), run in a fresh context that offers the
 * interpreter's globals they use: E, getTime, process, console, setInterval, getSerial,
 * digitalPulse, require("NetworkJS") and the SPI object, whose send() reaches a register-level
 * chip model on a simulated link. A peer stack on the same link then uses the board's services.
 */

const dist = process.env.DIST_DIR || 'dist';

interface Board {
  clock: VirtualClock;
  logs: string[];
  context: { NET: { [command: string]: () => void } };
  networkJs: JsNetworkDriver | null;
  spiSetup: unknown[];
  pulses: unknown[];
  peer: { stack: Stack; net: Net };
  ip: string;
}

/** The board's bus: an SPI chip model on a link, or (for SLIP) the serial ports' setup, given the context to add them to. */
type Wiring = (context: { [name: string]: unknown }, board: Board, link: Link) => { stack: Stack; net: Net } | void;

/** `invalidPinSetups`: how many setup() calls throw first, as the interpreter does for a pin the chip does not have. */
function spiChip(t: ExecutionContext, name: string, chip: (link: Link, clock: VirtualClock) => SpiChipModel, invalidPinSetups = 0): Wiring {
  const profile = boardProfiles.filter((p) => p.name === name)[0];
  return (context, board, link) => {
    const spi = new FakeSpi(chip(link, board.clock));
    let refusals = invalidPinSetups;
    context[(profile.spi as { bus: string }).bus] = {
      setup: (options: unknown) => {
        if (refusals-- > 0) throw new Error('Invalid pin');
        board.spiSetup.push(options);
      },
      send: (data: Uint8Array, cs: string) => {
        t.is(cs, (profile.spi as { cs: string }).cs);
        const copy = new Uint8Array(data);
        spi.transfer(copy, 0, copy.length);
        return copy;
      },
    };
  };
}

function boot(name: string, wiring: Wiring, espruinoBoard?: string): Board {
  const profile = boardProfiles.filter((p) => p.name === name)[0];
  const clock = new VirtualClock();
  const link = new Link(clock, { seed: 3, delay: 1 });
  const logs: string[] = [];
  const board = { clock, logs, networkJs: null, spiSetup: [], pulses: [] } as unknown as Board;
  let random = 12345;
  const context: { [name: string]: unknown } = {
    E: {
      sum: (values: Uint16Array) => values.reduce((a, b) => a + b, 0),
      hwRand: () => (random = (random * 1103515245 + 12345) >>> 0),
      toUint8Array: (data: string) => new Uint8Array(Buffer.from(data, 'latin1')),
      toString: (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1'),
    },
    getTime: () => clock.now() / 1000,
    process: { memory: () => ({ free: 9000, total: 16383, blocksize: 16 }), env: { BOARD: espruinoBoard || profile.espruinoBoard } },
    console: { log: (line: string) => logs.push(line) },
    setInterval: (callback: () => void, ms: number) => {
      const again = () => {
        clock.after(ms, again);
        callback();
      };
      return clock.after(ms, again);
    },
    getSerial: () => '30aea4071234',
    digitalPulse: (...args: unknown[]) => board.pulses.push(args),
    require: (module: string) => (module === 'NetworkJS' ? { create: (driver: JsNetworkDriver) => (board.networkJs = driver) } :
      module === 'Storage' ? { readJSON: () => undefined } : undefined),
  };
  const serialPeer = wiring(context, board, link);
  context.global = context;
  vm.runInNewContext(fs.readFileSync(path.join(dist, name + '.js'), 'utf8'), context);
  board.context = context as unknown as Board['context'];
  board.ip = profile.config.ip as string;
  if (serialPeer) {
    board.peer = serialPeer;
  } else {
    const nic = new SimNic(link, { mac: macFor(9) });
    const stack = new Stack(resolveConfig({ ip: '192.168.1.9', netmask: '255.255.255.0' }), new NodeHal(clock, 9), nic);
    new SimHost(clock, nic, stack, 10).start();
    board.peer = { stack, net: new Net(stack) };
  }
  return board;
}

function runUntil(board: Board, done: () => boolean, limit: number, idle?: () => void): boolean {
  const end = board.clock.now() + limit;
  while (!done() && board.clock.now() < end) {
    board.clock.runUntil(board.clock.now() + 1);
    if (idle) idle();
  }
  return done();
}

/** Until the board has an address: from the DHCP server if there is one, else its static fallback after one attempt. */
function waitForAddress(t: ExecutionContext, board: Board, expected: RegExp): void {
  const address = () => board.logs.filter((line) => /^dhcp: (bound|no lease)/.test(line))[0];
  t.true(runUntil(board, () => !!address(), 60000), board.logs.join('|'));
  t.regex(address(), expected);
  board.ip = (address().match(/(bound|using) (\d+\.\d+\.\d+\.\d+)/) as RegExpMatchArray)[2];
}

/** The LAN's router on the link: a DHCP server leasing from .100 that names itself as DNS server, which knows the peer. */
function withRouter(wiring: Wiring): Wiring {
  return (context, board, link) => {
    const router = new UdpHost(link, macFor(50), '192.168.1.1');
    new DhcpServer(router, { poolStart: '192.168.1.100', router: '192.168.1.1', dns: '192.168.1.1' }, () => board.clock.now());
    new DnsServer(router, { 'peer.lan': { address: '192.168.1.9' } }, () => board.clock.now());
    return wiring(context, board, link);
  };
}

/** Echo of `length` bytes and one HTTP GET from the peer; returns the HTTP reply. */
/**
 * Traffic with the peer: the demo services (echo and HTTP) where the bundle has them, and for a
 * bundle built without them (firmware/features.ts) the same two exchanges with servers the
 * interpreter's own `net` and `http` run over the bundle's NetworkJS driver, as a user's would.
 */
function exercise(t: ExecutionContext, board: Board, profileName: string): void {
  const profile = boardProfiles.filter((p) => p.name === profileName)[0];
  if (profile.features.withServices === false) {
    const js = new Interpreter(board.networkJs as JsNetworkDriver);
    js.createServer(0, (socket) => (socket as JsObject).on('data', (data) => (socket as JsObject).write(data as string))).listen(7);
    js.createServer(1, (req, res) => (res as JsObject).end('espruino-tcp up 1 s, from the interpreter')).listen(80);
    exchange(t, board, () => js.idle());
    t.deepEqual(js.exceptions, []);
    return;
  }
  exchange(t, board);
}

function exchange(t: ExecutionContext, board: Board, idle?: () => void): void {
  const payload = new Uint8Array(3000).map((_, i) => (i * 13) & 255);
  const echoed: number[] = [];
  let echoClosed = false;
  // The client ends once everything came back: a server of the user's may close when the client does.
  const echo: Socket = board.peer.net.connect({ host: board.ip, port: 7 }, () => echo.write(payload));
  echo.on('data', (data: Uint8Array) => {
    echoed.push(...data);
    if (echoed.length === payload.length) echo.end();
  });
  echo.on('close', () => (echoClosed = true));
  let reply = '';
  let httpClosed = false;
  const http: Socket = board.peer.net.connect({ host: board.ip, port: 80 }, () => http.write('GET / HTTP/1.0\r\n\r\n'));
  http.on('data', (data: Uint8Array) => (reply += Buffer.from(data).toString('latin1')));
  http.on('close', () => (httpClosed = true));
  t.true(runUntil(board, () => echoClosed && httpClosed, 10000, idle), 'echo and HTTP done');
  t.deepEqual(echoed, Array.from(payload));
  t.regex(reply, /^HTTP\/1\.[01] 200 OK[^]*espruino-tcp up \d+ s/);
}

/** A board without DHCP: up at once at its static address. */
function staticAddress(t: ExecutionContext, board: Board): void {
  t.regex(board.logs[0], new RegExp('^up: ' + board.ip.replace(/\./g, '\\.') + ', stack memory'));
}

test('the esp32-w5500 bundle boots on an emulated ESP32, leases an address, serves echo and HTTP, resolves names for net.connect, and answers NET', (t) => {
  const board = boot('esp32-w5500', withRouter(spiChip(t, 'esp32-w5500', (link) => new W5500Model(link))));
  t.true(runUntil(board, () => board.spiSetup.length > 0, 1000), 'the bus is set up at the first bring-up');
  t.deepEqual(board.spiSetup, [{ sck: 'D18', miso: 'D19', mosi: 'D23', baud: 8000000, mode: 0 }]);
  t.deepEqual(board.pulses, [['D4', 0, 1]], 'the W5500 reset pin pulsed low');
  t.regex(board.logs[0], /^up: DHCP, fallback 192\.168\.1\.50, echo on 7, HTTP on 80, stack memory \d+ bytes/);
  waitForAddress(t, board, /^dhcp: bound 192\.168\.1\.100 mask 255\.255\.255\.0 gw 192\.168\.1\.1 dns 192\.168\.1\.1 /);
  exercise(t, board, 'esp32-w5500');
  board.logs.length = 0;
  board.context.NET.nic();
  t.regex(board.logs[0], /^nic link up framesReceived=[1-9]\d* framesSent=[1-9]\d* rxResyncs=0 txDropped=0 chipTimeouts=0$/);
  const js = new Interpreter(board.networkJs as JsNetworkDriver);
  board.peer.net.createServer((socket: Socket) => socket.end('hello from the peer')).listen(4000);
  let greeting = '';
  const socket = js.netConnect({ host: 'peer.lan', port: 4000 });
  socket.on('data', (data) => (greeting += data as string));
  t.true(runUntil(board, () => js.clientConnections.length === 0, 5000, () => js.idle()), 'net.connect by name through DHCP\'s DNS server');
  t.is(greeting, 'hello from the peer');
  t.deepEqual(js.exceptions, []);
  for (const command of ['stat', 'sockets', 'timewait', 'mem']) {
    board.logs.length = 0;
    board.context.NET[command]();
    t.true(board.logs.length > 0 && board.logs.every((line) => !line.startsWith('commands:')), command + ': ' + board.logs.join('|'));
  }
});

test('pins the interpreter rejects are reported once on the console and retried, never thrown; the board comes up once they are accepted', (t) => {
  const board = boot('pico-enc28j60', spiChip(t, 'pico-enc28j60', (link, clock) => new Enc28j60Model(link, clock), 3));
  t.true(runUntil(board, () => board.pulses.length > 0, 10000), 'setup retried until the pins were accepted');
  t.deepEqual(board.logs.filter((line) => line.startsWith('nic:')), ['nic: enc28j60: Invalid pin (retrying)']);
  staticAddress(t, board);
  exercise(t, board, 'pico-enc28j60');
});

test('the pico-enc28j60 bundle boots with an ENC28J60, and the interpreter\'s http runs over its NetworkJS', (t) => {
  const board = boot('pico-enc28j60', spiChip(t, 'pico-enc28j60', (link, clock) => new Enc28j60Model(link, clock)));
  t.true(runUntil(board, () => board.pulses.length > 0, 1000), 'the bus is set up at the first bring-up');
  t.deepEqual(board.pulses, [['B1', 0, 1]]);
  staticAddress(t, board);
  exercise(t, board, 'pico-enc28j60');
  t.truthy(board.networkJs, 'registered with require("NetworkJS").create');
  const js = new Interpreter(board.networkJs as JsNetworkDriver);
  const server = js.createServer(1, (req, res) => (res as JsObject).end('from the interpreter ' + (req as JsObject).url));
  server.listen(8080);
  let reply = '';
  let closed = false;
  const client: Socket = board.peer.net.connect({ host: board.ip, port: 8080 }, () => client.write('GET /x HTTP/1.0\r\n\r\n'));
  client.on('data', (data: Uint8Array) => (reply += Buffer.from(data).toString('latin1')));
  client.on('close', () => (closed = true));
  t.true(runUntil(board, () => closed, 5000, () => js.idle()));
  t.regex(reply, /^HTTP\/1\.0 200 OK\r\n[^]*\r\n\r\nfrom the interpreter \/x$/);
  t.deepEqual(js.exceptions, []);
});

/**
 * The board's serial port as the interpreter offers it ('data' events with strings, write of
 * bytes) joined to a host-side SLIP peer: what the board writes is readable by the peer's UART
 * at once; what the peer writes arrives as one 'data' event 1 ms later.
 */
function slipLine(port: string): Wiring {
  return (context, board) => {
    const toPeer: number[] = [];
    let onData: ((data: string) => void) | null = null;
    const peerUart: Uart = {
      write: (data, offset, length) => {
        const text = Buffer.from(data.subarray(offset, offset + length)).toString('latin1');
        board.clock.after(1, () => onData && onData(text));
      },
      read: (data, offset, length) => {
        const moved = Math.min(length, toPeer.length);
        data.set(toPeer.splice(0, moved), offset);
        return moved;
      },
    };
    context[port] = {
      setup: (baud: number, options: unknown) => board.spiSetup.push([port, baud, options]),
      on: (event: string, handler: (data: string) => void) => (onData = handler),
      write: (data: Uint8Array) => toPeer.push(...data),
    };
    const hal = new NodeHal(board.clock, 9);
    const nic = new SlipNic(peerUart, hal, slipMtu);
    const stack = new Stack(resolveConfig({ ip: '192.168.7.1', netmask: '255.255.255.0', mss: 536 }), hal, nic);
    const poll = () => {
      board.clock.after(1, poll);
      nic.poll(stack);
    };
    const tick = () => {
      board.clock.after(10, tick);
      stack.tick(board.clock.now());
    };
    board.clock.after(1, poll);
    board.clock.after(10, tick);
    return { stack, net: new Net(stack) };
  };
}

test('the slip bundle runs over Serial1 on a Pico and over Serial2 on D16/D17 on an ESP32', (t) => {
  const pico = boot('slip', slipLine('Serial1'));
  t.deepEqual(pico.spiSetup, [['Serial1', 115200, undefined]], 'default pins: no options, so an earlier setup\'s are kept');
  exercise(t, pico, 'slip');
  pico.logs.length = 0;
  pico.context.NET.nic();
  t.regex(pico.logs[0], /^nic link up framesReceived=[1-9]\d* framesSent=[1-9]\d* rxOversize=0 rxBadEscape=0 txDropped=0$/);
  const esp32 = boot('slip', slipLine('Serial2'), 'ESP32');
  t.deepEqual(esp32.spiSetup, [['Serial2', 115200, { rx: 'D16', tx: 'D17' }]]);
  exercise(t, esp32, 'slip');
});

/** The on-chip MAC and its PHY (the register model) behind the interpreter's peek32, poke32 and E.getAddressOf. */
function onChipMac(name: string, models: Stm32EthModel[], chipId: number): Wiring {
  const eth = boardProfiles.filter((p) => p.name === name)[0].eth as EthWiring;
  return (context, board, link) => {
    const model = new Stm32EthModel(link, board.clock, { pins: eth.pins, phyAddress: eth.phyAddress, chipId });
    models.push(model);
    context.peek32 = (address: number) => model.peek32(address) | 0;
    context.poke32 = (address: number, value: number) => model.poke32(address, value);
    (context.E as { getAddressOf?: unknown }).getAddressOf = (array: Uint8Array, flat: boolean) => (flat ? model.addressOf(array) : 0);
  };
}

for (const [name, chipId] of [['nucleo-f767zi-eth', 0x10016451], ['stm32f4discovery-eth', 0x10076413]] as [string, number][]) {
  test('the ' + name + ' bundle drives the on-chip MAC through peek32/poke32 and E.getAddressOf: DHCP, echo, HTTP, NET.nic', (t) => {
    const models: Stm32EthModel[] = [];
    const board = boot(name, withRouter(onChipMac(name, models, chipId)));
    waitForAddress(t, board, /^dhcp: bound 192\.168\.1\.100 /);
    exercise(t, board, name);
    board.logs.length = 0;
    board.context.NET.nic();
    t.regex(board.logs[0], /^nic link up framesReceived=[1-9]\d* framesSent=[1-9]\d* rxErrors=0 rxMissed=\d+ rxOverflows=0 rxResumes=\d+ txWaits=\d+ txDropped=0 txErrors=0 linkDrops=0 chipTimeouts=0 bufferMoves=0$/);
    t.deepEqual(models[0].faults, []);
  });
}

test('on the interpreter\'s Linux build (BOARD LINUX) the on-chip MAC bundles touch no register, say there is no MAC, and keep retrying', (t) => {
  for (const name of ['nucleo-f767zi-eth', 'stm32f4discovery-eth']) {
    const models: Stm32EthModel[] = [];
    const board = boot(name, onChipMac(name, models, 0x10016451), 'LINUX');
    runUntil(board, () => false, 5000);
    t.deepEqual(board.logs.filter((line) => line.indexOf('nic:') === 0),
      ['nic: stm32-eth: no MAC on this chip (BOARD LINUX) (retrying)'], name + ': said once');
    t.is(models[0].accesses, 0, name + ': no register read or written');
  }
});
