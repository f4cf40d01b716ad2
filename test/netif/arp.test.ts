import test from 'ava';
import { Stat } from '../../firmware/stats';
import { ArpState } from '../../firmware/arp-cache';
import { parseIp } from '../../firmware/wire/ip-address';
import {
  BROADCAST_MAC, GATEWAY_IP, GATEWAY_MAC, OUR_IP, OUR_MAC, PEER_IP, PEER_MAC, REMOTE_IP, Rig, arp, arpReplyFrame,
  assertNoLeaks, cacheEntries, changed, ethernet, feed, makeRig, memoryOf, parseSent, pendingFrames, snapshot, u32,
} from './harness';

const ZERO_MAC = [0, 0, 0, 0, 0, 0];

/** Has the transport write `length` payload bytes tagged with `tag` and sends them as protocol 253. */
function sendTagged(rig: Rig, dstIp: number, tag: number, length = 4): boolean {
  const frame = rig.netif.frame;
  frame.fill(tag, rig.netif.payloadOffset, rig.netif.payloadOffset + length);
  return rig.netif.send(dstIp, 253, length);
}

function entryFor(rig: Rig, ip: number): number {
  return rig.netif.arp.find(ip);
}

function macOf(rig: Rig, entry: number): number[] {
  return Array.from(rig.netif.arp.mac.subarray(entry * 6, entry * 6 + 6));
}

test('answers a request for our address with an exact reply, and learns the requester', (t) => {
  const rig = makeRig();
  const memory = memoryOf(rig);
  const before = snapshot(rig.stats);
  feed(rig, ethernet(BROADCAST_MAC, PEER_MAC, 0x0806, arp(1, PEER_MAC, PEER_IP, ZERO_MAC, OUR_IP)));
  t.deepEqual(changed(before, rig.stats), { arpIn: 1, arpResolved: 1, arpRepliesSent: 1, framesOut: 1 });
  const sent = rig.nic.take();
  t.is(sent.length, 1);
  t.deepEqual(Array.from(sent[0]), ethernet(PEER_MAC, OUR_MAC, 0x0806, arp(2, OUR_MAC, OUR_IP, PEER_MAC, PEER_IP)));
  const entry = entryFor(rig, PEER_IP);
  t.is(rig.netif.arp.state[entry], ArpState.RESOLVED);
  t.deepEqual(macOf(rig, entry), PEER_MAC);
  t.is(rig.netif.arp.age(entry, rig.clock.t + 250), 250);
  assertNoLeaks(t, rig, memory);
});

test('a request for another address is neither answered nor learned from', (t) => {
  const rig = makeRig();
  const memory = memoryOf(rig);
  feed(rig, ethernet(BROADCAST_MAC, PEER_MAC, 0x0806, arp(1, PEER_MAC, PEER_IP, ZERO_MAC, parseIp('192.0.2.77'))));
  t.is(rig.stats[Stat.arpIn], 1);
  t.is(rig.nic.take().length, 0);
  t.is(entryFor(rig, PEER_IP), -1);
  assertNoLeaks(t, rig, memory);
});

test('an unsolicited packet refreshes a cached sender (new MAC) but adds no new one', (t) => {
  const rig = makeRig();
  const memory = memoryOf(rig);
  feed(rig, arpReplyFrame(PEER_IP, PEER_MAC));
  const entry = entryFor(rig, PEER_IP);
  const movedMac = [0x02, 0, 0, 0, 0, 0x77];
  rig.clock.t += 5000;
  // Gratuitous ARP: sender and target are the peer itself, broadcast.
  feed(rig, ethernet(BROADCAST_MAC, movedMac, 0x0806, arp(1, movedMac, PEER_IP, ZERO_MAC, PEER_IP)));
  t.deepEqual(macOf(rig, entry), movedMac);
  t.is(rig.netif.arp.age(entry, rig.clock.t), 0);
  feed(rig, ethernet(BROADCAST_MAC, GATEWAY_MAC, 0x0806, arp(2, GATEWAY_MAC, GATEWAY_IP, ZERO_MAC, GATEWAY_IP)));
  t.is(entryFor(rig, GATEWAY_IP), -1);
  t.is(rig.nic.take().length, 0);
  assertNoLeaks(t, rig, memory);
});

test('senders that must not be learned: 0.0.0.0 probes, our own address, group MACs', (t) => {
  const rig = makeRig();
  const memory = memoryOf(rig);
  // An RFC 5227 probe for our address is answered (it is how a conflict shows) but not learned.
  feed(rig, ethernet(BROADCAST_MAC, PEER_MAC, 0x0806, arp(1, PEER_MAC, 0, ZERO_MAC, OUR_IP)));
  t.is(rig.stats[Stat.arpRepliesSent], 1);
  t.is(entryFor(rig, 0), -1);
  feed(rig, ethernet(BROADCAST_MAC, PEER_MAC, 0x0806, arp(1, PEER_MAC, OUR_IP, ZERO_MAC, OUR_IP)));
  t.is(entryFor(rig, OUR_IP), -1);
  const groupMac = [0x01, 0x00, 0x5e, 0, 0, 1];
  feed(rig, ethernet(OUR_MAC, PEER_MAC, 0x0806, arp(2, groupMac, PEER_IP, OUR_MAC, OUR_IP)));
  t.is(entryFor(rig, PEER_IP), -1);
  t.is(rig.stats[Stat.arpIn], 3);
  rig.nic.take();
  assertNoLeaks(t, rig, memory);
});

test('malformed ARP is dropped and counted', (t) => {
  const rig = makeRig();
  const memory = memoryOf(rig);
  const good = ethernet(BROADCAST_MAC, PEER_MAC, 0x0806, arp(1, PEER_MAC, PEER_IP, ZERO_MAC, OUR_IP));
  feed(rig, good.slice(0, 41));
  const variants: [number, number][] = [[14, 1], [15, 6], [16, 0x86], [18, 8], [19, 16], [21, 9], [20, 1]];
  for (const [index, value] of variants) {
    const frame = good.slice();
    frame[index] = value;
    feed(rig, frame);
  }
  t.is(rig.stats[Stat.dropArpMalformed], 1 + variants.length);
  t.is(rig.stats[Stat.arpIn], 0);
  t.is(rig.nic.take().length, 0);
  // Trailing Ethernet padding is fine.
  feed(rig, good.concat(new Array(18).fill(0)));
  t.is(rig.stats[Stat.arpIn], 1);
  rig.nic.take();
  assertNoLeaks(t, rig, memory);
});

test('an unresolved next hop: request broadcast, frame held, sent with the learned MAC on reply', (t) => {
  const rig = makeRig();
  const memory = memoryOf(rig);
  t.true(sendTagged(rig, PEER_IP, 0x11));
  const request = rig.nic.take();
  t.is(request.length, 1);
  t.deepEqual(Array.from(request[0]), ethernet(BROADCAST_MAC, OUR_MAC, 0x0806, arp(1, OUR_MAC, OUR_IP, ZERO_MAC, PEER_IP)));
  t.is(pendingFrames(rig), 1);
  t.is(rig.netif.arp.state[entryFor(rig, PEER_IP)], ArpState.RESOLVING);
  // A second frame while resolving is held too, and no second request goes out.
  t.true(sendTagged(rig, PEER_IP, 0x22, 6));
  t.is(rig.nic.take().length, 0);
  t.is(pendingFrames(rig), 2);

  const before = snapshot(rig.stats);
  feed(rig, arpReplyFrame(PEER_IP, PEER_MAC));
  t.deepEqual(changed(before, rig.stats), { arpIn: 1, arpResolved: 1, framesOut: 2 });
  const flushed = rig.nic.take().map((frame) => parseSent(frame));
  t.is(flushed.length, 2);
  t.deepEqual(flushed.map((p) => p.payload), [[0x11, 0x11, 0x11, 0x11], [0x22, 0x22, 0x22, 0x22, 0x22, 0x22]]);
  for (const packet of flushed) {
    t.deepEqual(packet.dstMac, PEER_MAC);
    t.deepEqual(packet.srcMac, OUR_MAC);
    t.is(packet.etherType, 0x0800);
    t.true(packet.headerChecksumValid);
    t.is(packet.dstIp, PEER_IP);
  }
  t.is(pendingFrames(rig), 0);
  t.is(rig.stats[Stat.ipOut], 2);
  // Resolved: the next frame goes straight out.
  t.true(sendTagged(rig, PEER_IP, 0x33));
  t.deepEqual(parseSent(rig.nic.take()[0]).dstMac, PEER_MAC);
  assertNoLeaks(t, rig, memory);
});

test('held frames for one next hop leave in the order they were sent', (t) => {
  const rig = makeRig({ arpPendingFrames: 3 });
  const memory = memoryOf(rig);
  const otherIp = parseIp('192.0.2.50');
  sendTagged(rig, PEER_IP, 1);
  sendTagged(rig, otherIp, 2);
  sendTagged(rig, PEER_IP, 3);
  feed(rig, arpReplyFrame(otherIp, GATEWAY_MAC));
  // Buffer 1 is free again and the next frame for the peer lands in it, before buffer 2's older one.
  sendTagged(rig, PEER_IP, 4);
  rig.nic.take();
  feed(rig, arpReplyFrame(PEER_IP, PEER_MAC));
  t.deepEqual(rig.nic.take().map((frame) => parseSent(frame).payload[0]), [1, 3, 4]);
  assertNoLeaks(t, rig, memory);
});

test('requests are retried arpRetries times at arpRetryInterval, then the entry and its frames are dropped', (t) => {
  const rig = makeRig({ arpRetries: 2, arpRetryInterval: 500 });
  const memory = memoryOf(rig);
  t.true(sendTagged(rig, PEER_IP, 1));
  t.is(rig.nic.take().length, 1);
  rig.clock.t += 499;
  rig.netif.tick(rig.clock.t);
  t.is(rig.nic.take().length, 0);
  rig.clock.t += 1;
  rig.netif.tick(rig.clock.t);
  t.is(rig.nic.take().length, 1);
  rig.clock.t += 500;
  rig.netif.tick(rig.clock.t);
  t.is(rig.nic.take().length, 1);
  t.is(rig.stats[Stat.arpRequestsSent], 3);
  t.is(pendingFrames(rig), 1);
  rig.clock.t += 500;
  rig.netif.tick(rig.clock.t);
  t.is(rig.nic.take().length, 0);
  t.is(rig.stats[Stat.arpTimeouts], 1);
  t.is(rig.stats[Stat.arpQueueDrops], 1);
  t.is(pendingFrames(rig), 0);
  t.is(entryFor(rig, PEER_IP), -1);
  // A late reply is not addressed to a pending entry any more: it is learned afresh (it targets us).
  feed(rig, arpReplyFrame(PEER_IP, PEER_MAC));
  t.is(rig.nic.take().length, 0);
  assertNoLeaks(t, rig, memory);
});

test('no free pending buffer: the frame is dropped, counted, and send returns false', (t) => {
  const rig = makeRig({ arpPendingFrames: 1 });
  const memory = memoryOf(rig);
  t.true(sendTagged(rig, PEER_IP, 1));
  t.false(sendTagged(rig, PEER_IP, 2));
  // Resolution of another address still starts even when its frame cannot be held.
  t.false(sendTagged(rig, parseIp('192.0.2.60'), 3));
  t.is(rig.stats[Stat.arpQueueDrops], 2);
  t.is(rig.stats[Stat.arpRequestsSent], 2);
  t.is(rig.stats[Stat.ipOut], 1);
  rig.nic.take();
  assertNoLeaks(t, rig, memory);
});

test('with no pending buffers at all, every frame to an unresolved hop is refused', (t) => {
  const rig = makeRig({ arpPendingFrames: 0 });
  const memory = memoryOf(rig);
  t.false(sendTagged(rig, PEER_IP, 1));
  t.is(rig.stats[Stat.arpRequestsSent], 1);
  feed(rig, arpReplyFrame(PEER_IP, PEER_MAC));
  rig.nic.take();
  t.true(sendTagged(rig, PEER_IP, 1));
  assertNoLeaks(t, rig, memory);
});

test('a full cache evicts the least recently used entry', (t) => {
  const rig = makeRig({ arpEntries: 2 });
  const memory = memoryOf(rig);
  const a = parseIp('192.0.2.10');
  const b = parseIp('192.0.2.11');
  const c = parseIp('192.0.2.12');
  feed(rig, arpReplyFrame(a, [2, 0, 0, 0, 0, 0x0a]));
  rig.clock.t += 10;
  feed(rig, arpReplyFrame(b, [2, 0, 0, 0, 0, 0x0b]));
  rig.clock.t += 10;
  t.true(sendTagged(rig, a, 1));
  rig.clock.t += 10;
  feed(rig, arpReplyFrame(c, [2, 0, 0, 0, 0, 0x0c]));
  t.is(rig.stats[Stat.arpCacheEvictions], 1);
  t.true(entryFor(rig, a) >= 0);
  t.is(entryFor(rig, b), -1);
  t.true(entryFor(rig, c) >= 0);
  t.is(cacheEntries(rig, ArpState.RESOLVED), 2);
  rig.nic.take();
  assertNoLeaks(t, rig, memory);
});

test('evicting an entry that is still resolving drops its held frames', (t) => {
  const rig = makeRig({ arpEntries: 1 });
  const memory = memoryOf(rig);
  t.true(sendTagged(rig, PEER_IP, 1));
  rig.clock.t += 10;
  t.true(sendTagged(rig, parseIp('192.0.2.70'), 2));
  t.is(rig.stats[Stat.arpCacheEvictions], 1);
  t.is(rig.stats[Stat.arpQueueDrops], 1);
  t.is(pendingFrames(rig), 1);
  rig.nic.take();
  assertNoLeaks(t, rig, memory);
});

test('resolved entries expire after arpLifetime and are resolved again on the next send', (t) => {
  const rig = makeRig({ arpLifetime: 60000 });
  const memory = memoryOf(rig);
  feed(rig, arpReplyFrame(PEER_IP, PEER_MAC));
  rig.clock.t += 59999;
  rig.netif.tick(rig.clock.t);
  t.true(entryFor(rig, PEER_IP) >= 0);
  rig.clock.t += 1;
  rig.netif.tick(rig.clock.t);
  t.is(entryFor(rig, PEER_IP), -1);
  t.true(sendTagged(rig, PEER_IP, 1));
  t.is(rig.stats[Stat.arpRequestsSent], 1);
  feed(rig, arpReplyFrame(PEER_IP, PEER_MAC));
  t.is(rig.nic.take().length, 2);
  assertNoLeaks(t, rig, memory);
});

test('off-subnet destinations go through the gateway; without one they are refused', (t) => {
  const rig = makeRig();
  const memory = memoryOf(rig);
  t.true(sendTagged(rig, REMOTE_IP, 1));
  const request = rig.nic.take()[0];
  t.deepEqual(Array.from(request.subarray(38, 42)), u32(GATEWAY_IP));
  feed(rig, arpReplyFrame(GATEWAY_IP, GATEWAY_MAC));
  const packet = parseSent(rig.nic.take()[0]);
  t.deepEqual(packet.dstMac, GATEWAY_MAC);
  t.is(packet.dstIp, REMOTE_IP);

  rig.netif.setAddress(OUR_IP, parseIp('255.255.255.0'), 0);
  t.false(sendTagged(rig, REMOTE_IP, 1));
  t.is(rig.stats[Stat.dropIpNoRoute], 1);
  t.is(rig.nic.take().length, 0);
  assertNoLeaks(t, rig, memory);
});

test('limited and subnet broadcasts go to ff:ff:ff:ff:ff:ff without ARP', (t) => {
  const rig = makeRig();
  const memory = memoryOf(rig);
  t.true(sendTagged(rig, 0xffffffff, 1));
  t.true(sendTagged(rig, parseIp('192.0.2.255'), 2));
  const sent = rig.nic.take().map((frame) => parseSent(frame));
  t.deepEqual(sent.map((p) => p.dstMac), [BROADCAST_MAC, BROADCAST_MAC]);
  t.is(rig.stats[Stat.arpRequestsSent], 0);
  // Unconfigured (DHCP DISCOVER): source 0.0.0.0 to the limited broadcast.
  rig.netif.setAddress(0, 0, 0);
  t.true(sendTagged(rig, 0xffffffff, 3));
  const discover = parseSent(rig.nic.take()[0]);
  t.is(discover.srcIp, 0);
  t.deepEqual(discover.dstMac, BROADCAST_MAC);
  assertNoLeaks(t, rig, memory);
});

test('link down: send refuses before ARP starts; retries while down are counted, not sent', (t) => {
  const rig = makeRig();
  const memory = memoryOf(rig);
  rig.nic.up = false;
  t.false(sendTagged(rig, PEER_IP, 1));
  t.is(rig.stats[Stat.dropLinkDown], 1);
  t.is(entryFor(rig, PEER_IP), -1);
  rig.nic.up = true;
  t.true(sendTagged(rig, PEER_IP, 1));
  rig.nic.up = false;
  rig.clock.t += rig.config.arpRetryInterval;
  rig.netif.tick(rig.clock.t);
  t.is(rig.stats[Stat.dropLinkDown], 2);
  t.is(rig.nic.take().length, 1);
  rig.nic.up = true;
  assertNoLeaks(t, rig, memory);
});
