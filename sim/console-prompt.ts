import * as readline from 'readline';

/**
 * The device console on a terminal, for `npm start` in both its forms: a banner, then one
 * command per line until `quit`, Ctrl-C or the end of input, after which `onClose` runs once.
 */
export function runConsolePrompt(banner: string, execute: (line: string) => void, onClose: () => void): void {
  process.stdout.write(banner + '\n');
  const input = readline.createInterface({ input: process.stdin, output: process.stdout, prompt: '> ' });
  input.prompt();
  input.on('line', (line) => {
    if (line.trim() === 'quit') {
      input.close();
      return;
    }
    execute(line);
    input.prompt();
  });
  input.on('SIGINT', () => input.close());
  input.on('close', onClose);
}
