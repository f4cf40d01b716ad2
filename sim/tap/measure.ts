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
import { impairmentOptions, readCommandLine } from '../command-line';
import { summarize } from '../bench/summary';
import { startTapBridge, tapUnavailableReason } from './bridge';
import { startTapDevice } from './tap-device';
import { connectSendClose, deviceToKernel, kernelToDevice } from './workloads';

async function main(): Promise<void> {
  const options = readCommandLine('npm run measure:tap', Object.assign({
    runs: { kind: 'integer', min: 1, max: 100, fallback: 5 },
    megabytes: { kind: 'number', min: 0.001, max: 10000, fallback: 50 },
    iterations: { kind: 'integer', min: 0, max: 10000000, fallback: 20000 },
  } as const, impairmentOptions));
  const unavailable = tapUnavailableReason();
  if (unavailable) throw new Error('cannot measure: ' + unavailable);
  const runs = options.number('runs');
  const bytes = Math.round(options.number('megabytes') * 1e6);
  const iterations = options.number('iterations');
  const impairments = { loss: options.number('loss'), delay: options.number('delay'), reorder: options.number('reorder') };
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
    (iterations > 0 ? ', ' + iterations + ' connections' : '') + '): kernel → device ' + summarize(inbound).median.toFixed(2) + ' MB/s, device → kernel ' +
    summarize(outbound).median.toFixed(2) + ' MB/s' + (iterations > 0 ? ', seed 000 ' + Math.round(summarize(rates).median) + ' connections/s' : '') + '\n');
}

main().then(() => process.exit(0), (error: Error) => {
  process.stderr.write(error.message + '\n');
  process.exit(1);
});
