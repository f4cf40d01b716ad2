import { FrameSink, Mmio, PolledNic } from '../bus';
import { Hal } from '../hal';

/**
 * STM32F4/F7 Ethernet facts: the Ethernet chapters of RM0090 (F405/407) and RM0410 (F76x) give
 * the same MAC, MMC and DMA at the same addresses, the same RCC and SYSCFG bits and the same
 * normal (16-byte) descriptors; PHY registers are IEEE 802.3 clause 22, which the LAN8742A,
 * LAN8720A and DP83848 all implement. Addresses are absolute.
 */
const enum Eth {
  RCC_AHB1RSTR = 0x40023810,
  RCC_AHB1ENR = 0x40023830,
  RCC_APB2ENR = 0x40023844,
  /** AHB1ENR: ETHMACEN, ETHMACTXEN, ETHMACRXEN (bits 25-27); the same bit 25 holds the MAC in reset in AHB1RSTR. */
  RCC_ETHMAC_CLOCKS = 0x0e000000,
  RCC_ETHMACRST = 0x02000000,
  RCC_SYSCFGEN = 0x4000,
  /** SYSCFG_PMC.MII_RMII_SEL: RMII; only while the MAC is held in reset, before its clocks run (RM0090, SYSCFG_PMC). */
  SYSCFG_PMC = 0x40013804,
  SYSCFG_RMII = 0x00800000,
  GPIOA = 0x40020000,
  GPIO_STRIDE = 0x400,
  GPIO_MODER = 0x00,
  GPIO_OSPEEDR = 0x08,
  GPIO_AFRL = 0x20,
  /** Alternate function 11 is ETH on every RMII pin of both families. */
  AF_ETH = 11,

  MACCR = 0x40028000,
  MACFFR = 0x40028004,
  MACMIIAR = 0x40028010,
  MACMIIDR = 0x40028014,
  MACA0HR = 0x40028040,
  MACA0LR = 0x40028044,
  DMABMR = 0x40029000,
  DMATPDR = 0x40029004,
  DMARPDR = 0x40029008,
  DMARDLAR = 0x4002900c,
  DMATDLAR = 0x40029010,
  DMASR = 0x40029014,
  DMAOMR = 0x40029018,
  DMAIER = 0x4002901c,
  /** Missed frames: bits 0-15 for want of a descriptor (MFC), bits 17-27 for a full receive FIFO (MFA); cleared by reading. */
  DMAMFBOCR = 0x40029020,

  /** MACCR: receiver and transmitter enable, duplex, 100 Mbit/s. */
  MACCR_RE = 0x04,
  MACCR_TE = 0x08,
  MACCR_DM = 0x0800,
  MACCR_FES = 0x4000,
  /** MACMIIAR: busy, write, clock range 100 (HCLK/102: 150-168 MHz on F4, 150-216 MHz on F7), register at bit 6, PHY at bit 11. */
  MII_MB = 0x01,
  MII_MW = 0x02,
  MII_CR_HCLK_DIV_102 = 0x10,
  MII_MR_SHIFT = 6,
  MII_PA_SHIFT = 11,
  /** DMABMR: software reset; address-aligned beats, fixed bursts of 32 beats both ways (USP, RDP = PBL = 32). */
  DMABMR_SR = 0x01,
  DMABMR_VALUE = 0x02000000 | 0x00800000 | (32 << 17) | 0x00010000 | (32 << 8),
  /** DMASR (write 1 to clear): transmit buffer unavailable, receive buffer unavailable. */
  DMASR_TBUS = 0x04,
  DMASR_RBUS = 0x80,
  /** DMAOMR: receive and transmit store-and-forward, start transmission, start reception. */
  DMAOMR_VALUE = 0x02000000 | 0x00200000 | 0x2000 | 0x02,
  MFC_MASK = 0xffff,
  MFA_SHIFT = 17,
  MFA_MASK = 0x7ff,

  // descriptor words and bits (normal descriptors, ring mode)
  OWN = 0x80000000,
  /** TDES0: last and first segment, transmit end of ring, error summary. */
  TX_LS = 0x20000000,
  TX_FS = 0x10000000,
  TX_TER = 0x00200000,
  ES = 0x8000,
  /** RDES0: frame length (with the CRC) in bits 16-29, first and last descriptor of the frame. */
  RX_FL_SHIFT = 16,
  RX_FL_MASK = 0x3fff,
  RX_FS = 0x0200,
  RX_LS = 0x0100,
  /** RDES1: receive end of ring. */
  RX_RER = 0x8000,
  DESCRIPTOR_WORDS = 4,
  DESCRIPTOR_BYTES = 16,
  /** A whole frame with its CRC in one buffer, a multiple of 4 as RDES1.RBS1 requires on a 32-bit bus. */
  BUFFER_BYTES = 1520,
  MAX_FRAME = 1514,
  CRC_LENGTH = 4,
  MIN_FRAME_WITH_CRC = 18,

  // PHY (clause 22)
  BMCR = 0,
  BMSR = 1,
  PHYID1 = 2,
  ANAR = 4,
  ANLPAR = 5,
  BMCR_RESET = 0x8000,
  BMCR_AUTONEGOTIATE = 0x1000 | 0x0200,
  BMSR_UP = 0x0004 | 0x0020,
  /** ANAR: 100 and 10 Mbit/s, full and half duplex, IEEE 802.3 selector. */
  ANAR_ALL = 0x01e1,
  AN_100 = 0x0180,
  AN_100FD = 0x0100,
  AN_10FD = 0x0040,

  // timing and bounds
  linkCheckMs = 50,
  retryMs = 2000,
  phyResetTimeoutMs = 1000,
  /** Busy-waits are bounded in register reads: MDIO takes about 40 µs, the DMA reset a few clocks once REF_CLK runs. */
  resetPolls = 1000,
  miiPolls = 200,
  /** A full-size frame leaves in 1.2 ms at 10 Mbit/s; this many DMASR reads is several times that on any board. */
  txPolls = 5000,

  // driver phases
  down = 0,
  phyResetting = 1,
  ready = 2,
}

/** Driver counters, indexes into `Stm32EthDriver.counters`. */
export const enum Stm32EthCounter {
  framesReceived = 0,
  framesSent = 1,
  /** A descriptor with its error summary set, or a frame that did not fit one buffer: skipped. */
  rxErrors = 2,
  /** Frames the DMA discarded because every receive descriptor was the driver's (DMAMFBOCR.MFC). */
  rxMissed = 3,
  /** Frames lost to a full receive FIFO (DMAMFBOCR.MFA). */
  rxOverflows = 4,
  /** Times reception had stopped for want of a descriptor (DMASR.RBUS) and the driver resumed it. */
  rxResumes = 5,
  /** Times transmit() found the transmit ring full and waited for the DMA to free a descriptor: back-pressure, not loss. */
  txWaits = 6,
  /** A frame the stack handed over while the MAC was not ready, the link was down or the frame was too long. */
  txDropped = 7,
  /** A transmitted frame whose status reports an error (no carrier, collisions, underflow). */
  txErrors = 8,
  linkDrops = 9,
  /** No REF_CLK (the DMA reset never ends), MDIO stuck, a PHY reset or a transmit descriptor that never came back. */
  chipTimeouts = 10,
  /** The interpreter moved the descriptor and buffer memory (E.defrag): the MAC was reset onto the new address. */
  bufferMoves = 11,
  COUNT = 12,
}

/** What a board tells the driver: the RMII pins to give to the MAC, the PHY's MDIO address, the ring sizes. */
export interface Stm32EthWiring {
  /** The nine RMII pins as the interpreter names them, space-separated: 'A1 A2 A7 C1 C4 C5 G11 G13 B13'. */
  pins: string;
  phyAddress: number;
  rxDescriptors: number;
  txDescriptors: number;
}

/**
 * The STM32F4/F7 on-chip Ethernet MAC with an RMII PHY, polled. Descriptors and frame buffers are
 * one typed array whose flat data the DMA uses directly (E.getAddressOf on a board): the descriptor
 * words first, word-aligned whatever the interpreter's variable size, then one 1,520-byte buffer per
 * descriptor, so every frame fits one descriptor. Receive: poll() hands each frame the DMA has
 * released to the stack straight from its buffer, gives the descriptor back, and resumes a
 * reception that stopped on a full ring. Transmit: the frame is copied into the next transmit
 * buffer and the DMA is told; a full ring makes transmit() wait for the wire (back-pressure).
 * The PHY is reset and auto-negotiates; its link is read every 50 ms, and each time it comes up
 * the negotiated speed and duplex are programmed into the MAC; a reset that fails is retried
 * every 2 s. The interpreter never moves flat data by itself, but E.defrag() can (src/jsvar.c,
 * jsvDefragment): the address is checked with every link check and the MAC re-initialised on
 * the new one.
 */
export class Stm32EthDriver implements PolledNic {
  readonly mac: Uint8Array;
  readonly ethernet = true;
  readonly mtu = 1500;
  readonly counters = new Uint32Array(Stm32EthCounter.COUNT);
  /** Descriptor words (receive ring, then transmit ring) and buffers, plus 3 bytes to align the words. */
  readonly memory: Uint8Array;
  private descriptors: Uint32Array;
  private readonly frames: Uint8Array[] = [];
  /** Bus address of memory[0] when the rings were last laid out (0: nowhere the DMA can use). */
  private address = 0;
  private phase: number = Eth.down;
  private link = false;
  private checkedAt = 0;
  /** When reset() last ran (-1: never, so polls leave the chip alone until the board resets it). */
  private resetAt = -1;
  private rxNext = 0;
  private txNext = 0;

  constructor(private readonly mmio: Mmio, private readonly hal: Hal, mac: Uint8Array, private readonly wiring: Stm32EthWiring) {
    this.mac = new Uint8Array(6);
    this.mac.set(mac);
    const count = wiring.rxDescriptors + wiring.txDescriptors;
    this.memory = new Uint8Array(3 + count * (Eth.DESCRIPTOR_BYTES + Eth.BUFFER_BYTES));
    this.descriptors = this.place();
  }

  /**
   * Brings the MAC up: RMII selected while it is held in reset, clocks, pins, DMA reset (which
   * ends only once the PHY's 50 MHz REF_CLK runs), MAC address and filter, both rings handed to
   * the DMA, reception and transmission started, and the PHY reset; polls finish the PHY. false
   * when there is no REF_CLK, no PHY answers at the wiring's address, or the memory has no address
   * the DMA can use. Call again to recover.
   */
  reset(): boolean {
    const mmio = this.mmio;
    this.phase = Eth.down;
    this.link = false;
    this.resetAt = this.hal.now();
    if (this.mmio.addressOf(this.memory) !== this.address) this.descriptors = this.place();
    if (this.address === 0) return false;
    mmio.poke32(Eth.RCC_APB2ENR, mmio.peek32(Eth.RCC_APB2ENR) | Eth.RCC_SYSCFGEN);
    mmio.poke32(Eth.RCC_AHB1RSTR, mmio.peek32(Eth.RCC_AHB1RSTR) | Eth.RCC_ETHMACRST);
    mmio.poke32(Eth.SYSCFG_PMC, mmio.peek32(Eth.SYSCFG_PMC) | Eth.SYSCFG_RMII);
    const pins = this.wiring.pins.split(' ');
    let ports = 0;
    for (let i = 0; i < pins.length; i++) {
      const port = pins[i].charCodeAt(0) - 65;
      const pin = parseInt(pins[i].substring(1), 10);
      const gpio = Eth.GPIOA + port * Eth.GPIO_STRIDE;
      const afr = gpio + Eth.GPIO_AFRL + (pin >> 3) * 4;
      const nibble = (pin & 7) * 4;
      ports |= 1 << port;
      mmio.poke32(Eth.RCC_AHB1ENR, mmio.peek32(Eth.RCC_AHB1ENR) | ports);
      mmio.poke32(afr, (mmio.peek32(afr) & ~(15 << nibble)) | (Eth.AF_ETH << nibble));
      mmio.poke32(gpio + Eth.GPIO_OSPEEDR, mmio.peek32(gpio + Eth.GPIO_OSPEEDR) | (3 << (pin * 2)));
      mmio.poke32(gpio + Eth.GPIO_MODER, (mmio.peek32(gpio + Eth.GPIO_MODER) & ~(3 << (pin * 2))) | (2 << (pin * 2)));
    }
    mmio.poke32(Eth.RCC_AHB1ENR, mmio.peek32(Eth.RCC_AHB1ENR) | Eth.RCC_ETHMAC_CLOCKS);
    mmio.poke32(Eth.RCC_AHB1RSTR, mmio.peek32(Eth.RCC_AHB1RSTR) & ~Eth.RCC_ETHMACRST);
    mmio.poke32(Eth.DMABMR, Eth.DMABMR_SR);
    let polls = 0;
    while (mmio.peek32(Eth.DMABMR) & Eth.DMABMR_SR) {
      if (++polls === Eth.resetPolls) {
        this.counters[Stm32EthCounter.chipTimeouts]++;
        return false;
      }
    }
    const phyId = this.phy(Eth.PHYID1, -1);
    if (phyId === 0 || phyId === 0xffff) return false;
    const mac = this.mac;
    mmio.poke32(Eth.MACA0HR, 0x80000000 | (mac[5] << 8) | mac[4]);
    mmio.poke32(Eth.MACA0LR, ((mac[3] << 24) | (mac[2] << 16) | (mac[1] << 8) | mac[0]) >>> 0);
    // Perfect filter on our address, broadcast accepted, multicast and everything else dropped.
    mmio.poke32(Eth.MACFFR, 0);
    const d = this.descriptors;
    const rx = this.wiring.rxDescriptors;
    const count = rx + this.wiring.txDescriptors;
    const buffers = this.address + ((-this.address) & 3) + count * Eth.DESCRIPTOR_BYTES;
    for (let i = 0; i < count; i++) {
      const w = i * Eth.DESCRIPTOR_WORDS;
      const last = i === rx - 1 || i === count - 1;
      d[w] = i < rx ? Eth.OWN : last ? Eth.TX_TER : 0;
      d[w + 1] = i < rx ? Eth.BUFFER_BYTES | (last ? Eth.RX_RER : 0) : 0;
      d[w + 2] = buffers + i * Eth.BUFFER_BYTES;
      d[w + 3] = 0;
    }
    this.rxNext = 0;
    this.txNext = 0;
    const rings = this.address + ((-this.address) & 3);
    mmio.poke32(Eth.DMABMR, Eth.DMABMR_VALUE);
    mmio.poke32(Eth.DMAIER, 0);
    mmio.poke32(Eth.DMARDLAR, rings);
    mmio.poke32(Eth.DMATDLAR, rings + rx * Eth.DESCRIPTOR_BYTES);
    mmio.poke32(Eth.DMAOMR, Eth.DMAOMR_VALUE);
    mmio.peek32(Eth.DMAMFBOCR);
    this.phy(Eth.BMCR, Eth.BMCR_RESET);
    this.phase = Eth.phyResetting;
    this.checkedAt = this.resetAt;
    return true;
  }

  linkUp(): boolean {
    return this.phase === Eth.ready && this.link;
  }

  poll(sink: FrameSink): number {
    const now = this.hal.now();
    if (this.phase === Eth.down) {
      // A reset that failed (no REF_CLK, no PHY, or a recovery that did not take) is tried again.
      if (this.resetAt >= 0 && now - this.resetAt >= Eth.retryMs) this.reset();
      return 0;
    }
    if (now - this.checkedAt >= Eth.linkCheckMs) this.check(now);
    if (this.phase !== Eth.ready) return 0;
    const d = this.descriptors;
    const frames = this.frames;
    const counters = this.counters;
    const rx = this.wiring.rxDescriptors;
    let next = this.rxNext;
    let delivered = 0;
    let taken = 0;
    for (; taken < rx; taken++) {
      const w = next * Eth.DESCRIPTOR_WORDS;
      const status = d[w];
      if (status & Eth.OWN) break;
      const length = ((status >>> Eth.RX_FL_SHIFT) & Eth.RX_FL_MASK) - Eth.CRC_LENGTH;
      if ((status & (Eth.ES | Eth.RX_FS | Eth.RX_LS)) === (Eth.RX_FS | Eth.RX_LS) && length >= Eth.MIN_FRAME_WITH_CRC - Eth.CRC_LENGTH) {
        counters[Stm32EthCounter.framesReceived]++;
        delivered++;
        sink.input(frames[next], length);
      } else {
        counters[Stm32EthCounter.rxErrors]++;
      }
      d[w] = Eth.OWN;
      next = next + 1 === rx ? 0 : next + 1;
    }
    this.rxNext = next;
    if (taken > 0 && this.mmio.peek32(Eth.DMASR) & Eth.DMASR_RBUS) {
      // The ring ran full and the DMA suspended: it looks at the descriptors again only when told.
      this.mmio.poke32(Eth.DMASR, Eth.DMASR_RBUS);
      this.mmio.poke32(Eth.DMARPDR, 0);
      counters[Stm32EthCounter.rxResumes]++;
    }
    return delivered;
  }

  transmit(frame: Uint8Array, length: number): void {
    const counters = this.counters;
    if (this.phase !== Eth.ready || !this.link || length > Eth.MAX_FRAME || length > frame.length) {
      counters[Stm32EthCounter.txDropped]++;
      return;
    }
    const d = this.descriptors;
    const rx = this.wiring.rxDescriptors;
    const index = rx + this.txNext;
    const w = index * Eth.DESCRIPTOR_WORDS;
    if (d[w] & Eth.OWN) {
      counters[Stm32EthCounter.txWaits]++;
      let polls = 0;
      while (d[w] & Eth.OWN) {
        if (++polls === Eth.txPolls) {
          counters[Stm32EthCounter.chipTimeouts]++;
          counters[Stm32EthCounter.txDropped]++;
          return;
        }
        this.mmio.peek32(Eth.DMASR);
      }
    }
    if (d[w] & Eth.ES) counters[Stm32EthCounter.txErrors]++;
    this.hal.copy(this.frames[index], 0, frame, 0, length);
    d[w + 1] = length;
    d[w] = (Eth.OWN | Eth.TX_FS | Eth.TX_LS | (d[w] & Eth.TX_TER)) >>> 0;
    this.txNext = this.txNext + 1 === this.wiring.txDescriptors ? 0 : this.txNext + 1;
    // Clearing TBUS then writing the poll demand resumes a transmit DMA that suspended on an empty ring.
    this.mmio.poke32(Eth.DMASR, Eth.DMASR_TBUS);
    this.mmio.poke32(Eth.DMATPDR, 0);
    counters[Stm32EthCounter.framesSent]++;
  }

  /**
   * Every 50 ms: the memory's address; the PHY reset's end (then auto-negotiation is started);
   * the link (BMSR: link and auto-negotiation complete), with speed and duplex from the best
   * mode both ends advertise programmed into the MAC each time it comes up; the missed-frame counters.
   */
  private check(now: number): void {
    const mmio = this.mmio;
    const counters = this.counters;
    this.checkedAt = now;
    if (mmio.addressOf(this.memory) !== this.address) {
      counters[Stm32EthCounter.bufferMoves]++;
      this.reset();
      return;
    }
    if (this.phase === Eth.phyResetting) {
      if (this.phy(Eth.BMCR, -1) & Eth.BMCR_RESET) {
        if (now - this.resetAt >= Eth.phyResetTimeoutMs) {
          counters[Stm32EthCounter.chipTimeouts]++;
          this.reset();
        }
        return;
      }
      this.phy(Eth.ANAR, Eth.ANAR_ALL);
      this.phy(Eth.BMCR, Eth.BMCR_AUTONEGOTIATE);
      this.phase = Eth.ready;
    }
    const bmsr = this.phy(Eth.BMSR, -1);
    // All ones is nobody driving MDIO (the PHY gone), not a link.
    const up = bmsr !== 0xffff && (bmsr & Eth.BMSR_UP) === Eth.BMSR_UP;
    if (up && !this.link) {
      const common = this.phy(Eth.ANAR, -1) & this.phy(Eth.ANLPAR, -1);
      const full = (common & Eth.AN_100FD) !== 0 || ((common & Eth.AN_100) === 0 && (common & Eth.AN_10FD) !== 0);
      // Read-modify-write: MACCR's reserved bit 15 resets to 1 and must keep that value.
      const maccr = mmio.peek32(Eth.MACCR) & ~(Eth.MACCR_DM | Eth.MACCR_FES);
      mmio.poke32(Eth.MACCR, maccr | Eth.MACCR_RE | Eth.MACCR_TE | (full ? Eth.MACCR_DM : 0) | (common & Eth.AN_100 ? Eth.MACCR_FES : 0));
    } else if (!up && this.link) {
      counters[Stm32EthCounter.linkDrops]++;
    }
    this.link = up;
    const missed = mmio.peek32(Eth.DMAMFBOCR);
    counters[Stm32EthCounter.rxMissed] += missed & Eth.MFC_MASK;
    counters[Stm32EthCounter.rxOverflows] += (missed >>> Eth.MFA_SHIFT) & Eth.MFA_MASK;
  }

  /** Writes a PHY register (value ≥ 0) or reads one (value -1) over MDIO; a bus that stays busy reads 0 (no PHY, link down). */
  private phy(register: number, value: number): number {
    const mmio = this.mmio;
    if (value >= 0) mmio.poke32(Eth.MACMIIDR, value);
    mmio.poke32(Eth.MACMIIAR, (this.wiring.phyAddress << Eth.MII_PA_SHIFT) | (register << Eth.MII_MR_SHIFT) |
      Eth.MII_CR_HCLK_DIV_102 | (value >= 0 ? Eth.MII_MW : 0) | Eth.MII_MB);
    let polls = 0;
    while (mmio.peek32(Eth.MACMIIAR) & Eth.MII_MB) {
      if (++polls === Eth.miiPolls) {
        this.counters[Stm32EthCounter.chipTimeouts]++;
        return 0;
      }
    }
    return value >= 0 ? value : mmio.peek32(Eth.MACMIIDR) & 0xffff;
  }

  /**
   * Lays the rings out at the memory's current address: the descriptor words from the first
   * word-aligned byte (the interpreter's variables are 12-16 bytes, so flat data need not be
   * aligned), a view of each frame buffer after them.
   */
  private place(): Uint32Array {
    const address = this.mmio.addressOf(this.memory);
    const skew = (-address) & 3;
    const count = this.wiring.rxDescriptors + this.wiring.txDescriptors;
    const buffers = skew + count * Eth.DESCRIPTOR_BYTES;
    // Indexed, not cleared and pushed: the interpreter refuses to assign an array's length.
    for (let i = 0; i < count; i++) this.frames[i] = this.memory.subarray(buffers + i * Eth.BUFFER_BYTES, buffers + (i + 1) * Eth.BUFFER_BYTES);
    this.address = address;
    return new Uint32Array(this.memory.buffer, this.memory.byteOffset + skew, count * Eth.DESCRIPTOR_WORDS);
  }
}
