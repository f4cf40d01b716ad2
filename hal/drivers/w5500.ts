import { Hal } from '../hal';
import { Arena, Cut } from '../arena';
import { FrameSink, PolledNic, SpiBus } from '../bus';

/**
 * WIZnet W5500 register map and values (W5500 datasheet 1.0.9, sections 2.2 and 4). Every SPI
 * frame is a 16-bit address, a control byte (block select in bits 7-3, write in bit 2, operating
 * mode in bits 1-0: 00 = variable-length data, ended by chip select) and the data.
 */
const enum W5500 {
  addressHeader = 3,
  controlWrite = 0x04,
  /** Block selects, already shifted into place: the common registers, then socket 0's registers, TX and RX buffers. */
  commonBlock = 0x00,
  socket0Block = 0x08,
  socket0TxBlock = 0x10,
  socket0RxBlock = 0x18,
  /** The control-byte distance between one socket's register block and the next's. */
  socketBlockStride = 0x20,
  sockets = 8,

  // common registers
  mode = 0x0000,
  modeReset = 0x80,
  sourceMac = 0x0009,
  phyConfig = 0x002e,
  /** PHYCFGR: bit 7 low holds the PHY in reset, bit 6 takes the mode from bits 5-3 (111: all modes, auto-negotiation). */
  phyResetAutoNegotiate = 0x78,
  phyRunAutoNegotiate = 0xf8,
  phyLinkUp = 0x01,
  version = 0x0039,
  expectedVersion = 0x04,

  // socket registers
  socketMode = 0x00,
  /** MACRAW (0x04) with the MAC filter (MFEN, bit 7: our unicast and broadcast only), multicast blocked (bit 5), IPv6 blocked (bit 4). */
  socketModeMacRawFiltered = 0xb4,
  socketCommand = 0x01,
  commandOpen = 0x01,
  commandClose = 0x10,
  commandSend = 0x20,
  commandReceive = 0x40,
  socketInterrupt = 0x02,
  interruptSendOk = 0x10,
  socketStatus = 0x03,
  statusMacRaw = 0x42,
  /** Sn_RXBUF_SIZE then Sn_TXBUF_SIZE, in KB: all 16 KB of each memory go to socket 0. */
  socketBufferSizes = 0x1e,
  socket0BufferSizes = 0x1010,
  txFreeSize = 0x20,
  txWritePointer = 0x24,
  rxReceivedSize = 0x26,
  rxReadPointer = 0x28,

  /** In MACRAW each received frame is preceded by its length, big-endian, counting these two bytes. */
  rxLengthHeader = 2,
  maxFrame = 1514,
  minFrame = 14,

  /** Bounds on busy-waits, in SPI transactions; the chip answers within a few, so hitting one means it is wedged. */
  commandPolls = 64,
  stableReads = 8,
  sendPolls = 256,
  /** RSR rounds per poll: what arrives while we read waits for the next poll, so a flood cannot starve the loop. */
  rxRounds = 4,
}

/** Driver counters, indexes into `W5500Driver.counters`. */
export const enum W5500Counter {
  framesReceived = 0,
  framesSent = 1,
  /** A MACRAW length header that cannot be right (torn pointers, SPI noise): socket 0 was reopened, losing what it held. */
  rxResyncs = 2,
  /** A frame the stack handed over while the chip was not ready, the link was down or the TX buffer was full. */
  txDropped = 3,
  /** SEND never reported SEND_OK, or a command was never taken: the chip is wedged. */
  chipTimeouts = 4,
  COUNT = 5,
}

/** Indices into W5500Driver.pointers. */
const enum Pointer {
  RX_READ = 0,
  TX_WRITE = 1,
  COUNT = 2,
}

/**
 * The W5500 as a plain Ethernet MAC: socket 0 in MACRAW mode with all of the chip's buffer
 * memory, the TCP/IP offload unused. Frames are read and written with single variable-length
 * SPI transactions straight between the chip's buffers and two preallocated frame buffers.
 * Received frames are collected by poll(): one PHYCFGR read for the link, then Sn_RX_RSR
 * (read until two reads agree, since the chip may update it between the bytes of one read),
 * then every whole frame it covers, each data read also fetching the next frame's length
 * header, then one Sn_RX_RD update and RECV for the lot.
 */
export class W5500Driver implements PolledNic {
  readonly mac: Uint8Array;
  readonly ethernet = true;
  readonly mtu = 1500;
  readonly counters: Uint32Array;
  /** Register transactions: address, control, up to 6 data bytes. */
  private readonly scratch: Uint8Array;
  /** SPI header, a frame, and the next frame's length header. */
  private readonly rx: Uint8Array;
  private readonly rxFrame: Uint8Array;
  private readonly tx: Uint8Array;
  private ready = false;
  private link = false;
  /**
   * Shadows of Sn_RX_RD and Sn_TX_WR (Pointer): only this driver moves them, so they are read once
   * per OPEN. In a typed array, as on the interpreter a property holding a number past a few
   * thousand costs a variable of its own, and free memory at rest would follow the pointers.
   */
  private readonly pointers: Uint16Array;

  constructor(private readonly spi: SpiBus, private readonly hal: Hal, mac: Uint8Array) {
    const scratchBytes = W5500.addressHeader + 6;
    const rxBytes = W5500.addressHeader + W5500.maxFrame + W5500.rxLengthHeader;
    const txBytes = W5500.addressHeader + W5500.maxFrame;
    const arena = new Arena(4 * W5500Counter.COUNT + 2 * Pointer.COUNT + scratchBytes + rxBytes + txBytes + 6);
    this.counters = arena.cut(Cut.U32, W5500Counter.COUNT);
    this.pointers = arena.cut(Cut.U16, Pointer.COUNT);
    this.scratch = arena.cut(Cut.U8, scratchBytes);
    this.rx = arena.cut(Cut.U8, rxBytes);
    this.tx = arena.cut(Cut.U8, txBytes);
    this.mac = arena.cut(Cut.U8, 6);
    this.mac.set(mac);
    this.rxFrame = this.rx.subarray(W5500.addressHeader);
  }

  /**
   * Soft-resets the chip and its PHY, sets the MAC, gives socket 0 all buffer memory and opens
   * it in MACRAW. false when no W5500 answers (wrong VERSIONR: wiring, chip select, power) or
   * the socket does not open; the NIC then stays down. Call again to recover a wedged chip.
   */
  reset(): boolean {
    this.ready = false;
    this.link = false;
    this.register(W5500.commonBlock | W5500.controlWrite, W5500.mode, 1, W5500.modeReset);
    let polls = 0;
    while (this.register(W5500.commonBlock, W5500.mode, 1, 0) & W5500.modeReset) {
      if (++polls === W5500.commandPolls) {
        this.counters[W5500Counter.chipTimeouts]++;
        return false;
      }
    }
    if (this.register(W5500.commonBlock, W5500.version, 1, 0) !== W5500.expectedVersion) return false;
    this.register(W5500.commonBlock | W5500.controlWrite, W5500.phyConfig, 1, W5500.phyResetAutoNegotiate);
    this.register(W5500.commonBlock | W5500.controlWrite, W5500.phyConfig, 1, W5500.phyRunAutoNegotiate);
    this.scratch.set(this.mac, W5500.addressHeader);
    this.register(W5500.commonBlock | W5500.controlWrite, W5500.sourceMac, 6, -1);
    // Highest socket first, so the sizes never add up to more than the 16 KB the chip has.
    for (let socket = W5500.sockets - 1; socket >= 0; socket--) {
      this.register((W5500.socket0Block + socket * W5500.socketBlockStride) | W5500.controlWrite, W5500.socketBufferSizes, 2,
        socket === 0 ? W5500.socket0BufferSizes : 0);
    }
    return this.open();
  }

  linkUp(): boolean {
    return this.ready && this.link;
  }

  poll(sink: FrameSink): number {
    if (!this.ready) return 0;
    this.link = (this.register(W5500.commonBlock, W5500.phyConfig, 1, 0) & W5500.phyLinkUp) !== 0;
    const rx = this.rx;
    let delivered = 0;
    for (let round = 0; round < W5500.rxRounds; round++) {
      const waiting = this.readStable(W5500.rxReceivedSize);
      if (waiting === 0) break;
      this.readBuffer(this.pointers[Pointer.RX_READ], W5500.rxLengthHeader);
      let frameTotal = (rx[W5500.addressHeader] << 8) | rx[W5500.addressHeader + 1];
      let consumed = 0;
      for (;;) {
        const frameLength = frameTotal - W5500.rxLengthHeader;
        if (frameTotal > waiting - consumed || frameLength < W5500.minFrame || frameLength > W5500.maxFrame) {
          this.counters[W5500Counter.rxResyncs]++;
          this.command(W5500.commandClose);
          this.open();
          return delivered;
        }
        const after = waiting - consumed - frameTotal;
        const nextHeader = after >= W5500.rxLengthHeader ? W5500.rxLengthHeader : 0;
        this.readBuffer(this.pointers[Pointer.RX_READ] + consumed + W5500.rxLengthHeader, frameLength + nextHeader);
        consumed += frameTotal;
        const headerAt = W5500.addressHeader + frameLength;
        frameTotal = (rx[headerAt] << 8) | rx[headerAt + 1];
        this.counters[W5500Counter.framesReceived]++;
        delivered++;
        sink.input(this.rxFrame, frameLength);
        if (nextHeader === 0) break;
      }
      this.pointers[Pointer.RX_READ] = (this.pointers[Pointer.RX_READ] + consumed) & 0xffff;
      this.register(W5500.socket0Block | W5500.controlWrite, W5500.rxReadPointer, 2, this.pointers[Pointer.RX_READ]);
      this.command(W5500.commandReceive);
    }
    return delivered;
  }

  /**
   * Copies the frame into socket 0's TX buffer at Sn_TX_WR (the chip wraps the offset within
   * the buffer), moves Sn_TX_WR, issues SEND and waits for SEND_OK, so the buffer is empty again
   * for the next frame. Short frames are padded to 60 bytes by the chip.
   */
  transmit(frame: Uint8Array, length: number): void {
    if (!this.ready || !this.link || length > W5500.maxFrame || length > frame.length ||
      this.readStable(W5500.txFreeSize) < length) {
      this.counters[W5500Counter.txDropped]++;
      return;
    }
    const tx = this.tx;
    tx[0] = this.pointers[Pointer.TX_WRITE] >>> 8;
    tx[1] = this.pointers[Pointer.TX_WRITE] & 0xff;
    tx[2] = W5500.socket0TxBlock | W5500.controlWrite;
    this.hal.copy(tx, W5500.addressHeader, frame, 0, length);
    this.spi.transfer(tx, 0, W5500.addressHeader + length);
    this.pointers[Pointer.TX_WRITE] = (this.pointers[Pointer.TX_WRITE] + length) & 0xffff;
    this.register(W5500.socket0Block | W5500.controlWrite, W5500.txWritePointer, 2, this.pointers[Pointer.TX_WRITE]);
    this.command(W5500.commandSend);
    let polls = 0;
    while (!(this.register(W5500.socket0Block, W5500.socketInterrupt, 1, 0) & W5500.interruptSendOk)) {
      if (++polls === W5500.sendPolls) {
        this.counters[W5500Counter.chipTimeouts]++;
        return;
      }
    }
    this.register(W5500.socket0Block | W5500.controlWrite, W5500.socketInterrupt, 1, W5500.interruptSendOk);
    this.counters[W5500Counter.framesSent]++;
  }

  /** (Re)opens socket 0 in MACRAW and picks up the pointers OPEN initialised. */
  private open(): boolean {
    this.register(W5500.socket0Block | W5500.controlWrite, W5500.socketMode, 1, W5500.socketModeMacRawFiltered);
    this.ready = this.command(W5500.commandOpen) &&
      this.register(W5500.socket0Block, W5500.socketStatus, 1, 0) === W5500.statusMacRaw;
    this.pointers[Pointer.RX_READ] = this.register(W5500.socket0Block, W5500.rxReadPointer, 2, 0);
    this.pointers[Pointer.TX_WRITE] = this.register(W5500.socket0Block, W5500.txWritePointer, 2, 0);
    this.link = (this.register(W5500.commonBlock, W5500.phyConfig, 1, 0) & W5500.phyLinkUp) !== 0;
    return this.ready;
  }

  /**
   * One register transaction of `length` data bytes. A write sends `value` big-endian (or, with
   * value -1, the bytes already placed in scratch); a read returns the first bytes big-endian.
   */
  private register(control: number, address: number, length: number, value: number): number {
    const scratch = this.scratch;
    scratch[0] = address >>> 8;
    scratch[1] = address & 0xff;
    scratch[2] = control;
    if (value >= 0) {
      if (length === 2) {
        scratch[3] = value >>> 8;
        scratch[4] = value & 0xff;
      } else {
        scratch[3] = value;
      }
    }
    this.spi.transfer(scratch, 0, W5500.addressHeader + length);
    return length === 2 ? (scratch[3] << 8) | scratch[4] : scratch[3];
  }

  /** Reads a 16-bit socket 0 counter until two reads agree (datasheet note on Sn_RX_RSR and Sn_TX_FSR). */
  private readStable(address: number): number {
    let value = this.register(W5500.socket0Block, address, 2, 0);
    for (let reads = 1; reads < W5500.stableReads; reads++) {
      const again = this.register(W5500.socket0Block, address, 2, 0);
      if (again === value) return value;
      value = again;
    }
    this.counters[W5500Counter.chipTimeouts]++;
    return 0;
  }

  /** Reads `length` bytes of socket 0's RX buffer at a 16-bit pointer into rx after the SPI header. */
  private readBuffer(pointer: number, length: number): void {
    const rx = this.rx;
    rx[0] = (pointer >>> 8) & 0xff;
    rx[1] = pointer & 0xff;
    rx[2] = W5500.socket0RxBlock;
    this.spi.transfer(rx, 0, W5500.addressHeader + length);
  }

  /** Writes Sn_CR and waits until the chip has taken the command (it clears Sn_CR). */
  private command(command: number): boolean {
    this.register(W5500.socket0Block | W5500.controlWrite, W5500.socketCommand, 1, command);
    for (let polls = 0; polls < W5500.commandPolls; polls++) {
      if (this.register(W5500.socket0Block, W5500.socketCommand, 1, 0) === 0) return true;
    }
    this.counters[W5500Counter.chipTimeouts]++;
    return false;
  }
}
