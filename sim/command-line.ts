/** The value after `--name` on the command line, or `fallback` when the option is absent or has no value. */
export function commandLineOption(name: string, fallback: string): string {
  const index = process.argv.indexOf('--' + name);
  return index >= 0 && index + 1 < process.argv.length ? process.argv[index + 1] : fallback;
}
