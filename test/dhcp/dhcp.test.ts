import test from 'ava';
import { DhcpState } from '../../firmware/dhcp';
import { formatIp, parseIp } from '../../firmware/wire/ip-address';
import { stat } from '../seeds/network';
import { POOL_START, ROUTER, addDhcpDevice, assertLanClean, makeLan } from './lan';

const DISCOVER = 1;
const OFFER = 2;
const REQUEST = 3;
const ACK = 5;
const NAK = 6;
const SECOND = 1000;

/** Every scenario runs on a perfect link and under loss in both directions (seeded, so replayable). */
const links = [
  { title: 'clean link', options: {} },
  { title: '25% loss', options: { loss: 0.25, seed: 7 } },
  { title: '30% loss', options: { loss: 0.3, seed: 11 } },
];

for (const link of links) {
  test(`DHCP: DISCOVER, OFFER, REQUEST, ACK binds the lease and the DNS server (${link.title})`, (t) => {
    const lan = makeLan(link.options);
    const device = addDhcpDevice(lan);
    const dhcp = device.stack.dhcp!;
    t.is(device.stack.netif.localIp(), 0, 'starts unconfigured');
    t.true(lan.network.runUntil(() => dhcp.state === DhcpState.BOUND, 300 * SECOND, 100));
    t.is(formatIp(device.stack.netif.localIp()), POOL_START);
    t.is(formatIp(dhcp.leaseRouter), ROUTER);
    t.is(formatIp(dhcp.leaseNetmask), '255.255.255.0');
    t.is(formatIp(device.stack.dns!.server), ROUTER);
    t.is(dhcp.leaseSeconds, 600);
    t.is(stat(device, 'dhcpBound'), 1);
    t.true(device.hal.lines.some((line) => line.indexOf('dhcp: bound ' + POOL_START) === 0));

    const discover = lan.dhcp.log.find((entry) => entry.direction === 'in' && entry.type === DISCOVER)!;
    t.is(discover.sourceIp, 0, 'DISCOVER from 0.0.0.0');
    t.is(discover.dstIp, 0xffffffff, 'to the broadcast address');
    t.true(discover.broadcast, 'asks for a broadcast reply');
    t.deepEqual(discover.clientId, [1, 2, 0, 0, 0, 0, 1], 'client identifier: type 1 + MAC');
    t.deepEqual(discover.parameters, [1, 3, 6, 51, 58, 59], 'mask, router, DNS, lease, T1, T2');
    const requests = lan.dhcp.log.filter((entry) => entry.direction === 'in' && entry.type === REQUEST);
    t.true(requests.length >= 1);
    t.is(formatIp(requests[0].requestedIp), POOL_START, 'REQUEST names the offered address');
    t.is(formatIp(requests[0].serverId), ROUTER, 'and the server');
    t.is(requests[0].xid, lan.dhcp.log.filter((entry) => entry.type === OFFER && entry.direction === 'out').pop()!.xid,
      'REQUEST keeps the xid of the OFFER it answers');
    if (link.title === 'clean link') {
      t.is(lan.dhcp.count('in', DISCOVER), 1);
      t.is(lan.dhcp.count('in', REQUEST), 1);
      t.is(stat(device, 'dhcpDiscoversSent'), 1);
      t.is(stat(device, 'dhcpRequestsSent'), 1);
    }
    // Retransmissions back off: 4 s, 8 s, 16 s ... each ±1 s.
    const discovers = lan.dhcp.log.filter((entry) => entry.direction === 'in' && entry.type === DISCOVER);
    for (let i = 1; i < discovers.length && discovers[i].xid === discovers[0].xid; i++) {
      const gap = discovers[i].time - discovers[i - 1].time;
      const nominal = Math.min(4000 * 2 ** (i - 1), 64000);
      t.true(gap >= nominal - 1000 && gap <= nominal + 1000, `retransmission ${i} after ${gap} ms`);
    }
    assertLanClean(t, device);
  });

  test(`DHCP: RENEWING at T1 is unicast to the server and extends the lease (${link.title})`, (t) => {
    const lan = makeLan(link.options, { leaseSeconds: 3600 });
    const device = addDhcpDevice(lan);
    const dhcp = device.stack.dhcp!;
    t.true(lan.network.runUntil(() => dhcp.state === DhcpState.BOUND, 300 * SECOND, 100));
    const firstExpiry = dhcp.expiresAt;
    const renewAt = dhcp.renewAt;
    t.true(Math.abs(renewAt - (firstExpiry - 1800 * SECOND)) < 1, 'T1 defaults to half the lease');
    t.true(lan.network.runUntil(() => stat(device, 'dhcpRenewed') === 1, 3000 * SECOND, 100));
    const renewal = lan.dhcp.log.find((entry) => entry.direction === 'in' && entry.type === REQUEST && entry.ciaddr !== 0)!;
    t.true(renewal.time >= renewAt, 'not before T1');
    t.is(formatIp(renewal.ciaddr), POOL_START, 'ciaddr carries the leased address');
    t.is(renewal.sourceIp, parseIp(POOL_START), 'from the leased address');
    t.is(formatIp(renewal.dstIp), ROUTER, 'unicast to the server while RENEWING');
    t.false(renewal.broadcast);
    t.is(renewal.requestedIp, 0, 'no requested-IP option after INIT');
    t.true(dhcp.expiresAt > firstExpiry, 'lease extended');
    t.is(dhcp.state, DhcpState.BOUND);
    t.is(stat(device, 'dhcpExpired'), 0);
    t.is(formatIp(device.stack.netif.localIp()), POOL_START);
    t.true(device.hal.lines.some((line) => line.indexOf('dhcp: renewed ' + POOL_START) === 0));
    assertLanClean(t, device);
  });

  test(`DHCP: REBINDING at T2 broadcasts when the server is gone (${link.title})`, (t) => {
    const lan = makeLan(link.options, { leaseSeconds: 3600 });
    const device = addDhcpDevice(lan);
    const dhcp = device.stack.dhcp!;
    t.true(lan.network.runUntil(() => dhcp.state === DhcpState.BOUND, 300 * SECOND, 100));
    lan.dhcp.silent = true;
    t.true(lan.network.runUntil(() => dhcp.state === DhcpState.REBINDING, 3300 * SECOND, 100));
    t.true(lan.network.now >= dhcp.rebindAt);
    const renewals = lan.dhcp.log.filter((entry) => entry.type === REQUEST && entry.ciaddr !== 0 && entry.time < dhcp.rebindAt);
    t.true(renewals.length >= 1, 'tried to renew first');
    t.true(renewals.every((entry) => formatIp(entry.dstIp) === ROUTER), 'RENEWING was unicast');
    const rebindFrom = lan.network.now;
    lan.dhcp.silent = false;
    t.true(lan.network.runUntil(() => dhcp.state === DhcpState.BOUND, 450 * SECOND, 100), 'rebound before expiry');
    const rebind = lan.dhcp.log.find((entry) => entry.type === REQUEST && entry.direction === 'in' && entry.time >= rebindFrom)!;
    t.is(rebind.dstIp, 0xffffffff, 'REBINDING is broadcast');
    t.is(formatIp(rebind.ciaddr), POOL_START);
    t.is(stat(device, 'dhcpExpired'), 0);
    t.is(stat(device, 'dhcpRenewed'), 1);
    t.is(formatIp(device.stack.netif.localIp()), POOL_START);
    assertLanClean(t, device);
  });

  test(`DHCP: at lease expiry the address is dropped and discovery starts again (${link.title})`, (t) => {
    const lan = makeLan(link.options);
    const device = addDhcpDevice(lan);
    const dhcp = device.stack.dhcp!;
    t.true(lan.network.runUntil(() => dhcp.state === DhcpState.BOUND, 300 * SECOND, 100));
    const expiresAt = dhcp.expiresAt;
    lan.dhcp.silent = true;
    t.true(lan.network.runUntil(() => stat(device, 'dhcpExpired') === 1, 700 * SECOND, 100));
    t.true(lan.network.now >= expiresAt && lan.network.now < expiresAt + 200, 'expires on time');
    t.is(device.stack.netif.localIp(), 0, 'address dropped');
    t.true(device.hal.lines.some((line) => line.indexOf('dhcp: lease of ' + POOL_START + ' expired') === 0));
    const discoversBefore = lan.dhcp.count('in', DISCOVER);
    lan.network.run(30 * SECOND);
    t.true(lan.dhcp.count('in', DISCOVER) > discoversBefore, 'discovering again');
    lan.dhcp.silent = false;
    t.true(lan.network.runUntil(() => dhcp.state === DhcpState.BOUND, 300 * SECOND, 100));
    t.is(stat(device, 'dhcpBound'), 2);
    t.is(formatIp(device.stack.netif.localIp()), POOL_START);
    assertLanClean(t, device);
  });

  test(`DHCP: NAK sends the client back to DISCOVER, in REQUESTING and in RENEWING (${link.title})`, (t) => {
    const lan = makeLan(link.options);
    const device = addDhcpDevice(lan);
    const dhcp = device.stack.dhcp!;
    lan.dhcp.nak = true;
    t.true(lan.network.runUntil(() => stat(device, 'dhcpNaksIn') >= 2, 600 * SECOND, 100));
    t.is(device.stack.netif.localIp(), 0, 'no address from a NAK');
    t.true(stat(device, 'dhcpDiscoversSent') >= 2, 'restarted with DISCOVER');
    t.is(stat(device, 'dhcpBound'), 0);
    lan.dhcp.nak = false;
    t.true(lan.network.runUntil(() => dhcp.state === DhcpState.BOUND, 600 * SECOND, 100));
    // A NAK to a renewal takes the address away at once.
    lan.dhcp.nak = true;
    const naks = stat(device, 'dhcpNaksIn');
    t.true(lan.network.runUntil(() => stat(device, 'dhcpNaksIn') > naks, 600 * SECOND, 100));
    t.is(device.stack.netif.localIp(), 0, 'address dropped on NAK while RENEWING');
    t.true(dhcp.state <= DhcpState.REQUESTING);
    lan.dhcp.nak = false;
    t.true(lan.network.runUntil(() => dhcp.state === DhcpState.BOUND, 600 * SECOND, 100));
    t.true(lan.dhcp.count('out', NAK) >= stat(device, 'dhcpNaksIn'));
    assertLanClean(t, device);
  });

  test(`DHCP: static fallback after failed attempts, lease taken over when a server appears (${link.title})`, (t) => {
    const lan = makeLan(link.options);
    lan.dhcp.silent = true;
    const device = addDhcpDevice(lan, 'device', { ip: '192.0.2.50', netmask: '255.255.255.0', dhcpFallbackAfter: 2 });
    const dhcp = device.stack.dhcp!;
    t.is(device.stack.netif.localIp(), 0);
    t.true(lan.network.runUntil(() => dhcp.fallbackActive, 600 * SECOND, 100));
    t.is(formatIp(device.stack.netif.localIp()), '192.0.2.50');
    t.is(dhcp.failedAttempts, 2);
    t.is(stat(device, 'dhcpFallbacks'), 1);
    t.true(device.hal.lines.some((line) => line.indexOf('dhcp: no lease after 2 attempts, using 192.0.2.50') === 0));
    const seen = lan.dhcp.log.length;
    lan.network.run(200 * SECOND);
    const background = lan.dhcp.log.slice(seen).filter((entry) => entry.type === DISCOVER);
    t.true(background.length >= 2, 'keeps discovering in the background');
    t.true(background.every((entry) => entry.sourceIp === 0), 'from 0.0.0.0 even while the fallback is in use');
    t.is(formatIp(device.stack.netif.localIp()), '192.0.2.50', 'fallback kept between attempts');
    lan.dhcp.silent = false;
    t.true(lan.network.runUntil(() => dhcp.state === DhcpState.BOUND, 600 * SECOND, 100));
    t.false(dhcp.fallbackActive);
    t.is(formatIp(device.stack.netif.localIp()), POOL_START);
    assertLanClean(t, device);
  });
}

test('DHCP: server T1/T2 are honoured, and replies for another xid or MAC are ignored and counted', (t) => {
  const lan = makeLan({}, { leaseSeconds: 1000, renewalSeconds: 100, rebindingSeconds: 200 });
  const device = addDhcpDevice(lan);
  const dhcp = device.stack.dhcp!;
  t.true(lan.network.runUntil(() => dhcp.state === DhcpState.BOUND, 60 * SECOND, 10));
  t.true(Math.abs(dhcp.rebindAt - dhcp.renewAt - 100 * SECOND) < 1);
  t.true(Math.abs(dhcp.expiresAt - dhcp.renewAt - 900 * SECOND) < 1);
  const ack = lan.dhcp.log.filter((entry) => entry.direction === 'out' && entry.type === ACK).pop()!;
  // Replay the ACK with a different xid, then to another MAC: both dropped as unmatched.
  const unmatched = stat(device, 'dropDhcpUnmatched');
  const reply = new Uint8Array(300);
  reply.set([2, 1, 6, 0], 0);
  reply.set([(ack.xid + 1) >>> 24, ((ack.xid + 1) >>> 16) & 255, ((ack.xid + 1) >>> 8) & 255, (ack.xid + 1) & 255], 4);
  reply.set([10, 0, 0, 100], 16);
  reply.set([2, 0, 0, 0, 0, 1], 28);
  reply.set([99, 130, 83, 99, 53, 1, 5, 255], 236);
  lan.router.send(0xffffffff, 67, 68, reply);
  reply.set([9, 9, 9, 9, 9, 9], 28);
  lan.router.send(0xffffffff, 67, 68, reply);
  const malformed = stat(device, 'dropDhcpMalformed');
  lan.router.send(0xffffffff, 67, 68, reply.subarray(0, 100));
  lan.network.run(100);
  t.is(stat(device, 'dropDhcpUnmatched'), unmatched + 2);
  t.is(stat(device, 'dropDhcpMalformed'), malformed + 1);
  t.is(dhcp.state, DhcpState.BOUND);
  assertLanClean(t, device);
});

test('DHCP: two devices on one segment get different addresses', (t) => {
  const lan = makeLan({ loss: 0.2, seed: 3 });
  const a = addDhcpDevice(lan, 'a');
  const b = addDhcpDevice(lan, 'b');
  t.true(lan.network.runUntil(() => a.stack.dhcp!.state === DhcpState.BOUND && b.stack.dhcp!.state === DhcpState.BOUND, 300 * SECOND, 100));
  t.not(a.stack.netif.localIp(), b.stack.netif.localIp());
  t.is(stat(a, 'dhcpBound'), 1);
  t.is(stat(b, 'dhcpBound'), 1);
  assertLanClean(t, a);
  assertLanClean(t, b);
});

test('DHCP: a zero lease is taken as 20 s, so a broken server cannot make the client storm it', (t) => {
  const lan = makeLan({}, { leaseSeconds: 0, renewalSeconds: 0, rebindingSeconds: 0 });
  const device = addDhcpDevice(lan);
  const dhcp = device.stack.dhcp!;
  t.true(lan.network.runUntil(() => dhcp.state === DhcpState.BOUND, 60 * SECOND, 10));
  const seen = lan.dhcp.log.length;
  lan.network.run(100 * SECOND);
  const requests = lan.dhcp.log.slice(seen).filter((entry) => entry.direction === 'in').length;
  t.true(requests >= 5 && requests <= 15, requests + ' messages in 100 s');
  t.is(stat(device, 'dhcpExpired'), 0);
  t.is(formatIp(device.stack.netif.localIp()), POOL_START);
  assertLanClean(t, device);
});

// Three probes each lost with the answer at 30% loss miss a conflict 13% of the time (as RFC 5227's would), so not run there.
for (const link of links.slice(0, 2)) {
  test(`DHCP: an offered address that answers the ARP probe is declined, and the next one is taken (${link.title})`, (t) => {
    const lan = makeLan(link.options);
    const squatter = lan.network.add('squatter', POOL_START);
    const device = addDhcpDevice(lan);
    const dhcp = device.stack.dhcp!;
    t.true(lan.network.runUntil(() => dhcp.state === DhcpState.BOUND, 600 * SECOND, 100));
    t.is(formatIp(device.stack.netif.localIp()), '10.0.0.101', 'the next address of the pool');
    t.is(stat(device, 'dhcpDeclines'), 1);
    const decline = lan.dhcp.log.find((entry) => entry.direction === 'in' && entry.type === 4);
    if (link.title === 'clean link') {
      t.truthy(decline, 'the server heard the DECLINE');
      t.is(formatIp(decline!.requestedIp), POOL_START);
      t.is(formatIp(decline!.serverId), ROUTER);
      t.deepEqual(decline!.parameters, [], 'no parameter list in a DECLINE');
      const declinedAt = decline!.time;
      const next = lan.dhcp.log.find((entry) => entry.direction === 'in' && entry.type === DISCOVER && entry.time > declinedAt)!;
      t.true(next.time - declinedAt >= 10 * SECOND, 'waits 10 s after a DECLINE');
    }
    t.true(device.hal.lines.some((line) => line === 'dhcp: ' + POOL_START + ' is in use by another host, declined'));
    t.true(stat(squatter, 'arpRepliesSent') >= 1, 'the probe was answered');
    assertLanClean(t, device);
    assertLanClean(t, squatter);
  });
}
