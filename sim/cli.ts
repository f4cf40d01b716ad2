/**
 * `npm start`: the default firmware on a simulated device (echo on port 7, HTTP on port 80,
 * console diagnostics), with a simulated peer on the same link exercising both. In a terminal
 * it runs in real time and takes console commands on stdin (help, stat, sockets, timewait,
 * mem, quit); otherwise it runs a fixed stretch of virtual time, prints the console's view
 * and a summary, and exits non-zero if any exchange failed.
 *
 * Options: --seconds N (virtual seconds when not interactive, default 20), --seed N,
 * --loss P (0..1 each way), --pcap FILE (capture the link).
 */
import * as readline from 'readline';
import { resolveConfig } from '../firmware/config';
import { Stack } from '../firmware/stack';
import { Net, Socket } from '../firmware/api/net';
import { Console } from '../firmware/console';
import { startEchoServer } from '../firmware/services/echo-server';
import { startHttpServer } from '../firmware/services/http-server';
import { VirtualClock } from './clock';
import { Link } from './link';
import { SimNic } from './sim-nic';
import { SimHost, macFor } from './host';
import { NodeHal } from './node-hal';
import { PcapWriter } from './pcap';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf('--' + name);
  return index >= 0 && index + 1 < process.argv.length ? process.argv[index + 1] : fallback;
}

const seconds = Number(option('seconds', '20'));
const seed = Number(option('seed', '1'));
const loss = Number(option('loss', '0'));
const pcapFile = option('pcap', '');
const interactive = Boolean(process.stdin.isTTY) && process.argv.indexOf('--batch') < 0;

const clock = new VirtualClock();
const link = new Link(clock, { seed, delay: 1, loss });
const capture = pcapFile ? new PcapWriter({ path: pcapFile }).attachTo(link) : null;

function boot(index: number, ip: string, label: string): { stack: Stack; net: Net; hal: NodeHal } {
  const hal = new NodeHal(clock, seed * 7919 + index);
  const config = resolveConfig({ ip });
  const nic = new SimNic(link, { mac: macFor(index) });
  const stack = new Stack(config, hal, nic);
  new SimHost(clock, nic, stack, config.tickInterval).start();
  const log = hal.log.bind(hal);
  hal.log = (line: string) => {
    log(line);
    process.stdout.write('[' + label + '] ' + line + '\n');
  };
  return { stack, net: new Net(stack), hal };
}

const device = boot(2, '192.0.2.2', 'device');
const peer = boot(1, '192.0.2.1', 'peer');
startEchoServer(device.net, 7);
startHttpServer(device.net, device.stack, 80);
const deviceConsole = new Console(device.stack);
device.hal.log('up: ' + device.stack.config.ip + ', echo on 7, HTTP on 80, stack memory ' + device.stack.memory().total + ' bytes');

const results = { httpOk: 0, httpFailed: 0, echoOk: 0, echoFailed: 0 };

function exchange(port: number, request: Uint8Array, check: (reply: Uint8Array) => boolean, ok: 'httpOk' | 'echoOk', failed: 'httpFailed' | 'echoFailed'): void {
  const chunks: Uint8Array[] = [];
  let finished = false;
  const finish = (good: boolean) => {
    if (finished) return;
    finished = true;
    results[good ? ok : failed]++;
  };
  const socket: Socket = peer.net.connect({ host: device.stack.config.ip, port }, () => {
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
  round++;
  exchange(80, Buffer.from('GET / HTTP/1.0\r\n\r\n'), (reply) => Buffer.from(reply).toString().startsWith('HTTP/1.0 200'), 'httpOk', 'httpFailed');
  exchange(7, echoPayload, (reply) => Buffer.compare(Buffer.from(reply), Buffer.from(echoPayload)) === 0, 'echoOk', 'echoFailed');
  if (round % 20 === 0) deviceConsole.execute('stat');
  clock.after(500, workload);
}
clock.after(100, workload);

function summary(): string {
  return 'demo: ' + results.httpOk + ' HTTP requests ok, ' + results.httpFailed + ' failed; ' +
    results.echoOk + ' echo exchanges ok, ' + results.echoFailed + ' failed; virtual time ' + (clock.now() / 1000).toFixed(1) + ' s';
}

if (interactive) {
  process.stdout.write('Console of the simulated device. Commands: help stat sockets timewait mem quit\n');
  const pace = setInterval(() => clock.runUntil(clock.now() + 20), 20);
  const input = readline.createInterface({ input: process.stdin, output: process.stdout, prompt: '> ' });
  input.prompt();
  input.on('line', (line) => {
    if (line.trim() === 'quit') {
      input.close();
      return;
    }
    deviceConsole.execute(line);
    input.prompt();
  });
  input.on('close', () => {
    clearInterval(pace);
    if (capture) capture.close();
    process.stdout.write(summary() + '\n');
    process.exit(0);
  });
} else {
  clock.runUntil(seconds * 1000);
  for (const command of ['sockets', 'timewait', 'mem', 'stat']) deviceConsole.execute(command);
  if (capture) capture.close();
  process.stdout.write(summary() + '\n');
  process.exit(results.httpFailed + results.echoFailed === 0 && results.httpOk > 0 && results.echoOk > 0 ? 0 : 1);
}
