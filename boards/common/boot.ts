/**
 * Boot code shared by the board files, run on the interpreter: sets up the module's bus from the
 * board profile, builds the stack and the default firmware (firmware/device.ts) over the driver,
 * publishes the REPL's `NET` object and runs the main loop from setInterval. Everything here runs
 * once at boot; the loop itself is Device.service.
 */
import { resolveConfig } from '../../firmware/config';
import { Stack } from '../../firmware/stack';
import { Device, NetConsole } from '../../firmware/device';
import { NetworkJs } from '../../firmware/api/network-js';
import { Mmio, PolledNic } from '../../hal/bus';
import { EspruinoHal } from '../../hal/espruino/espruino-hal';
import { EspruinoSpiPort } from '../../hal/espruino/espruino-spi';
import { EspruinoSerialPort } from '../../hal/espruino/espruino-uart';
import { BoardProfile, EthWiring, SpiWiring, UartWiring } from './profiles';
import { Stm32EthDriver } from '../../hal/drivers/stm32-eth';

/* The interpreter's globals used at boot, declared here (see hal/espruino/espruino-hal.ts for why). */
declare function setInterval(callback: () => void, ms: number): number;
declare function getSerial(): string;
declare function digitalPulse(pin: string, value: number, ms: number): void;
declare const global: { NET: NetConsole };
declare function require(module: 'NetworkJS'): { create(driver: NetworkJs): void };
declare function require(module: 'Storage'): { readJSON(name: string, noExceptions: boolean): { [field: string]: unknown } | undefined };
declare const process: { env: { BOARD: string } };

const enum Chip {
  /** DBGMCU_IDCODE: DEV_ID in bits 0-11 (the debug support chapters of RM0090 and RM0410). */
  DBGMCU_IDCODE = 0xe0042000,
  DEV_ID_MASK = 0xfff,
}

/** The interpreter's hardware SPI object, before setup. @external */
export interface EspruinoSpiSetup extends EspruinoSpiPort {
  setup(options: { sck: string; miso: string; mosi: string; baud: number; mode: number }): void;
}

/** The interpreter's Serial object, before setup. @external */
export interface EspruinoSerialSetup extends EspruinoSerialPort {
  setup(baud: number, options?: { rx?: string; tx?: string }): void;
}

/** Names of each driver's counters, in the order of its counter enum, for the console's `nic`. */
export const w5500CounterNames = 'framesReceived framesSent rxResyncs txDropped chipTimeouts';
export const enc28j60CounterNames = 'framesReceived framesSent rxErrors rxResyncs txDropped txAborts chipTimeouts';
export const slipCounterNames = 'framesReceived framesSent rxOversize rxBadEscape txDropped';
export const stm32EthCounterNames = 'framesReceived framesSent rxErrors rxMissed rxOverflows rxResumes txWaits txDropped txErrors linkDrops ' +
  'chipTimeouts bufferMoves';

const enum Boot {
  /** First chip reset after the reset pin's pulse, then retries while no chip answers, ms. */
  firstResetDelay = 100,
  resetRetryInterval = 2000,
}

/**
 * Configures the SPI bus and pulses the module's reset pin; the board's bring-up calls it before
 * each reset of the chip, so that pins the interpreter rejects are reported and retried like a
 * chip that does not answer.
 */
export function setupSpi(port: EspruinoSpiSetup, wiring: SpiWiring): void {
  port.setup({ sck: wiring.sck, miso: wiring.miso, mosi: wiring.mosi, baud: wiring.baud, mode: wiring.mode });
  if (wiring.reset) digitalPulse(wiring.reset, 0, 1);
}

/**
 * The Storage file a user may write to set the board's addresses without a new build (for
 * example a SLIP link's: `require("Storage").writeJSON("netconfig.json", {ip: "10.0.0.2",
 * gateway: "10.0.0.1", dnsServer: "10.0.0.1"})`), read once at boot. Its fields keep their
 * names in the bundle (@external); every other configuration field has only the short name the
 * build lists in dist/names/NAME.json, which the interpreter tier's rig uses to set timeouts.
 */
export const configFile = 'netconfig.json';

/** What netconfig.json may set, over the board's configuration (firmware/config.ts). @external */
export interface NetConfigFile {
  ip?: string;
  netmask?: string;
  gateway?: string;
  dnsServer?: string;
  dhcp?: boolean;
}

/**
 * Configures the serial port. With no pins named the port is set up without options, so it
 * keeps the board's default pins, or whatever an earlier setup gave it: on the interpreter's
 * Linux build, the device path (Serial1.setup(baud, {path}) in `.boot0`, which runs before
 * `.bootcde`), where an options object without a path would close the device again.
 */
export function setupSerial(port: EspruinoSerialSetup, wiring: UartWiring): EspruinoSerialSetup {
  if (!wiring.rx && !wiring.tx) {
    port.setup(wiring.baud);
    return port;
  }
  const options: { rx?: string; tx?: string } = {};
  if (wiring.rx) options.rx = wiring.rx;
  if (wiring.tx) options.tx = wiring.tx;
  port.setup(wiring.baud, options);
  return port;
}

/**
 * true when this interpreter runs on the board's own chip, so that its registers may be touched:
 * the interpreter's board name first (on its Linux build peek32 and poke32 reach the process's
 * own memory, and BOARD is LINUX), then the chip's device ID.
 */
export function onChip(profile: BoardProfile, mmio: Mmio): boolean {
  return process.env.BOARD === profile.espruinoBoard && !!profile.eth &&
    (mmio.peek32(Chip.DBGMCU_IDCODE) & Chip.DEV_ID_MASK) === profile.eth.deviceId;
}

/** The bring-up of a board's on-chip MAC (bootBoard): the chip checked first, then the MAC reset; each failure says why. */
export function bringUpEth(profile: BoardProfile, mmio: Mmio, driver: Stm32EthDriver): boolean {
  if (!onChip(profile, mmio)) throw new Error('no MAC on this chip (BOARD ' + process.env.BOARD + ')');
  if (!driver.reset()) throw new Error('no PHY at MDIO address ' + (profile.eth as EthWiring).phyAddress + ', or no reference clock; check the wiring');
  return true;
}

/**
 * A locally administered unicast MAC, stable per chip: 02:45 followed by a hash of the chip's
 * serial number (the interpreter's getSerial()).
 */
export function boardMac(): Uint8Array {
  const serial = getSerial();
  const mac = new Uint8Array([2, 0x45, 0, 0, 0, 0]);
  for (let i = 0; i < serial.length; i++) mac[2 + (i & 3)] = (mac[2 + (i & 3)] * 31 + serial.charCodeAt(i)) & 255;
  return mac;
}

/**
 * Builds the stack and the default firmware over `nic` (the profile's configuration, overridden
 * by the Storage file `configFile` when there is one), starts the services, sets `NET`,
 * registers the stack as the interpreter's network (so `require("net")` and `require("http")`
 * run over it, names resolved by the stack's DNS resolver; ports 7 and 80 are the firmware's
 * own), and runs the loop every config.tickInterval ms. `bringUp` sets up the bus and resets the
 * chip, and returns true once the chip has answered (at once, or at a later call for a chip that
 * needs time after its reset); until it does, the loop calls it again every two seconds and,
 * after the second failure, says once why: no answer, or what the bring-up raised (a pin this
 * chip does not have, no MAC on this chip).
 */
export function bootBoard(profile: BoardProfile, hal: EspruinoHal, nic: PolledNic, counters: Uint32Array,
  counterNames: string, bringUp: () => boolean): Device {
  const config = resolveConfig(profile.config);
  const file = require('Storage').readJSON(configFile, true) as NetConfigFile | undefined;
  for (const field in file) (config as unknown as { [field: string]: unknown })[field] = (file as { [field: string]: unknown })[field];
  const stack = new Stack(config, hal, nic);
  const device = new Device(stack, nic, counters, counterNames);
  device.start();
  global.NET = device.bindings();
  require('NetworkJS').create(new NetworkJs(stack, stack.dns));
  let up = false;
  let failures = 0;
  let resetAt = hal.now() + Boot.firstResetDelay;
  setInterval(function () {
    const now = hal.now();
    if (!up && now >= resetAt) {
      let failure = '';
      try {
        up = bringUp();
      } catch (error) {
        failure = profile.nic + ': ' + (error as Error).message;
      }
      resetAt = now + Boot.resetRetryInterval;
      if (!up && ++failures === 2) {
        hal.log('nic: ' + (failure || 'no ' + profile.nic + ' answered on ' + (profile.spi ? profile.spi.bus + ', CS ' + profile.spi.cs : profile.nic) +
          '; check the wiring') + ' (retrying)');
      }
    }
    device.service(now);
  }, stack.config.tickInterval);
  return device;
}
