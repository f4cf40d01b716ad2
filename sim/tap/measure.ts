/**
 * The figures issue 4 asks for, measured on the interop tests' own path (a fresh TAP bridge and
 * default-firmware device per run, ncat in the namespace, sim/tap/workloads.ts): bulk throughput
 * each way (test 3) and the seed-000 connection rate (test 4), as medians over several runs.
 *
 *   npm run measure:tap -- [--runs 5] [--megabytes 50] [--iterations 20000]
 *       [--loss P --delay MS --reorder P]   (impairments in the simulator, both directions, as test 3b)
 *
 * Needs what the interop tests need (root, /dev/net/tun, socat, iproute2, ncat). Prints one line
 * per run and then the medians.
 */
import { randomBytes } from 'crypto';
import { startTapBridge, tapUnavailableReason } from './bridge';
import { startTapDevice } from './tap-device';
import { connectSendClose, deviceToKernel, kernelToDevice } from './workloads';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf('--' + name);
  return index >= 0 && index + 1 < process.argv.length ? Number(process.argv[index + 1]) : fallback;
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function main(): Promise<void> {
  const unavailable = tapUnavailableReason();
  if (unavailable) throw new Error('cannot measure: ' + unavailable);
  const runs = option('runs', 5);
  const bytes = Math.round(option('megabytes', 50) * 1e6);
  const iterations = option('iterations', 20000);
  const impairments = { loss: option('loss', 0), delay: option('delay', 0), reorder: option('reorder', 0) };
  const impaired = impairments.loss > 0 || impairments.delay > 0 || impairments.reorder > 0;
  // As test 3b: 64 KB rings when the path is impaired, the default configuration otherwise.
  const config = impaired ? { sendBuffer: 65535, receiveBuffer: 65535, sockets: 2, memoryBudget: 1 << 20 } : {};
  const data = randomBytes(bytes);
  const inbound: number[] = [];
  const outbound: number[] = [];
  const rates: number[] = [];
  for (let run = 0; run < runs; run++) {
    const bridge = await startTapBridge({ impairments, seed: run + 1 });
    try {
      const device = startTapDevice(bridge, { config, seed: run + 2 });
      const toDevice = await kernelToDevice(device, data, 9, 600000);
      const toKernel = await deviceToKernel(device, data, 5001, 600000);
      const churn = iterations > 0 ? await connectSendClose(device, { iterations, port: 2500, limitMs: 600000 }) : null;
      device.stop();
      const failures = [toDevice.error, toKernel.error].concat(churn ? churn.failures.slice(0, 3) : []).filter((error) => error !== '');
      if (toDevice.bytes !== bytes || toKernel.bytes !== bytes || failures.length > 0 || (churn && churn.lines.length !== iterations)) {
        throw new Error('run ' + (run + 1) + ' failed: ' + failures.join('; '));
      }
      inbound.push(bytes / 1e6 / (toDevice.ms / 1000));
      outbound.push(bytes / 1e6 / (toKernel.ms / 1000));
      if (churn) rates.push(iterations / (churn.ms / 1000));
      process.stdout.write('run ' + (run + 1) + ': kernel → device ' + inbound[run].toFixed(2) + ' MB/s, device → kernel ' +
        outbound[run].toFixed(2) + ' MB/s' + (churn ? ', seed 000 ' + Math.round(rates[run]) + ' connections/s' : '') + '\n');
    } finally {
      bridge.close();
    }
  }
  process.stdout.write('median of ' + runs + ' runs (' + bytes / 1e6 + ' MB each way' + (impaired ? ', impaired ' + JSON.stringify(impairments) : '') +
    (iterations > 0 ? ', ' + iterations + ' connections' : '') + '): kernel → device ' + median(inbound).toFixed(2) + ' MB/s, device → kernel ' +
    median(outbound).toFixed(2) + ' MB/s' + (iterations > 0 ? ', seed 000 ' + Math.round(median(rates)) + ' connections/s' : '') + '\n');
}

main().then(() => process.exit(0), (error: Error) => {
  process.stderr.write(error.message + '\n');
  process.exit(1);
});
