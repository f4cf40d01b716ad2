/**
 * The driver bench's interpreter side: sim/bench/driver-frames.ts bundled with the drivers and
 * their models for the Espruino interpreter (sim/bench/drivers.ts builds and runs it), timed with
 * getTime(). Prints one line, DRIVERFRAMES [...] with quoted keys (one row per run, driver and
 * frame size), or DRIVERFRAMES FAIL reason.
 */
import { EspruinoHal } from '../../../hal/espruino/espruino-hal';
import { benchDrivers, benchFrameSizes, measureDriverFrames } from '../driver-frames';

declare function getTime(): number;
declare const console: { log(line: string): void };

const enum Run {
  /**
   * Frames each way per driver, size and run, and runs: the unoptimised Linux interpreter takes
   * milliseconds per frame, most of it in the SPI models' byte loops, and a shared machine makes
   * single runs vary, so several short runs give a median.
   */
  frames = 24,
  runs = 5,
}

const hal = new EspruinoHal();
const milliseconds = function (): number {
  return getTime() * 1000;
};
const host = { clock: { now: milliseconds }, advance: function () {}, timer: milliseconds, hal: hal };
const rows: string[] = [];
try {
  for (let run = 0; run < Run.runs; run++) {
  for (let d = 0; d < benchDrivers.length; d++) {
    for (let s = 0; s < benchFrameSizes.length; s++) {
      const r = measureDriverFrames(benchDrivers[d], benchFrameSizes[s], Run.frames, host);
      rows.push(JSON.stringify({
        'driver': r.driver, 'frameBytes': r.frameBytes, 'frames': r.frames,
        'receiveMicroseconds': r.receiveMicroseconds, 'transmitMicroseconds': r.transmitMicroseconds,
        'receiveModelMicroseconds': r.receiveModelMicroseconds, 'transmitModelMicroseconds': r.transmitModelMicroseconds,
        'receiveBusOperations': r.receiveBusOperations, 'transmitBusOperations': r.transmitBusOperations,
        'receiveBusBytes': r.receiveBusBytes, 'transmitBusBytes': r.transmitBusBytes,
      }));
    }
  }
  }
  console.log('DRIVERFRAMES [' + rows.join(',') + ']');
} catch (error) {
  console.log('DRIVERFRAMES FAIL ' + error);
}
