import test, { ExecutionContext } from 'ava';
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as path from 'path';
import { startTapBridge, tapUnavailableReason, TapBridge, TapBridgeOptions } from '../../sim/tap/bridge';
import { startTapDevice, TapDevice, TapDeviceOptions } from '../../sim/tap/tap-device';
import { LiveCounts, liveCounts } from '../seeds/network';
import { patternBody } from './pattern';
import { ClientPlan, ClientResult } from './kernel-client';

/**
 * What the interop tests share: whether this machine can run them, a bridge with a device on it
 * torn down whatever happens, the kernel-side client, and the leak check.
 */

const tools = ['curl', 'ncat', 'hping3', 'ss'];

function missingTools(): string[] {
  return tools.filter((tool) => {
    try {
      execFileSync('sh', ['-c', 'command -v ' + tool], { stdio: 'ignore' });
      return false;
    } catch (error) {
      return true;
    }
  });
}

/** '' when the interop tests can run here; otherwise why not. */
export const skipReason = (() => {
  const reason = tapUnavailableReason();
  if (reason) return reason;
  const missing = missingTools();
  return missing.length > 0 ? missing.join(', ') + ' not installed' : '';
})();

/**
 * Registers `title` as a serial test, or, when this machine cannot run interop tests, as a
 * skipped test whose title says why; the first skipped test of a file also logs the reason
 * loudly, in a test of its own, so it shows in the run's output.
 */
let skippedNoticeShown = false;

export function interopTest(title: string, body: (t: ExecutionContext) => Promise<void>): void {
  if (!skipReason) {
    test.serial(title, body);
    return;
  }
  if (!skippedNoticeShown) {
    skippedNoticeShown = true;
    test('interop tests SKIPPED on this machine', (t) => {
      const line = 'SKIPPED: the interop tests against the Linux kernel need root, /dev/net/tun, socat, iproute2, curl, ncat, hping3: ' + skipReason;
      t.log(line);
      process.stderr.write('\n*** ' + line + ' ***\n\n');
      t.pass();
    });
  }
  test.skip(title + ' [skipped: ' + skipReason + ']', () => undefined);
}

export interface Rig {
  bridge: TapBridge;
  device: TapDevice;
  start: LiveCounts;
}

/** A bridge with a device on it for the duration of `body`; both are removed afterwards, also on failure. */
export async function withRig(
  bridgeOptions: TapBridgeOptions,
  deviceOptions: TapDeviceOptions,
  body: (rig: Rig) => Promise<void>,
): Promise<void> {
  const bridge = await startTapBridge(bridgeOptions);
  let device: TapDevice | null = null;
  try {
    device = startTapDevice(bridge, deviceOptions);
    await body({ bridge, device, start: liveCounts(device) });
  } finally {
    if (device) device.stop();
    bridge.close();
  }
}

/** The device's pools and tables back at their starting counts (TIME_WAIT as `timeWait`, or whatever it holds when omitted). */
export function assertNoLeaks(t: ExecutionContext, rig: Rig, timeWait?: number): void {
  const now = liveCounts(rig.device);
  const expected = Object.assign({}, rig.start, { timeWait: timeWait === undefined ? now.timeWait : timeWait });
  t.deepEqual(now, expected, 'device pools back to their starting counts');
}

/** Runs kernel-client.js in the namespace and returns its result. */
export async function kernelClient(t: ExecutionContext, bridge: TapBridge, plan: ClientPlan, timeoutMs: number): Promise<ClientResult> {
  const script = path.join(__dirname, 'kernel-client.js');
  const result = await bridge.exec(process.execPath + ' ' + script + " '" + JSON.stringify(plan) + "'", timeoutMs);
  if (result.code !== 0) t.log('kernel client: exit ' + result.code + ' ' + result.stderr);
  return JSON.parse(result.stdout.trim().split('\n').pop() || '{}') as ClientResult;
}

export { patternBody } from './pattern';

/**
 * The firmware's HTTP server seen from the kernel (in `bridge`'s namespace): curl fetches the
 * status page, then `size` bytes of /bytes/N, whose count and sha256 must match the pattern.
 */
export async function fetchStatusAndBody(t: ExecutionContext, bridge: TapBridge, size: number, timeoutSeconds: number): Promise<void> {
  const base = 'http://' + bridge.deviceIp;
  const page = await bridge.exec('curl -sS --max-time 20 ' + base + '/', 25000);
  t.is(page.code, 0, page.stderr);
  t.regex(page.stdout, /^espruino-tcp up \d+ s, connections 1, memory \d+ bytes\n$/);
  const expected = createHash('sha256').update(patternBody(size)).digest('hex');
  const started = Date.now();
  const body = await bridge.exec('curl -sS --max-time ' + timeoutSeconds + ' -w "%{size_download}\\n" -o >(sha256sum >&2) ' + base + '/bytes/' + size,
    timeoutSeconds * 1000 + 10000);
  t.is(body.code, 0, body.stderr);
  t.log(size + ' bytes in ' + (Date.now() - started) + ' ms');
  t.is(body.stdout.trim(), String(size));
  t.is(body.stderr.trim().split(/\s+/)[0], expected);
}

/** Resolves once `condition()` holds, checked every 10 ms; false after `timeoutMs`. */
export function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const check = () => {
      if (condition()) resolve(true);
      else if (Date.now() >= deadline) resolve(false);
      else setTimeout(check, 10);
    };
    check();
  });
}

/** `ss -tan` in the namespace, summarised as state → count. */
export async function kernelSocketStates(bridge: TapBridge): Promise<{ [state: string]: number }> {
  const result = await bridge.exec('ss -tan', 10000);
  const states: { [state: string]: number } = {};
  for (const line of result.stdout.split('\n').slice(1)) {
    const state = line.split(/\s+/)[0];
    if (state) states[state] = (states[state] || 0) + 1;
  }
  return states;
}
