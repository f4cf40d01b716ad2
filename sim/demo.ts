/**
 * The simulated demo behind `npm start` (sim/cli.ts): the default board's firmware (firmware/device.ts with the esp32-w5500 profile of
 * boards/common/profiles.ts: its memory configuration, its W5500 driver over the register-level
 * chip model, its main loop every tickInterval) on a simulated device (echo on port 7, HTTP on
 * port 80, console diagnostics including `nic`) that takes its address from a simulated DHCP
 * server, with a simulated peer on the same link exercising both. In a terminal
 * it runs in real time and takes console commands on stdin (help, stat, sockets, timewait,
 * mem, wd, nic, quit); otherwise it runs a fixed stretch of virtual time, prints the console's view
 * and a summary, and exits non-zero if any exchange failed.
 *
 * Options: --seconds N (virtual seconds when not interactive, default 20), --seed N,
 * --loss P (0..1 each way), --pcap FILE (capture the link), --batch (not interactive even in a
 * terminal), --tap (sim/cli.ts: the TAP form instead). Each is checked before anything starts.
 */
import { resolveConfig } from '../firmware/config';
import { Stack } from '../firmware/stack';
import { Net, Socket } from '../firmware/api/net';
import { Device } from '../firmware/device';
import { W5500Driver } from '../hal/drivers/w5500';
import { BoardProfile, boardProfiles, defaultBoardName } from '../boards/common/profiles';
import { w5500CounterNames } from '../boards/common/boot';
import { FakeSpi } from './chips/fake-spi';
import { W5500Model } from './chips/w5500-model';
import { VirtualClock } from './clock';
import { Link } from './link';
import { SimNic } from './sim-nic';
import { SimHost, macFor } from './host';
import { NodeHal } from './node-hal';
import { PcapWriter } from './pcap';
import { runConsolePrompt } from './console-prompt';
import { readCommandLine } from './command-line';
import { UdpHost } from './servers/udp-host';
import { DhcpServer } from './servers/dhcp-server';
import { formatIp } from '../firmware/wire/ip-address';

const options = readCommandLine('npm start', {
  seconds: { kind: 'integer', min: 1, max: 86400, fallback: 20 },
  seed: { kind: 'integer', min: 0, max: 4294967295, fallback: 1 },
  loss: { kind: 'number', min: 0, max: 1, fallback: 0 },
  pcap: { kind: 'text', value: 'FILE', fallback: '' },
  batch: { kind: 'flag' },
});
const seconds = options.number('seconds');
const seed = options.number('seed');
const loss = options.number('loss');
const pcapFile = options.text('pcap');
const interactive = Boolean(process.stdin.isTTY) && !options.flag('batch');
/** Where the device's and the peer's log lines go: stdout, or above the console's prompt once it runs. */
let printLine = (line: string): void => {
  process.stdout.write(line + '\n');
};

const clock = new VirtualClock();
const link = new Link(clock, { seed, delay: 1, loss });
const capture = pcapFile ? new PcapWriter({ path: pcapFile }).attachTo(link) : null;

function labelled(hal: NodeHal, label: string): NodeHal {
  const log = hal.log.bind(hal);
  hal.log = (line: string) => {
    log(line);
    printLine('[' + label + '] ' + line);
  };
  return hal;
}

/**
 * The default board as its board file builds it (its DHCP client included), with the chip model
 * and a fake SPI in place of the module and the bus.
 */
function bootBoard(profile: BoardProfile): { device: Device; hal: NodeHal } {
  const hal = labelled(new NodeHal(clock, seed * 7919 + 2), 'device');
  const driver = new W5500Driver(new FakeSpi(new W5500Model(link)), hal, macFor(2));
  const device = new Device(new Stack(resolveConfig(profile.config), hal, driver), driver, driver.counters, w5500CounterNames);
  device.start();
  if (!driver.reset()) throw new Error('the W5500 model did not come up');
  const loop = () => {
    clock.after(device.stack.config.tickInterval, loop);
    device.service(clock.now());
  };
  clock.after(device.stack.config.tickInterval, loop);
  return { device, hal };
}

function boot(index: number, ip: string, label: string): { stack: Stack; net: Net; hal: NodeHal } {
  const hal = labelled(new NodeHal(clock, seed * 7919 + index), label);
  const config = resolveConfig({ ip, netmask: defaultBoard.config.netmask as string });
  const nic = new SimNic(link, { mac: macFor(index) });
  const stack = new Stack(config, hal, nic);
  new SimHost(clock, nic, stack, config.tickInterval).start();
  return { stack, net: new Net(stack), hal };
}

const defaultBoard = boardProfiles.filter((profile) => profile.name === defaultBoardName)[0];
// The LAN's router, with the DHCP server the board asks for its address (leases from .100).
const gateway = defaultBoard.config.gateway as string;
new DhcpServer(new UdpHost(link, macFor(50), gateway), { poolStart: '192.168.1.100', router: gateway }, () => clock.now());
const board = bootBoard(defaultBoard);
const device = { stack: board.device.stack, hal: board.hal };
const peer = boot(1, '192.168.1.9', 'peer');
const deviceConsole = board.device;

const results = { httpOk: 0, httpFailed: 0, echoOk: 0, echoFailed: 0 };

function exchange(port: number, request: Uint8Array, check: (reply: Uint8Array) => boolean, ok: 'httpOk' | 'echoOk', failed: 'httpFailed' | 'echoFailed'): void {
  const chunks: Uint8Array[] = [];
  let finished = false;
  const finish = (good: boolean) => {
    if (finished) return;
    finished = true;
    results[good ? ok : failed]++;
  };
  const socket: Socket = peer.net.connect({ host: formatIp(device.stack.netif.localIp()), port }, () => {
    socket.write(request);
    if (port === 7) socket.end();
  });
  socket.on('data', (data: Uint8Array) => chunks.push(data));
  socket.on('end', () => finish(check(Buffer.concat(chunks))));
  socket.on('error', (error: Error) => {
    peer.hal.log(error.message);
    finish(false);
  });
}

const echoPayload = new Uint8Array(2048).map((_, i) => (i * 31) & 255);
let round = 0;
function workload(): void {
  clock.after(500, workload);
  if (device.stack.netif.localIp() === 0) return;
  round++;
  exchange(80, Buffer.from('GET / HTTP/1.0\r\n\r\n'), (reply) => Buffer.from(reply).toString().startsWith('HTTP/1.0 200'), 'httpOk', 'httpFailed');
  exchange(7, echoPayload, (reply) => Buffer.compare(Buffer.from(reply), Buffer.from(echoPayload)) === 0, 'echoOk', 'echoFailed');
  if (round % 20 === 0) deviceConsole.execute('stat');
}
clock.after(100, workload);

function summary(): string {
  return 'demo: ' + results.httpOk + ' HTTP requests ok, ' + results.httpFailed + ' failed; ' +
    results.echoOk + ' echo exchanges ok, ' + results.echoFailed + ' failed; virtual time ' + (clock.now() / 1000).toFixed(1) + ' s';
}

if (interactive) {
  const pace = setInterval(() => clock.runUntil(clock.now() + 20), 20);
  printLine = runConsolePrompt('Console of the simulated device. Commands: help stat [drop] sockets timewait mem wd nic quit',
    (line) => deviceConsole.execute(line), () => {
      clearInterval(pace);
      if (capture) capture.close();
      process.stdout.write(summary() + '\n');
      process.exit(0);
    }).print;
} else {
  clock.runUntil(seconds * 1000);
  for (const command of ['sockets', 'timewait', 'mem', 'stat', 'nic']) deviceConsole.execute(command);
  if (capture) capture.close();
  process.stdout.write(summary() + '\n');
  process.exit(results.httpFailed + results.echoFailed === 0 && results.httpOk > 0 && results.echoOk > 0 ? 0 : 1);
}
