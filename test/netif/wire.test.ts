import test from 'ava';
import { NodeHal } from '../../sim/node-hal';
import { headerChecksum, transportChecksum } from '../../firmware/wire/checksum';
import { EtherType, writeEthernetHeader } from '../../firmware/wire/ethernet';
import { ArpOperation, isEthernetIpv4Arp, writeArpPacket } from '../../firmware/wire/arp';
import { IpProtocol, readIpv4Address, writeIpv4Address, writeIpv4Header } from '../../firmware/wire/ipv4';
import { IcmpType, finishIcmpMessage } from '../../firmware/wire/icmp';
import { writeUdpHeader } from '../../firmware/wire/udp';
import { parseIp } from '../../firmware/wire/ip-address';
import { Stat, statNames } from '../../firmware/stats';
import { OUR_MAC, PEER_MAC, arp, icmp, read16, referenceChecksum, transportChecksumValid, udp } from './harness';

const hal = new NodeHal({ now: () => 0 }, 1);

function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  const bytes = new Uint8Array(clean.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(clean.substr(i * 2, 2), 16);
  return bytes;
}

// RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to 2ddf0, folded ddf2, checksum 220d.
test('RFC 1071 worked example', (t) => {
  const bytes = hex('0001 f203 f4f5 f6f7');
  t.is(hal.checksum(bytes, 0, 8, 0), 0xddf2);
  t.is(headerChecksum(hal, bytes, 0, 8), 0x220d);
  t.is(referenceChecksum(bytes), 0x220d);
  // At an odd length the last byte is the high half of a zero-padded word.
  t.is(headerChecksum(hal, hex('0001 f203 f4f5 f6'), 0, 7), referenceChecksum([0, 1, 0xf2, 3, 0xf4, 0xf5, 0xf6, 0]));
});

// The example header from Wikipedia's "Internet checksum" / IPv4 header checksum article.
const WIKIPEDIA_HEADER = '4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7';

test('IPv4 header checksum: the Wikipedia example gives b861 and verifies to 0', (t) => {
  const header = hex(WIKIPEDIA_HEADER);
  t.is(headerChecksum(hal, header, 0, 20), 0);
  header[10] = 0;
  header[11] = 0;
  t.is(headerChecksum(hal, header, 0, 20), 0xb861);
});

test('writeIpv4Header reproduces the Wikipedia header byte for byte, at an offset', (t) => {
  const buf = new Uint8Array(40).fill(0xaa);
  writeIpv4Header(hal, buf, 14, 0x73 - 20, 0, IpProtocol.UDP, parseIp('192.168.0.1'), parseIp('192.168.0.199'));
  t.deepEqual(Array.from(buf.subarray(14, 34)), Array.from(hex(WIKIPEDIA_HEADER)));
  t.is(buf[13], 0xaa);
  t.is(buf[34], 0xaa);
});

test('IPv4 addresses round-trip as unsigned 32-bit numbers', (t) => {
  const buf = new Uint8Array(8);
  for (const text of ['0.0.0.0', '255.255.255.255', '192.0.2.2', '128.0.0.1', '10.1.2.3']) {
    writeIpv4Address(buf, 3, parseIp(text));
    t.is(readIpv4Address(buf, 3), parseIp(text));
  }
  t.true(readIpv4Address(hex('ffffffff'), 0) > 0);
});

// A datagram captured from the Linux kernel (sent from 10.99.0.1:5353 to 10.99.0.2:9999 through
// a TUN device, so the kernel computed both checksums in software).
const CAPTURED = '45000033a684400040117f6d0a6300010a63000214e9270f001f7b1b' +
  '6573707275696e6f2d746370206e657469662074657374';

test('captured UDP packet: both checksums verify, and the writers rebuild it exactly', (t) => {
  const packet = hex(CAPTURED);
  const src = parseIp('10.99.0.1');
  const dst = parseIp('10.99.0.2');
  t.is(headerChecksum(hal, packet, 0, 20), 0);
  t.is(transportChecksum(hal, packet, 20, packet.length - 20, src, dst, IpProtocol.UDP), 0);
  t.true(transportChecksumValid(Array.from(packet.subarray(20)), src, dst, 17));

  const rebuilt = new Uint8Array(packet.length);
  rebuilt.set(packet.subarray(28), 28);
  writeUdpHeader(hal, rebuilt, 20, 5353, 9999, packet.length - 20, src, dst);
  writeIpv4Header(hal, rebuilt, 0, packet.length - 20, 0xa684, IpProtocol.UDP, src, dst);
  t.deepEqual(Array.from(rebuilt), Array.from(packet));
});

test('writeUdpHeader sends a computed checksum of 0 as ffff', (t) => {
  const src = parseIp('192.0.2.2');
  const dst = parseIp('192.0.2.9');
  const buf = new Uint8Array(12);
  // Make the payload's last word the checksum of everything else, so the total folds to ffff.
  writeUdpHeader(hal, buf, 0, 1000, 2000, 12, src, dst);
  const complement = read16(buf, 6);
  buf[10] = complement >>> 8;
  buf[11] = complement & 0xff;
  writeUdpHeader(hal, buf, 0, 1000, 2000, 12, src, dst);
  t.is(read16(buf, 6), 0xffff);
  t.is(transportChecksum(hal, buf, 0, 12, src, dst, IpProtocol.UDP), 0);
});

test('writeUdpHeader matches an independently built datagram', (t) => {
  const src = parseIp('198.51.100.1');
  const dst = parseIp('203.0.113.77');
  const payload = [1, 2, 3, 4, 5, 6, 7];
  const expected = udp(src, dst, 53, 33333, payload);
  const buf = new Uint8Array(expected.length);
  buf.set(payload, 8);
  writeUdpHeader(hal, buf, 0, 53, 33333, expected.length, src, dst);
  t.deepEqual(Array.from(buf), expected);
});

test('Ethernet header round trip', (t) => {
  const frame = new Uint8Array(20).fill(0x55);
  const table = new Uint8Array(18);
  table.set(PEER_MAC, 12);
  writeEthernetHeader(hal, frame, table, 12, Uint8Array.from(OUR_MAC), EtherType.ARP);
  t.deepEqual(Array.from(frame.subarray(0, 6)), PEER_MAC);
  t.deepEqual(Array.from(frame.subarray(6, 12)), OUR_MAC);
  t.is(read16(frame, 12), 0x0806);
  t.is(frame[14], 0x55);
});

test('ARP packet round trip and validation', (t) => {
  const buf = new Uint8Array(30);
  const sender = parseIp('192.0.2.2');
  const target = parseIp('192.0.2.9');
  writeArpPacket(hal, buf, 2, ArpOperation.REQUEST, Uint8Array.from(OUR_MAC), sender, null, 0, target);
  t.deepEqual(Array.from(buf.subarray(2)), arp(1, OUR_MAC, sender, [0, 0, 0, 0, 0, 0], target));
  t.true(isEthernetIpv4Arp(buf, 2));

  const rx = Uint8Array.from([9, 9].concat(PEER_MAC));
  writeArpPacket(hal, buf, 2, ArpOperation.REPLY, Uint8Array.from(OUR_MAC), sender, rx, 2, target);
  t.deepEqual(Array.from(buf.subarray(2)), arp(2, OUR_MAC, sender, PEER_MAC, target));
  t.true(isEthernetIpv4Arp(buf, 2));

  const broken: [number, number][] = [[0, 1], [1, 6], [2, 0x86], [4, 8], [5, 16], [7, 3], [6, 1]];
  for (const [index, value] of broken) {
    const copy = buf.slice();
    copy[2 + index] = value;
    t.false(isEthernetIpv4Arp(copy, 2), 'field ' + index);
  }
});

test('ICMP message checksum matches an independent build, odd length included', (t) => {
  for (const body of [[], [1], [1, 2, 3, 4, 5], [0xff, 0xff, 0xff]]) {
    const expected = icmp(0, 0, [0x12, 0x34, 0x00, 0x07], body);
    const buf = Uint8Array.from([8, 5, 0xde, 0xad, 0x12, 0x34, 0x00, 0x07].concat(body));
    finishIcmpMessage(hal, buf, 0, buf.length, IcmpType.ECHO_REPLY, 0);
    t.deepEqual(Array.from(buf), expected);
    t.is(headerChecksum(hal, buf, 0, buf.length), 0);
  }
});

test('netif counters are in statNames at their enum positions', (t) => {
  t.is(statNames().length, Stat.COUNT);
  const expected: [number, string][] = [
    [Stat.framesOut, 'framesOut'], [Stat.dropArpMalformed, 'dropArpMalformed'], [Stat.dropIpNoRoute, 'dropIpNoRoute'],
    [Stat.icmpOtherIn, 'icmpOtherIn'], [Stat.dropIcmpShort, 'dropIcmpShort'], [Stat.udpIn, 'udpIn'],
    [Stat.dropUdpNoPort, 'dropUdpNoPort'], [Stat.tcpIn, 'tcpIn'],
  ];
  for (const [index, name] of expected) t.is(statNames()[index], name);
});
