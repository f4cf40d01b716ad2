/**
 * `npm start`: the default firmware on a simulated device with a simulated peer (sim/demo.ts),
 * or with `--tap` in real time on a TAP device attached to the Linux kernel (sim/tap/tap-cli.ts),
 * or with `--interpreter` the SLIP firmware inside the Espruino interpreter, its serial line
 * bridged to the kernel (sim/espruino/interpreter-cli.ts).
 * Each is loaded only when chosen, because the demo builds its simulated LAN as it loads; each
 * checks its own options before it starts anything.
 */
if (process.argv.indexOf('--tap') >= 0) {
  void (require('./tap/tap-cli') as typeof import('./tap/tap-cli')).runTapCli();
} else if (process.argv.indexOf('--interpreter') >= 0) {
  (require('./espruino/interpreter-cli') as typeof import('./espruino/interpreter-cli')).runInterpreterCli().catch((error: Error) => {
    process.stderr.write((error.stack || String(error)) + '\n');
    process.exit(1);
  });
} else {
  require('./demo');
}
