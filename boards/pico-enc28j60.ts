/**
 * Espruino Pico + ENC28J60: the default firmware (echo on 7, HTTP on 80, `NET` console) over an ENC28J60 on SPI2.
 * Pins, SPI settings and memory: boards/common/profiles.ts (picoEnc28j60).
 */
import { Enc28j60Driver } from '../hal/drivers/enc28j60';
import { EspruinoHal } from '../hal/espruino/espruino-hal';
import { EspruinoSpi } from '../hal/espruino/espruino-spi';
import { picoEnc28j60 } from './common/profiles';
import { EspruinoSpiSetup, boardMac, bootBoard, setupSpi, enc28j60CounterNames } from './common/boot';

declare const SPI2: EspruinoSpiSetup;

const wiring = picoEnc28j60.spi as NonNullable<typeof picoEnc28j60.spi>;
const hal = new EspruinoHal();
const driver = new Enc28j60Driver(new EspruinoSpi(SPI2, wiring.cs), hal, boardMac());
bootBoard(picoEnc28j60, hal, driver, driver.counters, enc28j60CounterNames, function () {
  // The chip identifies itself only after its reset delay, during the driver's polls: it is up once it has.
  if (driver.revision !== 0) return true;
  setupSpi(SPI2, wiring);
  driver.reset();
  return false;
});
