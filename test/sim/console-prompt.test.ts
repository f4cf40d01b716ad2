import test from 'ava';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { spawn, spawnSync } from 'node:child_process';
import { runConsolePrompt } from '../../sim/console-prompt';
import { resolveConfig } from '../../firmware/config';
import { Stack } from '../../firmware/stack';
import { Device } from '../../firmware/device';
import { W5500Driver } from '../../hal/drivers/w5500';
import { w5500CounterNames } from '../../boards/common/boot';
import { FakeSpi } from '../../sim/chips/fake-spi';
import { W5500Model } from '../../sim/chips/w5500-model';
import { VirtualClock } from '../../sim/clock';
import { Link } from '../../sim/link';
import { macFor } from '../../sim/host';
import { NodeHal } from '../../sim/node-hal';
import { TapNic, tapNicCounterNames } from '../../sim/tap/bridge';

/** The terminal side of `npm start`: a prompt on a fake terminal, its output kept as text. */
function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const executed: string[] = [];
  let closed = 0;
  const prompt = runConsolePrompt('banner', (line) => {
    executed.push(line);
    if (line.trim() === 'help') output.write('commands: help stat\n');
  }, () => closed++, { input, output, terminal: true });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { input, prompt, executed, text: () => text, closed: () => closed, settle };
}

test('a line printed while the prompt waits goes above it, and the prompt comes back with what was typed', async (t) => {
  const term = terminal();
  await term.settle();
  term.input.write('sta');
  await term.settle();
  const before = term.text().length;
  term.prompt.print('[device] dhcp: bound 192.168.1.100');
  await term.settle();
  const after = term.text().slice(before);
  // Clear the line, the log line on a line of its own, then the prompt and the typed text again.
  t.true(after.startsWith('\x1b[2K'), JSON.stringify(after));
  t.true(after.indexOf('[device] dhcp: bound 192.168.1.100\n') >= 0, JSON.stringify(after));
  t.regex(after, /\n(\x1b\[\d*[A-Z])*> sta(\x1b\[\d+G)?$/, JSON.stringify(after));
  term.input.write('t\r');
  await term.settle();
  t.deepEqual(term.executed, ['stat']);
  term.input.write('quit\r');
  await term.settle();
  t.is(term.closed(), 1);
});

test('help lists the device\'s commands and quit', async (t) => {
  const term = terminal();
  term.input.write('help\r');
  await term.settle();
  t.regex(term.text(), /commands: help stat\n/);
  t.regex(term.text(), /quit ends this session/);
  term.input.write('quit\r');
  await term.settle();
  t.is(term.closed(), 1);
});

test('the nic line reads alike in the simulator and on the TAP bridge', (t) => {
  const clock = new VirtualClock();
  const link = new Link(clock, { seed: 1 });
  const lines: string[] = [];
  const line = (device: Device): string => {
    lines.length = 0;
    device.execute('nic');
    return lines[0];
  };
  const hal = new NodeHal(clock, 1);
  hal.log = (text: string) => lines.push(text);
  const driver = new W5500Driver(new FakeSpi(new W5500Model(link)), hal, macFor(2));
  const simulated = new Device(new Stack(resolveConfig({}), hal, driver), driver, driver.counters, w5500CounterNames);
  const tapNic = new TapNic(link, macFor(3));
  const tap = new Device(new Stack(resolveConfig({}), hal, tapNic), tapNic, tapNic.counters, tapNicCounterNames);
  driver.reset();
  const shape = /^nic link (up|down) framesReceived=\d+ framesSent=\d+( [a-z][A-Za-z]+=\d+)*$/;
  t.regex(line(simulated), shape);
  t.regex(line(tap), shape);
});

const haveScript = spawnSync('sh', ['-c', 'command -v script']).status === 0;
const terminalTest = haveScript ? test : test.skip;

terminalTest('npm start in a terminal' + (haveScript ? '' : ' [skipped: script (util-linux) is not installed]') +
  ': the DHCP line that comes while the prompt waits is printed above it, and the prompt drawn again', async (t) => {
  const cli = path.join(__dirname, '../../sim/cli.js');
  // script(1) gives the demo a terminal, so it runs interactively, in real time.
  const child = spawn('script', ['-qfec', process.execPath + ' ' + cli, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let text = '';
  const done = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const bound = new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (/dhcp: bound[^\n]*\n[^]*> /.test(text)) resolve();
    });
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
  await Promise.race([bound, done]);
  child.stdin.write('quit\r');
  await done;
  clearTimeout(timer);
  t.regex(text, /> [^\n]*\x1b\[2K\x1b\[1G\[device\] dhcp: bound [^\n]*\n(\x1b\[\d*[A-Z])*> /, JSON.stringify(text));
  t.regex(text, /demo: \d+ HTTP requests ok, 0 failed/, 'the summary after quit');
});
