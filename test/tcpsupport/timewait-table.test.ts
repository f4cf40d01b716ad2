import test from 'ava';
import fc from 'fast-check';
import { RecycledAge, TimeWaitTable } from '../../firmware/tcp/timewait-table';
import { Stat } from '../../firmware/stats';

function table(capacity: number, duration: number): { tw: TimeWaitTable; stats: Uint32Array } {
  const stats = new Uint32Array(Stat.COUNT);
  return { tw: new TimeWaitTable(capacity, duration, stats), stats };
}

/** Local ports of the live records, oldest first, read with first()/next(). */
function ports(tw: TimeWaitTable): number[] {
  const out: number[] = [];
  for (let i = tw.first(); i >= 0; i = tw.next(i)) out.push(tw.localPort[i]);
  return out;
}

test('20 bytes per record, exactly, and 8 for the two recycled ages', (t) => {
  t.is(table(1, 1).tw.remoteIp.buffer.byteLength, 8 + 20);
  t.is(table(32, 1).tw.remoteIp.buffer.byteLength, 8 + 640);
});

test('records expire first in, first out', (t) => {
  const { tw, stats } = table(4, 100);
  t.false(tw.insert(0x0a000001, 1001, 80, 10, 20, 0));
  t.false(tw.insert(0x0a000002, 1002, 80, 11, 21, 10));
  t.false(tw.insert(0x0a000003, 1003, 80, 12, 22, 20));
  t.is(stats[Stat.twInserted], 3);
  t.is(tw.count, 3);
  t.deepEqual(ports(tw), [1001, 1002, 1003]);
  const second = tw.find(0x0a000002, 1002, 80);
  t.is(tw.sndNxt[second], 11);
  t.is(tw.rcvNxt[second], 21);
  t.is(tw.remoteIp[second], 0x0a000002);
  t.is(tw.remotePort[second], 80);
  t.is(tw.expiry[second], 110);
  t.is(tw.find(0x0a000002, 1002, 81), -1);
  t.is(tw.find(0x0a000009, 1002, 80), -1);
  t.is(tw.expire(99), 0);
  t.is(tw.expire(100), 1);
  t.is(tw.find(0x0a000001, 1001, 80), -1);
  t.deepEqual(ports(tw), [1002, 1003]);
  t.is(tw.expire(120), 2);
  t.is(stats[Stat.twExpired], 3);
  t.is(tw.count, 0);
  t.is(tw.first(), -1);
  t.is(tw.expire(1000), 0);
});

test('a full table recycles the oldest record, counting it and recording its age', (t) => {
  const { tw, stats } = table(3, 1000);
  t.is(tw.recycledAge[RecycledAge.LAST], -1);
  t.is(tw.recycledAge[RecycledAge.MIN], -1);
  tw.insert(1, 1001, 80, 0, 0, 0);
  tw.insert(1, 1002, 80, 0, 0, 10);
  tw.insert(1, 1003, 80, 0, 0, 20);
  t.true(tw.insert(1, 1004, 80, 0, 0, 30));
  t.is(stats[Stat.twRecycled], 1);
  t.is(tw.recycledAge[RecycledAge.LAST], 30);
  t.is(tw.recycledAge[RecycledAge.MIN], 30);
  t.is(tw.find(1, 1001, 80), -1);
  t.deepEqual(ports(tw), [1002, 1003, 1004]);
  t.true(tw.insert(1, 1005, 80, 0, 0, 35));
  t.is(tw.recycledAge[RecycledAge.LAST], 25);
  t.is(tw.recycledAge[RecycledAge.MIN], 25);
  t.true(tw.insert(1, 1006, 80, 0, 0, 500));
  t.is(tw.recycledAge[RecycledAge.LAST], 480);
  t.is(tw.recycledAge[RecycledAge.MIN], 25);
  t.is(stats[Stat.twRecycled], 3);
  t.is(tw.count, 3);
  // A head that is already expired is not a recycle: it is counted as expired.
  t.false(tw.insert(1, 1007, 80, 0, 0, 1030));
  t.is(stats[Stat.twRecycled], 3);
  t.is(stats[Stat.twExpired], 1);
  t.deepEqual(ports(tw), [1005, 1006, 1007]);
  t.is(tw.expire(1e6), 3);
  t.is(tw.count, 0);
});

test('remove in the middle leaves a hole that iteration, expiry and find skip', (t) => {
  const { tw, stats } = table(5, 100);
  for (let i = 0; i < 5; i++) tw.insert(7, 2000 + i, 443, i, i, i * 10);
  tw.remove(tw.find(7, 2002, 443));
  t.is(tw.count, 4);
  t.is(tw.find(7, 2002, 443), -1);
  t.deepEqual(ports(tw), [2000, 2001, 2003, 2004]);
  tw.remove(tw.find(7, 2002, 443)); // -1: ignored
  tw.remove(99);
  t.is(tw.count, 4);
  // The hole reaches the head on expiry and is skipped.
  t.is(tw.expire(110), 2);
  t.deepEqual(ports(tw), [2003, 2004]);
  t.is(tw.first(), tw.find(7, 2003, 443));
  // Removing the head and the tail.
  tw.remove(tw.first());
  t.deepEqual(ports(tw), [2004]);
  tw.remove(tw.first());
  t.is(tw.first(), -1);
  t.is(tw.count, 0);
  t.is(stats[Stat.twExpired], 2);
});

test('a ring full of positions but with holes squeezes them out instead of recycling', (t) => {
  const { tw, stats } = table(4, 1000);
  for (let i = 0; i < 4; i++) tw.insert(9, 3000 + i, 22, 100 + i, 200 + i, i);
  tw.remove(tw.find(9, 3001, 22));
  tw.remove(tw.find(9, 3002, 22));
  t.false(tw.insert(9, 3004, 22, 104, 204, 10));
  t.false(tw.insert(9, 3005, 22, 105, 205, 11));
  t.is(stats[Stat.twRecycled], 0);
  t.deepEqual(ports(tw), [3000, 3003, 3004, 3005]);
  const moved = tw.find(9, 3003, 22);
  t.is(tw.sndNxt[moved], 103);
  t.is(tw.rcvNxt[moved], 203);
  t.is(tw.expiry[moved], 1003);
  t.true(tw.insert(9, 3006, 22, 0, 0, 12));
  t.is(tw.recycledAge[RecycledAge.LAST], 12);
  t.deepEqual(ports(tw), [3003, 3004, 3005, 3006]);
  t.is(tw.expire(1003), 1);
  t.is(tw.expire(1012), 3);
  t.is(tw.count, 0);
});

test('shed drops the oldest live records regardless of age', (t) => {
  const { tw, stats } = table(6, 60000);
  for (let i = 0; i < 6; i++) tw.insert(5, 4000 + i, 80, 0, 0, i);
  tw.remove(tw.find(5, 4001, 80));
  t.is(tw.shed(2), 2);
  t.deepEqual(ports(tw), [4003, 4004, 4005]);
  t.is(tw.shed(10), 3);
  t.is(tw.shed(1), 0);
  t.is(tw.count, 0);
  t.is(tw.first(), -1);
  t.is(stats[Stat.twExpired], 0);
});

test('the ring wraps around many times', (t) => {
  const { tw, stats } = table(5, 50);
  let now = 0;
  for (let i = 0; i < 1000; i++) {
    now += 13;
    tw.expire(now);
    tw.insert(i, 1024 + (i % 60000), 80, i, ~i >>> 0, now);
    if (i % 7 === 3) tw.remove(tw.find(i - 1, 1024 + ((i - 1) % 60000), 80));
    t.true(tw.count <= 5);
    const newest = tw.find(i, 1024 + (i % 60000), 80);
    t.true(newest >= 0);
    t.is(tw.rcvNxt[newest], ~i >>> 0);
  }
  // Live records stay in insertion order.
  const seen = ports(tw);
  for (let i = 1; i < seen.length; i++) t.true(seen[i] > seen[i - 1]);
  t.is(stats[Stat.twRecycled], 0);
  tw.expire(now + 50);
  t.is(tw.count, 0);
  t.is(stats[Stat.twInserted], 1000);
  t.is(stats[Stat.twExpired] + Math.floor((1000 - 4) / 7) + 1, 1000);
});

test('sequence numbers and time wrap past 2^32', (t) => {
  const { tw, stats } = table(3, 120000);
  const start = 2 ** 32 - 60000;
  tw.insert(0xffffffff, 65535, 65535, 0xffffffff, 0xfffffffe, start);
  tw.insert(0x80000000, 1, 1, 0, 1, start + 90000); // its expiry wraps past zero
  const first = tw.find(0xffffffff, 65535, 65535);
  t.is(tw.sndNxt[first], 0xffffffff);
  t.is(tw.rcvNxt[first], 0xfffffffe);
  t.is(tw.expiry[first], (start + 120000) % 2 ** 32);
  t.is(tw.expire(start + 119999), 0);
  t.is(tw.expire(start + 120000), 1);
  t.is(tw.expire(start + 209999), 0);
  t.is(tw.expire(start + 210000), 1);
  // Far beyond 2^32 ms, and with a fractional clock.
  const far = 2 ** 45 + 0.5;
  tw.insert(3, 3, 3, 3, 3, far);
  t.is(tw.expire(far + 119998), 0);
  t.is(tw.expire(far + 120000), 1);
  t.is(stats[Stat.twExpired], 3);
  t.is(tw.count, 0);
});

test('removing through an index that expire or shed emptied does nothing', (t) => {
  const { tw } = table(3, 100);
  tw.insert(1, 1001, 80, 0, 0, 0);
  tw.insert(1, 1002, 80, 0, 0, 50);
  const expired = tw.find(1, 1001, 80);
  tw.expire(100);
  tw.remove(expired);
  t.deepEqual(ports(tw), [1002]);
  tw.insert(1, 1003, 80, 0, 0, 60);
  const shed = tw.first();
  tw.shed(1);
  tw.remove(shed);
  t.is(tw.count, 1);
  t.deepEqual(ports(tw), [1003]);
  tw.expire(1000);
  t.is(tw.count, 0);
});

test('port 0 is never a record', (t) => {
  const { tw, stats } = table(2, 10);
  t.false(tw.insert(1, 0, 80, 0, 0, 0));
  t.is(tw.count, 0);
  t.is(stats[Stat.twInserted], 0);
  t.is(tw.find(0, 0, 0), -1);
});

interface Entry { ip: number; localPort: number; remotePort: number; snd: number; rcv: number; at: number }

type Command =
  | { kind: 'insert'; ip: number; localPort: number; remotePort: number; snd: number; rcv: number; advance: number }
  | { kind: 'remove'; pick: number }
  | { kind: 'expire'; advance: number }
  | { kind: 'shed'; count: number }
  | { kind: 'find'; ip: number; localPort: number; remotePort: number };

const small = fc.integer({ min: 1, max: 4 });
const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('insert' as const), ip: small, localPort: small, remotePort: small, snd: fc.integer({ min: 0, max: 0xffffffff }), rcv: fc.integer({ min: 0, max: 0xffffffff }), advance: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('expire' as const), advance: fc.integer({ min: 0, max: 60 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('shed' as const), count: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('find' as const), ip: small, localPort: small, remotePort: small }) },
);

test('property: behaves as a simple array model', (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 100 }),
      fc.constantFrom(0, 2 ** 32 - 500, 2 ** 40),
      fc.array(commandArbitrary, { maxLength: 200 }),
      (capacity, duration, start, commands) => {
        const { tw, stats } = table(capacity, duration);
        const model: Entry[] = [];
        let now = start;
        let recycled = 0;
        let expired = 0;
        let lastAge = -1;
        let minAge = -1;
        const matches = (e: Entry, ip: number, lp: number, rp: number) => e.ip === ip && e.localPort === lp && e.remotePort === rp;
        for (const c of commands) {
          if (c.kind === 'insert') {
            now += c.advance;
            let expectRecycle = false;
            if (model.length === capacity) {
              const age = now - model[0].at;
              if (age >= duration) expired++;
              else {
                expectRecycle = true;
                recycled++;
                lastAge = age;
                if (minAge < 0 || age < minAge) minAge = age;
              }
              model.shift();
            }
            model.push({ ip: c.ip, localPort: c.localPort, remotePort: c.remotePort, snd: c.snd, rcv: c.rcv, at: now });
            if (tw.insert(c.ip, c.localPort, c.remotePort, c.snd, c.rcv, now) !== expectRecycle) return false;
          } else if (c.kind === 'remove') {
            if (model.length === 0) continue;
            const victim = model[c.pick % model.length];
            // find returns the oldest record for a 4-tuple: remove that one from the model too.
            const oldest = model.findIndex((e) => matches(e, victim.ip, victim.localPort, victim.remotePort));
            model.splice(oldest, 1);
            tw.remove(tw.find(victim.ip, victim.localPort, victim.remotePort));
          } else if (c.kind === 'expire') {
            now += c.advance;
            let popped = 0;
            while (model.length > 0 && now - model[0].at >= duration) {
              model.shift();
              popped++;
            }
            expired += popped;
            if (tw.expire(now) !== popped) return false;
          } else if (c.kind === 'shed') {
            const dropped = Math.min(c.count, model.length);
            model.splice(0, dropped);
            if (tw.shed(c.count) !== dropped) return false;
          } else {
            const index = tw.find(c.ip, c.localPort, c.remotePort);
            const expected = model.find((e) => matches(e, c.ip, c.localPort, c.remotePort));
            if (expected === undefined ? index !== -1 : index < 0 || tw.sndNxt[index] !== expected.snd || tw.rcvNxt[index] !== expected.rcv) return false;
          }
          // Full comparison after every command.
          if (tw.count !== model.length) return false;
          let i = tw.first();
          for (const e of model) {
            if (i < 0 || tw.remoteIp[i] !== e.ip || tw.localPort[i] !== e.localPort || tw.remotePort[i] !== e.remotePort) return false;
            if (tw.sndNxt[i] !== e.snd || tw.rcvNxt[i] !== e.rcv || tw.expiry[i] !== (e.at + duration) % 2 ** 32) return false;
            i = tw.next(i);
          }
          if (i !== -1) return false;
          if (stats[Stat.twRecycled] !== recycled || stats[Stat.twExpired] !== expired) return false;
          if (tw.recycledAge[RecycledAge.LAST] !== lastAge || tw.recycledAge[RecycledAge.MIN] !== minAge) return false;
        }
        // Leak check: everything drains, and the table is reusable to full capacity.
        tw.expire(now + duration);
        if (tw.count !== 0 || tw.first() !== -1) return false;
        for (let k = 0; k < capacity; k++) if (tw.insert(k, k + 1, 1, 0, 0, now + duration)) return false;
        return tw.count === capacity && tw.shed(capacity) === capacity && tw.count === 0;
      },
    ),
    { numRuns: 500 },
  );
  t.pass();
});
