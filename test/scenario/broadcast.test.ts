import test from 'ava';
import { parseIp } from '../../firmware/wire/ip-address';
import { Network, expectNoLeaks, stat } from '../seeds/network';
import { ACK, SYN } from '../tcp/harness';
import { RawPeer } from '../seeds/raw-peer';

/**
 * RFC 1122 4.2.3.10: a SYN (or any TCP segment) to a broadcast or multicast address is ignored:
 * the limited broadcast, the directed broadcast of the configured subnet and multicast, whether
 * the device has its address or is still without one (DHCP), while the same SYN to the device's
 * own address opens a connection.
 */

const PEER = parseIp('192.0.2.9');
const BROADCAST_MAC = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

function rig(ip: string) {
  const network = new Network({ seed: 3, delay: 1 });
  const device = network.add('device', ip);
  device.net.createServer(() => undefined).listen(80);
  const raw = new RawPeer(network.link, 40, (address) => address === PEER);
  network.run(10);
  return { network, device, raw };
}

const targets: [string, string, 'broadcast' | 'unicast'][] = [
  ['the limited broadcast', '255.255.255.255', 'broadcast'],
  ['the directed broadcast of 192.0.2.0/24', '192.0.2.255', 'broadcast'],
  ['a multicast group, in a frame to the device\'s own MAC', '224.0.0.1', 'unicast'],
];

for (const [what, address, frame] of targets) {
  test('a SYN, and an ACK, to ' + what + ' get no answer and open nothing', (t) => {
    const { network, device, raw } = rig('192.0.2.2');
    const dstMac = frame === 'broadcast' ? BROADCAST_MAC : Array.from(device.nic.mac);
    raw.segment(dstMac, { srcIp: PEER, dstIp: parseIp(address), srcPort: 40000, dstPort: 80, seq: 1000, flags: SYN, mss: 1460 });
    raw.segment(dstMac, { srcIp: PEER, dstIp: parseIp(address), srcPort: 40001, dstPort: 80, seq: 1000, ack: 5, flags: ACK });
    network.run(3000);
    t.deepEqual(raw.take(), [], 'no SYN-ACK, no RST');
    t.is(device.stack.tcp.synQueue.count, 0);
    t.is(stat(device, 'tcpSynCookiesSent'), 0);
    t.is(stat(device, 'dropTcpBroadcast') + stat(device, 'dropIpNotForUs'), 2, 'both counted');
    // The same SYN to the device's own address is answered.
    raw.segment(device.nic.mac, { srcIp: PEER, dstIp: parseIp('192.0.2.2'), srcPort: 40002, dstPort: 80, seq: 1000, flags: SYN, mss: 1460 });
    network.run(10);
    const answers = raw.take();
    t.is(answers.length, 1);
    t.is(answers[0].flags, SYN | ACK);
    t.is(answers[0].srcIp, parseIp('192.0.2.2'));
    network.run(device.stack.config.synReceivedTimeout + 1000);
    expectNoLeaks(t, device);
  });
}

test('while the device has no address yet (DHCP), TCP to a broadcast or multicast address is ignored too', (t) => {
  const { network, device, raw } = rig('192.0.2.2');
  device.stack.netif.setAddress(0, 0, 0);
  for (const address of ['255.255.255.255', '192.0.2.255', '224.0.0.1']) {
    raw.segment(BROADCAST_MAC, { srcIp: PEER, dstIp: parseIp(address), srcPort: 40000, dstPort: 80, seq: 1000, flags: SYN, mss: 1460 });
  }
  network.run(3000);
  t.deepEqual(raw.take(), []);
  t.is(stat(device, 'dropTcpBroadcast'), 3);
  t.is(device.stack.tcp.synQueue.count, 0);
  expectNoLeaks(t, device);
});
