/**
 * ESP32 + W5500: the default firmware (echo on 7, HTTP on 80, `NET` console) over a W5500 in MACRAW mode on SPI2.
 * Pins, SPI settings and memory: boards/common/profiles.ts (esp32W5500).
 */
import { W5500Driver } from '../hal/drivers/w5500';
import { EspruinoHal } from '../hal/espruino/espruino-hal';
import { EspruinoSpi } from '../hal/espruino/espruino-spi';
import { esp32W5500 } from './common/profiles';
import { EspruinoSpiSetup, boardMac, bootBoard, setupSpi, w5500CounterNames } from './common/boot';

declare const SPI2: EspruinoSpiSetup;

const wiring = esp32W5500.spi as NonNullable<typeof esp32W5500.spi>;
const hal = new EspruinoHal();
const driver = new W5500Driver(new EspruinoSpi(SPI2, wiring.cs), hal, boardMac());
bootBoard(esp32W5500, hal, driver, driver.counters, w5500CounterNames, function () {
  setupSpi(SPI2, wiring);
  return driver.reset();
});
