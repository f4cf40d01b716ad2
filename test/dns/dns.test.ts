import test, { ExecutionContext } from 'ava';
import { Err } from '../../firmware/errors';
import { DhcpState } from '../../firmware/dhcp';
import { formatIp } from '../../firmware/wire/ip-address';
import { Device, stat } from '../seeds/network';
import { macFor } from '../../sim/host';
import { UdpHost } from '../../sim/servers/udp-host';
import { Lan, ROUTER, addDhcpDevice, assertLanClean, boundPorts, makeLan } from '../dhcp/lan';

const SECOND = 1000;
const records = {
  'example.test': { address: '10.0.0.80', ttl: 60 },
  'www.example.test': { cname: 'web.example.test', ttl: 120 },
  'web.example.test': { cname: 'example.test', ttl: 30 },
  'short.test': { address: '10.0.0.81', ttl: 0 },
  'long.test': { address: '10.0.0.82', ttl: 1000000 },
  'alias-only.test': { cname: 'nowhere.test' },
};

interface Result {
  error: (Error & { code?: string }) | null;
  ip: string;
  at: number;
}

function staticDevice(lan: Lan, overrides: { [field: string]: unknown } = {}): Device {
  return lan.network.add('device', '10.0.0.2', Object.assign({ dnsServer: ROUTER }, overrides));
}

function resolve(t: ExecutionContext, lan: Lan, device: Device, name: string, limit = 30 * SECOND): Result {
  let result: Result | null = null;
  t.is(device.stack.dns!.lookup(name, (error, ip) => {
    result = { error, ip: formatIp(ip), at: lan.network.now };
  }), 0, 'lookup started');
  t.true(lan.network.runUntil(() => result !== null, limit, 1), 'called back');
  return result as unknown as Result;
}

const links = [
  { title: 'clean link', options: {} },
  { title: '25% loss', options: { loss: 0.25, seed: 5 } },
];

for (const link of links) {
  test(`DNS: resolves an A record from a random port and ID, then answers from the cache (${link.title})`, (t) => {
    const lan = makeLan(link.options, {}, records);
    const device = staticDevice(lan);
    const first = resolve(t, lan, device, 'Example.TEST');
    t.is(first.error, null);
    t.is(first.ip, '10.0.0.80');
    t.true(lan.dns.queries.length >= 1);
    const query = lan.dns.queries[0];
    t.is(query.name, 'example.test', 'name sent in lower case');
    t.is(query.type, 1);
    t.true(query.sourcePort >= 49152, 'ephemeral source port');
    t.is(new Set(lan.dns.queries.map((q) => q.id)).size, 1, 'retransmissions keep the ID');
    const queries = lan.dns.queries.length;
    const cached = resolve(t, lan, device, 'example.test.');
    t.is(cached.ip, '10.0.0.80');
    t.is(lan.dns.queries.length, queries, 'no query for a cached name');
    t.is(stat(device, 'dnsCacheHits'), 1);
    // Another lookup gets another port and ID.
    lan.network.run(61 * SECOND);
    const again = resolve(t, lan, device, 'example.test');
    t.is(again.ip, '10.0.0.80');
    const last = lan.dns.queries[lan.dns.queries.length - 1];
    t.true(last.sourcePort !== query.sourcePort || last.id !== query.id);
    assertLanClean(t, device);
  });

  test(`DNS: follows a CNAME chain with compressed names (${link.title})`, (t) => {
    const lan = makeLan(link.options, {}, records);
    const device = staticDevice(lan);
    const result = resolve(t, lan, device, 'www.example.test');
    t.is(result.error, null);
    t.is(result.ip, '10.0.0.80');
    const noAddress = resolve(t, lan, device, 'alias-only.test');
    t.is(noAddress.error!.code, 'ENOTFOUND', 'an alias to nothing has no address');
    assertLanClean(t, device);
  });

  test(`DNS: NXDOMAIN is ENOTFOUND and is not cached (${link.title})`, (t) => {
    const lan = makeLan(link.options, {}, records);
    const device = staticDevice(lan);
    const result = resolve(t, lan, device, 'missing.test');
    t.is(result.error!.code, 'ENOTFOUND');
    t.is((result.error as unknown as { hostname: string }).hostname, 'missing.test');
    t.is(result.ip, '0.0.0.0');
    t.is(stat(device, 'dnsNxdomain'), 1);
    const queries = lan.dns.queries.length;
    resolve(t, lan, device, 'missing.test');
    t.true(lan.dns.queries.length > queries);
    assertLanClean(t, device);
  });

  test(`DNS: no answer is ENOTFOUND after the retries (${link.title})`, (t) => {
    const lan = makeLan(link.options, {}, records);
    lan.dns.silent = true;
    const device = staticDevice(lan, { dnsTimeout: 1000, dnsRetries: 3 });
    const start = lan.network.now;
    const result = resolve(t, lan, device, 'example.test');
    t.is(result.error!.code, 'ENOTFOUND');
    t.true(result.at - start >= 4 * SECOND && result.at - start < 4 * SECOND + 50, 'four timeouts of 1 s');
    t.is(stat(device, 'dnsQueriesSent'), 4);
    t.is(stat(device, 'dnsRetransmits'), 3);
    t.is(stat(device, 'dnsTimeouts'), 1);
    assertLanClean(t, device);
  });

  test(`DNS: several lookups at once are bounded by the table (${link.title})`, (t) => {
    const lan = makeLan(link.options, {}, records);
    const device = staticDevice(lan, { dnsLookups: 2 });
    const results: string[] = [];
    const dns = device.stack.dns!;
    t.is(dns.lookup('example.test', (error, ip) => results.push('a ' + formatIp(ip))), 0);
    t.is(dns.lookup('short.test', (error, ip) => results.push('b ' + formatIp(ip))), 0);
    t.is(dns.lookup('long.test', () => results.push('never')), Err.EMFILE, 'third lookup refused');
    t.is(stat(device, 'dnsLookupsRefused'), 1);
    t.is(boundPorts(device).length, 2, 'one port per lookup in flight');
    t.true(lan.network.runUntil(() => results.length === 2, 30 * SECOND, 1));
    t.deepEqual(results.sort(), ['a 10.0.0.80', 'b 10.0.0.81']);
    t.is(dns.lookup('long.test', (error, ip) => results.push('c ' + formatIp(ip))), 0, 'room again');
    t.true(lan.network.runUntil(() => results.length === 3, 30 * SECOND, 1));
    t.is(results[2], 'c 10.0.0.82');
    assertLanClean(t, device);
  });
}

test('DNS: TTL honoured and clamped to [dnsMinTtl, dnsMaxTtl]', (t) => {
  const lan = makeLan({}, {}, records);
  const device = staticDevice(lan, { dnsMinTtl: 5, dnsMaxTtl: 600 });
  const count = (name: string): number => lan.dns.queries.filter((q) => q.name === name).length;
  resolve(t, lan, device, 'example.test');
  lan.network.run(59 * SECOND);
  resolve(t, lan, device, 'example.test');
  t.is(count('example.test'), 1, 'cached within its 60 s TTL');
  lan.network.run(2 * SECOND);
  resolve(t, lan, device, 'example.test');
  t.is(count('example.test'), 2, 'asked again after the TTL');
  resolve(t, lan, device, 'short.test');
  lan.network.run(4 * SECOND);
  resolve(t, lan, device, 'short.test');
  t.is(count('short.test'), 1, 'TTL 0 held for the 5 s minimum');
  lan.network.run(2 * SECOND);
  resolve(t, lan, device, 'short.test');
  t.is(count('short.test'), 2);
  resolve(t, lan, device, 'long.test');
  lan.network.run(599 * SECOND);
  resolve(t, lan, device, 'long.test');
  t.is(count('long.test'), 1);
  lan.network.run(2 * SECOND);
  resolve(t, lan, device, 'long.test');
  t.is(count('long.test'), 2, 'a huge TTL is cut to the 600 s maximum');
  assertLanClean(t, device);
});

test('DNS: the cache is fixed: the entry closest to expiry makes room', (t) => {
  const lan = makeLan({}, {}, { 'a.test': { address: '10.0.1.1', ttl: 100 }, 'b.test': { address: '10.0.1.2', ttl: 50 },
    'c.test': { address: '10.0.1.3', ttl: 200 } });
  const device = staticDevice(lan, { dnsCacheEntries: 2 });
  const memory = device.stack.memory().total;
  resolve(t, lan, device, 'a.test');
  resolve(t, lan, device, 'b.test');
  resolve(t, lan, device, 'c.test');
  const queries = lan.dns.queries.length;
  resolve(t, lan, device, 'a.test');
  resolve(t, lan, device, 'c.test');
  t.is(lan.dns.queries.length, queries, 'a and c cached');
  resolve(t, lan, device, 'b.test');
  t.is(lan.dns.queries.length, queries + 1, 'b (earliest expiry) was replaced');
  t.is(device.stack.memory().total, memory);
  assertLanClean(t, device);
});

test('DNS: answers with a wrong ID, from a wrong port or address, or for another question are dropped', (t) => {
  const lan = makeLan({}, {}, records);
  const device = staticDevice(lan, { dnsTimeout: 2000, dnsRetries: 0 });
  const stranger = new UdpHost(lan.network.link, macFor(201), '10.0.0.66');
  let mode = 'id';
  lan.dns.mangle = (response, query) => {
    const forged = response.slice();
    if (mode === 'id') forged[1] ^= 0x55;
    if (mode === 'question') forged[13] ^= 0x01;
    if (mode === 'port') {
      lan.router.send(0x0a000002, 5353, query.sourcePort, forged);
      return null;
    }
    if (mode === 'address') {
      stranger.send(0x0a000002, 53, query.sourcePort, forged);
      return null;
    }
    return forged;
  };
  for (const each of ['id', 'question', 'port', 'address']) {
    mode = each;
    const before = stat(device, 'dropDnsSpoofed');
    const result = resolve(t, lan, device, 'example.test');
    t.is(result.error!.code, 'ENOTFOUND', each + ': the forged answer was not taken');
    t.is(stat(device, 'dropDnsSpoofed'), before + 1, each + ': counted');
  }
  mode = 'none';
  t.is(resolve(t, lan, device, 'example.test').ip, '10.0.0.80', 'the real answer still works');
  assertLanClean(t, device);
});

test('DNS: a truncated answer is dropped and counted', (t) => {
  const lan = makeLan({}, {}, records);
  lan.dns.truncate = true;
  const device = staticDevice(lan, { dnsRetries: 1 });
  const result = resolve(t, lan, device, 'example.test');
  t.is(result.error!.code, 'ENOTFOUND');
  t.is(stat(device, 'dropDnsTruncated'), 2);
  assertLanClean(t, device);
});

test('DNS: names that are not hostnames are refused at once, dotted addresses pass through', (t) => {
  const lan = makeLan({}, {}, records);
  const device = staticDevice(lan, { dnsNameLength: 16 });
  const dns = device.stack.dns!;
  for (const bad of ['', '.', 'a..b', '.a', 'has space.test', 'x'.repeat(64) + '.test', 'fourteen-chars.test']) {
    t.is(dns.lookup(bad, () => t.fail()), Err.EINVAL, JSON.stringify(bad));
  }
  t.is(resolve(t, lan, device, '10.1.2.3').ip, '10.1.2.3');
  t.is(lan.dns.queries.length, 0);
  assertLanClean(t, device);
});

test('DNS: without a server every lookup fails with ENOTFOUND, nothing is sent', (t) => {
  const lan = makeLan({}, {}, records);
  const device = lan.network.add('device', '10.0.0.2');
  const result = resolve(t, lan, device, 'example.test');
  t.is(result.error!.code, 'ENOTFOUND');
  t.is(stat(device, 'dnsQueriesSent'), 0);
  assertLanClean(t, device);
});

for (const link of links) {
  test(`end to end: DHCP gives the address and DNS server, then connect({host}) reaches a server by name (${link.title})`, (t) => {
    const lan = makeLan(link.options, {}, records);
    const server = lan.network.add('server', '10.0.0.80');
    const received: string[] = [];
    server.net.createServer((socket) => {
      socket.setEncoding('binary');
      socket.on('data', (data: string) => {
        received.push(data);
        socket.end('pong');
      });
    }).listen(7);
    const device = addDhcpDevice(lan);
    t.true(lan.network.runUntil(() => device.stack.dhcp!.state === DhcpState.BOUND, 300 * SECOND, 100));
    let reply = '';
    let closed = false;
    const socket = device.net.connect({ host: 'www.example.test', port: 7 }, () => {
      socket.write('ping');
    });
    t.true(socket.connecting, 'connecting while the name resolves');
    socket.setEncoding('binary');
    socket.on('data', (data: string) => {
      reply += data;
    });
    socket.on('close', () => {
      closed = true;
    });
    t.true(lan.network.runUntil(() => closed, 120 * SECOND, 1));
    t.deepEqual(received, ['ping']);
    t.is(reply, 'pong');
    t.is(socket.remoteAddress, '10.0.0.80');

    let failure: (Error & { code?: string }) | null = null;
    let failedClose = false;
    const missing = device.net.connect({ host: 'missing.test', port: 7 });
    missing.on('error', (error: Error) => {
      failure = error;
    });
    missing.on('close', () => {
      failedClose = true;
    });
    t.true(lan.network.runUntil(() => failedClose, 60 * SECOND, 1));
    t.is(failure!.code, 'ENOTFOUND');

    // Destroyed while resolving: no connection is made afterwards.
    const abandoned = device.net.connect({ host: 'example.test', port: 7 });
    abandoned.on('error', () => t.fail());
    abandoned.destroy();
    lan.network.run(30 * SECOND + 2 * 60 * SECOND);
    t.is(stat(device, 'tcpActiveOpens'), 1);
    assertLanClean(t, device);
    assertLanClean(t, server);
  });
}
