import test from 'ava';
import { Stat } from '../../firmware/stats';
import { transportChecksum } from '../../firmware/wire/checksum';
import { parseTcpHeader, writeTcpHeader, TcpField, TcpLimit } from '../../firmware/wire/tcp-header';
import { TcpState } from '../../firmware/tcp/state';
import { Env, PEER_IP, LOCAL_IP, LOCAL_PORT, SYN, ACK, build, expectSegment, openServer } from './harness';

/** A SYN to LOCAL_PORT with the given option bytes (padded to a multiple of 4), checksummed. */
function synWithOptions(env: Env, options: number[], dataOffsetWords?: number): Uint8Array {
  const padded = options.slice();
  while (padded.length % 4) padded.push(0);
  const bytes = new Uint8Array(20 + padded.length);
  writeTcpHeader(bytes, 0, 40000, LOCAL_PORT, 1000, 0, SYN, 8192, 0);
  bytes[12] = (dataOffsetWords === undefined ? (20 + padded.length) / 4 : dataOffsetWords) << 4;
  bytes.set(padded, 20);
  const sum = transportChecksum(env.hal, bytes, 0, bytes.length, PEER_IP, LOCAL_IP, 6);
  bytes[16] = sum >>> 8;
  bytes[17] = sum & 255;
  return bytes;
}

test('parse/build round trip, with and without the MSS option', (t) => {
  const fields = new Uint32Array(TcpField.COUNT);
  const buf = new Uint8Array(64);
  t.is(writeTcpHeader(buf, 4, 1234, 80, 0xfedcba98, 0x01020304, SYN | ACK, 65535, 1460), 24);
  t.is(parseTcpHeader(buf, 4, 24, fields), -1);
  t.deepEqual(Array.from(fields.subarray(0, TcpField.SACK_PERMITTED)), [1234, 80, 0xfedcba98, 0x01020304, SYN | ACK, 65535, 24, 1460]);
  t.is(fields[TcpField.SACK_PERMITTED], 0);
  t.is(fields[TcpField.SACK_BLOCKS], 0);
  t.is(writeTcpHeader(buf, 0, 1, 2, 3, 4, ACK, 5, 0), 20);
  t.is(parseTcpHeader(buf, 0, 30, fields), -1);
  t.is(fields[TcpField.MSS], TcpLimit.DEFAULT_MSS, 'no option: the RFC 9293 default');
  t.is(fields[TcpField.HEADER_LENGTH], 20);
  t.is(writeTcpHeader(buf, 0, 1, 2, 3, 4, SYN, 5, 1), 24);
  t.is(parseTcpHeader(buf, 0, 24, fields), -1);
  t.is(fields[TcpField.MSS], 1, 'a tiny MSS is read as announced, not raised');
});

test('options: NOP, window scale, timestamps and unknown kinds are skipped; MSS and SACK-permitted used; END stops', (t) => {
  const env = new Env();
  env.tcp.listen(LOCAL_PORT, 2);
  const options = [1, 3, 3, 7, 4, 2, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8, 99, 4, 0xaa, 0xbb, 2, 4, 0x02, 0x00, 0, 2, 4, 0, 9];
  env.injectRaw(synWithOptions(env, options));
  const synAck = env.one(t);
  expectSegment(t, synAck, { flags: SYN | ACK, ack: 1001 });
  t.is(env.tcp.synQueue.mss[0], 512, 'MSS 512 read; the one after END ignored');
  t.is(env.tcp.synQueue.sackPermitted[0], 1, 'SACK-permitted read');
  t.is(env.stat('dropTcpOptions'), 0);
  env.advance(60000);
  env.take();
  env.leakCheck(t);
});

test('malformed segments are counted and dropped, never thrown, never answered', (t) => {
  const env = new Env();
  env.tcp.listen(LOCAL_PORT, 2);
  const cases: [string, Uint8Array, Stat][] = [
    ['19 bytes', build(env.hal, { seq: 1, flags: SYN }, PEER_IP, LOCAL_IP).subarray(0, 19), Stat.dropTcpShort],
    ['empty', new Uint8Array(0), Stat.dropTcpShort],
    ['data offset 4 words', synWithOptions(env, [], 4), Stat.dropTcpHeaderLength],
    ['data offset past the segment', synWithOptions(env, [1, 1, 1, 1], 15), Stat.dropTcpHeaderLength],
    ['option length 0', synWithOptions(env, [99, 0, 1, 1]), Stat.dropTcpOptions],
    ['option length 1', synWithOptions(env, [2, 1, 1, 1]), Stat.dropTcpOptions],
    ['option past the header', synWithOptions(env, [1, 1, 2, 8]), Stat.dropTcpOptions],
    ['option kind in the last byte', synWithOptions(env, [1, 1, 1, 2]), Stat.dropTcpOptions],
    ['SYN+RST', build(env.hal, { seq: 1, flags: SYN | 4 }, PEER_IP, LOCAL_IP), Stat.dropTcpFlags],
    ['SYN+FIN', build(env.hal, { seq: 1, flags: SYN | 1 }, PEER_IP, LOCAL_IP), Stat.dropTcpFlags],
    ['source port 0', build(env.hal, { srcPort: 0, seq: 1, flags: SYN }, PEER_IP, LOCAL_IP), Stat.dropTcpFlags],
  ];
  for (const [what, bytes, stat] of cases) {
    const before = env.stats[stat];
    t.notThrows(() => env.injectRaw(bytes), what);
    t.is(env.stats[stat], before + 1, what + ' counted');
  }
  const corrupted = build(env.hal, { seq: 1, flags: SYN, data: 'payload' }, PEER_IP, LOCAL_IP);
  corrupted[22] ^= 0x40;
  env.injectRaw(corrupted);
  t.is(env.stat('dropTcpChecksum'), 1);
  t.deepEqual(env.take(), []);
  t.is(env.tcp.synQueue.count, 0);
  t.is(env.stat('tcpIn'), cases.length + 1);
  env.leakCheck(t);
});

/** xorshift32 for a reproducible fuzz. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

test('fuzz: random and mutated segments against every state never throw and keep the invariants', (t) => {
  const random = rng(12345);
  for (let round = 0; round < 30; round++) {
    const env = new Env({ sockets: 4, synQueue: 2, reassemblyRanges: 2, delayedAck: 50 });
    const { slot, iss, irs } = openServer(t, env);
    env.tcp.send(slot, new Uint8Array(3000), 0, 3000);
    for (let i = 0; i < 300; i++) {
      const kind = random();
      let bytes: Uint8Array;
      if (kind < 0.2) {
        bytes = new Uint8Array(Math.floor(random() * 80));
        for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256);
      } else {
        const flags = Math.floor(random() * 64);
        const seq = random() < 0.7 ? irs + 1 + Math.floor(random() * 6000) - 1000 : Math.floor(random() * 2 ** 32);
        const ack = random() < 0.7 ? iss + Math.floor(random() * 4000) : Math.floor(random() * 2 ** 32);
        const length = random() < 0.5 ? 0 : Math.floor(random() * 1400);
        bytes = build(env.hal, { srcPort: random() < 0.8 ? 40000 : 40001, seq, ack, flags, window: Math.floor(random() * 65536), data: new Uint8Array(length) }, PEER_IP, LOCAL_IP);
        if (kind > 0.9) bytes[Math.floor(random() * bytes.length)] ^= 1 << Math.floor(random() * 8);
        if (kind > 0.95 && bytes.length > 20) bytes[12] = Math.floor(random() * 256);
      }
      t.notThrows(() => env.injectRaw(bytes));
      if (random() < 0.1) env.advance(Math.floor(random() * 3000));
      if (random() < 0.05) {
        const into = new Uint8Array(5000);
        env.tcp.receive(slot, into, 0, 5000);
      }
      for (let s = 0; s < env.tcp.slotCount; s++) {
        const slots = env.tcp.slots;
        if (!(slots.flags[s] & 1)) continue;
        const free = env.config.receiveBuffer - slots.recvLength[s];
        const window = (slots.rcvAdv[s] - slots.rcvNxt[s]) | 0;
        if (slots.state[s] >= TcpState.ESTABLISHED && !(window <= env.config.receiveBuffer && window >= 0)) t.fail('window out of range');
        if (free < 0) t.fail('receive ring overflow');
        if (slots.sendLength[s] > env.config.sendBuffer) t.fail('send ring overflow');
        if (((slots.sndNxt[s] - slots.sndUna[s]) | 0) < 0 || ((slots.sndMax[s] - slots.sndNxt[s]) | 0) < 0) t.fail('snd.una <= snd.nxt <= snd.max violated');
      }
    }
    for (let s = 0; s < env.tcp.slotCount; s++) env.tcp.abort(s);
    for (let l = 0; l < env.config.listeners; l++) env.tcp.unlisten(l);
    env.advance(env.config.synReceivedTimeout + 2 * env.config.msl + 1000);
    env.take();
    t.is(env.slotsInUse(), 0);
    t.is(env.tcp.synQueue.count, 0);
    t.is(env.tcp.timeWait.count, 0);
  }
});
