import test from 'ava';
import { onChip } from '../../boards/common/boot';
import { nucleoF767ziEth, stm32f4discoveryEth } from '../../boards/common/profiles';
import { EspruinoMmio } from '../../hal/espruino/espruino-mmio';
import { Stm32EthDriver } from '../../hal/drivers/stm32-eth';
import { Stm32EthModel } from '../../sim/chips/stm32-eth-model';
import { VirtualClock } from '../../sim/clock';
import { Link } from '../../sim/link';
import { NodeHal } from '../../sim/node-hal';
import { OUR_MAC, modelOptions } from './stm32-eth-harness';

const globals = global as unknown as { [name: string]: unknown };

/** The interpreter's peek32, poke32 and E.getAddressOf, answered by `model`, for the length of `body`. */
function withNatives(model: Stm32EthModel, body: () => void): void {
  const saved = ['peek32', 'poke32', 'E'].map((name) => globals[name]);
  globals.peek32 = (address: number) => model.peek32(address) | 0;
  globals.poke32 = (address: number, value: number) => model.poke32(address, value);
  globals.E = { getAddressOf: (array: Uint8Array, flat: boolean) => (flat ? model.addressOf(array) : 0) };
  try {
    body();
  } finally {
    ['peek32', 'poke32', 'E'].forEach((name, i) => {
      globals[name] = saved[i];
    });
  }
}

test('EspruinoMmio: peek32 (made unsigned), poke32 and E.getAddressOf reach the chip; the driver brings the MAC up over them', (t) => {
  const clock = new VirtualClock();
  const model = new Stm32EthModel(new Link(clock), clock, modelOptions());
  withNatives(model, () => {
    const mmio = new EspruinoMmio();
    const driver = new Stm32EthDriver(mmio, new NodeHal(clock, 1), OUR_MAC, { pins: modelOptions().pins as string, phyAddress: 0, rxDescriptors: 2, txDescriptors: 1 });
    t.true(driver.reset());
    for (let ms = 0; ms < 200 && !driver.linkUp(); ms++) {
      clock.runUntil(clock.now() + 1);
      driver.poll({ input: () => undefined });
    }
    t.true(driver.linkUp());
    t.is(mmio.peek32(0x40028040), model.peek32(0x40028040), 'MACA0HR, bit 31 set, read as an unsigned number');
    t.true(mmio.peek32(0x40028040) > 0x7fffffff);
  });
  t.deepEqual(model.faults, []);
});

test('onChip: registers are touched only when BOARD names the board and DBGMCU_IDCODE reads its chip', (t) => {
  const board = process.env.BOARD;
  const reads: number[] = [];
  const chip = (id: number) => ({ peek32: (address: number) => { reads.push(address); return id; }, poke32: () => undefined, addressOf: () => 0 });
  try {
    process.env.BOARD = 'LINUX';
    t.false(onChip(nucleoF767ziEth, chip(0x10016451)));
    t.deepEqual(reads, [], 'not even the ID register is read on the Linux build');
    process.env.BOARD = 'NUCLEOF767ZI';
    t.true(onChip(nucleoF767ziEth, chip(0x10016451)));
    t.false(onChip(nucleoF767ziEth, chip(0x10076413)), 'an STM32F407 is not an STM32F767');
    process.env.BOARD = 'STM32F4DISCOVERY';
    t.true(onChip(stm32f4discoveryEth, chip(0x10076413)));
    t.deepEqual(reads, [0xe0042000, 0xe0042000, 0xe0042000]);
  } finally {
    if (board === undefined) delete process.env.BOARD;
    else process.env.BOARD = board;
  }
});
