import test from 'ava';
import { Prng } from '../../sim/prng';

function draw(seed: number, count: number): number[] {
  const random = new Prng(seed);
  const values: number[] = [];
  for (let i = 0; i < count; i++) values.push(random.uint32());
  return values;
}

test('the same seed replays the same sequence, different seeds differ', (t) => {
  t.deepEqual(draw(7, 1000), draw(7, 1000));
  t.notDeepEqual(draw(7, 10), draw(8, 10));
  t.notDeepEqual(draw(0, 10), draw(1, 10));
});

test('uint32 is unsigned 32-bit and seed 0 is not stuck', (t) => {
  const values = draw(0, 10000);
  t.true(values.every((value) => Number.isInteger(value) && value >= 0 && value <= 0xffffffff));
  t.true(new Set(values).size > 9990);
});

test('next is in [0, 1) and int(n) in [0, n), both close to uniform', (t) => {
  const random = new Prng(123);
  const buckets = new Array(10).fill(0);
  const samples = 200000;
  let sum = 0;
  let outOfRange = 0;
  for (let i = 0; i < samples; i++) {
    const value = random.next();
    if (!(value >= 0 && value < 1)) outOfRange++;
    sum += value;
    const bucket = random.int(10);
    if (!(Number.isInteger(bucket) && bucket >= 0 && bucket < 10)) outOfRange++;
    else buckets[bucket]++;
  }
  t.is(outOfRange, 0);
  t.true(Math.abs(sum / samples - 0.5) < 0.005);
  for (const bucket of buckets) t.true(Math.abs(bucket / samples - 0.1) < 0.005, 'bucket ' + bucket);
});

test('every bit is set about half of the time', (t) => {
  const random = new Prng(99);
  const ones = new Array(32).fill(0);
  const samples = 50000;
  for (let i = 0; i < samples; i++) {
    const value = random.uint32();
    for (let bit = 0; bit < 32; bit++) if ((value >>> bit) & 1) ones[bit]++;
  }
  for (const count of ones) t.true(Math.abs(count / samples - 0.5) < 0.02);
});
