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
  /**
   * The interpreter's Linux build sized like this board (../shared/espruino/README.md: pico,
   * f4disc, wifi, esp32, f767): the tests run the bundle on it, and `npm run flash` refuses a
   * bundle larger than its largest Storage file.
   */
  interpreter: string;
  /** Interpreter variables on this board (ESPRUINO.md) and bytes per variable block (process.memory().blocksize). */
  variables: number;
  blocksize: number;
  /** Variables that must stay free for the user's application; the build fails if the firmware leaves fewer. */
  appReserve: number;
  nic: string;
  spi: SpiWiring | null;
  uart: UartWiring | null;
  eth?: EthWiring;
  /** Config overrides (firmware/config.ts) for this board. */
  config: { [field: string]: unknown };
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
 * The STM32F4 boards with 5,100-5,450 variables: 4 sockets with 1 KB rings, one held ARP frame,
 * UDP bindings for DHCP, two DNS lookups and one for the application.
 */
const smallMemory = {
  ip: lan.ip, netmask: lan.netmask, gateway: lan.gateway, dhcp: lan.dhcp, dhcpRetries: lan.dhcpRetries, dhcpFallbackAfter: lan.dhcpFallbackAfter,
  sockets: 4, sendBuffer: 1024, receiveBuffer: 1024, listeners: 3, synQueue: 4, backlog: 2, reassemblyRanges: 2,
  timeWaitCapacity: 16, arpEntries: 4, arpPendingFrames: 1, udpBindings: 4, memoryBudget: 24576,
};

export const esp32W5500: BoardProfile = {
  name: 'esp32-w5500', title: 'ESP32 + W5500', espruinoBoard: 'ESP32', interpreter: 'esp32', variables: 16383, blocksize: 16, appReserve: 5000,
  nic: 'w5500',
  spi: { bus: 'SPI2', sck: 'D18', miso: 'D19', mosi: 'D23', cs: 'D5', reset: 'D4', baud: 8000000, mode: 0 },
  uart: null,
  config: esp32Memory,
};

export const esp32Enc28j60: BoardProfile = {
  name: 'esp32-enc28j60', title: 'ESP32 + ENC28J60', espruinoBoard: 'ESP32', interpreter: 'esp32', variables: 16383, blocksize: 16, appReserve: 5000,
  nic: 'enc28j60',
  spi: { bus: 'SPI2', sck: 'D18', miso: 'D19', mosi: 'D23', cs: 'D5', reset: 'D4', baud: 8000000, mode: 0 },
  uart: null,
  config: esp32Memory,
};

export const picoEnc28j60: BoardProfile = {
  name: 'pico-enc28j60', title: 'Espruino Pico + ENC28J60', espruinoBoard: 'PICO_R1_3', interpreter: 'pico', variables: 5100, blocksize: 16, appReserve: 1000,
  nic: 'enc28j60',
  spi: { bus: 'SPI2', sck: 'B13', miso: 'B14', mosi: 'B15', cs: 'B10', reset: 'B1', baud: 4000000, mode: 0 },
  uart: null,
  config: smallMemory,
};

/** Espruino WiFi (8,190 variables): 6 sockets with 1.5 KB rings; its own ESP8266 stays unused. */
export const espruinoWifiW5500: BoardProfile = {
  name: 'espruino-wifi-w5500', title: 'Espruino WiFi + W5500', espruinoBoard: 'ESPRUINOWIFI', interpreter: 'wifi', variables: 8190, blocksize: 16,
  appReserve: 2000, nic: 'w5500',
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
  name: 'stm32f4discovery-enc28j60', title: 'STM32F4 Discovery + ENC28J60', espruinoBoard: 'STM32F4DISCOVERY', interpreter: 'f4disc', variables: 5450,
  blocksize: 16, appReserve: 1200, nic: 'enc28j60',
  spi: { bus: 'SPI2', sck: 'B13', miso: 'B14', mosi: 'B15', cs: 'B12', reset: 'B11', baud: 4000000, mode: 0 },
  uart: null,
  config: smallMemory,
};

/**
 * Any board + SLIP: an IP-only serial link to a host running slattach (see the README), with a
 * static address (no DHCP on a point-to-point link) and the host as DNS server, sized for
 * the smallest target (a Pico's 5,100 variables) so the one bundle fits every board. Serial1 on
 * the board's default pins; on an ESP32, whose Serial1 is the USB console, Serial2 on D16/D17.
 * Its interpreter is the ESP32-sized build until the bundle fits a Pico's Storage and
 * variables (issue 13); then 'pico'.
 */
export const slip: BoardProfile = {
  name: 'slip', title: 'any board + SLIP', espruinoBoard: 'PICO_R1_3', interpreter: 'esp32', variables: 5100, blocksize: 16, appReserve: 1000,
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
 * the stack works on another: two to receive, one to transmit (4.6 KB of buffers).
 */
export const stm32f4discoveryEth: BoardProfile = {
  name: 'stm32f4discovery-eth', title: 'STM32F4 Discovery + RMII PHY (on-chip MAC)', espruinoBoard: 'STM32F4DISCOVERY', interpreter: 'f4disc', variables: 5450,
  blocksize: 13, appReserve: 1200, nic: 'stm32-eth', spi: null, uart: null,
  eth: { pins: 'A1 A2 A7 C1 C4 C5 B11 B12 B13', phyAddress: 1, rxDescriptors: 2, txDescriptors: 1, deviceId: 0x413 },
  config: smallMemory,
};

/**
 * NUCLEO-F767ZI (STM32F767, 31,999 variables in the interpreter's development builds after 2v29)
 * with its on-board LAN8742A at MDIO address 0: the default configuration's 8 sockets with 4 KB
 * rings, 8 receive and 4 transmit descriptors, and 10,000 variables kept for the application.
 */
export const nucleoF767ziEth: BoardProfile = {
  name: 'nucleo-f767zi-eth', title: 'NUCLEO-F767ZI (on-chip MAC, LAN8742A)', espruinoBoard: 'NUCLEOF767ZI', interpreter: 'f767', variables: 31999,
  blocksize: 16, appReserve: 10000, nic: 'stm32-eth', spi: null, uart: null,
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
