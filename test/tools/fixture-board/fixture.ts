/**
 * A board for the build pipeline's test: exercises the Espruino HAL and a little firmware, then
 * prints one line the test can verify. It lives here, not in boards/, so the real build never ships it.
 */
import { formatIp, parseIp } from '../../../firmware/wire/ip-address';
import { EspruinoHal } from '../../../hal/espruino/espruino-hal';

const hal = new EspruinoHal();
const data = new Uint8Array(101);
for (let i = 0; i < data.length; i++) data[i] = (i * 37 + 11) & 255;
const copy = new Uint8Array(8);
hal.copy(copy, 0, data, 3, 8);
hal.log('FIXTURE ' + formatIp(parseIp('192.0.2.7')) + ' ' + hal.checksum(data, 1, 99, 0) + ' ' +
  hal.checksum(data, 0, 100, 0x1234) + ' ' + copy[0] + ' ' + hal.memory().free * hal.memory().blocksize);
