import test from 'ava';
import { Arena, Cut } from '../../hal/arena';
import { resolveConfig } from '../../firmware/config';
import { Stack } from '../../firmware/stack';
import { Device } from '../../firmware/device';
import { NetworkJs } from '../../firmware/api/network-js';
import { NodeHal } from '../../sim/node-hal';
import { boardProfiles } from '../../boards/common/profiles';

/**
 * Every table that cuts its arrays from one arena (hal/arena.ts) sizes it by hand: these
 * check, for each board's configuration, that each arena is cut exactly, with no byte left over
 * and no two arrays sharing a byte, so a miscounted size shows here rather than as a RangeError
 * on a board or as wasted memory.
 */

/** Every typed array reachable from `root`, by the buffer it views. */
function viewsByBuffer(root: unknown): Map<ArrayBufferLike, ArrayBufferView[]> {
  const seen = new Set<unknown>();
  const buffers = new Map<ArrayBufferLike, ArrayBufferView[]>();
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (value === null || typeof value !== 'object' || seen.has(value)) continue;
    seen.add(value);
    if (ArrayBuffer.isView(value)) {
      const views = buffers.get(value.buffer) || [];
      views.push(value);
      buffers.set(value.buffer, views);
      continue;
    }
    for (const key of Object.keys(value)) pending.push((value as { [key: string]: unknown })[key]);
  }
  return buffers;
}

test('an arena hands out aligned views of one buffer in order', (t) => {
  const arena = new Arena(8 + 2 * 4 + 3);
  const a = arena.cut(Cut.F64, 1);
  const b = arena.cut(Cut.U32, 2);
  const c = arena.cut(Cut.U8, 3);
  t.is(a.buffer, c.buffer);
  t.deepEqual([a.byteOffset, b.byteOffset, c.byteOffset], [0, 8, 16]);
  b[1] = 0xffffffff;
  t.deepEqual(Array.from(new Uint8Array(a.buffer, 12, 4)), [255, 255, 255, 255], 'the views write the one buffer');
  t.throws(() => arena.cut(Cut.U8, 1), undefined, 'cutting past the end fails at once');
});

for (const profile of boardProfiles) {
  test('every arena of ' + profile.name + '\'s stack, services and NetworkJS adapter is cut exactly', (t) => {
    const hal = new NodeHal({ now: () => 0 }, 1);
    const nic = { mac: new Uint8Array(6), ethernet: profile.nic !== 'slip', mtu: profile.nic === 'slip' ? 576 : 1500, transmit() {}, linkUp: () => true, poll: () => 0 };
    const stack = new Stack(resolveConfig(profile.config), hal, nic);
    const device = new Device(stack, nic, new Uint32Array(1), '');
    const adapter = new NetworkJs(stack, stack.dns);
    let shared = 0;
    for (const [buffer, views] of viewsByBuffer([device, adapter])) {
      if (views.length < 2) continue;
      shared++;
      // A table of zero records (no ARP-held frames, say) cuts empty views, which hold no byte.
      const sorted = views.filter((view) => view.byteLength > 0).sort((x, y) => x.byteOffset - y.byteOffset);
      let end = 0;
      for (const view of sorted) {
        t.true(view.byteOffset >= end, 'no two arrays share a byte');
        t.is(view.byteOffset % Math.min(8, (view as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT), 0, 'aligned');
        end = view.byteOffset + view.byteLength;
      }
      t.is(views.reduce((sum, view) => sum + view.byteLength, 0), buffer.byteLength, 'cut exactly, nothing left over');
    }
    t.true(shared >= 8, shared + ' arenas');
  });
}
