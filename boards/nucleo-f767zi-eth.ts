/**
 * NUCLEO-F767ZI with its on-board LAN8742A: the default firmware (echo on 7, HTTP on 80, `NET` console) over the chip's own
 * Ethernet MAC. Pins, PHY address, rings and memory: boards/common/profiles.ts (nucleoF767ziEth).
 */
import { Stm32EthDriver } from '../hal/drivers/stm32-eth';
import { EspruinoHal } from '../hal/espruino/espruino-hal';
import { EspruinoMmio } from '../hal/espruino/espruino-mmio';
import { nucleoF767ziEth } from './common/profiles';
import { boardMac, bootBoard, onChip, stm32EthCounterNames } from './common/boot';

const hal = new EspruinoHal();
const mmio = new EspruinoMmio();
const driver = new Stm32EthDriver(mmio, hal, boardMac(), nucleoF767ziEth.eth as NonNullable<typeof nucleoF767ziEth.eth>);
bootBoard(nucleoF767ziEth, hal, driver, driver.counters, stm32EthCounterNames, function () {
  return onChip(nucleoF767ziEth, mmio) && driver.reset();
});
