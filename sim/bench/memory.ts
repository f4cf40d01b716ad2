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

export interface BoardMemory {
  board: string;
  /** Which config literal of the board file (a board may boot more than one stack). */
  config: string;
  sockets: number;
  bytes: number;
  espruinoVariables: number;
}

export interface MemoryResult {
  timeWaitEntry: StructureCost;
  synQueueEntry: StructureCost;
  socketSlot: StructureCost;
  socketSlotWithBuffers: StructureCost;
  /** The default configuration's report: bytes per structure and the total. */
  defaultReport: { [structure: string]: number };
  defaultEspruinoVariables: number;
  boards: BoardMemory[];
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

/**
 * Config literals in a board file: every object literal with a `sockets:` field, evaluated on its
 * own (board files keep their memory configuration as a literal). Ones that do not evaluate are skipped.
 */
export function boardConfigs(source: string): { name: string; overrides: { [field: string]: unknown } }[] {
  const found: { name: string; overrides: { [field: string]: unknown } }[] = [];
  const pattern = /(?:(?:const|let|var)\s+(\w+)\s*(?::[^=]+)?=\s*|resolveConfig\(\s*)\{/g;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(source))) {
    const start = match.index + match[0].length - 1;
    let depth = 0;
    let end = start;
    for (; end < source.length; end++) {
      if (source[end] === '{') depth++;
      else if (source[end] === '}' && --depth === 0) break;
    }
    const literal = source.slice(start, end + 1);
    if (!/\bsockets\s*:/.test(literal)) continue;
    try {
      const overrides = new Function('return (' + literal + ');')() as { [field: string]: unknown };
      resolveConfig(overrides);
      found.push({ name: match[1] || 'resolveConfig', overrides });
    } catch (error) {
      continue;
    }
  }
  return found;
}

export function measureMemory(boardsDir: string): MemoryResult {
  const base = {};
  const defaults = stackFor(base);
  const boards: BoardMemory[] = [];
  const files = fs.existsSync(boardsDir) ? fs.readdirSync(boardsDir).filter((f) => f.endsWith('.ts')).sort() : [];
  for (const file of files) {
    for (const found of boardConfigs(fs.readFileSync(path.join(boardsDir, file), 'utf8'))) {
      const stack = stackFor(found.overrides);
      const total = stack.memory().total;
      boards.push({
        board: file.replace(/\.ts$/, ''), config: found.name, sockets: stack.config.sockets, bytes: total,
        espruinoVariables: espruinoVariables(total, countTypedArrays(stack)),
      });
    }
  }
  return {
    timeWaitEntry: marginal(['tcp.timeWait'], 'timeWaitCapacity', base),
    synQueueEntry: marginal(['tcp.synQueue'], 'synQueue', base),
    socketSlot: marginal(['tcp.slots', 'tcp.reassembly', 'tcp.scoreboard'], 'sockets', base),
    socketSlotWithBuffers: marginal(['tcp.slots', 'tcp.reassembly', 'tcp.scoreboard', 'tcp.sendRings', 'tcp.receiveRings'], 'sockets', base),
    defaultReport: Object.assign({}, defaults.memory()),
    defaultEspruinoVariables: espruinoVariables(defaults.memory().total, countTypedArrays(defaults)),
    boards,
  };
}
