import test from 'ava';
import fc from 'fast-check';
import { EspruinoHal } from '../../hal/espruino/espruino-hal';

/** RFC 1071 one byte at a time: even positions are high bytes of big-endian words. */
function referenceChecksum(buf: Uint8Array, offset: number, length: number, initial: number): number {
  let sum = initial;
  for (let i = 0; i < length; i++) sum += i & 1 ? buf[offset + i] : buf[offset + i] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

interface FakeInterpreter {
  sums: number;
  logged: string[];
}

/** Installs a fake interpreter (E.sum, E.hwRand, getTime, process.memory, console.log) for the duration of `body`. */
function withInterpreter(body: (fake: FakeInterpreter) => void): void {
  const global = globalThis as Record<string, unknown>;
  const proc = process as unknown as Record<string, unknown>;
  const fake: FakeInterpreter = { sums: 0, logged: [] };
  const log = console.log;
  global.E = {
    sum(values: Uint16Array): number {
      fake.sums++;
      let total = 0;
      for (let i = 0; i < values.length; i++) total += values[i];
      return total;
    },
    hwRand: () => -2,
  };
  global.getTime = () => 12.5;
  proc.memory = () => ({ free: 1000, blocksize: 17, usage: 4100, total: 5100 });
  console.log = (line: string) => fake.logged.push(line);
  try {
    body(fake);
  } finally {
    console.log = log;
    delete global.E;
    delete global.getTime;
    delete proc.memory;
  }
}

/** A buffer that is a view at any byte offset of a larger one, so both alignments of the view itself occur. */
const views = fc.record({
  // size 'max': fast-check otherwise keeps arrays to about ten elements, below the native-sum threshold.
  bytes: fc.uint8Array({ minLength: 0, maxLength: 1600, size: 'max' }),
  viewStart: fc.integer({ min: 0, max: 3 }),
}).map(({ bytes, viewStart }) => {
  const backing = new Uint8Array(bytes.length + viewStart);
  backing.set(bytes, viewStart);
  return backing.subarray(viewStart);
});
const cases = views.chain((buf) => fc.record({
  buf: fc.constant(buf),
  offset: fc.integer({ min: 0, max: buf.length }),
  initial: fc.integer({ min: 0, max: 0xffff }),
}).chain((c) => fc.record({
  buf: fc.constant(c.buf),
  offset: fc.constant(c.offset),
  initial: fc.constant(c.initial),
  length: fc.integer({ min: 0, max: c.buf.length - c.offset }),
})));

test.serial('checksum through E.sum equals the reference for any buffer, offset, length and initial sum', (t) => {
  withInterpreter((fake) => {
    const hal = new EspruinoHal();
    fc.assert(fc.property(cases, ({ buf, offset, length, initial }) =>
      hal.checksum(buf, offset, length, initial) === referenceChecksum(buf, offset, length, initial)), { numRuns: 2000 });
    t.true(fake.sums > 0, 'the native sum was used');
  });
});

test.serial('checksum edge values: all zeros, all ones, odd and even starts and ends', (t) => {
  withInterpreter(() => {
    const hal = new EspruinoHal();
    const backing = new Uint8Array(64);
    for (const fill of [0, 0xff, 0x80, 0x01]) {
      backing.fill(fill);
      for (let viewStart = 0; viewStart < 2; viewStart++) {
        const buf = backing.subarray(viewStart);
        for (let offset = 0; offset < 3; offset++) {
          for (let length = 0; length <= 40; length++) {
            for (const initial of [0, 1, 0xfffe, 0xffff]) {
              t.is(hal.checksum(buf, offset, length, initial), referenceChecksum(buf, offset, length, initial),
                `fill ${fill} view ${viewStart} offset ${offset} length ${length} initial ${initial}`);
            }
          }
        }
      }
    }
  });
});

test.serial('on the interpreter: time, randomness, memory and log come from its globals', (t) => {
  withInterpreter((fake) => {
    const hal = new EspruinoHal();
    t.is(hal.now(), 12500);
    t.is(hal.random32(), 0xfffffffe);
    const memory = hal.memory();
    t.is(memory.free * memory.blocksize, 17000);
    t.is(memory.total, 5100);
    hal.log('hello');
    t.deepEqual(fake.logged, ['hello']);
  });
});

test.serial('under Node, without E, it uses plain JavaScript', (t) => {
  const hal = new EspruinoHal();
  const before = Date.now();
  const now = hal.now();
  t.true(now >= before && now <= Date.now());
  for (let i = 0; i < 100; i++) {
    const r = hal.random32();
    t.true(Number.isInteger(r) && r >= 0 && r <= 0xffffffff);
  }
  const memory = hal.memory();
  t.true(memory.free * memory.blocksize >= 1 << 20);
  fc.assert(fc.property(cases, ({ buf, offset, length, initial }) =>
    hal.checksum(buf, offset, length, initial) === referenceChecksum(buf, offset, length, initial)), { numRuns: 500 });
});

test('copy moves a range, also within one buffer', (t) => {
  const hal = new EspruinoHal();
  const src = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  const dst = new Uint8Array(8);
  hal.copy(dst, 2, src, 3, 4);
  t.deepEqual(Array.from(dst), [0, 0, 4, 5, 6, 7, 0, 0]);
  hal.copy(src, 0, src, 4, 4);
  t.deepEqual(Array.from(src), [5, 6, 7, 8, 5, 6, 7, 8]);
});

test('text and bytes convert one character per byte, also past the interpreter\'s 256-argument limit of apply', (t) => {
  const hal = new EspruinoHal();
  const bytes = new Uint8Array(600).map((_, i) => (i * 7) & 255);
  const text = hal.text(bytes, 50, 536);
  t.is(text, Buffer.from(bytes.subarray(50, 586)).toString('latin1'));
  t.deepEqual(Array.from(hal.bytes(text)), Array.from(bytes.subarray(50, 586)));
  t.is(hal.text(bytes, 3, 0), '');
});
