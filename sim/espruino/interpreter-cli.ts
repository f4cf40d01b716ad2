import { slip } from '../../boards/common/profiles';
import { readCommandLine } from '../command-line';
import { tapUnavailableReason } from '../tap/bridge';
import { ptyLineUnavailableReason } from '../uart/pty-uart';
import { InterpreterBuild, interpreterPath, interpreterSizes, interpreterUnavailableReason } from './interpreter';
import { startInterpreterRig } from './interpreter-rig';

/**
 * `npm start -- --interpreter`: the SLIP firmware (dist/slip.js) booted from Storage inside the
 * Espruino interpreter sized like its board, its serial line bridged to a TUN device in a network
 * namespace of its own (sim/espruino/interpreter-rig.ts), until Ctrl-C, a failure or --seconds N.
 * The terminal is the interpreter's own console (NET.stat(), NET.sockets(), NET.mem(), any
 * JavaScript). Options: --seconds N, --build NAME (another interpreter build, e.g. f767).
 */
export async function runInterpreterCli(): Promise<void> {
  const options = readCommandLine('npm start -- --interpreter', {
    interpreter: { kind: 'flag' },
    seconds: { kind: 'integer', min: 1, max: 86400, fallback: 0 },
    build: { kind: 'text', value: 'NAME', fallback: slip.interpreter },
  });
  const build = options.text('build') as InterpreterBuild;
  if (!(build in interpreterSizes)) {
    process.stderr.write('npm start -- --interpreter: --build takes one of ' + Object.keys(interpreterSizes).join(', ') + ', not ' + JSON.stringify(build) + '\n');
    process.exit(2);
  }
  const unavailable = tapUnavailableReason() || interpreterUnavailableReason([build]) || ptyLineUnavailableReason();
  if (unavailable) {
    process.stderr.write('--interpreter needs root, /dev/net/tun, socat, iproute2, gcc and the interpreter: ' + unavailable + '\n');
    process.exit(2);
  }
  process.stdout.write('Booting dist/slip.js from Storage in ' + interpreterPath(build) + ' ...\n');
  const rig = await startInterpreterRig({ build });
  // What it printed until its `up:` line; from then on everything, as it comes (not the rig's own start-up queries).
  const boot = rig.interpreter.text();
  process.stdout.write(boot.slice(0, boot.indexOf(rig.upLine) + rig.upLine.length) + '\n');
  rig.interpreter.onOutput((chunk) => process.stdout.write(chunk));
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    process.stdout.write('\n' + why + ': removing namespace ' + rig.bridge.namespace + ' and every process\n');
    await rig.close();
    process.exit(why === 'failure' ? 1 : 0);
  };
  const run = 'ip netns exec ' + rig.bridge.namespace + ' ';
  process.stdout.write([
    '',
    'Device ' + rig.bridge.deviceIp + ' (' + slip.name + ' firmware) inside the interpreter, its Serial1 on ' + rig.line.path +
      ', SLIP to TUN ' + rig.bridge.tapName + ' (' + rig.bridge.tapIp + '/' + rig.bridge.prefixLength + ') in network namespace ' +
      rig.bridge.namespace + '. Try, as root in another terminal:',
    '  ' + run + 'curl http://' + rig.bridge.deviceIp + '/',
    '  ' + run + 'curl -o /dev/null http://' + rig.bridge.deviceIp + '/bytes/100000',
    '  ' + run + 'ncat ' + rig.bridge.deviceIp + ' 7          (echo)',
    '  ' + run + 'ping ' + rig.bridge.deviceIp,
    'This terminal is the interpreter\'s console: NET.stat(), NET.sockets(), NET.timewait(), NET.mem(), NET.nic(), NET.wd(),',
    'or your own code (require("http"), require("net")). Ctrl-C stops it and removes the namespace.',
    '',
  ].join('\n'));
  rig.interpreter.send('');
  const watch = setInterval(() => {
    const failure = rig.failure();
    if (!failure) return;
    process.stderr.write('\n' + failure + '\n');
    void stop('failure');
  }, 500);
  watch.unref();
  const seconds = options.number('seconds');
  if (seconds > 0) setTimeout(() => void stop('--seconds ' + seconds), seconds * 1000);
  for (const signal of ['SIGINT', 'SIGTERM'] as NodeJS.Signals[]) process.on(signal, () => void stop(signal));
  if (process.stdin.isTTY) process.stdin.setRawMode(true);
  process.stdin.on('data', (chunk: Buffer) => {
    // In raw mode Ctrl-C arrives as a byte: it stops the run, as it does with --tap.
    if (process.stdin.isTTY && chunk.indexOf(3) >= 0) {
      void stop('Ctrl-C');
      return;
    }
    rig.interpreter.write(chunk);
  });
}
