import { Link, LinkEndpoint } from '../link';
import { SpiChipModel } from './fake-spi';

/*
 * The register map, written again here from the datasheet (W5500 1.0.9) rather than imported
 * from the driver, so that a wrong constant in the driver shows up as a fault in the model.
 */
const COMMON_BLOCK = 0;
const COMMON_SIZE = 0x40;
const SOCKET_REGISTER_SIZE = 0x30;
const SOCKETS = 8;
const MEMORY = 16384;
const MR = 0x00;
const MR_RST = 0x80;
const SHAR = 0x09;
const RTR = 0x19;
const RCR = 0x1b;
const PTIMER = 0x1c;
const PHYCFGR = 0x2e;
const PHY_RST = 0x80;
const PHY_MODE_BITS = 0x78;
const PHY_LINK_100_FULL = 0x07;
const VERSIONR = 0x39;

const Sn_MR = 0x00;
const Sn_CR = 0x01;
const Sn_IR = 0x02;
const Sn_DHAR = 0x06;
const Sn_TTL = 0x16;
const Sn_RXBUF_SIZE = 0x1e;
const Sn_TXBUF_SIZE = 0x1f;
const Sn_TX_FSR = 0x20;
const Sn_TX_RD = 0x22;
const Sn_TX_WR = 0x24;
const Sn_RX_RSR = 0x26;
const Sn_RX_RD = 0x28;
const Sn_RX_WR = 0x2a;
const Sn_IMR = 0x2c;
const Sn_FRAG = 0x2d;

const MODE_MACRAW = 0x04;
const MODE_MFEN = 0x80;
const MODE_BCASTB = 0x40;
const MODE_MMB = 0x20;
const MODE_MIP6B = 0x10;
const SOCK_CLOSED = 0x00;
const SOCK_MACRAW = 0x42;
const CR_OPEN = 0x01;
const CR_CLOSE = 0x10;
const CR_SEND = 0x20;
const CR_RECV = 0x40;
const IR_SEND_OK = 0x10;
const IR_RECV = 0x04;

const MAX_FRAME = 1514;
const MIN_FRAME = 60;
const LENGTH_HEADER = 2;

export interface W5500ModelOptions {
  /** Transactions after the one that writes Sn_CR before the command is done (Sn_CR reads 0, SEND_OK set). 1 unless given. */
  commandLatency?: number;
  /**
   * Frames from the link wait in the MAC and land in the RX buffer one at a time, during the
   * data phase of every `arrivalSpacing`-th SPI transaction (after its first data byte), as
   * frames arriving while the host reads do: a 16-bit Sn_RX_RSR read can then see its high byte
   * before and its low byte after an arrival. 0 (the default): frames land as they arrive.
   */
  arrivalSpacing?: number;
  /** Value OPEN gives socket 0's pointers (the driver must not assume 0). 0 unless given. */
  openPointer?: number;
  /** VERSIONR; 4 on a W5500. */
  version?: number;
}

/**
 * A register-level W5500 behind FakeSpi, on a simulated link, for socket 0 in MACRAW (the
 * only mode the stack uses): SPI frames (address, control byte with block select, read/write
 * and operating mode; variable-length and fixed 1/2/4-byte data phases, auto-increment, buffer
 * offsets wrapping within the socket's buffer), common and socket registers with their reset
 * values, 16-bit wrapping pointers over buffers partitioned by Sn_RXBUF_SIZE/Sn_TXBUF_SIZE,
 * MACRAW framing (a 2-byte length that counts itself), the MAC filter, OPEN/CLOSE/SEND/RECV,
 * Sn_IR, PHYCFGR link and PHY reset, and frames dropped when the RX buffer is full.
 * Anything a driver does that the datasheet does not allow is recorded in `faults`.
 */
export class W5500Model implements SpiChipModel, LinkEndpoint {
  readonly port: number;
  /** false: the cable is out (this port only): nothing is sent or received and PHYCFGR.LNK reads 0. */
  cable = true;
  readonly faults: string[] = [];
  /** Frames placed in the RX buffer. */
  received = 0;
  /** Frames the MAC filter or the socket mode rejected. */
  filtered = 0;
  /** Frames dropped because the RX buffer had no room for them. */
  rxOverflows = 0;
  /** Frames put on the link by SEND. */
  transmitted = 0;
  /** Frames lost to a down link (in either direction). */
  linkDrops = 0;
  /** 16-bit counter reads whose value changed between their two bytes. */
  tornReads = 0;
  readonly common = new Uint8Array(COMMON_SIZE);
  readonly socketRegisters: Uint8Array[] = [];
  readonly rxMemory = new Uint8Array(MEMORY);
  readonly txMemory = new Uint8Array(MEMORY);
  private readonly commandLatency: number;
  private readonly arrivalSpacing: number;
  private readonly openPointer: number;
  private readonly version: number;
  private readonly arrivals: Uint8Array[] = [];
  private transactions = 0;
  private phyInReset = false;
  /** Socket 0's state beyond plain register bytes. */
  private status = SOCK_CLOSED;
  private interrupts = 0;
  private pendingCommand = 0;
  private commandCountdown = 0;
  private txRead = 0;
  private txWrite = 0;
  private rxRead = 0;
  /** Where the chip believes the host has read up to: Sn_RX_RD as of the last RECV. */
  private rxReleased = 0;
  private rxWrite = 0;
  private tornSnapshot = -1;

  constructor(readonly link: Link, options: W5500ModelOptions = {}) {
    this.commandLatency = options.commandLatency === undefined ? 1 : options.commandLatency;
    this.arrivalSpacing = options.arrivalSpacing || 0;
    this.openPointer = (options.openPointer || 0) & 0xffff;
    this.version = options.version === undefined ? 0x04 : options.version;
    for (let socket = 0; socket < SOCKETS; socket++) this.socketRegisters.push(new Uint8Array(SOCKET_REGISTER_SIZE));
    this.powerOn();
    this.port = link.attach(this);
  }

  /** PHYCFGR.LNK as the driver would read it. */
  linkUp(): boolean {
    return this.cable && this.link.up && !this.phyInReset;
  }

  /** Bytes waiting in socket 0's RX buffer (Sn_RX_RSR). */
  rxWaiting(): number {
    return (this.rxWrite - this.rxReleased) & 0xffff;
  }

  /** Offset in rxMemory of the next unread byte, for tests that corrupt a length header. */
  rxReadOffset(): number {
    return this.bufferBase(Sn_RXBUF_SIZE, 0) + (this.rxReleased & (this.bufferSize(Sn_RXBUF_SIZE, 0) - 1));
  }

  transaction(data: Uint8Array, offset: number, length: number): void {
    this.transactions++;
    let position = offset;
    const end = offset + length;
    if (length < 3) this.fault('SPI transaction of ' + length + ' bytes: shorter than address and control phases');
    while (end - position >= 3) {
      let address = (data[position] << 8) | data[position + 1];
      const control = data[position + 2];
      const block = control >>> 3;
      const write = (control & 0x04) !== 0;
      const mode = control & 0x03;
      // What the chip shifts out during the address and control phases carries no data: filler the driver must ignore.
      data[position] = 0x01;
      data[position + 1] = 0x02;
      data[position + 2] = 0x03;
      position += 3;
      const dataLength = mode === 0 ? end - position : mode === 3 ? 4 : mode;
      if (position + dataLength > end) {
        this.fault('fixed-length SPI frame cut short by chip select');
        break;
      }
      const reserved = block !== COMMON_BLOCK && (block & 3) === 0;
      if (reserved) {
        this.fault('reserved block select ' + block);
        data.fill(0, position, position + dataLength);
      }
      this.tornSnapshot = -1;
      for (let i = 0; i < dataLength && !reserved; i++) {
        if (write) {
          this.writeByte(block, address, data[position + i]);
          data[position + i] = 0;
        } else {
          data[position + i] = this.readByte(block, address);
        }
        if (i === 0 && this.arrivalSpacing > 0 && this.transactions % this.arrivalSpacing === 0) this.landArrival();
        address = (address + 1) & 0xffff;
      }
      position += dataLength;
      if (mode === 0) break;
    }
    if (position < end && length >= 3) this.fault('bytes left over after fixed-length SPI frames');
    if (this.pendingCommand !== 0 && --this.commandCountdown < 0) this.execute();
  }

  deliver(frame: Uint8Array, length: number): void {
    if (!this.linkUp()) {
      this.linkDrops++;
      return;
    }
    if (this.arrivalSpacing > 0) this.arrivals.push(frame.slice(0, length));
    else this.land(frame, length);
  }

  /** Lands every frame still waiting in the MAC (the host has stopped reading, so nothing can tear). */
  flushArrivals(): void {
    while (this.arrivals.length > 0) this.landArrival();
  }

  private powerOn(): void {
    this.common.fill(0);
    this.common[RTR] = 0x07;
    this.common[RTR + 1] = 0xd0;
    this.common[RCR] = 0x08;
    this.common[PTIMER] = 0x28;
    this.common[PHYCFGR] = 0x38;
    for (let socket = 0; socket < SOCKETS; socket++) {
      const registers = this.socketRegisters[socket];
      registers.fill(0);
      registers.fill(0xff, Sn_DHAR, Sn_DHAR + 6);
      registers[Sn_TTL] = 0x80;
      registers[Sn_RXBUF_SIZE] = 2;
      registers[Sn_TXBUF_SIZE] = 2;
      registers[Sn_IMR] = 0xff;
      registers[Sn_FRAG] = 0x40;
    }
    this.status = SOCK_CLOSED;
    this.interrupts = 0;
    this.pendingCommand = 0;
    this.txRead = this.txWrite = this.rxRead = this.rxReleased = this.rxWrite = 0;
    this.arrivals.splice(0, this.arrivals.length);
  }

  private readByte(block: number, address: number): number {
    if (block === COMMON_BLOCK) {
      if (address === PHYCFGR) {
        return (this.phyInReset ? 0 : PHY_RST) | (this.common[PHYCFGR] & PHY_MODE_BITS) | (this.linkUp() ? PHY_LINK_100_FULL : 0);
      }
      if (address === VERSIONR) return this.version;
      return address < COMMON_SIZE ? this.common[address] : 0;
    }
    const socket = block >>> 2;
    const kind = block & 3;
    if (kind !== 1) return this.bufferByte(kind === 2 ? Sn_TXBUF_SIZE : Sn_RXBUF_SIZE, socket, address, -1);
    if (address >= SOCKET_REGISTER_SIZE) return 0;
    if (socket !== 0) return this.socketRegisters[socket][address];
    const low = address & 1;
    let value: number;
    switch (address & ~1) {
      case Sn_CR & ~1:
        return low ? this.pendingCommand : this.socketRegisters[0][Sn_MR];
      case Sn_IR & ~1:
        return low ? this.status : this.interrupts;
      case Sn_TX_FSR:
        value = this.bufferSize(Sn_TXBUF_SIZE, 0) - ((this.txWrite - this.txRead) & 0xffff);
        break;
      case Sn_TX_RD:
        value = this.txRead;
        break;
      case Sn_TX_WR:
        value = this.txWrite;
        break;
      case Sn_RX_RSR:
        value = this.rxWaiting();
        break;
      case Sn_RX_RD:
        value = this.rxRead;
        break;
      case Sn_RX_WR:
        value = this.rxWrite;
        break;
      default:
        return this.socketRegisters[0][address];
    }
    if ((address & ~1) === Sn_RX_RSR || (address & ~1) === Sn_TX_FSR) {
      if (!low) this.tornSnapshot = value;
      else if (this.tornSnapshot >= 0 && this.tornSnapshot !== value) this.tornReads++;
    }
    return low ? value & 0xff : value >>> 8;
  }

  private writeByte(block: number, address: number, value: number): void {
    if (block === COMMON_BLOCK) {
      if (address === MR && value & MR_RST) {
        this.powerOn();
      } else if (address === PHYCFGR) {
        this.phyInReset = (value & PHY_RST) === 0;
        this.common[PHYCFGR] = value & PHY_MODE_BITS;
      } else if (address === VERSIONR || address >= COMMON_SIZE) {
        this.fault('write to read-only or unmapped common register 0x' + address.toString(16));
      } else {
        this.common[address] = value;
      }
      return;
    }
    const socket = block >>> 2;
    const kind = block & 3;
    if (kind !== 1) {
      this.bufferByte(kind === 2 ? Sn_TXBUF_SIZE : Sn_RXBUF_SIZE, socket, address, value);
      return;
    }
    if (address >= SOCKET_REGISTER_SIZE) {
      this.fault('write to unmapped socket register 0x' + address.toString(16));
      return;
    }
    if ((address === Sn_RXBUF_SIZE || address === Sn_TXBUF_SIZE) && [0, 1, 2, 4, 8, 16].indexOf(value) < 0) {
      this.fault('buffer size ' + value + ' KB is not 0, 1, 2, 4, 8 or 16');
    }
    if (socket !== 0) {
      if (address === Sn_CR && value !== 0) this.fault('command to socket ' + socket + ': only socket 0 is modelled');
      this.socketRegisters[socket][address] = value;
      return;
    }
    const high = (address & 1) === 0;
    switch (address & ~1) {
      case Sn_CR & ~1:
        if (high) this.socketRegisters[0][Sn_MR] = value;
        else if (this.pendingCommand !== 0) this.fault('command 0x' + value.toString(16) + ' while 0x' + this.pendingCommand.toString(16) + ' is in progress');
        else if (value !== 0) {
          this.pendingCommand = value;
          this.commandCountdown = this.commandLatency;
        }
        return;
      case Sn_IR & ~1:
        if (high) this.interrupts &= ~value;
        else this.fault('write to read-only Sn_SR');
        return;
      case Sn_TX_WR:
        this.txWrite = high ? (this.txWrite & 0xff) | (value << 8) : (this.txWrite & 0xff00) | value;
        return;
      case Sn_RX_RD:
        this.rxRead = high ? (this.rxRead & 0xff) | (value << 8) : (this.rxRead & 0xff00) | value;
        return;
      case Sn_TX_FSR:
      case Sn_TX_RD:
      case Sn_RX_RSR:
      case Sn_RX_WR:
        this.fault('write to read-only socket register 0x' + address.toString(16));
        return;
      default:
        this.socketRegisters[0][address] = value;
    }
  }

  /** Sizes (in bytes) come from the socket registers; the 16 KB memory is split in socket order. */
  private bufferSize(sizeRegister: number, socket: number): number {
    return this.socketRegisters[socket][sizeRegister] * 1024;
  }

  private bufferBase(sizeRegister: number, socket: number): number {
    let base = 0;
    for (let s = 0; s < socket; s++) base += this.bufferSize(sizeRegister, s);
    return base;
  }

  /** Reads (value < 0) or writes one buffer byte at a 16-bit address, wrapped within the socket's buffer. */
  private bufferByte(sizeRegister: number, socket: number, address: number, value: number): number {
    const size = this.bufferSize(sizeRegister, socket);
    const memory = sizeRegister === Sn_TXBUF_SIZE ? this.txMemory : this.rxMemory;
    const index = this.bufferBase(sizeRegister, socket) + (address & (size - 1));
    if (size === 0 || index >= MEMORY) {
      this.fault('access to socket ' + socket + (sizeRegister === Sn_TXBUF_SIZE ? ' TX' : ' RX') + ' buffer, which has no memory');
      return 0;
    }
    if (value < 0) return memory[index];
    memory[index] = value;
    return 0;
  }

  private execute(): void {
    const command = this.pendingCommand;
    this.pendingCommand = 0;
    const registers = this.socketRegisters[0];
    if (command === CR_OPEN) {
      let rx = 0;
      let tx = 0;
      for (let socket = 0; socket < SOCKETS; socket++) {
        rx += this.bufferSize(Sn_RXBUF_SIZE, socket);
        tx += this.bufferSize(Sn_TXBUF_SIZE, socket);
      }
      if (rx > MEMORY || tx > MEMORY) this.fault('socket buffers exceed 16 KB (RX ' + rx + ', TX ' + tx + ')');
      if ((registers[Sn_MR] & 0x0f) !== MODE_MACRAW) {
        this.fault('OPEN in protocol mode ' + (registers[Sn_MR] & 0x0f) + ': only MACRAW is modelled');
        return;
      }
      this.status = SOCK_MACRAW;
      this.txRead = this.txWrite = this.rxRead = this.rxReleased = this.rxWrite = this.openPointer;
      this.interrupts = 0;
    } else if (command === CR_CLOSE) {
      this.status = SOCK_CLOSED;
    } else if (command === CR_SEND) {
      const length = (this.txWrite - this.txRead) & 0xffff;
      if (this.status !== SOCK_MACRAW) this.fault('SEND on a socket that is not open');
      else if (length === 0 || length > MAX_FRAME || length > this.bufferSize(Sn_TXBUF_SIZE, 0)) this.fault('SEND of ' + length + ' bytes');
      else this.send(length);
      this.txRead = this.txWrite;
      this.interrupts |= IR_SEND_OK;
    } else if (command === CR_RECV) {
      const released = (this.rxRead - this.rxReleased) & 0xffff;
      if (released > this.rxWaiting()) this.fault('RECV releases ' + released + ' bytes but only ' + this.rxWaiting() + ' were received');
      this.rxReleased = this.rxRead;
    } else {
      this.fault('command 0x' + command.toString(16) + ' is not modelled');
    }
  }

  private send(length: number): void {
    const frame = new Uint8Array(Math.max(length, MIN_FRAME));
    const size = this.bufferSize(Sn_TXBUF_SIZE, 0);
    for (let i = 0; i < length; i++) frame[i] = this.txMemory[(this.txRead + i) & (size - 1)];
    if (!this.linkUp()) {
      this.linkDrops++;
      return;
    }
    this.transmitted++;
    this.link.transmit(this.port, frame, frame.length);
  }

  private landArrival(): void {
    const frame = this.arrivals.shift();
    if (frame) this.land(frame, frame.length);
  }

  private land(frame: Uint8Array, length: number): void {
    const mode = this.socketRegisters[0][Sn_MR];
    if (this.status !== SOCK_MACRAW || length < 14 || length > MAX_FRAME || !this.accepts(frame, mode)) {
      this.filtered++;
      return;
    }
    const size = this.bufferSize(Sn_RXBUF_SIZE, 0);
    const total = length + LENGTH_HEADER;
    if (total > size - this.rxWaiting()) {
      this.rxOverflows++;
      return;
    }
    const mask = size - 1;
    this.rxMemory[this.rxWrite & mask] = total >>> 8;
    this.rxMemory[(this.rxWrite + 1) & mask] = total & 0xff;
    for (let i = 0; i < length; i++) this.rxMemory[(this.rxWrite + LENGTH_HEADER + i) & mask] = frame[i];
    this.rxWrite = (this.rxWrite + total) & 0xffff;
    this.interrupts |= IR_RECV;
    this.received++;
  }

  private accepts(frame: Uint8Array, mode: number): boolean {
    let broadcast = true;
    let ours = true;
    for (let i = 0; i < 6; i++) {
      if (frame[i] !== 0xff) broadcast = false;
      if (frame[i] !== this.common[SHAR + i]) ours = false;
    }
    const multicast = !broadcast && (frame[0] & 1) !== 0;
    if (broadcast && mode & MODE_BCASTB) return false;
    if (multicast && mode & MODE_MMB) return false;
    if (mode & MODE_MIP6B && frame[12] === 0x86 && frame[13] === 0xdd) return false;
    return !(mode & MODE_MFEN) || ours || broadcast || multicast;
  }

  private fault(what: string): void {
    if (this.faults.length < 100) this.faults.push(what);
  }
}
