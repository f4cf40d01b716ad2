import test from 'ava';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { resolveConfig } from '../../firmware/config';
import { Stack } from '../../firmware/stack';
import { Device } from '../../firmware/device';
import { Socket } from '../../firmware/api/net';
import { W5500Driver } from '../../hal/drivers/w5500';
import { FakeSpi } from '../../sim/chips/fake-spi';
import { W5500Model } from '../../sim/chips/w5500-model';
import { macFor } from '../../sim/host';
import { NodeHal } from '../../sim/node-hal';
import { esp32W5500 } from '../../boards/common/profiles';
import { w5500CounterNames } from '../../boards/common/boot';
import { Network, liveCounts, assertBackToStart } from '../seeds/network';

/** The default firmware as the esp32-w5500 board builds it, its loop on the virtual clock, and a peer. */
function setup() {
  const network = new Network({ seed: 11, delay: 1 });
  const peer = network.add('peer', '192.168.1.9');
  const hal = new NodeHal(network.clock, 3);
  const logs: string[] = [];
  hal.log = (line: string) => logs.push(line);
  const driver = new W5500Driver(new FakeSpi(new W5500Model(network.link)), hal, macFor(2));
  const stack = new Stack(resolveConfig(esp32W5500.config), hal, driver);
  const device = new Device(stack, driver, driver.counters, w5500CounterNames);
  const start = liveCounts({ stack });
  device.start();
  driver.reset();
  const loop = () => {
    network.clock.after(stack.config.tickInterval, loop);
    device.service(network.clock.now());
  };
  network.clock.after(stack.config.tickInterval, loop);
  return { network, peer, device, stack, logs, start };
}

test('the default firmware falls back to its static address without DHCP, serves echo on 7 and HTTP on 80, reports the NIC, and ends with its pools as it began', (t) => {
  const { network, peer, device, stack, logs, start } = setup();
  t.regex(logs[0], /^up: DHCP, fallback 192\.168\.1\.50, echo on 7, HTTP on 80, stack memory \d+ bytes; NET\.stat\(\) sockets\(\) timewait\(\) mem\(\) nic\(\) wd\(\)$/);
  t.true(network.runUntil(() => stack.netif.localIp() !== 0, 60000, 100), 'no DHCP server: the static fallback after one attempt');
  t.true(logs.some((line) => /^dhcp: no lease after 1 attempts?, using 192\.168\.1\.50/.test(line)), logs.join('|'));
  const payload = new Uint8Array(6000).map((_, i) => (i * 5) & 255);
  const echoed: number[] = [];
  let echoDone = false;
  const echo: Socket = peer.net.connect({ host: '192.168.1.50', port: 7 }, () => echo.end(payload));
  echo.on('data', (data: Uint8Array) => echoed.push(...data));
  echo.on('close', () => (echoDone = true));
  let page = '';
  let pageDone = false;
  const http: Socket = peer.net.connect({ host: '192.168.1.50', port: 80 }, () => http.write('GET /bytes/3000 HTTP/1.0\r\n\r\n'));
  http.on('data', (data: Uint8Array) => (page += Buffer.from(data).toString('latin1')));
  http.on('close', () => (pageDone = true));
  t.true(network.runUntil(() => echoDone && pageDone, 20000));
  t.deepEqual(echoed, Array.from(payload));
  t.regex(page, /^HTTP\/1\.0 200 OK\r\n[^]*Content-Length: 3000\r\n\r\n/);
  t.is(page.length - page.indexOf('\r\n\r\n') - 4, 3000);

  logs.length = 0;
  const net = device.bindings();
  net.nic();
  t.regex(logs[0], /^nic link up framesReceived=[1-9]\d* framesSent=[1-9]\d* rxResyncs=0 txDropped=0 chipTimeouts=0$/);
  logs.length = 0;
  net.sockets();
  t.true(logs.some((line) => line.startsWith('listen :7 ')) && logs.some((line) => line.startsWith('listen :80 ')));
  logs.length = 0;
  net.timewait();
  t.regex(logs[0], /^TIME_WAIT \d+\/32 /);
  logs.length = 0;
  net.mem();
  t.regex(logs[logs.length - 2], /^total=\d+ budget=\d+ \(bytes\)$/);
  t.regex(logs[logs.length - 1], /^interpreter: \d+ of \d+ variables free \(\d+ B each\)$/);
  logs.length = 0;
  net.wd();
  t.regex(logs[0], /^wd ok free \d+ low<\d+ critical<\d+ /);
  logs.length = 0;
  net.stat();
  t.regex(logs.join(' '), /tcpPassiveOpens=2 /);

  network.run(2 * stack.config.msl + 1000);
  t.deepEqual(liveCounts({ stack }), start, 'device pools back to their starting counts');
  assertBackToStart(t, peer, 0);
});

test('npm start runs the default board\'s firmware over the W5500 model, leases an address by DHCP, and every exchange succeeds', (t) => {
  const cli = path.join(__dirname, '../../sim/cli.js');
  const result = spawnSync(process.execPath, [cli, '--batch', '--seconds', '3'], { encoding: 'utf8' });
  t.is(result.status, 0, result.stdout + result.stderr);
  t.regex(result.stdout, /\[device\] up: DHCP, fallback 192\.168\.1\.50, echo on 7, HTTP on 80/);
  t.regex(result.stdout, /\[device\] dhcp: bound 192\.168\.1\.100 mask 255\.255\.255\.0 gw 192\.168\.1\.1 /);
  t.regex(result.stdout, /\[device\] nic link up framesReceived=[1-9]/);
  t.regex(result.stdout, /demo: [1-9]\d* HTTP requests ok, 0 failed; [1-9]\d* echo exchanges ok, 0 failed/);
});
