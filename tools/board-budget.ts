/**
 * The build's memory check per board: does the firmware fit the board's interpreter variables
 * with the profile's reserve left for the application? A board's use is estimated as
 *   data: the device built exactly as the board builds it (boards/common/profiles.ts config,
 *         its driver, Stack, Net, services, console, NetworkJS adapter), instantiated here under Node and walked
 *         object by object, costed with ESPRUINO.md's measurements: an object or array 1
 *         variable plus 1 per property or element, a typed array 3 variables plus one block
 *         per `blocksize` bytes of its buffer (a view on a buffer already counted: 2), a string
 *         1 variable plus one per 12 characters;
 *   code: the bundle's functions × 6 variables (bundle-report's estimate: code runs from flash).
 * The total must not exceed variables − appReserve.
 */
import { resolveConfig } from '../firmware/config';
import { Stack } from '../firmware/stack';
import { Device } from '../firmware/device';
import { NetworkJs } from '../firmware/api/network-js';
import { Hal } from '../hal/hal';
import { PolledNic } from '../hal/bus';
import { W5500Driver } from '../hal/drivers/w5500';
import { Enc28j60Driver } from '../hal/drivers/enc28j60';
import { SlipNic } from '../hal/drivers/slip';
import { Stm32EthDriver } from '../hal/drivers/stm32-eth';
import { NodeHal } from '../sim/node-hal';
import { BoardProfile, boardProfiles, slipMtu } from '../boards/common/profiles';

export interface BoardBudget {
  board: string;
  title: string;
  /** The board's interpreter variables, and what the firmware may use of them (variables − appReserve). */
  variables: number;
  appReserve: number;
  available: number;
  /** Bytes the stack allocates (stack.memory().total). */
  stackBytes: number;
  /** Estimated variables of everything the firmware allocates at boot (stack, driver, services). */
  dataVariables: number;
  /** The bundle's functions × 6. */
  codeVariables: number;
  total: number;
  /** available − total; negative means it does not fit. */
  headroom: number;
  fits: boolean;
}

const variablesPerStringChars = 12;

/** Estimated interpreter variables of everything reachable from `root`, not entering `exclude`. */
export function estimateVariables(root: unknown, blocksize: number, exclude: unknown[]): number {
  const seen = new Set<unknown>(exclude);
  const buffers = new Set<ArrayBufferLike>();
  const pending: unknown[] = [root];
  let total = 0;
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') {
      total += 1 + Math.ceil(value.length / variablesPerStringChars);
      continue;
    }
    if (value === null || typeof value !== 'object' || seen.has(value)) continue;
    seen.add(value);
    if (ArrayBuffer.isView(value)) {
      if (buffers.has(value.buffer)) {
        total += 2;
      } else {
        buffers.add(value.buffer);
        total += 3 + Math.ceil(value.buffer.byteLength / blocksize);
      }
      continue;
    }
    const keys = Object.keys(value);
    total += 1 + keys.length;
    for (const key of keys) pending.push((value as { [key: string]: unknown })[key]);
  }
  return total;
}

/** The profile's NIC driver over a bus that is never used: construction allocates everything the driver ever will. */
function driverFor(profile: BoardProfile, hal: Hal): { nic: PolledNic; counters: Uint32Array } {
  const idle = { transfer() {}, write() {}, read() { return 0; } };
  const mac = new Uint8Array([2, 0x45, 0, 0, 0, 1]);
  if (profile.nic === 'w5500') return wrap(new W5500Driver(idle, hal, mac));
  if (profile.nic === 'enc28j60') return wrap(new Enc28j60Driver(idle, hal, mac));
  if (profile.nic === 'slip') return wrap(new SlipNic(idle, hal, slipMtu));
  if (profile.nic === 'stm32-eth' && profile.eth) {
    const memory = { peek32() { return 0; }, poke32() {}, addressOf() { return 0x20000000; } };
    return wrap(new Stm32EthDriver(memory, hal, mac, profile.eth));
  }
  throw new Error('board ' + profile.name + ': unknown nic ' + profile.nic);
}

function wrap(driver: PolledNic & { counters: Uint32Array }): { nic: PolledNic; counters: Uint32Array } {
  return { nic: driver, counters: driver.counters };
}

/** Builds the board's device as boards/common/boot.ts does, with its services started, and costs it. */
export function budgetFor(profile: BoardProfile, codeVariables: number): BoardBudget {
  const clock = { now: () => 0 };
  const hal = new NodeHal(clock, 1);
  hal.log = () => {};
  const driver = driverFor(profile, hal);
  const stack = new Stack(resolveConfig(profile.config), hal, driver.nic);
  const device = new Device(stack, driver.nic, driver.counters, '');
  device.start();
  const adapter = new NetworkJs(stack, stack.dns);
  const dataVariables = estimateVariables([device, adapter], profile.blocksize, [hal, clock]);
  const available = profile.variables - profile.appReserve;
  const total = dataVariables + codeVariables;
  return {
    board: profile.name, title: profile.title, variables: profile.variables, appReserve: profile.appReserve, available,
    stackBytes: stack.memory().total, dataVariables, codeVariables, total, headroom: available - total, fits: total <= available,
  };
}

/** Budgets of every bundle (by file name) that is a board with a profile. */
export function boardBudgets(bundles: { bundle: string; estimatedVariables: number }[]): BoardBudget[] {
  const budgets: BoardBudget[] = [];
  for (const profile of boardProfiles) {
    const bundle = bundles.find((b) => b.bundle === profile.name + '.js');
    if (bundle) budgets.push(budgetFor(profile, bundle.estimatedVariables));
  }
  return budgets;
}

export function formatBudgets(budgets: BoardBudget[]): string {
  const rows = [['board', 'variables', 'reserve', 'stack bytes', 'data ~vars', 'code ~vars', 'total', 'headroom', 'budget']];
  for (const b of budgets) {
    rows.push([b.board, String(b.variables), String(b.appReserve), String(b.stackBytes), String(b.dataVariables),
      String(b.codeVariables), String(b.total), String(b.headroom), b.fits ? 'ok' : 'OVER']);
  }
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
    .join('  ')).join('\n');
}
