import * as readline from 'readline';

export interface ConsolePrompt {
  /**
   * Prints a line that came on its own (the device's log, periodic output) above the prompt,
   * then draws the prompt again with whatever was typed so far, so neither is lost.
   */
  print(line: string): void;
}

/**
 * The device console on a terminal, for `npm start` in both its forms: a banner, then one
 * command per line until `quit`, Ctrl-C or the end of input, after which `onClose` runs once.
 * `help` is the device's, plus a line for `quit`, which only this terminal knows.
 */
export function runConsolePrompt(
  banner: string, execute: (line: string) => void, onClose: () => void,
  streams: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream; terminal?: boolean } = { input: process.stdin, output: process.stdout },
): ConsolePrompt {
  const output = streams.output;
  output.write(banner + '\n');
  const input = readline.createInterface({ input: streams.input, output, prompt: '> ', terminal: streams.terminal });
  // While a command runs, its own output comes before the next prompt anyway.
  let executing = false;
  let closed = false;
  input.prompt();
  input.on('line', (line) => {
    const command = line.trim();
    if (command === 'quit') {
      input.close();
      return;
    }
    executing = true;
    execute(line);
    if (command === 'help') output.write('quit ends this session (so does Ctrl-C)\n');
    executing = false;
    input.prompt();
  });
  input.on('SIGINT', () => input.close());
  input.on('close', () => {
    closed = true;
    onClose();
  });
  return {
    print(line: string): void {
      if (executing || closed) {
        output.write(line + '\n');
        return;
      }
      readline.clearLine(output, 0);
      readline.cursorTo(output, 0);
      output.write(line + '\n');
      input.prompt(true);
    },
  };
}
