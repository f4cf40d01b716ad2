import { Link, LinkEndpoint } from '../link';
import { SpiChipModel } from './fake-spi';

/*
 * The ENC28J60 (datasheet DS39662E, rev. B7 errata DS80349), written again here from the
 * datasheet rather than imported from the driver, so that a wrong constant in the driver shows
 * up as a fault. Registers are indexed bank * 32 + address; 0x1B-0x1F are common to all banks.
 */
const ERDPTL = 0x00;
const EWRPTL = 0x02;
const ETXSTL = 0x04;
const ETXNDL = 0x06;
const ERXSTL = 0x08;
const ERXNDL = 0x0a;
const ERXRDPTL = 0x0c;
const ERXWRPTL = 0x0e;
const ERXFCON = 0x20 + 0x18;
const EPKTCNT = 0x20 + 0x19;
const MACON1 = 0x40 + 0x00;
const MACON3 = 0x40 + 0x02;
const MAMXFLL = 0x40 + 0x0a;
const MICMD = 0x40 + 0x12;
const MIREGADR = 0x40 + 0x14;
const MIWRL = 0x40 + 0x16;
const MIWRH = 0x40 + 0x17;
const MIRDL = 0x40 + 0x18;
const MIRDH = 0x40 + 0x19;
const MAADR = [0x60 + 0x04, 0x60 + 0x05, 0x60 + 0x02, 0x60 + 0x03, 0x60 + 0x00, 0x60 + 0x01];
const MISTAT = 0x60 + 0x0a;
const EREVID = 0x60 + 0x12;
const EIE = 0x1b;
const EIR = 0x1c;
const ESTAT = 0x1d;
const ECON2 = 0x1e;
const ECON1 = 0x1f;

const ECON1_TXRST = 0x80;
const ECON1_RXRST = 0x40;
const ECON1_TXRTS = 0x08;
const ECON1_RXEN = 0x04;
const ECON2_AUTOINC = 0x80;
const ECON2_PKTDEC = 0x40;
const ESTAT_TXABRT = 0x02;
const ESTAT_CLKRDY = 0x01;
const EIR_PKTIF = 0x40;
const EIR_TXIF = 0x08;
const EIR_TXERIF = 0x02;
const EIR_RXERIF = 0x01;
const ERXFCON_UCEN = 0x80;
const ERXFCON_ANDOR = 0x40;
const ERXFCON_MCEN = 0x02;
const ERXFCON_BCEN = 0x01;
const ERXFCON_UNMODELLED = 0x1c;
const MACON1_MARXEN = 0x01;
const MACON3_PADCFG0 = 0x20;
const MACON3_TXCRCEN = 0x10;
const MICMD_MIIRD = 0x01;
const MISTAT_BUSY = 0x01;
const CONTROL_OVERRIDE = 0x01;
const CONTROL_CRC = 0x02;
const CONTROL_PAD = 0x04;

const PHCON1 = 0x00;
const PHSTAT1 = 0x01;
const PHID1 = 0x02;
const PHID2 = 0x03;
const PHSTAT2 = 0x11;
const PHLCON = 0x14;
const PHCON1_PDPXMD = 0x0100;
const PHSTAT2_LSTAT = 0x0400;
const PHSTAT2_DPXSTAT = 0x0200;

const MEMORY = 8192;
const MIN_FRAME = 60;
const CRC = 4;
const RSV_RECEIVED_OK = 0x80;
/** What the chip shifts out where the datasheet promises nothing (the command byte, the dummy byte of a MAC/MII read). */
const FILLER = 0xa5;

export interface Enc28j60ModelOptions {
  /** EREVID: 6 on rev. B7; 0 models a socket with no chip in it. */
  revision?: number;
  /** SPI transactions a transmission takes after TXRTS is set before TXRTS clears; 2 unless given. */
  txLatency?: number;
  /** Every n-th transmission aborts with a late collision (TXERIF, TXABRT) and stalls the transmit logic (errata); 0: never. */
  txAbortEvery?: number;
}

/**
 * A register-level ENC28J60 behind FakeSpi, on a simulated link: the seven SPI opcodes, four
 * banks selected by ECON1.BSEL, the dummy byte of MAC/MII reads, bit set/clear on ETH registers
 * only, the 8 KB buffer with the receive ring (next-packet pointer, receive status vector, even
 * alignment, ERDPT wrapping from ERXND to ERXST, free space bounded by ERXRDPT, EPKTCNT and
 * PKTDEC), transmit from ETXST/ETXND with the per-packet control byte, padding, and status
 * vector, MAC filters, PHY registers through MII with BUSY, PHSTAT2.LSTAT, and these errata:
 * SRC does not clear CLKRDY and the chip ignores writes for 1 ms; writing ERXST/ERXND reloads
 * the internal write pointer with 0; an even ERXRDPT corrupts the ring; an aborted
 * transmission stalls the transmit logic until TXRST, and clearing TXRST sets TXERIF.
 * Anything a driver does that the datasheet or errata forbid is recorded in `faults`.
 */
export class Enc28j60Model implements SpiChipModel, LinkEndpoint {
  readonly port: number;
  /** false: the cable is out of this port: nothing is received, transmissions are lost, LSTAT reads 0. */
  cable = true;
  readonly faults: string[] = [];
  readonly memory = new Uint8Array(MEMORY);
  readonly registers = new Uint8Array(128);
  readonly phy = new Uint16Array(32);
  received = 0;
  filtered = 0;
  rxOverflows = 0;
  transmitted = 0;
  linkDrops = 0;
  txAborts = 0;
  private readonly revision: number;
  private readonly txLatency: number;
  private readonly txAbortEvery: number;
  private readyAt = 0;
  private rxReadLow = 0;
  private writePointer = 0;
  private txCountdown = -1;
  private txStalled = false;
  private transmissions = 0;
  private miiCountdown = -1;
  private miiRead = false;
  private corruptNext = false;

  constructor(readonly link: Link, private readonly clock: { now(): number }, options: Enc28j60ModelOptions = {}) {
    this.revision = options.revision === undefined ? 6 : options.revision;
    this.txLatency = options.txLatency === undefined ? 2 : options.txLatency;
    this.txAbortEvery = options.txAbortEvery || 0;
    this.powerOn();
    this.port = link.attach(this);
  }

  linkUp(): boolean {
    return this.cable && this.link.up;
  }

  /** A 16-bit register pair, little-endian, at its low address. */
  pair(low: number): number {
    return this.registers[low] | (this.registers[low + 1] << 8);
  }

  transaction(data: Uint8Array, offset: number, length: number): void {
    if (length === 0) return;
    const command = data[offset];
    const opcode = command >>> 5;
    const address = command & 0x1f;
    data[offset] = FILLER;
    if (command === 0xff) {
      if (length !== 1) this.fault('SRC followed by ' + (length - 1) + ' bytes');
      this.powerOn();
      this.readyAt = this.clock.now() + 1;
      return;
    }
    const index = address >= EIE ? address : (this.registers[ECON1] & 3) * 32 + address;
    const macOrMii = index >= 0x40 && index <= 0x5a || index >= 0x60 && index <= 0x65 || index === MISTAT;
    const writes = opcode === 2 || opcode === 3 || opcode === 4 || opcode === 5;
    if (writes && this.clock.now() < this.readyAt) {
      this.fault('write during the 1 ms after SRC (errata: CLKRDY is not cleared by SRC; wait instead)');
      data.fill(FILLER, offset + 1, offset + length);
      return;
    }
    switch (opcode) {
      case 0: {
        const expected = macOrMii ? 3 : 2;
        if (length !== expected) this.fault('RCR of ' + (macOrMii ? 'MAC/MII' : 'ETH') + ' register 0x' + index.toString(16) + ' in ' + length + ' bytes, not ' + expected);
        for (let i = 1; i < length; i++) data[offset + i] = macOrMii && i === 1 ? FILLER : this.read(index);
        break;
      }
      case 1:
      case 3:
        if (address !== 0x1a) this.fault('buffer opcode with argument 0x' + address.toString(16));
        this.buffer(opcode === 3, data, offset + 1, length - 1);
        break;
      case 2:
      case 4:
      case 5:
        if (length !== 2) this.fault('register write in ' + length + ' bytes');
        if (opcode !== 2 && macOrMii) this.fault('bit set/clear on MAC/MII register 0x' + index.toString(16) + ': ETH registers only');
        else this.write(index, opcode === 2 ? data[offset + 1] : opcode === 4 ? this.read(index) | data[offset + 1] : this.read(index) & ~data[offset + 1]);
        data[offset + 1] = FILLER;
        break;
      default:
        this.fault('undefined opcode ' + opcode);
    }
    if (this.txCountdown >= 0 && --this.txCountdown < 0) this.finishTransmission();
    if (this.miiCountdown >= 0 && --this.miiCountdown < 0) this.finishMii();
  }

  deliver(frame: Uint8Array, length: number): void {
    if (!this.linkUp()) {
      this.linkDrops++;
      return;
    }
    const registers = this.registers;
    if (!(registers[ECON1] & ECON1_RXEN) || !(registers[MACON1] & MACON1_MARXEN) || !this.accepts(frame)) {
      this.filtered++;
      return;
    }
    const padded = Math.max(length, MIN_FRAME);
    const byteCount = padded + CRC;
    if (byteCount > this.pair(MAMXFLL)) {
      this.filtered++;
      return;
    }
    const start = this.pair(ERXSTL);
    const end = this.pair(ERXNDL);
    const readPointer = this.pair(ERXRDPTL);
    let write = this.writePointer;
    if (write < start || write > end) {
      this.fault('receive write pointer 0x' + write.toString(16) + ' outside the ring 0x' + start.toString(16) + '-0x' + end.toString(16) + ' (errata: it is reloaded with 0 when ERXST or ERXND is written)');
    }
    const free = write > readPointer ? (end - start) - (write - readPointer) : write === readPointer ? end - start : readPointer - write - 1;
    const needed = 6 + byteCount + (byteCount & 1);
    if (needed > free || registers[EPKTCNT] === 255) {
      this.rxOverflows++;
      registers[EIR] |= EIR_RXERIF;
      return;
    }
    let next = write + needed;
    if (next > end) next -= end - start + 1;
    const header = [next & 0xff, next >>> 8, byteCount & 0xff, byteCount >>> 8, RSV_RECEIVED_OK, 0];
    for (let i = 0; i < needed; i++) {
      let byte: number;
      if (i < 6) byte = header[i];
      else if (i - 6 < length) byte = frame[i - 6];
      else byte = i - 6 < padded ? 0 : 0xcc;
      if (this.corruptNext && i === 6 + (length >>> 1)) byte ^= 0x10;
      this.memory[write] = byte;
      write = write === end ? start : (write + 1) & (MEMORY - 1);
    }
    this.corruptNext = false;
    this.writePointer = next;
    registers[EPKTCNT]++;
    this.received++;
  }

  private powerOn(): void {
    const registers = this.registers;
    registers.fill(0);
    for (const low of [ERDPTL, ERXSTL, ERXRDPTL]) {
      registers[low] = 0xfa;
      registers[low + 1] = 0x05;
    }
    registers[ERXNDL] = 0xff;
    registers[ERXNDL + 1] = 0x1f;
    registers[ERXFCON] = 0xa1;
    registers[MAMXFLL] = 0x00;
    registers[MAMXFLL + 1] = 0x06;
    registers[ECON2] = ECON2_AUTOINC;
    registers[ESTAT] = ESTAT_CLKRDY;
    registers[EREVID] = this.revision;
    this.phy.fill(0);
    this.phy[PHID1] = 0x0083;
    this.phy[PHID2] = 0x1400;
    this.phy[PHLCON] = 0x3422;
    this.writePointer = 0x05fa;
    this.txCountdown = -1;
    this.txStalled = false;
    this.miiCountdown = -1;
    this.corruptNext = false;
  }

  private read(index: number): number {
    const registers = this.registers;
    switch (index) {
      case ERXWRPTL:
        return this.writePointer & 0xff;
      case ERXWRPTL + 1:
        return this.writePointer >>> 8;
      case EIR:
        return (registers[EIR] & ~EIR_PKTIF) | (registers[EPKTCNT] > 0 ? EIR_PKTIF : 0);
      case MISTAT:
        return this.miiCountdown >= 0 ? MISTAT_BUSY : 0;
      default:
        return registers[index];
    }
  }

  private write(index: number, value: number): void {
    const registers = this.registers;
    if (this.miiCountdown >= 0 && (index === MICMD || index === MIREGADR || index === MIWRL || index === MIWRH)) {
      this.fault('MII register written while MISTAT.BUSY');
    }
    switch (index) {
      case ECON1:
        this.writeEcon1(value);
        return;
      case ECON2:
        if (value & ECON2_PKTDEC) {
          if (registers[EPKTCNT] === 0) this.fault('PKTDEC with EPKTCNT already 0');
          else registers[EPKTCNT]--;
        }
        registers[ECON2] = value & ~ECON2_PKTDEC;
        return;
      case EIR:
        // Only the flags can be cleared; PKTIF follows EPKTCNT.
        registers[EIR] &= value | EIR_PKTIF;
        return;
      case ESTAT:
        registers[ESTAT] = (registers[ESTAT] & ESTAT_CLKRDY) | (value & ~ESTAT_CLKRDY & registers[ESTAT]);
        return;
      case ERXRDPTL:
        this.rxReadLow = value;
        return;
      case ERXRDPTL + 1: {
        const pointer = this.rxReadLow | (value << 8);
        registers[ERXRDPTL] = this.rxReadLow;
        registers[ERXRDPTL + 1] = value;
        if ((pointer & 1) === 0) {
          this.fault('even ERXRDPT 0x' + pointer.toString(16) + ' (errata: corrupts the receive buffer)');
          this.corruptNext = true;
        }
        return;
      }
      case ERXSTL:
      case ERXSTL + 1:
      case ERXNDL:
      case ERXNDL + 1:
        if (registers[ECON1] & ECON1_RXEN) this.fault('ERXST/ERXND changed while receiving');
        registers[index] = value;
        this.writePointer = 0;
        return;
      case ERXWRPTL:
      case ERXWRPTL + 1:
      case EPKTCNT:
      case MIRDL:
      case MIRDH:
      case MISTAT:
      case EREVID:
        this.fault('write to read-only register 0x' + index.toString(16));
        return;
      case MICMD:
        registers[MICMD] = value;
        if (value & MICMD_MIIRD) {
          this.miiRead = true;
          this.miiCountdown = 1;
        }
        return;
      case MIWRH:
        registers[MIWRH] = value;
        this.miiRead = false;
        this.miiCountdown = 1;
        return;
      default:
        if (index === ETXNDL || index === ETXNDL + 1 || index === ETXSTL || index === ETXSTL + 1) {
          if (registers[ECON1] & ECON1_TXRTS) this.fault('ETXST/ETXND changed during a transmission');
        }
        registers[index] = value;
    }
  }

  private writeEcon1(value: number): void {
    const registers = this.registers;
    const old = registers[ECON1];
    let next = value;
    if (value & ECON1_RXRST) {
      next &= ~ECON1_RXEN;
      registers[EPKTCNT] = 0;
      this.writePointer = this.pair(ERXSTL);
    }
    if (value & ECON1_TXRST) {
      next &= ~ECON1_TXRTS;
      this.txCountdown = -1;
    } else if (old & ECON1_TXRST) {
      if (this.txStalled) registers[EIR] |= EIR_TXERIF;
      this.txStalled = false;
    }
    if ((value & ECON1_TXRTS) && !(old & ECON1_TXRTS) && !(value & ECON1_TXRST)) {
      if (this.txStalled) {
        this.fault('TXRTS set while the transmit logic is stalled by an abort (errata: pulse ECON1.TXRST after TXERIF)');
      } else {
        this.txCountdown = this.txLatency;
      }
    }
    if ((value & ECON1_RXEN) && !(old & ECON1_RXEN) && (this.pair(ERXRDPTL) & 1) === 0) {
      this.fault('reception enabled with an even ERXRDPT (errata)');
    }
    registers[ECON1] = next;
  }

  /** RBM or WBM of `length` bytes at data[at..]: ERDPT wraps from ERXND to ERXST, both pointers at the end of memory. */
  private buffer(write: boolean, data: Uint8Array, at: number, length: number): void {
    const registers = this.registers;
    const low = write ? EWRPTL : ERDPTL;
    let pointer = this.pair(low);
    const start = this.pair(ERXSTL);
    const end = this.pair(ERXNDL);
    const autoIncrement = (registers[ECON2] & ECON2_AUTOINC) !== 0;
    const txStart = this.pair(ETXSTL);
    const txEnd = this.pair(ETXNDL);
    for (let i = 0; i < length; i++) {
      if (write) {
        if (registers[ECON1] & ECON1_TXRTS && pointer >= txStart && pointer <= txEnd) {
          this.fault('transmit buffer written during a transmission');
        }
        this.memory[pointer] = data[at + i];
        data[at + i] = FILLER;
      } else {
        data[at + i] = this.memory[pointer];
      }
      if (autoIncrement) pointer = !write && pointer === end ? start : (pointer + 1) & (MEMORY - 1);
    }
    registers[low] = pointer & 0xff;
    registers[low + 1] = pointer >>> 8;
  }

  private finishTransmission(): void {
    const registers = this.registers;
    const start = this.pair(ETXSTL);
    const end = this.pair(ETXNDL);
    const length = end - start;
    registers[ECON1] &= ~ECON1_TXRTS;
    this.transmissions++;
    if (length < 1 || length > 1514) {
      this.fault('transmission of ' + length + ' bytes (ETXST 0x' + start.toString(16) + ', ETXND 0x' + end.toString(16) + ')');
      return;
    }
    if (this.txAbortEvery > 0 && this.transmissions % this.txAbortEvery === 0) {
      this.txAborts++;
      this.txStalled = true;
      registers[EIR] |= EIR_TXERIF;
      registers[ESTAT] |= ESTAT_TXABRT;
      return;
    }
    const control = this.memory[start];
    const macon3 = registers[MACON3];
    const crc = control & CONTROL_OVERRIDE ? (control & CONTROL_CRC) !== 0 : (macon3 & MACON3_TXCRCEN) !== 0;
    const pad = control & CONTROL_OVERRIDE ? (control & CONTROL_PAD) !== 0 : (macon3 & MACON3_PADCFG0) !== 0;
    const frame = new Uint8Array(pad ? Math.max(length, MIN_FRAME) : length);
    frame.set(this.memory.subarray(start + 1, end + 1));
    // Transmit status vector after the frame: byte count, then "done" (bit 23).
    const status = end + 1;
    if (status + 7 <= MEMORY) {
      this.memory.fill(0, status, status + 7);
      this.memory[status] = frame.length & 0xff;
      this.memory[status + 1] = frame.length >>> 8;
      this.memory[status + 2] = 0x80;
    }
    registers[EIR] |= EIR_TXIF;
    if (!crc) {
      this.fault('frame sent without a CRC: every receiver drops it');
      return;
    }
    if (!this.linkUp()) {
      this.linkDrops++;
      return;
    }
    this.transmitted++;
    this.link.transmit(this.port, frame, frame.length);
  }

  private finishMii(): void {
    const registers = this.registers;
    const address = registers[MIREGADR] & 0x1f;
    if (!this.miiRead) {
      this.phy[address] = registers[MIWRL] | (registers[MIWRH] << 8);
      return;
    }
    let value = this.phy[address];
    if (address === PHSTAT2) {
      value = (this.linkUp() ? PHSTAT2_LSTAT : 0) | (this.phy[PHCON1] & PHCON1_PDPXMD ? PHSTAT2_DPXSTAT : 0);
    } else if (address === PHSTAT1) {
      value = 0x1800 | (this.linkUp() ? 0x0004 : 0);
    }
    registers[MIRDL] = value & 0xff;
    registers[MIRDH] = value >>> 8;
  }

  private accepts(frame: Uint8Array): boolean {
    const filter = this.registers[ERXFCON];
    if (filter === 0) return true;
    if (filter & (ERXFCON_UNMODELLED | ERXFCON_ANDOR)) this.fault('ERXFCON 0x' + filter.toString(16) + ': pattern, magic packet, hash and AND filters are not modelled');
    let broadcast = true;
    let ours = true;
    for (let i = 0; i < 6; i++) {
      if (frame[i] !== 0xff) broadcast = false;
      if (frame[i] !== this.registers[MAADR[i]]) ours = false;
    }
    if (filter & ERXFCON_UCEN && ours) return true;
    if (filter & ERXFCON_BCEN && broadcast) return true;
    return (filter & ERXFCON_MCEN) !== 0 && !broadcast && (frame[0] & 1) !== 0;
  }

  private fault(what: string): void {
    if (this.faults.length < 100) this.faults.push(what);
  }
}
