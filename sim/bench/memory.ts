import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { resolveConfig } from '../../firmware/config';
import { Stack } from '../../firmware/stack';
import { Nic } from '../../hal/hal';
import { NodeHal } from '../node-hal';

/**
 * Interpreter variables for a typed array, from ESPRUINO.md's measurements on Espruino 2v29
 * (blocksize 17): Uint32Array(64) = 19 variables, Uint8Array(1500) = 92, i.e. 3 variables of
 * array, buffer and name plus one per 17 bytes of data.
 */
export const ESPRUINO_BLOCK_BYTES = 17;
export const ESPRUINO_VARS_PER_ARRAY = 3;

export function espruinoVariables(bytes: number, arrays: number): number {
  return Math.ceil(bytes / ESPRUINO_BLOCK_BYTES) + ESPRUINO_VARS_PER_ARRAY * arrays;
}

const silentNic: Nic = { mac: new Uint8Array([2, 0, 0, 0, 0, 9]), ethernet: true, mtu: 1500, transmit: () => undefined, linkUp: () => true };

function stackFor(overrides: { [field: string]: unknown }): Stack {
  const config = resolveConfig(Object.assign({ memoryBudget: 1 << 30 }, overrides));
  return new Stack(config, new NodeHal({ now: () => 0 }, 1), silentNic);
}

/** Typed arrays reachable from the stack's own objects (not the HAL or the NIC): each costs the interpreter a few variables. */
function countTypedArrays(stack: Stack): number {
  const seen: object[] = [stack.hal, silentNic];
  let arrays = 0;
  const walk = (value: unknown): void => {
    if (!value || typeof value !== 'object' || seen.indexOf(value as object) >= 0) return;
    seen.push(value as object);
    if (ArrayBuffer.isView(value)) {
      arrays++;
      return;
    }
    for (const key of Object.keys(value as object)) walk((value as { [key: string]: unknown })[key]);
  };
  walk(stack);
  return arrays;
}

export interface StructureCost {
  bytes: number;
  /** Marginal interpreter variables (bytes / blocksize; the arrays' fixed overhead is paid once per table). */
  espruinoVariables: number;
}

export interface MemoryResult {
  timeWaitEntry: StructureCost;
  synQueueEntry: StructureCost;
  socketSlot: StructureCost;
  socketSlotWithBuffers: StructureCost;
  arpEntry: StructureCost;
  /** The default configuration's report: bytes per structure and the total. */
  defaultReport: { [structure: string]: number };
  defaultEspruinoVariables: number;
  /** Each of the self-test's two stacks, as `node dist/selftest.js` itself reports it (stackBytes); 0 with `selftestProblem` when it did not pass. */
  selftestStackBytes: number;
  selftestProblem: string;
}

function marginal(structures: string[], field: string, base: { [field: string]: unknown }): StructureCost {
  const one = stackFor(base).memory();
  const grown = Object.assign({}, base);
  grown[field] = (resolveConfig(base) as unknown as { [field: string]: number })[field] + 1;
  const two = stackFor(grown).memory();
  let bytes = 0;
  for (const structure of structures) bytes += two[structure] - one[structure];
  return { bytes, espruinoVariables: bytes / ESPRUINO_BLOCK_BYTES };
}

/** Runs the self-test bundle as the README tells users to, and reads the stackBytes it prints. */
function selftestStackBytes(distDir: string): { bytes: number; problem: string } {
  const bundle = path.join(distDir, 'selftest.js');
  if (!fs.existsSync(bundle)) return { bytes: 0, problem: bundle + ' missing: run npm run build' };
  const output = spawnSync(process.execPath, [bundle], { encoding: 'utf8', timeout: 120000 }).stdout || '';
  const passed = /SELFTEST PASS (\{.*\})/.exec(output);
  if (!passed) return { bytes: 0, problem: output.trim().split('\n').pop() || 'no output' };
  return { bytes: (JSON.parse(passed[1]) as { stackBytes: number }).stackBytes, problem: '' };
}

export function measureMemory(distDir: string): MemoryResult {
  const base = {};
  const defaults = stackFor(base);
  const selftest = selftestStackBytes(distDir);
  return {
    timeWaitEntry: marginal(['tcp.timeWait'], 'timeWaitCapacity', base),
    synQueueEntry: marginal(['tcp.synQueue'], 'synQueue', base),
    socketSlot: marginal(['tcp.slots', 'tcp.reassembly', 'tcp.scoreboard'], 'sockets', base),
    socketSlotWithBuffers: marginal(['tcp.slots', 'tcp.reassembly', 'tcp.scoreboard', 'tcp.sendRings', 'tcp.receiveRings'], 'sockets', base),
    arpEntry: marginal(['arp.cache'], 'arpEntries', base),
    defaultReport: Object.assign({}, defaults.memory()),
    defaultEspruinoVariables: espruinoVariables(defaults.memory().total, countTypedArrays(defaults)),
    selftestStackBytes: selftest.bytes,
    selftestProblem: selftest.problem,
  };
}
