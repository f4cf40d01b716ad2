import { InterpreterBoard, InterpreterBuild, VariableCount } from './interpreter';

/** What a board bundle leaves of its interpreter once booted from Storage. */
export interface BootMeasurement {
  /** The console line the firmware printed on boot (`up: ...`), or '' when it printed none. */
  upLine: string;
  /** Everything the interpreter printed, from power-up to the measurement. */
  console: string;
  /** process.memory() after boot, read after the firmware's first seconds (the interpreter collects garbage first). */
  variables: VariableCount;
}

/** How long the firmware runs after its `up:` line before the reading: its first ticks, DHCP's first packets, the watchdog's first check. */
const settleMs = 1500;

/**
 * Stores the pretokenised bundle at `file` as `.bootcde` on a fresh interpreter of `build`, powers
 * it up as a board boots, and reads its variables once the firmware is up. Throws when Storage
 * refuses the file or the firmware prints no `up:` line within `timeoutMs`.
 */
export async function measureBoot(build: InterpreterBuild, file: string, timeoutMs = 60000): Promise<BootMeasurement> {
  const board = new InterpreterBoard(build);
  try {
    board.store('.bootcde', file);
    const running = board.boot();
    const up = await running.waitFor(/(?:^|\n)(up: [^\n]*)\n/, timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    const variables = await running.variables();
    return { upLine: up[1], console: running.text(), variables };
  } finally {
    await board.remove();
  }
}
