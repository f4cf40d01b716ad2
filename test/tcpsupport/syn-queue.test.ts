import test from 'ava';
import fc from 'fast-check';
import { SynQueue, SynQueueSlot } from '../../firmware/tcp/syn-queue';

test('29 bytes per record, exactly', (t) => {
  t.is(new SynQueue(1).listener.buffer.byteLength, 29);
  t.is(new SynQueue(8).listener.buffer.byteLength, 232);
});

test('add, find, update in place and remove', (t) => {
  const q = new SynQueue(4);
  const a = q.add(0, 0xc0000263, 50000, 80, 0xfffffff0, 0x12345678, 1460, true, 1000.5);
  const b = q.add(1, 0xc0000264, 50001, 443, 1, 2, 536, false, 2000);
  t.not(a, b);
  t.is(q.count, 2);
  t.is(q.find(0xc0000263, 50000, 80), a);
  t.is(q.find(0xc0000264, 50001, 443), b);
  t.is(q.find(0xc0000263, 50000, 443), -1);
  t.is(q.find(0xc0000263, 50001, 80), -1);
  t.is(q.find(0xc0000264, 50000, 80), -1);
  t.is(q.listener[a], 0);
  t.is(q.remoteIp[a], 0xc0000263);
  t.is(q.remotePort[a], 50000);
  t.is(q.localPort[a], 80);
  t.is(q.irs[a], 0xfffffff0);
  t.is(q.iss[a], 0x12345678);
  t.is(q.mss[a], 1460);
  t.is(q.sackPermitted[a], 1);
  t.is(q.sackPermitted[b], 0);
  t.is(q.retries[a], 0);
  t.is(q.deadline[a], 1000.5);
  q.retries[a]++;
  q.deadline[a] = 2 ** 40;
  t.is(q.deadline[a], 2 ** 40);
  q.remove(a);
  t.is(q.count, 1);
  t.is(q.listener[a], SynQueueSlot.free);
  t.is(q.find(0xc0000263, 50000, 80), -1);
  q.remove(a); // already free: ignored
  q.remove(-1);
  q.remove(4);
  t.is(q.count, 1);
  // A reused record starts with retries at 0.
  const c = q.add(2, 9, 9, 9, 9, 9, 9, false, 9);
  t.is(c, a);
  t.is(q.retries[c], 0);
  q.remove(b);
  q.remove(c);
  t.is(q.count, 0);
});

test('a full queue refuses, and frees up again', (t) => {
  const q = new SynQueue(3);
  for (let i = 0; i < 3; i++) t.true(q.add(0, 1, 1000 + i, 80, 0, 0, 536, false, 0) >= 0);
  t.is(q.add(0, 1, 2000, 80, 0, 0, 536, false, 0), -1);
  t.is(q.count, 3);
  q.remove(q.find(1, 1001, 80));
  t.is(q.add(0, 1, 2000, 80, 0, 0, 536, false, 0), 1);
  t.is(q.find(1, 2000, 80), 1);
  t.is(q.removeListener(0), 3);
  t.is(q.count, 0);
});

test('countFor and removeListener are per listener', (t) => {
  const q = new SynQueue(6);
  q.add(0, 1, 1, 80, 0, 0, 0, false, 0);
  q.add(1, 1, 2, 81, 0, 0, 0, false, 0);
  q.add(0, 1, 3, 80, 0, 0, 0, false, 0);
  q.add(2, 1, 4, 82, 0, 0, 0, false, 0);
  q.add(0, 1, 5, 80, 0, 0, 0, false, 0);
  t.is(q.countFor(0), 3);
  t.is(q.countFor(1), 1);
  t.is(q.countFor(3), 0);
  t.is(q.removeListener(SynQueueSlot.free), 0);
  t.is(q.count, 5);
  t.is(q.removeListener(0), 3);
  t.is(q.count, 2);
  t.is(q.countFor(0), 0);
  t.is(q.find(1, 1, 80), -1);
  t.is(q.find(1, 2, 81), 1);
  t.is(q.removeListener(0), 0);
  t.is(q.removeListener(1), 1);
  t.is(q.removeListener(2), 1);
  t.is(q.count, 0);
});

interface Entry { listener: number; ip: number; remotePort: number; localPort: number; irs: number }

type Command =
  | { kind: 'add'; listener: number; ip: number; remotePort: number; localPort: number; irs: number }
  | { kind: 'remove'; pick: number }
  | { kind: 'removeListener'; listener: number }
  | { kind: 'find'; ip: number; remotePort: number; localPort: number };

const small = fc.integer({ min: 1, max: 3 });
const listenerId = fc.integer({ min: 0, max: 3 });
const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('add' as const), listener: listenerId, ip: small, remotePort: small, localPort: small, irs: fc.integer({ min: 0, max: 0xffffffff }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('removeListener' as const), listener: listenerId }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('find' as const), ip: small, remotePort: small, localPort: small }) },
);

test('property: behaves as a simple model keyed by index', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), fc.array(commandArbitrary, { maxLength: 200 }), (capacity, commands) => {
      const q = new SynQueue(capacity);
      const model = new Map<number, Entry>();
      for (const c of commands) {
        if (c.kind === 'add') {
          const index = q.add(c.listener, c.ip, c.remotePort, c.localPort, c.irs, 0, 536, false, 0);
          if (model.size === capacity) {
            if (index !== -1) return false;
          } else {
            if (index < 0 || index >= capacity || model.has(index)) return false;
            model.set(index, { listener: c.listener, ip: c.ip, remotePort: c.remotePort, localPort: c.localPort, irs: c.irs });
          }
        } else if (c.kind === 'remove') {
          const keys = [...model.keys()];
          if (keys.length === 0) continue;
          const index = keys[c.pick % keys.length];
          model.delete(index);
          q.remove(index);
        } else if (c.kind === 'removeListener') {
          let expected = 0;
          for (const [index, e] of [...model]) if (e.listener === c.listener) {
            model.delete(index);
            expected++;
          }
          if (q.removeListener(c.listener) !== expected) return false;
        } else {
          const index = q.find(c.ip, c.remotePort, c.localPort);
          const e = model.get(index);
          const any = [...model.values()].some((m) => m.ip === c.ip && m.remotePort === c.remotePort && m.localPort === c.localPort);
          if (index === -1 ? any : e === undefined || e.ip !== c.ip || e.remotePort !== c.remotePort || e.localPort !== c.localPort) return false;
        }
        if (q.count !== model.size) return false;
        for (let listener = 0; listener < 4; listener++) {
          let expected = 0;
          for (const e of model.values()) if (e.listener === listener) expected++;
          if (q.countFor(listener) !== expected) return false;
        }
        for (let index = 0; index < capacity; index++) {
          const e = model.get(index);
          if (e === undefined ? q.listener[index] !== SynQueueSlot.free : q.listener[index] !== e.listener || q.irs[index] !== e.irs) return false;
        }
      }
      // Leak check: every record comes back.
      for (let listener = 0; listener < 4; listener++) q.removeListener(listener);
      return q.count === 0 && q.countFor(SynQueueSlot.free) === capacity;
    }),
    { numRuns: 500 },
  );
  t.pass();
});
