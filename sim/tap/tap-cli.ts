import { resolveConfig } from '../../firmware/config';
import { boardProfiles, defaultBoardName } from '../../boards/common/profiles';
import { PcapWriter } from '../pcap';
import { runConsolePrompt } from '../console-prompt';
import { impairmentOptions, readCommandLine } from '../command-line';
import { startTapBridge, tapUnavailableReason } from './bridge';
import { startTapDevice } from './tap-device';

/**
 * `npm start -- --tap`: the default board's firmware (echo on 7, HTTP on 80 with /bytes/N) in
 * real time on a TAP device in a network namespace of its own, reachable from the kernel there,
 * until Ctrl-C. The board's memory configuration is kept; its address is the bridge's static
 * 192.0.2.2 instead of DHCP. Options: --seed N, --loss P, --delay MS, --reorder P (impairments in
 * the simulator, both directions), --pcap FILE, --seconds N (stop after N wall-clock seconds).
 * In a terminal, console commands (help stat sockets timewait mem wd nic quit) are read from stdin.
 */
export async function runTapCli(): Promise<void> {
  const options = readCommandLine('npm start -- --tap', Object.assign({
    tap: { kind: 'flag' },
    seed: { kind: 'integer', min: 0, max: 4294967295, fallback: 1 },
    pcap: { kind: 'text', value: 'FILE', fallback: '' },
    seconds: { kind: 'integer', min: 1, max: 86400, fallback: 0 },
  } as const, impairmentOptions));
  const unavailable = tapUnavailableReason();
  if (unavailable) {
    process.stderr.write('--tap needs root, /dev/net/tun, socat and iproute2: ' + unavailable + '\n');
    process.exit(2);
  }
  const seed = options.number('seed');
  const bridge = await startTapBridge({
    seed,
    impairments: { loss: options.number('loss'), delay: options.number('delay'), reorder: options.number('reorder') },
  });
  const pcapFile = options.text('pcap');
  const capture = pcapFile ? new PcapWriter({ path: pcapFile }).attachTo(bridge.link) : null;
  // Ctrl-C ends the process in the bridge's own handler (which removes the namespace); the capture is completed on exit.
  if (capture) process.on('exit', () => capture.close());
  const board = boardProfiles.filter((profile) => profile.name === defaultBoardName)[0];
  const config = Object.assign({}, board.config, { ip: bridge.deviceIp, netmask: '255.255.255.0', gateway: '0.0.0.0', dhcp: false });
  resolveConfig(config);
  const device = startTapDevice(bridge, { config, seed: seed * 7919 + 2, echoLog: true });
  const run = 'ip netns exec ' + bridge.namespace + ' ';
  process.stdout.write([
    'Device ' + bridge.deviceIp + ' (' + board.name + ' memory configuration) on TAP ' + bridge.tapName + ' (' + bridge.tapIp + '/' +
      bridge.prefixLength + ') in network namespace ' + bridge.namespace + '. Try, as root in another terminal:',
    '  ' + run + 'curl http://' + bridge.deviceIp + '/',
    '  ' + run + 'curl -o /dev/null http://' + bridge.deviceIp + '/bytes/1000000',
    '  ' + run + 'ncat ' + bridge.deviceIp + ' 7          (echo)',
    '  ' + run + 'ss -tan',
    'Ctrl-C stops it and removes the namespace.',
    '',
  ].join('\n'));
  const stop = () => {
    device.stop();
    bridge.close();
    process.exit(0);
  };
  const socatWatch = setInterval(() => {
    if (!bridge.socatExit) return;
    process.stderr.write(bridge.socatExit + '\n');
    stop();
  }, 500);
  socatWatch.unref();
  const seconds = options.number('seconds');
  if (seconds > 0) setTimeout(stop, seconds * 1000);
  if (process.stdin.isTTY) {
    device.hal.echo = runConsolePrompt('Console: help stat [drop] sockets timewait mem wd nic quit', (line) => device.device.execute(line), stop).print;
  }
}
