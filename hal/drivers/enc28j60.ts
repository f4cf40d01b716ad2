import { FrameSink, PolledNic, SpiBus } from '../bus';
import { Hal } from '../hal';
import { Arena, Cut } from '../arena';

/**
 * Microchip ENC28J60 facts (datasheet DS39662E and silicon errata DS80349). A register is named
 * here by its 5-bit address, its bank in bits 5-6, and bit 7 set for MAC and MII registers,
 * which answer a read with a dummy byte before the data. Addresses 0x1B-0x1F are in every bank.
 */
const enum Enc {
  // SPI opcodes, already shifted into the top three bits
  readControl = 0x00,
  readBuffer = 0x3a,
  writeControl = 0x40,
  writeBuffer = 0x7a,
  bitSet = 0x80,
  bitClear = 0xa0,
  systemReset = 0xff,

  addressMask = 0x1f,
  bankShift = 5,
  macOrMii = 0x80,
  firstCommon = 0x1b,

  // bank 0 (pairs: low byte, then high byte at the next address)
  ERDPT = 0x00,
  EWRPT = 0x02,
  ETXST = 0x04,
  ETXND = 0x06,
  ERXST = 0x08,
  ERXND = 0x0a,
  ERXRDPT = 0x0c,
  // bank 1
  ERXFCON = 0x20 | 0x18,
  EPKTCNT = 0x20 | 0x19,
  // bank 2
  MACON1 = 0x80 | 0x40 | 0x00,
  MACON3 = 0x80 | 0x40 | 0x02,
  MACON4 = 0x80 | 0x40 | 0x03,
  MABBIPG = 0x80 | 0x40 | 0x04,
  MAIPGL = 0x80 | 0x40 | 0x06,
  MAIPGH = 0x80 | 0x40 | 0x07,
  MAMXFLL = 0x80 | 0x40 | 0x0a,
  MICMD = 0x80 | 0x40 | 0x12,
  MIREGADR = 0x80 | 0x40 | 0x14,
  MIWRL = 0x80 | 0x40 | 0x16,
  MIWRH = 0x80 | 0x40 | 0x17,
  MIRDL = 0x80 | 0x40 | 0x18,
  MIRDH = 0x80 | 0x40 | 0x19,
  // bank 3: MAADR1 (the first byte of the address) is at 0x04, then 2 at 0x05, 3-4 at 0x02-0x03, 5-6 at 0x00-0x01
  MAADR5 = 0x80 | 0x60 | 0x00,
  MAADR3 = 0x80 | 0x60 | 0x02,
  MAADR1 = 0x80 | 0x60 | 0x04,
  MISTAT = 0x80 | 0x60 | 0x0a,
  EREVID = 0x60 | 0x12,
  // every bank
  EIR = 0x1c,
  ESTAT = 0x1d,
  ECON2 = 0x1e,
  ECON1 = 0x1f,

  // bits
  ECON1_TXRST = 0x80,
  ECON1_RXRST = 0x40,
  ECON1_TXRTS = 0x08,
  ECON1_RXEN = 0x04,
  ECON1_BSEL = 0x03,
  ECON2_PKTDEC = 0x40,
  ESTAT_CLKRDY = 0x01,
  EIR_TXERIF = 0x02,
  /** Unicast to our MAC, or broadcast, with a good CRC. */
  ERXFCON_FILTER = 0x80 | 0x20 | 0x01,
  MACON1_MARXEN = 0x01,
  /** PADCFG0 (pad to 60 bytes), TXCRCEN, FRMLNEN: half duplex, as PHCON1 leaves the PHY. */
  MACON3_VALUE = 0x32,
  MACON4_DEFER = 0x40,
  MABBIPG_HALF_DUPLEX = 0x12,
  MAIPGL_VALUE = 0x12,
  MAIPGH_HALF_DUPLEX = 0x0c,
  MICMD_MIIRD = 0x01,
  MISTAT_BUSY = 0x01,
  /** The receive status vector's "received OK" bit, in its third byte. */
  RSV_RECEIVED_OK = 0x80,

  // PHY registers, through MII
  PHCON1 = 0x00,
  PHCON2 = 0x10,
  PHSTAT2 = 0x11,
  PHCON2_HDLDIS = 0x0100,
  PHSTAT2_LSTAT = 0x0400,

  /**
   * Buffer memory: the receive ring starts at 0 (errata: the internal write pointer may be
   * reloaded with 0 instead of ERXST) and ends on an odd address (so ERXRDPT can be set to it);
   * the transmit buffer above it holds the control byte, a 1514-byte frame and the 7-byte status vector.
   */
  RX_START = 0x0000,
  RX_END = 0x19ff,
  RX_SIZE = 0x1a00,
  TX_START = 0x1a00,
  MAX_FRAME = 1514,
  MAX_FRAME_WITH_CRC = 1518,
  CRC_LENGTH = 4,
  /** Next-packet pointer and receive status vector in front of every received frame. */
  RX_HEADER = 6,

  // timing and bounds
  /** Errata: CLKRDY is not cleared by SRC, so wait this long (at least 1 ms) before touching the chip. */
  resetDelayMs = 2,
  /** Give up on a chip whose oscillator has not started by then. */
  resetTimeoutMs = 100,
  linkCheckMs = 50,
  /** MII operations take 10.24 µs; busy-waits are bounded in transactions. */
  miiPolls = 32,
  txPolls = 256,
  rxPerPoll = 8,

  // driver phases
  down = 0,
  resetting = 1,
  ready = 2,
}

/** Driver counters, indexes into `Enc28j60Driver.counters`. */
export const enum Enc28j60Counter {
  framesReceived = 0,
  framesSent = 1,
  /** A received frame whose status vector says it is bad (CRC, length): skipped. */
  rxErrors = 2,
  /** A next-packet pointer or byte count that cannot be right: the receive ring was reset, losing what it held. */
  rxResyncs = 3,
  /** A frame the stack handed over while the chip was not ready, the link was down or the frame was too long. */
  txDropped = 4,
  /** A transmission aborted (EIR.TXERIF: collisions in half duplex): the transmit logic was reset, per errata. */
  txAborts = 5,
  /** No CLKRDY, an MII operation or a transmission that never finished: the chip is wedged or missing. */
  chipTimeouts = 6,
  COUNT = 7,
}

/**
 * The ENC28J60 10BASE-T MAC and PHY over SPI, polled. reset() issues a soft reset; the
 * following polls wait out the errata delay and configure the chip (receive ring, MAC, PHY,
 * filters). poll() reads EPKTCNT (PKTIF is unreliable, errata) and walks the receive ring:
 * one buffer read per frame that also fetches the next frame's header, PKTDEC per frame and
 * one ERXRDPT update per poll, always to an odd address (errata). transmit() waits for the
 * previous frame, resets the transmit logic if the last one aborted (errata), writes control
 * byte and frame in one buffer write and sets TXRTS. Link state comes from PHSTAT2.LSTAT every
 * 50 ms. Registers are reached through a shadow of ECON1.BSEL, so banks are switched only when needed.
 */
export class Enc28j60Driver implements PolledNic {
  readonly mac: Uint8Array;
  readonly ethernet = true;
  readonly mtu = 1500;
  readonly counters: Uint32Array;
  /** EREVID once identified (6 on rev. B7), 0 while no chip has answered. */
  revision = 0;
  private readonly scratch: Uint8Array;
  /** Opcode, frame and CRC, pad byte, next frame's header. */
  private readonly rx: Uint8Array;
  private readonly rxFrame: Uint8Array;
  /** Opcode, per-packet control byte, frame. */
  private readonly tx: Uint8Array;
  private phase: number = Enc.down;
  private resetAt = 0;
  private bank = 0;
  private link = false;
  private linkCheckedAt = 0;
  /** Where the next received frame starts (one element: as a property, a value past a few thousand would cost the interpreter a variable of its own). */
  private readonly nextPacket: Uint16Array;

  constructor(private readonly spi: SpiBus, private readonly hal: Hal, mac: Uint8Array) {
    const rxBytes = 1 + Enc.MAX_FRAME_WITH_CRC + 1 + Enc.RX_HEADER;
    const txBytes = 2 + Enc.MAX_FRAME;
    const arena = new Arena(4 * Enc28j60Counter.COUNT + 2 + 8 + rxBytes + txBytes + 6);
    this.counters = arena.cut(Cut.U32, Enc28j60Counter.COUNT);
    this.nextPacket = arena.cut(Cut.U16, 1);
    this.scratch = arena.cut(Cut.U8, 8);
    this.rx = arena.cut(Cut.U8, rxBytes);
    this.tx = arena.cut(Cut.U8, txBytes);
    this.mac = arena.cut(Cut.U8, 6);
    this.mac.set(mac);
    this.rxFrame = this.rx.subarray(1);
  }

  /** Soft-resets the chip; polls bring it up from 2 ms later. Call again to recover a wedged chip. */
  reset(): void {
    this.scratch[0] = Enc.systemReset;
    this.spi.transfer(this.scratch, 0, 1);
    this.phase = Enc.resetting;
    this.resetAt = this.hal.now();
    this.link = false;
    this.bank = 0;
  }

  linkUp(): boolean {
    return this.phase === Enc.ready && this.link;
  }

  poll(sink: FrameSink): number {
    const now = this.hal.now();
    if (this.phase === Enc.resetting && now - this.resetAt >= Enc.resetDelayMs) this.configure(now);
    if (this.phase !== Enc.ready) return 0;
    if (now - this.linkCheckedAt >= Enc.linkCheckMs) {
      this.linkCheckedAt = now;
      this.link = (this.phy(Enc.PHSTAT2, -1) & Enc.PHSTAT2_LSTAT) !== 0;
    }
    let waiting = this.register(Enc.readControl, Enc.EPKTCNT, 0);
    if (waiting === 0) return 0;
    if (waiting > Enc.rxPerPoll) waiting = Enc.rxPerPoll;
    const rx = this.rx;
    const counters = this.counters;
    this.write16(Enc.ERDPT, this.nextPacket[0]);
    this.readRing(Enc.RX_HEADER);
    let header = 1;
    let delivered = 0;
    for (let frame = 0; frame < waiting; frame++) {
      const next = rx[header] | (rx[header + 1] << 8);
      const byteCount = rx[header + 2] | (rx[header + 3] << 8);
      const status = rx[header + 4];
      let dataStart = this.nextPacket[0] + Enc.RX_HEADER;
      if (dataStart > Enc.RX_END) dataStart -= Enc.RX_SIZE;
      // Frames start on even addresses; anything else means the pointer or the SPI read is garbage.
      let expected = (dataStart + byteCount + 1) & ~1;
      if (expected > Enc.RX_END) expected -= Enc.RX_SIZE;
      if (next !== expected || byteCount < Enc.CRC_LENGTH + 14 || byteCount > Enc.MAX_FRAME_WITH_CRC) {
        counters[Enc28j60Counter.rxResyncs]++;
        this.resetReceive();
        return delivered;
      }
      let span = next - dataStart;
      if (span < 0) span += Enc.RX_SIZE;
      const more = frame + 1 < waiting;
      this.readRing(more ? span + Enc.RX_HEADER : byteCount);
      header = 1 + span;
      this.nextPacket[0] = next;
      this.register(Enc.bitSet, Enc.ECON2, Enc.ECON2_PKTDEC);
      if (status & Enc.RSV_RECEIVED_OK) {
        counters[Enc28j60Counter.framesReceived]++;
        delivered++;
        sink.input(this.rxFrame, byteCount - Enc.CRC_LENGTH);
      } else {
        counters[Enc28j60Counter.rxErrors]++;
      }
    }
    // Errata: an even ERXRDPT may corrupt the ring; the byte before the next packet is always odd.
    this.write16(Enc.ERXRDPT, this.nextPacket[0] === Enc.RX_START ? Enc.RX_END : this.nextPacket[0] - 1);
    return delivered;
  }

  transmit(frame: Uint8Array, length: number): void {
    const counters = this.counters;
    if (this.phase !== Enc.ready || !this.link || length > Enc.MAX_FRAME || length > frame.length) {
      counters[Enc28j60Counter.txDropped]++;
      return;
    }
    let polls = 0;
    while (this.register(Enc.readControl, Enc.ECON1, 0) & Enc.ECON1_TXRTS) {
      if (++polls === Enc.txPolls) {
        counters[Enc28j60Counter.chipTimeouts]++;
        break;
      }
    }
    if (polls === Enc.txPolls || this.register(Enc.readControl, Enc.EIR, 0) & Enc.EIR_TXERIF) {
      // Errata: after an abort the transmit logic may stall with TXRTS stuck; reset it, then clear
      // TXERIF, which clearing TXRST may set again.
      if (polls !== Enc.txPolls) counters[Enc28j60Counter.txAborts]++;
      this.register(Enc.bitSet, Enc.ECON1, Enc.ECON1_TXRST);
      this.register(Enc.bitClear, Enc.ECON1, Enc.ECON1_TXRST | Enc.ECON1_TXRTS);
      this.register(Enc.bitClear, Enc.EIR, Enc.EIR_TXERIF);
    }
    const tx = this.tx;
    this.write16(Enc.EWRPT, Enc.TX_START);
    tx[0] = Enc.writeBuffer;
    tx[1] = 0;
    this.hal.copy(tx, 2, frame, 0, length);
    this.spi.transfer(tx, 0, 2 + length);
    this.write16(Enc.ETXND, Enc.TX_START + length);
    this.register(Enc.bitSet, Enc.ECON1, Enc.ECON1_TXRTS);
    counters[Enc28j60Counter.framesSent]++;
  }

  /** After the reset delay: identify the chip and set up ring, MAC, PHY and filters; then receive. */
  private configure(now: number): void {
    if (!(this.register(Enc.readControl, Enc.ESTAT, 0) & Enc.ESTAT_CLKRDY)) {
      if (now - this.resetAt >= Enc.resetTimeoutMs) {
        this.counters[Enc28j60Counter.chipTimeouts]++;
        this.phase = Enc.down;
      }
      return;
    }
    const revision = this.register(Enc.readControl, Enc.EREVID, 0);
    // No chip: MISO floats to all ones or is pulled to zero.
    if (revision === 0 || revision === 0xff) {
      this.phase = Enc.down;
      return;
    }
    this.revision = revision;
    this.write16(Enc.ETXST, Enc.TX_START);
    this.resetReceive();
    this.register(Enc.writeControl, Enc.ERXFCON, Enc.ERXFCON_FILTER);
    this.register(Enc.writeControl, Enc.MACON1, Enc.MACON1_MARXEN);
    this.register(Enc.writeControl, Enc.MACON3, Enc.MACON3_VALUE);
    this.register(Enc.writeControl, Enc.MACON4, Enc.MACON4_DEFER);
    this.write16(Enc.MAMXFLL, Enc.MAX_FRAME_WITH_CRC);
    this.register(Enc.writeControl, Enc.MABBIPG, Enc.MABBIPG_HALF_DUPLEX);
    this.register(Enc.writeControl, Enc.MAIPGL, Enc.MAIPGL_VALUE);
    this.register(Enc.writeControl, Enc.MAIPGH, Enc.MAIPGH_HALF_DUPLEX);
    const mac = this.mac;
    for (let i = 0; i < 6; i += 2) {
      const register = i === 0 ? Enc.MAADR1 : i === 2 ? Enc.MAADR3 : Enc.MAADR5;
      this.register(Enc.writeControl, register, mac[i]);
      this.register(Enc.writeControl, register + 1, mac[i + 1]);
    }
    this.phy(Enc.PHCON1, 0);
    // Stop the PHY looping our own transmissions back in half duplex.
    this.phy(Enc.PHCON2, Enc.PHCON2_HDLDIS);
    this.link = (this.phy(Enc.PHSTAT2, -1) & Enc.PHSTAT2_LSTAT) !== 0;
    this.linkCheckedAt = now;
    this.register(Enc.bitSet, Enc.ECON1, Enc.ECON1_RXEN);
    this.phase = Enc.ready;
  }

  /**
   * Stops reception, resets the receive logic and empties the ring: bounds, ERXRDPT (odd, errata),
   * packet count. Used at start-up and to recover from a corrupt ring.
   */
  private resetReceive(): void {
    this.register(Enc.bitClear, Enc.ECON1, Enc.ECON1_RXEN);
    this.register(Enc.bitSet, Enc.ECON1, Enc.ECON1_RXRST);
    this.register(Enc.bitClear, Enc.ECON1, Enc.ECON1_RXRST);
    this.write16(Enc.ERXST, Enc.RX_START);
    this.write16(Enc.ERXND, Enc.RX_END);
    this.write16(Enc.ERXRDPT, Enc.RX_END);
    this.nextPacket[0] = Enc.RX_START;
    for (let count = this.register(Enc.readControl, Enc.EPKTCNT, 0); count > 0; count--) {
      this.register(Enc.bitSet, Enc.ECON2, Enc.ECON2_PKTDEC);
    }
    if (this.phase === Enc.ready) this.register(Enc.bitSet, Enc.ECON1, Enc.ECON1_RXEN);
  }

  /**
   * One control-register operation (read, write, bit set or clear), switching banks first when
   * the register is banked and not in the current bank. Returns what a read read.
   */
  private register(opcode: number, register: number, value: number): number {
    const address = register & Enc.addressMask;
    if (address < Enc.firstCommon) {
      const bank = (register >>> Enc.bankShift) & 3;
      if (bank !== this.bank) {
        this.bank = bank;
        this.register(Enc.bitClear, Enc.ECON1, Enc.ECON1_BSEL);
        if (bank !== 0) this.register(Enc.bitSet, Enc.ECON1, bank);
      }
    }
    const scratch = this.scratch;
    scratch[0] = opcode | address;
    scratch[1] = value;
    const dummy = opcode === Enc.readControl && (register & Enc.macOrMii) !== 0 ? 1 : 0;
    this.spi.transfer(scratch, 0, 2 + dummy);
    return scratch[1 + dummy];
  }

  /** A 16-bit register pair, low byte first: ERXRDPT takes the new value only when its high byte is written. */
  private write16(registerLow: number, value: number): void {
    this.register(Enc.writeControl, registerLow, value & 0xff);
    this.register(Enc.writeControl, registerLow + 1, value >>> 8);
  }

  /** Reads `length` bytes from ERDPT into rx after the opcode; ERDPT wraps from ERXND to ERXST by itself. */
  private readRing(length: number): void {
    this.rx[0] = Enc.readBuffer;
    this.spi.transfer(this.rx, 0, 1 + length);
  }

  /** Writes a PHY register (value ≥ 0) or reads one (value -1) through MII; a read that times out gives 0 (link down). */
  private phy(address: number, value: number): number {
    this.register(Enc.writeControl, Enc.MIREGADR, address);
    if (value >= 0) {
      this.register(Enc.writeControl, Enc.MIWRL, value & 0xff);
      this.register(Enc.writeControl, Enc.MIWRH, value >>> 8);
    } else {
      this.register(Enc.writeControl, Enc.MICMD, Enc.MICMD_MIIRD);
    }
    let polls = 0;
    while (this.register(Enc.readControl, Enc.MISTAT, 0) & Enc.MISTAT_BUSY) {
      if (++polls === Enc.miiPolls) {
        this.counters[Enc28j60Counter.chipTimeouts]++;
        return 0;
      }
    }
    if (value >= 0) return value;
    this.register(Enc.writeControl, Enc.MICMD, 0);
    return this.register(Enc.readControl, Enc.MIRDL, 0) | (this.register(Enc.readControl, Enc.MIRDH, 0) << 8);
  }
}
