import test from 'ava';
import { execFileSync } from 'child_process';
import { performance } from 'perf_hooks';
import { Socket } from '../../firmware/api/net';
import { SlipCounter, SlipNic } from '../../hal/drivers/slip';
import { VirtualClock } from '../../sim/clock';
import { PtyUart, openPtyPair } from '../../sim/uart/pty-uart';
import { PolledBoard } from './slip-harness';
import { Collector, leakCheck, pattern, pump } from './w5500-harness';

function socatAvailable(): boolean {
  try {
    execFileSync('socat', ['-V'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    return false;
  }
}

const haveSocat = socatAvailable();
if (!haveSocat) {
  console.error('\n*** slip-pty: SKIPPED: socat is not installed (apt-get install socat); the real-UART SLIP path is NOT tested ***\n');
}
const ptyTest = haveSocat ? test : test.skip;

ptyTest('SLIP over a real pseudo-terminal pair (socat): 1 MB echoed byte for byte through the kernel tty layer', async (t) => {
  const pair = await openPtyPair();
  const deviceUart = new PtyUart(pair.a);
  const peerUart = new PtyUart(pair.b);
  try {
    // The virtual clock follows real time here: the bytes really cross the kernel and socat.
    const clock = new VirtualClock();
    const device = new PolledBoard(clock, (hal) => new SlipNic(deviceUart, hal, 1500), { ip: '192.0.2.2' }, 77);
    const peer = new PolledBoard(clock, (hal) => new SlipNic(peerUart, hal, 1500), { ip: '192.0.2.1' }, 99);
    device.start();
    peer.start();
    const data = pattern(1 << 20, 31);
    const received = new Collector(data.length);
    let closed = 0;
    const server = device.net.createServer((socket: Socket) => {
      socket.on('data', (chunk: Uint8Array) => {
        if (!socket.write(chunk)) socket.pause();
      });
      socket.on('drain', () => socket.resume());
      socket.on('close', () => {
        closed++;
        server.close();
      });
    });
    server.listen(7);
    const client = peer.net.connect({ host: '192.0.2.2', port: 7 }, () => pump(client, data, 4 * 1460));
    received.attach(client);
    client.on('close', () => closed++);
    const start = performance.now();
    while (closed < 2 && performance.now() - start < 30000) {
      clock.runUntil(Math.max(clock.now() + 0.05, performance.now() - start));
      if (deviceUart.dropped + peerUart.dropped > 0) break;
      // Yield so socat's pipe and the tty layer are never starved by this loop.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    t.log('real ' + Math.round(performance.now() - start) + ' ms over ' + pair.a + ' <-> ' + pair.b);
    t.is(closed, 2, 'both sockets closed');
    t.is(received.length, data.length);
    t.true(Buffer.from(received.bytes.subarray(0, received.length)).equals(Buffer.from(data)), 'byte for byte');
    t.is(deviceUart.dropped + peerUart.dropped, 0, 'no bytes refused by the ttys');
    t.true(device.nic.counters[SlipCounter.framesReceived] > 700);
    device.stop();
    peer.stop();
    clock.run();
    leakCheck(t, device.stack, device.memoryAtStart, 'device');
    leakCheck(t, peer.stack, peer.memoryAtStart, 'peer');
  } finally {
    deviceUart.close();
    peerUart.close();
    pair.close();
  }
});
