/**
 * Any board + SLIP: the default firmware (echo on 7, HTTP on 80, `NET` console) over SLIP on a
 * serial port, to a host that runs `slattach` (README). Serial1 on the board's default pins; an
 * ESP32's Serial1 is its USB console, so there Serial2 on D16 (RX) / D17 (TX) is used.
 * Line rate and memory: boards/common/profiles.ts (slip).
 */
import { SlipNic } from '../hal/drivers/slip';
import { EspruinoHal } from '../hal/espruino/espruino-hal';
import { EspruinoUart } from '../hal/espruino/espruino-uart';
import { slip, slipMtu } from './common/profiles';
import { EspruinoSerialSetup, bootBoard, setupSerial, slipCounterNames } from './common/boot';

declare const Serial1: EspruinoSerialSetup;
declare const Serial2: EspruinoSerialSetup;
declare const process: { env: { BOARD: string } };

const uart = slip.uart as NonNullable<typeof slip.uart>;
const esp32 = process.env.BOARD === 'ESP32';
const wiring = esp32 ? { port: 'Serial2', rx: 'D16', tx: 'D17', baud: uart.baud, capacity: uart.capacity } : uart;
const hal = new EspruinoHal();
const nic = new SlipNic(new EspruinoUart(setupSerial(esp32 ? Serial2 : Serial1, wiring), wiring.capacity), hal, slipMtu);
bootBoard(slip, hal, nic, nic.counters, slipCounterNames, function () {
  return true;
});
