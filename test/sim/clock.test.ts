import test from 'ava';
import * as fc from 'fast-check';
import { VirtualClock } from '../../sim/clock';
import { Prng } from '../../sim/prng';

test('events run in time order and advance now to their time', (t) => {
  const clock = new VirtualClock();
  const seen: string[] = [];
  clock.at(30, () => seen.push('c@' + clock.now()));
  clock.at(10, () => seen.push('a@' + clock.now()));
  clock.after(20, () => seen.push('b@' + clock.now()));
  clock.at(0.5, () => seen.push('fraction@' + clock.now()));
  t.is(clock.pending(), 4);
  t.is(clock.run(), 4);
  t.deepEqual(seen, ['fraction@0.5', 'a@10', 'b@20', 'c@30']);
  t.is(clock.now(), 30);
  t.is(clock.pending(), 0);
});

test('events at the same time run in the order they were scheduled, including ones scheduled while running', (t) => {
  const clock = new VirtualClock();
  const seen: number[] = [];
  for (let i = 0; i < 100; i++) clock.at(5, () => seen.push(i));
  clock.at(5, () => clock.after(0, () => seen.push(1000)));
  clock.at(5, () => seen.push(100));
  clock.runUntil(5);
  const expected: number[] = [];
  for (let i = 0; i <= 100; i++) expected.push(i);
  expected.push(1000);
  t.deepEqual(seen, expected);
  t.is(clock.pending(), 0);
});

test('runUntil runs due events only, then moves time forward and never back', (t) => {
  const clock = new VirtualClock();
  const seen: number[] = [];
  clock.at(10, () => seen.push(10));
  clock.at(20, () => seen.push(20));
  clock.runUntil(15);
  t.deepEqual(seen, [10]);
  t.is(clock.now(), 15);
  clock.runUntil(3);
  t.is(clock.now(), 15);
  clock.runUntil(20);
  t.deepEqual(seen, [10, 20]);
  t.is(clock.now(), 20);
  t.is(clock.pending(), 0);
});

test('step runs one event at a time and run honours its bound', (t) => {
  const clock = new VirtualClock();
  t.false(clock.step());
  let count = 0;
  for (let i = 0; i < 10; i++) clock.at(i, () => count++);
  t.true(clock.step());
  t.is(count, 1);
  t.is(clock.run(4), 4);
  t.is(count, 5);
  t.is(clock.now(), 4);
  t.is(clock.run(), 5);
  t.is(clock.pending(), 0);
});

test('cancel removes a pending event, and stale or unknown ids are refused', (t) => {
  const clock = new VirtualClock();
  const seen: number[] = [];
  const first = clock.at(1, () => seen.push(1));
  const second = clock.at(2, () => seen.push(2));
  const third = clock.at(3, () => seen.push(3));
  t.true(first > 0 && second > 0 && third > 0);
  t.true(clock.cancel(second));
  t.false(clock.cancel(second));
  t.false(clock.cancel(0));
  t.false(clock.cancel(-5));
  t.false(clock.cancel(123456789));
  clock.runUntil(1);
  t.false(clock.cancel(first), 'an event that ran cannot be cancelled');
  // The freed slots are reused: an old id must not cancel the new event in the same slot.
  const reused = clock.at(4, () => seen.push(4));
  t.false(clock.cancel(first));
  t.false(clock.cancel(second));
  t.not(reused, first);
  t.not(reused, second);
  clock.run();
  t.deepEqual(seen, [1, 3, 4]);
  t.is(clock.pending(), 0);
});

test('an event may cancel another due at the same time', (t) => {
  const clock = new VirtualClock();
  const seen: string[] = [];
  let victim = 0;
  clock.at(1, () => {
    seen.push('killer');
    t.true(clock.cancel(victim));
  });
  victim = clock.at(1, () => seen.push('victim'));
  clock.run();
  t.deepEqual(seen, ['killer']);
  t.is(clock.pending(), 0);
});

test('times in the past, NaN and Infinity are refused', (t) => {
  const clock = new VirtualClock();
  clock.runUntil(100);
  t.throws(() => clock.at(99, () => undefined), { instanceOf: RangeError });
  t.throws(() => clock.at(NaN, () => undefined), { instanceOf: RangeError });
  t.throws(() => clock.at(Infinity, () => undefined), { instanceOf: RangeError });
  t.throws(() => clock.after(-1, () => undefined), { instanceOf: RangeError });
  t.is(clock.pending(), 0);
});

test('an exception in an event leaves the clock consistent', (t) => {
  const clock = new VirtualClock();
  const seen: number[] = [];
  clock.at(1, () => {
    throw new Error('boom');
  });
  clock.at(2, () => seen.push(2));
  t.throws(() => clock.run(), { message: 'boom' });
  t.is(clock.now(), 1);
  t.is(clock.pending(), 1);
  clock.run();
  t.deepEqual(seen, [2]);
  t.is(clock.pending(), 0);
});

test('any mix of schedules and cancels runs in (time, scheduling order) order', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ time: fc.integer({ min: 0, max: 50 }), cancel: fc.boolean() }), { maxLength: 300 }),
      (plan) => {
        const clock = new VirtualClock();
        const seen: number[] = [];
        const ids = plan.map((entry, index) => clock.at(entry.time, () => seen.push(index)));
        plan.forEach((entry, index) => {
          if (entry.cancel) clock.cancel(ids[index]);
        });
        clock.run();
        const expected = plan
          .map((entry, index) => ({ entry, index }))
          .filter((item) => !item.entry.cancel)
          .sort((a, b) => a.entry.time - b.entry.time || a.index - b.index)
          .map((item) => item.index);
        return JSON.stringify(seen) === JSON.stringify(expected) && clock.pending() === 0;
      },
    ),
  );
  t.pass();
});

test('a million events, a tenth of them cancelled, run in order within seconds', (t) => {
  const clock = new VirtualClock();
  const random = new Prng(42);
  const count = 1000000;
  let ran = 0;
  let last = -1;
  let outOfOrder = 0;
  const event = () => {
    const now = clock.now();
    if (now < last) outOfOrder++;
    last = now;
    ran++;
  };
  const started = Date.now();
  const ids: number[] = new Array(count);
  for (let i = 0; i < count; i++) ids[i] = clock.at(random.next() * 1e6, event);
  let cancelled = 0;
  for (let i = 0; i < count; i += 10) if (clock.cancel(ids[i])) cancelled++;
  t.is(clock.run(), count - cancelled);
  const elapsed = Date.now() - started;
  t.is(ran, count - cancelled);
  t.is(outOfOrder, 0);
  t.is(clock.pending(), 0);
  t.log('1,000,000 events scheduled, 100,000 cancelled, rest run in ' + elapsed + ' ms');
  t.true(elapsed < 5000, 'took ' + elapsed + ' ms');
});

test('a steady state of rescheduling timers (as in a long simulation) stays bounded', (t) => {
  const clock = new VirtualClock();
  const timers = 1000;
  let fired = 0;
  for (let i = 0; i < timers; i++) {
    const fire = () => {
      fired++;
      if (clock.now() < 1000) clock.after(1 + (i % 7), fire);
    };
    clock.after(i % 13, fire);
  }
  clock.run();
  t.true(fired > 200000);
  t.is(clock.pending(), 0);
});
