import test from 'ava';
import { EspruinoSpi, EspruinoSpiPort } from '../../hal/espruino/espruino-spi';
import { Enc28j60Driver } from '../../hal/drivers/enc28j60';
import { Enc28j60Model } from '../../sim/chips/enc28j60-model';
import { VirtualClock } from '../../sim/clock';
import { macFor } from '../../sim/host';
import { Link } from '../../sim/link';
import { NodeHal } from '../../sim/node-hal';

/** A stand-in for the interpreter's SPI1: send() returns a new array, as the native does, from the chip model. */
class FakeSpiPort implements EspruinoSpiPort {
  sends = 0;
  pins: unknown[] = [];
  constructor(private readonly model: Enc28j60Model) {}
  send(data: Uint8Array, cs: unknown): Uint8Array {
    this.sends++;
    this.pins.push(cs);
    const copy = data.slice();
    this.model.transaction(copy, 0, copy.length);
    return copy;
  }
}

test('EspruinoSpi: transfers go out with the chip select and come back in place; the ENC28J60 driver runs over it', (t) => {
  const clock = new VirtualClock();
  const link = new Link(clock);
  const model = new Enc28j60Model(link, clock);
  const port = new FakeSpiPort(model);
  const driver = new Enc28j60Driver(new EspruinoSpi(port, 'B2'), new NodeHal(clock, 1), macFor(2));
  driver.reset();
  clock.runUntil(3);
  driver.poll({ input: () => undefined });
  t.true(driver.linkUp());
  t.is(driver.revision, 6);
  t.true(port.sends > 20);
  t.true(port.pins.every((pin) => pin === 'B2'));
  t.deepEqual(model.faults, []);
});
