import test from 'ava';
import { Console } from '../../firmware/console';
import { Socket, Server } from '../../firmware/api/net';
import { Network, Device, expectNoLeaks } from '../seeds/network';

/**
 * Each console command against a live stack: device `dev` (192.0.2.2) serves port 80, peer
 * (192.0.2.9) connects to it. Every test ends with both stacks' pools back where they started.
 */
function setup(deviceConfig: { [field: string]: unknown } = {}) {
  const network = new Network({ seed: 5, delay: 1 });
  const dev = network.add('dev', '192.0.2.2', deviceConfig);
  const peer = network.add('peer', '192.0.2.9');
  const console = new Console(dev.stack);
  const run = (line: string): string[] => {
    dev.hal.lines.length = 0;
    console.execute(line);
    return dev.hal.lines.slice();
  };
  return { network, dev, peer, run };
}

/** Closes every socket, waits out TIME_WAIT and checks both stacks are back to their starting counts. */
function finish(t: import('ava').ExecutionContext, network: Network, devices: Device[], sockets: Socket[], servers: Server[]): void {
  for (const socket of sockets) socket.destroy();
  for (const server of servers) server.close();
  network.run(2 * devices[0].stack.config.msl + 2000);
  for (const device of devices) expectNoLeaks(t, device);
}

test('help lists every command, including nic and wd; an unknown command is named before the list; an empty line prints nothing', (t) => {
  const { network, dev, peer, run } = setup();
  for (const line of ['help', '  help  ']) {
    t.deepEqual(run(line), ['commands: help stat [drop] sockets timewait mem wd nic'], JSON.stringify(line));
  }
  t.deepEqual(run('nonsense'), ['unknown command nonsense; commands: help stat [drop] sockets timewait mem wd nic']);
  t.deepEqual(run(''), []);
  t.deepEqual(run('   '), []);
  finish(t, network, [dev, peer], [], []);
});

test('sockets: slot, state, ports, unread and queued bytes, the running timers, and each listener\'s queues', (t) => {
  const { network, dev, peer, run } = setup();
  const accepted: Socket[] = [];
  const server = dev.net.createServer((socket) => {
    socket.pause();
    accepted.push(socket);
  });
  server.listen(80, 3);
  const client = peer.net.connect({ host: '192.0.2.2', port: 80 }, () => client.write(new Uint8Array(100)));
  client.pause();
  t.true(network.runUntil(() => accepted.length === 1 && dev.stack.tcp.readable(accepted[0].slot) === 100, 2000));
  // 6000 bytes to a paused reader with a 4096-byte window: 1904 stay queued behind a zero window.
  accepted[0].write(new Uint8Array(6000));
  network.run(500);
  server.pauseAccepting();
  const waiting = peer.net.connect({ host: '192.0.2.2', port: 80 });
  network.run(200);

  const lines = run('sockets');
  t.is(lines[0], 'sl state        local  remote                rx    tx    timers (ms left)');
  const slot = accepted[0].slot;
  const row = lines.find((line) => line.startsWith(slot + ' '));
  t.truthy(row, lines.join('\n'));
  t.regex(row!, new RegExp('^' + slot + ' +ESTABLISHED +:80 +192\\.0\\.2\\.9:' + client.localPort + ' +100 +1904 +persist=\\d+ keep=\\d+$'));
  t.true(lines.filter((line) => / ESTABLISHED /.test(line)).length === 2, 'the queued connection is listed too');
  t.true(lines.includes('listen :80 accept 1/3 syn 0'), lines.join('\n'));
  t.true(lines.includes('syn queue 0/8, cookies sent 0 accepted 0, accept queue full 0'), lines.join('\n'));
  t.true(lines.every((line) => /^[\x20-\x7e]*$/.test(line)), 'plain ASCII for the REPL');

  client.resume();
  waiting.write('x');
  server.resumeAccepting();
  finish(t, network, [dev, peer], [client, waiting, ...accepted], [server]);
});

test('timewait: count, capacity, recycles and sheds, and the oldest records with their time left', (t) => {
  const { network, dev, peer, run } = setup();
  t.deepEqual(run('timewait'), ['TIME_WAIT 0/32 recycled 0 shed 0 last recycled age none']);
  // The device closes first, so the device holds TIME_WAIT.
  const server = dev.net.createServer((socket) => socket.end('bye'));
  server.listen(81);
  const ports: number[] = [];
  for (let i = 0; i < 3; i++) {
    const client = peer.net.connect({ host: '192.0.2.2', port: 81 });
    ports.push(client.localPort);
    network.run(300);
  }
  const lines = run('timewait');
  t.is(lines[0], 'TIME_WAIT 3/32 recycled 0 shed 0 last recycled age none');
  t.is(lines.length, 4);
  for (let i = 0; i < 3; i++) t.regex(lines[i + 1], new RegExp('^  192\\.0\\.2\\.9:' + ports[i] + ' <- :81 expires in \\d+ ms$'));
  const left = lines.slice(1).map((line) => Number(/expires in (\d+)/.exec(line)![1]));
  t.true(left[0] < left[1] && left[1] < left[2] && left[2] <= 2 * dev.stack.config.msl, 'oldest first');
  finish(t, network, [dev, peer], [], [server]);
});

test('timewait says how many of its records it shows, and the age of the last recycled one once there is one', (t) => {
  const { network, dev, peer, run } = setup({ timeWaitCapacity: 10 });
  const server = dev.net.createServer((socket) => socket.end('bye'));
  server.listen(81);
  for (let i = 0; i < 9; i++) {
    peer.net.connect({ host: '192.0.2.2', port: 81 });
    network.run(300);
  }
  let lines = run('timewait');
  t.is(lines[0], 'TIME_WAIT 9/10 recycled 0 shed 0 last recycled age none');
  t.is(lines.length, 10, 'header, 8 records and the note');
  t.is(lines[9], '  (oldest 8 of 9 shown)');
  for (let i = 0; i < 3; i++) {
    peer.net.connect({ host: '192.0.2.2', port: 81 });
    network.run(300);
  }
  lines = run('timewait');
  t.regex(lines[0], /^TIME_WAIT 10\/10 recycled 2 shed 0 last recycled age \d+ ms, min \d+ ms$/);
  t.is(lines[9], '  (oldest 8 of 10 shown)');
  finish(t, network, [dev, peer], [], [server]);
});

test('mem: bytes by structure, adding up to the total, and the budget', (t) => {
  const { network, dev, peer, run } = setup();
  const lines = run('mem');
  const report = dev.stack.memory();
  let sum = 0;
  for (const line of lines.slice(0, -1)) {
    const match = /^  (\S+) +(\d+)$/.exec(line);
    t.truthy(match, line);
    t.is(report[match![1]], Number(match![2]));
    sum += Number(match![2]);
  }
  t.is(lines.length - 1, Object.keys(report).length - 1, 'one line per structure');
  t.is(lines[lines.length - 1], 'total=' + report.total + ' budget=' + dev.stack.config.memoryBudget + ' (bytes)');
  t.is(sum, report.total);
  finish(t, network, [dev, peer], [], []);
});

test('wd: level, last reading, thresholds and the counts, as the level changes', (t) => {
  const { network, dev, peer, run } = setup();
  network.run(1100);
  t.deepEqual(run('wd'), [
    'wd ok free 1048576 low<8192 critical<4096 hysteresis 2048 every 1000 ms',
    'wd checks 2 low 0 critical 0 recovered 0 refused 0 tw shed 0 aborted 0',
  ]);
  dev.hal.freeBytes = 7000;
  network.run(1000);
  const client = dev.net.connect({ host: '192.0.2.9', port: 80 });
  let code = '';
  client.on('error', (error: NodeJS.ErrnoException) => (code = error.code!));
  network.run(10);
  t.is(code, 'ENOMEM');
  t.deepEqual(run('wd'), [
    'wd low free 7000 low<8192 critical<4096 hysteresis 2048 every 1000 ms',
    'wd checks 3 low 1 critical 0 recovered 0 refused 1 tw shed 0 aborted 0',
  ]);
  dev.hal.freeBytes = 1 << 20;
  network.run(1000);
  t.regex(run('wd')[0], /^wd ok free 1048576 /);
  finish(t, network, [dev, peer], [], []);
});

test('stat prints every non-zero counter; stat drop only the drops, by reason; stack.stat reads one by name', (t) => {
  const { network, dev, peer, run } = setup();
  t.deepEqual(run('stat drop'), ['no drops']);
  const server = dev.net.createServer((socket) => socket.end());
  server.listen(80);
  const client = peer.net.connect({ host: '192.0.2.2', port: 80 });
  network.run(500);
  dev.stack.input(new Uint8Array(5), 5);
  dev.stack.input(new Uint8Array(5), 5);
  const all = run('stat').join(' ');
  t.regex(all, /\bframesIn=\d+ /);
  t.regex(all, /\btcpPassiveOpens=1 /);
  t.regex(all, /\bdropFrameShort=2 /);
  t.notRegex(all, /=0 /, 'zero counters are left out');
  t.true(run('stat').every((line) => line.length <= 80), 'short lines');
  t.deepEqual(run('stat drop'), ['dropFrameShort=2 ']);
  t.is(dev.stack.stat('dropFrameShort'), 2);
  t.is(dev.stack.stat('tcpPassiveOpens'), 1);
  t.is(dev.stack.stat('noSuchCounter'), -1);
  finish(t, network, [dev, peer], [client], [server]);
});
