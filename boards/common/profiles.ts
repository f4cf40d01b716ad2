/**
 * What each board bundle is: the interpreter board it runs on, the network module and how it is
 * wired, and a memory configuration that fits that board's interpreter variables with room left
 * for the user's application. The board files (boards/*.ts) boot from these; the build's budget
 * check (tools/board-budget.ts) and `npm start` (sim/cli.ts, the default board) read them too.
 * Pins are the interpreter's pin names as strings, which it accepts wherever a pin is expected.
 */

export interface SpiWiring {
  /** The interpreter's hardware SPI object the module is on. */
  bus: string;
  sck: string;
  miso: string;
  mosi: string;
  cs: string;
  /** The module's reset input, pulsed low at boot ('' when not wired). */
  reset: string;
  /** SPI clock in Hz and SPI mode (both chips: mode 0). */
  baud: number;
  mode: number;
}

export interface UartWiring {
  /** The interpreter's Serial object, the pins ('' = the board's default pins for that port) and the line rate. */
  port: string;
  rx: string;
  tx: string;
  baud: number;
  /** Receive ring between two polls of the board's loop, bytes. */
  capacity: number;
}

/** The on-chip Ethernet MAC of an STM32F4/F7 and its RMII PHY (hal/drivers/stm32-eth.ts). */
export interface EthWiring {
  /** REF_CLK MDIO CRS_DV MDC RXD0 RXD1 TX_EN TXD0 TXD1, as the interpreter names the pins. */
  pins: string;
  /** The PHY's MDIO address (its PHYAD strap). */
  phyAddress: number;
  /** Receive and transmit descriptors, one 1,520-byte buffer each. */
  rxDescriptors: number;
  txDescriptors: number;
  /** DBGMCU_IDCODE.DEV_ID of the chip the MAC is on: the bundle touches registers only when it reads this. */
  deviceId: number;
}

export interface BoardProfile {
  /** The board file and bundle name (boards/NAME.ts → dist/NAME.js). */
  name: string;
  title: string;
  /** The interpreter's board id (process.env.BOARD, and the espruino CLI's --board). */
  espruinoBoard: string;
  /** Interpreter variables on this board (ESPRUINO.md) and bytes per variable block (process.memory().blocksize). */
  variables: number;
  blocksize: number;
  /**
   * The interpreter's Linux build sized like this board (../shared/espruino/README.md:
   * espruino_linux_NAME): the tests run the bundle on it, and the build checks it there.
   */
  interpreter: 'pico' | 'f4disc' | 'wifi' | 'esp32' | 'f767';
  /**
   * The largest file this board's Storage holds, bytes: the bundle may take at most 75% of it,
   * the rest is the user's, and `npm run flash` refuses a bundle larger than that.
   */
  storageFile: number;
  /** Variables that must stay free for the user's application; the build fails if the firmware leaves fewer. */
  appReserve: number;
  nic: string;
  spi: SpiWiring | null;
  uart: UartWiring | null;
  eth?: EthWiring;
  /** Config overrides (firmware/config.ts) for this board. */
  config: { [field: string]: unknown };
  /** Parts of the firmware this board leaves out (firmware/features.ts names them), each for the reason the README's board table gives. */
  features: { [feature: string]: boolean };
}

/** The board `npm start` simulates, and the one the README's quick start flashes. */
export const defaultBoardName = 'esp32-w5500';

/**
 * Ethernet boards take their address by DHCP; after one failed attempt (three DISCOVERs, about
 * 30 s) they fall back to this static address and keep asking in the background.
 */
const lan = { ip: '192.168.1.50', netmask: '255.255.255.0', gateway: '192.168.1.1', dhcp: true, dhcpRetries: 3, dhcpFallbackAfter: 1 };

/**
 * ESP32 (16,383 variables): the roomiest target, so 8 sockets with 2 KB rings and a 32-entry
 * TIME_WAIT table, and 5,000 variables kept for the application. VSPI on its default pins.
 */
const esp32Memory = {
  ip: lan.ip, netmask: lan.netmask, gateway: lan.gateway, dhcp: lan.dhcp, dhcpRetries: lan.dhcpRetries, dhcpFallbackAfter: lan.dhcpFallbackAfter,
  sockets: 8, sendBuffer: 2048, receiveBuffer: 2048, listeners: 4, synQueue: 8, backlog: 4, reassemblyRanges: 4,
  timeWaitCapacity: 32, arpEntries: 8, arpPendingFrames: 2, udpBindings: 5, memoryBudget: 65536,
};

/**
 * The STM32F4 boards with 5,100-5,450 variables: 4 sockets with 1 KB rings, no frame held while
 * ARP resolves (the sender retries, as with uIP), UDP bindings for DHCP, two DNS lookups and one
 * for the application.
 */
const smallMemory = {
  ip: lan.ip, netmask: lan.netmask, gateway: lan.gateway, dhcp: lan.dhcp, dhcpRetries: lan.dhcpRetries, dhcpFallbackAfter: lan.dhcpFallbackAfter,
  sockets: 4, sendBuffer: 1024, receiveBuffer: 1024, listeners: 3, synQueue: 4, backlog: 2, reassemblyRanges: 2,
  timeWaitCapacity: 16, arpEntries: 4, arpPendingFrames: 0, udpBindings: 4, memoryBudget: 24576,
};

/** The Pico: the small boards' memory at a static address, as its bundle has no DHCP client and no UDP. */
const picoMemory = {
  ip: lan.ip, netmask: lan.netmask, gateway: lan.gateway,
  sockets: 4, sendBuffer: 1024, receiveBuffer: 1024, listeners: 3, synQueue: 4, backlog: 2, reassemblyRanges: 2,
  timeWaitCapacity: 16, arpEntries: 4, arpPendingFrames: 0, memoryBudget: 24576,
};

export const esp32W5500: BoardProfile = {
  name: 'esp32-w5500', title: 'ESP32 + W5500', espruinoBoard: 'ESP32', variables: 16383, blocksize: 16, appReserve: 8000,
  interpreter: 'esp32', storageFile: 917472, features: { withNodeFallback: false },
  nic: 'w5500',
  spi: { bus: 'SPI2', sck: 'D18', miso: 'D19', mosi: 'D23', cs: 'D5', reset: 'D4', baud: 8000000, mode: 0 },
  uart: null,
  config: esp32Memory,
};

export const esp32Enc28j60: BoardProfile = {
  name: 'esp32-enc28j60', title: 'ESP32 + ENC28J60', espruinoBoard: 'ESP32', variables: 16383, blocksize: 16, appReserve: 8000,
  interpreter: 'esp32', storageFile: 917472, features: { withNodeFallback: false },
  nic: 'enc28j60',
  spi: { bus: 'SPI2', sck: 'D18', miso: 'D19', mosi: 'D23', cs: 'D5', reset: 'D4', baud: 8000000, mode: 0 },
  uart: null,
  config: esp32Memory,
};

export const picoEnc28j60: BoardProfile = {
  name: 'pico-enc28j60', title: 'Espruino Pico + ENC28J60', espruinoBoard: 'PICO_R1_3', variables: 5100, blocksize: 16, appReserve: 1500,
  interpreter: 'pico', storageFile: 49120, features: { withNodeFallback: false, withConfigCheck: false, withDns: false, withDhcp: false, withSack: false, withServices: false, withSynCookies: false },
  nic: 'enc28j60',
  spi: { bus: 'SPI2', sck: 'B13', miso: 'B14', mosi: 'B15', cs: 'B10', reset: 'B1', baud: 4000000, mode: 0 },
  uart: null,
  config: picoMemory,
};

/** Espruino WiFi (8,190 variables): 6 sockets with 1.5 KB rings; its own ESP8266 stays unused. */
export const espruinoWifiW5500: BoardProfile = {
  name: 'espruino-wifi-w5500', title: 'Espruino WiFi + W5500', espruinoBoard: 'ESPRUINOWIFI', variables: 8190, blocksize: 16,
  appReserve: 3000, interpreter: 'wifi', storageFile: 65504, features: { withNodeFallback: false, withConfigCheck: false, withSack: false }, nic: 'w5500',
  spi: { bus: 'SPI1', sck: 'A5', miso: 'A6', mosi: 'A7', cs: 'B0', reset: 'B1', baud: 8000000, mode: 0 },
  uart: null,
  config: {
    ip: lan.ip, netmask: lan.netmask, gateway: lan.gateway, dhcp: lan.dhcp, dhcpRetries: lan.dhcpRetries, dhcpFallbackAfter: lan.dhcpFallbackAfter,
    sockets: 6, sendBuffer: 1536, receiveBuffer: 1536, listeners: 4, synQueue: 6, backlog: 3, reassemblyRanges: 3,
    timeWaitCapacity: 24, arpEntries: 6, arpPendingFrames: 1, udpBindings: 4, memoryBudget: 40960,
  },
};

/** STM32F4 Discovery (5,450 variables): SPI2, since SPI1 carries the on-board accelerometer. */
export const stm32f4discoveryEnc28j60: BoardProfile = {
  name: 'stm32f4discovery-enc28j60', title: 'STM32F4 Discovery + ENC28J60', espruinoBoard: 'STM32F4DISCOVERY', variables: 5450,
  blocksize: 16, appReserve: 1500, interpreter: 'f4disc', storageFile: 262112, features: { withNodeFallback: false, withConfigCheck: false, withServices: false }, nic: 'enc28j60',
  spi: { bus: 'SPI2', sck: 'B13', miso: 'B14', mosi: 'B15', cs: 'B12', reset: 'B11', baud: 4000000, mode: 0 },
  uart: null,
  config: smallMemory,
};

/**
 * Any board + SLIP: an IP-only serial link to a host running slattach (see the README), with a
 * static address (no DHCP on a point-to-point link) and the host as DNS server. It keeps DNS
 * and the demo services, so it is sized for the smallest board whose Storage holds it, the
 * STM32F4 Discovery (5,450 variables, 256 KB): not the Pico or the Espruino WiFi, whose Storage
 * is too small. Serial1 on the board's default pins; on an ESP32, whose Serial1 is the USB
 * console, Serial2 on D16/D17.
 */
export const slip: BoardProfile = {
  name: 'slip', title: 'any board + SLIP', espruinoBoard: 'STM32F4DISCOVERY', variables: 5450, blocksize: 16, appReserve: 1500,
  interpreter: 'f4disc', storageFile: 262112, features: { withNodeFallback: false, withConfigCheck: false, withDhcp: false },
  nic: 'slip', spi: null,
  uart: { port: 'Serial1', rx: '', tx: '', baud: 115200, capacity: 2048 },
  config: {
    ip: '192.168.7.2', netmask: '255.255.255.0', gateway: '192.168.7.1', dnsServer: '192.168.7.1',
    sockets: 4, sendBuffer: 1024, receiveBuffer: 1024, listeners: 3, synQueue: 4, backlog: 2, reassemblyRanges: 2,
    timeWaitCapacity: 16, arpEntries: 1, arpPendingFrames: 0, udpBindings: 2, mss: 536, memoryBudget: 24576,
  },
};

/** SLIP's link MTU: 1006 is RFC 1055's figure; 576 keeps the frame buffers small on a 5,100-variable board. */
export const slipMtu = 576;

/**
 * STM32F4 Discovery (STM32F407, 5,450 variables) with an RMII PHY: the STM32F4DIS-BB base board's
 * DP83848 at MDIO address 1, or a LAN8720A module wired to the same pins (strap its PHYAD to 1).
 * The small boards' memory, and the fewest descriptors that keep a frame moving each way while
 * the stack works on another: two to receive, one to transmit (4.6 KB of buffers, 1.5 KB more than
 * the ENC28J60's, paid for with 768-byte send and 896-byte receive rings instead of 1 KB: the
 * 1,500 variables the application keeps were measured on the interpreter).
 */
export const stm32f4discoveryEth: BoardProfile = {
  name: 'stm32f4discovery-eth', title: 'STM32F4 Discovery + RMII PHY (on-chip MAC)', espruinoBoard: 'STM32F4DISCOVERY', variables: 5450,
  blocksize: 13, appReserve: 1500, interpreter: 'f4disc', storageFile: 262112, features: { withNodeFallback: false, withConfigCheck: false, withServices: false },
  nic: 'stm32-eth', spi: null, uart: null,
  eth: { pins: 'A1 A2 A7 C1 C4 C5 B11 B12 B13', phyAddress: 1, rxDescriptors: 2, txDescriptors: 1, deviceId: 0x413 },
  config: {
    ip: lan.ip, netmask: lan.netmask, gateway: lan.gateway, dhcp: lan.dhcp, dhcpRetries: lan.dhcpRetries, dhcpFallbackAfter: lan.dhcpFallbackAfter,
    sockets: 4, sendBuffer: 768, receiveBuffer: 896, listeners: 3, synQueue: 4, backlog: 2, reassemblyRanges: 2,
    timeWaitCapacity: 16, arpEntries: 4, arpPendingFrames: 0, udpBindings: 4, memoryBudget: 24576,
  },
};

/**
 * NUCLEO-F767ZI (STM32F767, 31,999 variables in the interpreter's development builds after 2v29)
 * with its on-board LAN8742A at MDIO address 0: the default configuration's 8 sockets with 4 KB
 * rings, 8 receive and 4 transmit descriptors, and 10,000 variables kept for the application.
 */
export const nucleoF767ziEth: BoardProfile = {
  name: 'nucleo-f767zi-eth', title: 'NUCLEO-F767ZI (on-chip MAC, LAN8742A)', espruinoBoard: 'NUCLEOF767ZI', variables: 31999,
  blocksize: 16, appReserve: 10000, interpreter: 'f767', storageFile: 262112, features: { withNodeFallback: false },
  nic: 'stm32-eth', spi: null, uart: null,
  eth: { pins: 'A1 A2 A7 C1 C4 C5 G11 G13 B13', phyAddress: 0, rxDescriptors: 8, txDescriptors: 4, deviceId: 0x451 },
  config: {
    ip: lan.ip, netmask: lan.netmask, gateway: lan.gateway, dhcp: lan.dhcp, dhcpRetries: lan.dhcpRetries, dhcpFallbackAfter: lan.dhcpFallbackAfter,
    sockets: 8, sendBuffer: 4096, receiveBuffer: 4096, listeners: 4, synQueue: 8, backlog: 4, reassemblyRanges: 4,
    timeWaitCapacity: 32, arpEntries: 8, arpPendingFrames: 2, udpBindings: 5, memoryBudget: 98304,
  },
};

export const boardProfiles: BoardProfile[] = [
  esp32W5500, esp32Enc28j60, picoEnc28j60, espruinoWifiW5500, stm32f4discoveryEnc28j60, slip, stm32f4discoveryEth, nucleoF767ziEth,
];

/**
 * The self-test (boards/selftest.ts): two stacks on an in-memory wire, no NIC, sized for the
 * smallest board so that it runs on every one.
 */
export const selftest: BoardProfile = {
  name: 'selftest', title: 'self-test, any board', espruinoBoard: 'PICO_R1_3', variables: 5100, blocksize: 16, appReserve: 0,
  interpreter: 'pico', storageFile: 49120, nic: 'none', spi: null, uart: null,
  config: {
    sockets: 2, sendBuffer: 1024, receiveBuffer: 1024, listeners: 2, synQueue: 2, backlog: 2, reassemblyRanges: 2,
    timeWaitCapacity: 4, arpEntries: 2, arpPendingFrames: 1, udpBindings: 1, mss: 536, memoryBudget: 16384, ip: '192.0.2.1',
  },
  features: { withConfigCheck: false, withDhcp: false, withDns: false },
};

/** The profile of the bundle `name` (boards/NAME.ts), or null for a board file without one. */
export function profileOf(name: string): BoardProfile | null {
  const all = boardProfiles.concat([selftest]);
  for (let i = 0; i < all.length; i++) if (all[i].name === name) return all[i];
  return null;
}
