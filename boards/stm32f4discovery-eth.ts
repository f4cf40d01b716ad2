/**
 * STM32F4 Discovery + RMII PHY (STM32F4DIS-BB's DP83848 or a LAN8720A module): the default firmware (echo on 7, HTTP on 80, `NET` console) over the chip's own
 * Ethernet MAC. Pins, PHY address, rings and memory: boards/common/profiles.ts (stm32f4discoveryEth).
 */
import { Stm32EthDriver } from '../hal/drivers/stm32-eth';
import { EspruinoHal } from '../hal/espruino/espruino-hal';
import { EspruinoMmio } from '../hal/espruino/espruino-mmio';
import { stm32f4discoveryEth } from './common/profiles';
import { boardMac, bootBoard, onChip, stm32EthCounterNames } from './common/boot';

const hal = new EspruinoHal();
const mmio = new EspruinoMmio();
const driver = new Stm32EthDriver(mmio, hal, boardMac(), stm32f4discoveryEth.eth as NonNullable<typeof stm32f4discoveryEth.eth>);
bootBoard(stm32f4discoveryEth, hal, driver, driver.counters, stm32EthCounterNames, function () {
  return onChip(stm32f4discoveryEth, mmio) && driver.reset();
});
