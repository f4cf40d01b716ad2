/**
 * The build's check of each board bundle against its board, on the interpreter sized like that
 * board (../shared/espruino), as a board runs it:
 *   Storage: the pretokenised bundle (what a board stores) takes at most 75% of the board's
 *            largest Storage file, so the user's own code fits beside it;
 *   variables: stored as .bootcde and booted from there, the firmware prints its `up:` line and
 *            leaves at least the profile's appReserve variables free (process.memory(), after a
 *            garbage collection).
 *   configuration: the board's stack, created under Node with every check a bundle leaves out
 *            (firmware/features.ts, withConfigCheck), accepts the profile's configuration.
 * Without the interpreter binaries the Storage and configuration checks still run and the
 * variables are reported as not measured, with the reason.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BoardProfile, boardProfiles, slipMtu } from '../boards/common/profiles';
import { resolveConfig } from '../firmware/config';
import { Stack } from '../firmware/stack';
import { NodeHal } from '../sim/node-hal';
import { measureBoot } from '../sim/espruino/board-boot';
import { interpreterUnavailableReason } from '../sim/espruino/interpreter';

/** The share of a board's largest Storage file a bundle may take. */
export const storageShare = 0.75;

export interface BoardBudget {
  board: string;
  title: string;
  /** The interpreter build it was measured on (espruino_linux_NAME). */
  interpreter: string;
  /** Bytes of the pretokenised bundle, the board's largest Storage file, and the bundle's limit (75% of it). */
  storedBytes: number;
  storageFile: number;
  storageLimit: number;
  /** What the stack of the board's configuration allocates (its console's mem, the `stack memory` of its up: line); 0 when the configuration is refused. */
  stackBytes: number;
  /** The board's variables, and how many must stay free after boot (the profile's appReserve). */
  variables: number;
  appReserve: number;
  /** Measured after boot; null when not measured (`unmeasured` says why). */
  used: number | null;
  free: number | null;
  unmeasured: string;
  /** What is wrong, one line each; empty when the bundle fits its board. */
  problems: string[];
}

/**
 * Every board bundle of `dir` that has a profile, checked; boots them on their interpreters
 * unless `measure` is false or the interpreters are missing.
 */
export async function boardBudgets(dir: string, measure = true): Promise<BoardBudget[]> {
  const budgets: BoardBudget[] = [];
  for (const profile of boardProfiles) {
    const stored = path.join(dir, 'pretokenised', profile.name + '.js');
    if (!fs.existsSync(stored)) continue;
    budgets.push(await budgetFor(profile, stored, measure));
  }
  return budgets;
}

async function budgetFor(profile: BoardProfile, stored: string, measure: boolean): Promise<BoardBudget> {
  const storedBytes = fs.statSync(stored).size;
  const storageLimit = Math.floor(profile.storageFile * storageShare);
  const budget: BoardBudget = {
    board: profile.name, title: profile.title, interpreter: profile.interpreter, storedBytes, storageFile: profile.storageFile, storageLimit,
    stackBytes: 0, variables: profile.variables, appReserve: profile.appReserve, used: null, free: null, unmeasured: '', problems: [],
  };
  try {
    const ethernet = profile.nic !== 'slip';
    budget.stackBytes = new Stack(resolveConfig(profile.config), new NodeHal({ now: () => 0 }, 1),
      { mac: new Uint8Array(6), ethernet, mtu: ethernet ? 1500 : slipMtu, transmit() {}, linkUp: () => true }).memory()['total'];
  } catch (error) {
    budget.problems.push(profile.name + ': its configuration is refused: ' + (error as Error).message);
  }
  if (storedBytes > storageLimit) {
    budget.problems.push(profile.name + ': ' + storedBytes + ' bytes stored exceed ' + storageLimit + ', 75% of the ' +
      profile.storageFile + '-byte largest Storage file of a ' + profile.title.split(' + ')[0]);
  }
  const unavailable = measure ? interpreterUnavailableReason([profile.interpreter]) : 'not asked to';
  if (unavailable) {
    budget.unmeasured = unavailable;
    return budget;
  }
  try {
    const boot = await measureBoot(profile.interpreter, stored);
    budget.used = boot.variables.usage;
    budget.free = boot.variables.free;
    if (/Uncaught/.test(boot.console)) budget.problems.push(profile.name + ': an uncaught error at boot: ' + boot.console.split('\n').filter((line) => /Uncaught/.test(line))[0]);
    if (boot.variables.free < profile.appReserve) {
      budget.problems.push(profile.name + ': ' + boot.variables.free + ' variables free after boot on espruino_linux_' + profile.interpreter +
        ', fewer than the ' + profile.appReserve + ' the application needs (boards/common/profiles.ts appReserve)');
    }
  } catch (error) {
    budget.problems.push(profile.name + ': did not boot on espruino_linux_' + profile.interpreter + ': ' + (error as Error).message.split('\n')[0]);
  }
  return budget;
}

export function formatBudgets(budgets: BoardBudget[]): string {
  const rows = [['board', 'interpreter', 'stored B', 'of Storage', 'limit', 'variables', 'used', 'free', 'needed free', 'budget']];
  for (const b of budgets) {
    rows.push([b.board, b.interpreter, String(b.storedBytes), (100 * b.storedBytes / b.storageFile).toFixed(0) + '%', String(b.storageLimit),
      String(b.variables), b.used === null ? '-' : String(b.used), b.free === null ? '-' : String(b.free), String(b.appReserve),
      b.problems.length > 0 ? 'OVER' : b.used === null ? 'not measured' : 'ok']);
  }
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const table = rows.map((row) => row.map((cell, column) => (column <= 1 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
    .join('  ')).join('\n');
  const unmeasured = budgets.filter((b) => b.unmeasured).map((b) => b.unmeasured);
  return table + (unmeasured.length > 0 ? '\nvariables not measured: ' + unmeasured[0] : '');
}
