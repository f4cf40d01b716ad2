import { Mmio } from '../../hal/bus';
import { LinkEndpoint } from '../link';

/*
 * The STM32F4/F7 Ethernet MAC and DMA (the Ethernet chapters of RM0090 and RM0410) with an RMII PHY
 * (IEEE 802.3 clause 22 registers, as the LAN8742A, LAN8720A and DP83848 have them), written
 * again here from the manuals rather than imported from the driver, so that a wrong constant in
 * the driver shows up as a fault. This file runs on the interpreter too (the bench bundles it),
 * so it keeps to the same JavaScript subset as the firmware.
 */
const RCC_AHB1RSTR = 0x40023810;
const RCC_AHB1ENR = 0x40023830;
const RCC_APB2ENR = 0x40023844;
const ETHMAC_CLOCK = 1 << 25;
const SYSCFG_PMC = 0x40013804;
const MII_RMII_SEL = 1 << 23;
const GPIOA = 0x40020000;
const GPIO_END = 0x40022c00;
const DBGMCU_IDCODE = 0xe0042000;
const SCB_CCR = 0xe000ed14;
const ETH = 0x40028000;
const ETH_END = 0x40029400;

// register offsets from ETH
const MACCR = 0x000;
const MACFFR = 0x004;
const MACMIIAR = 0x010;
const MACMIIDR = 0x014;
const MACA0HR = 0x040;
const MACA0LR = 0x044;
const DMABMR = 0x1000;
const DMATPDR = 0x1004;
const DMARPDR = 0x1008;
const DMARDLAR = 0x100c;
const DMATDLAR = 0x1010;
const DMASR = 0x1014;
const DMAOMR = 0x1018;
const DMAMFBOCR = 0x1020;
const DMACHTDR = 0x1048;
const DMACHRDR = 0x104c;

const MACCR_RE = 1 << 2;
const MACCR_TE = 1 << 3;
const MACCR_DM = 1 << 11;
const MACCR_FES = 1 << 14;
const MACCR_RESERVED_ONE = 1 << 15;
const MACFFR_PM = 1 << 0;
const MACFFR_PAM = 1 << 4;
const MACFFR_BFD = 1 << 5;
const MACFFR_RA = 1 << 31;
const MII_MB = 1 << 0;
const MII_MW = 1 << 1;
const DMABMR_SR = 1 << 0;
const DMABMR_DSL_SHIFT = 2;
const DMABMR_EDFE = 1 << 7;
const DMASR_TS = 1 << 0;
const DMASR_TBUS = 1 << 2;
const DMASR_ROS = 1 << 4;
const DMASR_RS = 1 << 6;
const DMASR_RBUS = 1 << 7;
const DMASR_FBES = 1 << 13;
const DMASR_CLEARABLE = 0x1ffff;
const DMAOMR_SR = 1 << 1;
const DMAOMR_ST = 1 << 13;
const DMAOMR_DFRF = 1 << 24;

const OWN = 0x80000000;
const TDES0_LS = 1 << 29;
const TDES0_FS = 1 << 28;
const TDES0_TER = 1 << 21;
const TDES0_TCH = 1 << 20;
const TDES0_ES = 1 << 15;
const TDES0_LCA = 1 << 11;
const TDES0_NC = 1 << 10;
const RDES0_ES = 1 << 15;
const RDES0_DE = 1 << 14;
const RDES0_FS = 1 << 9;
const RDES0_LS = 1 << 8;
const RDES1_RER = 1 << 15;
const RDES1_RCH = 1 << 14;
const SIZE_MASK = 0x1fff;

/** RPS and TPS in DMASR: stopped, running (fetching), suspended. */
const STOPPED = 0;
const RUNNING = 1;
const RX_SUSPENDED = 4;
const TX_SUSPENDED = 6;

const BMCR = 0;
const BMSR = 1;
const PHYID1 = 2;
const PHYID2 = 3;
const ANAR = 4;
const ANLPAR = 5;
const BMCR_RESET = 0x8000;
const BMCR_AN_ENABLE = 0x1000;
const BMCR_AN_RESTART = 0x0200;
const BMSR_LINK = 0x0004;
const BMSR_AN_COMPLETE = 0x0020;
/** 100BASE-TX and 10BASE-T full and half duplex, auto-negotiation able, preamble suppression. */
const BMSR_ABILITIES = 0x7809;
const ANLPAR_ACK = 0x4000;

const MIN_FRAME = 60;
const CRC = 4;
/** Accesses an MDIO transaction keeps MACMIIAR.MB set (64 MDC cycles, a few of the driver's reads). */
const MDIO_ACCESSES = 2;
/** Accesses DMABMR.SR stays set once REF_CLK runs. */
const DMA_RESET_ACCESSES = 2;

/** The wire the MAC is on: sim/link.ts's Link, or a bench's loop. */
export interface FrameWire {
  up: boolean;
  attach(endpoint: LinkEndpoint): number;
  transmit(fromPort: number, frame: Uint8Array, length: number): void;
}

export interface Stm32EthModelOptions {
  /** The PHY's MDIO address (its PHYAD strap): 0 on the NUCLEO-144 boards' LAN8742A, 1 on the STM32F4DIS-BB's DP83848. */
  phyAddress?: number;
  /** PHYID1, PHYID2: 0x0007, 0xc131 (LAN8742A) unless given. */
  phyId?: number[];
  /** DBGMCU_IDCODE: 0x10076413 (an STM32F407) unless given; 0x10016451 for an STM32F767. */
  chipId?: number;
  /** What the link partner advertises (ANLPAR without its acknowledge bit); 0x01e1, all four modes, unless given. */
  partner?: number;
  /** false: the PHY gives no 50 MHz REF_CLK (not fitted, unpowered), so the DMA's software reset never ends. */
  refClock?: boolean;
  phyResetMs?: number;
  /** From the end of a PHY reset, or a cable plugged in, until auto-negotiation completes and the link is up. */
  autonegotiationMs?: number;
  /** Register accesses a frame spends on the wire before its descriptor comes back; 0 (at once) unless given; -1 never. */
  txLatency?: number;
  /** Receive FIFO, bytes (2 KB on both families). */
  rxFifoBytes?: number;
  /** RMII pins that must be in alternate function 11 when the DMA starts, as the interpreter names them. */
  pins?: string;
}

/**
 * A register-level STM32 Ethernet MAC, DMA and PHY behind the Mmio seam, on a simulated wire.
 * The DMA reads and writes typed arrays the driver registered with addressOf, at the addresses
 * it handed out: normal descriptors in ring mode (end-of-ring bits, DMABMR.DSL skip) or chained
 * (TCH/RCH), ownership handed back and forth, frames split across descriptors (FS/LS, frame
 * length with the CRC, truncation with DE when the next descriptor is not the DMA's), receive
 * buffer unavailable (RBUS) with the DMA suspended until a poll demand or the next frame, frames
 * discarded and counted (DMAMFBOCR.MFC), or held in the 2 KB receive FIFO with DFRF or while
 * reception is stopped and counted when it overflows (MFA), transmit poll demand and TBUS,
 * the perfect address filter with broadcast, the MDIO interface with its busy bit, and the PHY:
 * reset, auto-negotiation against a link partner, a latching-low link status. RCC clock and
 * reset, the SYSCFG RMII select and the pins' alternate functions are checked. Faults a driver
 * commits are recorded in `faults`; the cable, REF_CLK, the PHY address and the wire's speed
 * can be changed to inject failures.
 */
export class Stm32EthModel implements Mmio, LinkEndpoint {
  readonly port: number;
  readonly faults: string[] = [];
  /** Frames put into receive descriptors, sent onto the wire, dropped by the filter, lost while the link was down. */
  received = 0;
  transmitted = 0;
  filtered = 0;
  lostLinkDown = 0;
  /** Frames the DMA discarded for want of a descriptor (MFC) and lost to a full FIFO (MFA), as counted before the driver reads them. */
  missedNoDescriptor = 0;
  fifoOverflows = 0;
  /** Register reads and writes the driver made. */
  accesses = 0;
  readonly phy = new Uint16Array(32);
  private readonly mac = new Uint32Array(0x100 >> 2);
  private readonly dma = new Uint32Array(0x60 >> 2);
  private readonly other: { [address: string]: number } = {};
  private readonly arrays: Uint8Array[] = [];
  private readonly bases: number[] = [];
  private nextBase = 0x20000000;
  private readonly phyAddress: number;
  private readonly partner: number;
  private readonly phyResetMs: number;
  private readonly autonegotiationMs: number;
  private readonly txLatency: number;
  private readonly rxFifoBytes: number;
  private readonly pins: string;
  private readonly phyId: number[];
  private cablePlugged = true;
  private linkLatchedDown = false;
  private refClock: boolean;
  private phyResetUntil = 0;
  private autonegotiationAt = 0;
  private mdioBusy = 0;
  private dmaResetBusy = 0;
  private rps = STOPPED;
  private tps = STOPPED;
  private rxCurrent = 0;
  private txCurrent = 0;
  private txBusy = -1;
  private mfc = 0;
  private mfa = 0;
  private readonly fifo: Uint8Array[] = [];
  private fifoBytes = 0;
  private readonly rxFrame = new Uint8Array(2048);
  private readonly txFrame = new Uint8Array(2048);
  private mismatchReported = false;

  constructor(readonly wire: FrameWire, private readonly clock: { now(): number }, options?: Stm32EthModelOptions) {
    const o = options || {};
    this.phyAddress = o.phyAddress === undefined ? 0 : o.phyAddress;
    this.phyId = o.phyId || [0x0007, 0xc131];
    this.partner = o.partner === undefined ? 0x01e1 : o.partner;
    this.refClock = o.refClock === undefined ? true : o.refClock;
    this.phyResetMs = o.phyResetMs === undefined ? 5 : o.phyResetMs;
    this.autonegotiationMs = o.autonegotiationMs === undefined ? 30 : o.autonegotiationMs;
    this.txLatency = o.txLatency === undefined ? 0 : o.txLatency;
    this.rxFifoBytes = o.rxFifoBytes || 2048;
    this.pins = o.pins || '';
    this.other[String(DBGMCU_IDCODE)] = o.chipId === undefined ? 0x10076413 : o.chipId;
    this.resetMac();
    // Powered up well before the driver first looks: out of reset, negotiating.
    this.resetPhy(clock.now() - this.phyResetMs);
    this.port = wire.attach(this);
  }

  // ---- what a test injects ----

  /** Pulls the cable out (the link status latches low) or plugs it back in (auto-negotiation starts again). */
  setCable(plugged: boolean): void {
    if (!plugged) this.linkLatchedDown = true;
    else if (!this.cablePlugged) this.autonegotiationAt = this.clock.now() + this.autonegotiationMs;
    this.cablePlugged = plugged;
  }

  setRefClock(running: boolean): void {
    this.refClock = running;
  }

  /** Moves every registered array to a new address, as the interpreter's E.defrag() may move flat data. */
  moveMemory(): void {
    for (let i = 0; i < this.bases.length; i++) {
      this.bases[i] = this.nextBase;
      this.nextBase += (this.arrays[i].length + 15) & ~15;
    }
  }

  /** Lets the wire finish every frame the DMA holds (as time passing on a board would), then settles. */
  settle(): void {
    for (let i = 0; i < 1000 && this.txBusy > 0; i++) this.step();
  }

  /** true when the PHY reports the link up: cable in, wire up, out of reset, auto-negotiation done. */
  phyLinkUp(): boolean {
    const now = this.clock.now();
    return this.cablePlugged && this.wire.up && now >= this.phyResetUntil && now >= this.autonegotiationAt;
  }

  /**
   * '' when both rings are as a driver leaves them at rest: every receive descriptor the DMA's,
   * every transmit descriptor the driver's; otherwise which are not.
   */
  ringsAtRest(): string {
    const problems: string[] = [];
    for (let r = 0; r < 2; r++) {
      const receive = r === 0;
      const start = this.dma[(receive ? DMARDLAR : DMATDLAR) - DMABMR >> 2] & ~3;
      let address = start;
      for (let i = 0; i < 64; i++) {
        const owned = (this.read32(address) & OWN) !== 0;
        if (owned !== receive) problems.push((receive ? 'receive' : 'transmit') + ' descriptor ' + i + (owned ? ' owned by the DMA' : ' owned by the driver'));
        address = this.nextDescriptor(address, receive);
        if (address === start) break;
      }
    }
    return problems.join('; ');
  }

  // ---- Mmio ----

  /**
   * The interpreter's === on two typed arrays compares their contents (src/jsvar.c,
   * jsvMathsOpTypeEqual then jsvMathsOp): slow, and true for equal contents, so the length is
   * compared first; a model there holds one array of each length.
   */
  addressOf(array: Uint8Array): number {
    for (let i = 0; i < this.arrays.length; i++) if (this.arrays[i].length === array.length && this.arrays[i] === array) return this.bases[i];
    this.arrays.push(array);
    this.bases.push(this.nextBase);
    const base = this.nextBase;
    this.nextBase += (array.length + 15) & ~15;
    return base;
  }

  peek32(address: number): number {
    this.step();
    if (address >= ETH && address < ETH_END) {
      if (!this.clocked('read', address)) return 0;
      const offset = address - ETH;
      if (offset < 0x100) {
        if (offset === MACMIIAR) return this.mdioBusy > 0 ? this.mac[MACMIIAR >> 2] | MII_MB : this.mac[MACMIIAR >> 2] & ~MII_MB;
        return this.mac[offset >> 2];
      }
      if (offset < DMABMR || offset >= DMABMR + 0x60) return 0;
      if (offset === DMABMR) return this.dmaResetBusy > 0 || !this.refClock && this.dma[0] & DMABMR_SR ? this.dma[0] | DMABMR_SR : this.dma[0] & ~DMABMR_SR;
      if (offset === DMASR) return (this.dma[DMASR - DMABMR >> 2] | (this.rps << 17) | (this.tps << 20)) >>> 0;
      if (offset === DMAMFBOCR) {
        const value = (this.mfc > 0xffff ? 0x10000 | 0xffff : this.mfc) | (this.mfa > 0x7ff ? 0x10000000 | (0x7ff << 17) : this.mfa << 17);
        this.mfc = 0;
        this.mfa = 0;
        return value >>> 0;
      }
      if (offset === DMACHRDR) return this.rxCurrent;
      if (offset === DMACHTDR) return this.txCurrent;
      return this.dma[offset - DMABMR >> 2];
    }
    if (!this.mapped(address)) return 0;
    const value = this.other[String(address)];
    return value === undefined ? 0 : value;
  }

  poke32(address: number, value: number): void {
    this.step();
    value = value >>> 0;
    if (address >= ETH && address < ETH_END) {
      if (this.clocked('write', address)) this.writeEth(address - ETH, value);
      return;
    }
    if (!this.mapped(address)) return;
    const key = String(address);
    const before = this.other[key] || 0;
    if (address === SYSCFG_PMC && ((before ^ value) & MII_RMII_SEL) && this.macClocked() && !(this.other[String(RCC_AHB1RSTR)] & ETHMAC_CLOCK)) {
      this.faults.push('SYSCFG_PMC.MII_RMII_SEL changed while the MAC was clocked and out of reset (RM0090, SYSCFG_PMC)');
    }
    if (address === RCC_AHB1RSTR && (value & ETHMAC_CLOCK) && !(before & ETHMAC_CLOCK)) this.resetMac();
    this.other[key] = value;
  }

  // ---- LinkEndpoint: a frame arrives from the wire ----

  deliver(frame: Uint8Array, length: number): void {
    if (!this.phyLinkUp() || !(this.mac[MACCR >> 2] & MACCR_RE)) {
      this.lostLinkDown++;
      return;
    }
    if (!this.modeMatches()) return;
    if (!this.accepts(frame)) {
      this.filtered++;
      return;
    }
    const padded = length < MIN_FRAME ? MIN_FRAME : length;
    // A new frame makes a suspended receive DMA fetch its current descriptor again.
    if (this.rps === RX_SUSPENDED) this.refetchReceive();
    if (this.rps !== RUNNING || this.fifo.length > 0) {
      if (this.rps === RX_SUSPENDED && !(this.dma[DMAOMR - DMABMR >> 2] & DMAOMR_DFRF)) {
        // Still the host's: the frame at the top of the FIFO is discarded and counted.
        this.mfc++;
        this.missedNoDescriptor++;
        return;
      }
      this.hold(frame, length, padded);
      this.drainFifo();
      return;
    }
    const rx = this.rxFrame;
    rx.set(frame.subarray(0, length), 0);
    rx.fill(0, length, padded + CRC);
    this.receive(rx, padded + CRC);
  }

  // ---- the MAC, DMA and PHY ----

  /** One register access: MDIO and DMA reset progress, and a frame on the wire finishes. */
  private step(): void {
    this.accesses++;
    if (this.mdioBusy > 0) this.mdioBusy--;
    if (this.dmaResetBusy > 0) this.dmaResetBusy--;
    if (this.txBusy > 0 && --this.txBusy === 0) this.finishTransmit();
  }

  private clocked(what: string, address: number): boolean {
    if (this.macClocked() && !(this.other[String(RCC_AHB1RSTR)] & ETHMAC_CLOCK)) return true;
    this.faults.push('ETH register ' + what + ' at 0x' + address.toString(16) + ' with the MAC unclocked or in reset (RCC_AHB1ENR.ETHMACEN, RCC_AHB1RSTR.ETHMACRST)');
    return false;
  }

  private macClocked(): boolean {
    return (this.other[String(RCC_AHB1ENR)] & ETHMAC_CLOCK) !== 0;
  }

  private mapped(address: number): boolean {
    if (address === RCC_AHB1RSTR || address === RCC_AHB1ENR || address === RCC_APB2ENR || address === SYSCFG_PMC ||
      address === DBGMCU_IDCODE || address === SCB_CCR || address >= GPIOA && address < GPIO_END && (address & 0x3ff) < 0x28) return true;
    this.faults.push('access to 0x' + address.toString(16) + ', which this model does not have');
    return false;
  }

  private writeEth(offset: number, value: number): void {
    if (offset === MACCR && !(value & MACCR_RESERVED_ONE)) this.faults.push('MACCR bit 15 (reserved, reset value 1) written as 0');
    if (offset < 0x100) {
      if (offset === MACMIIAR && value & MII_MB) {
        if (this.mdioBusy > 0) this.faults.push('MACMIIAR written while an MDIO transaction was busy');
        this.mdio(value);
      }
      this.mac[offset >> 2] = offset === MACMIIAR ? value & ~MII_MB : value;
      return;
    }
    const index = offset - DMABMR >> 2;
    if (offset === DMABMR) {
      if (value & DMABMR_SR) {
        this.resetMac();
        this.dmaResetBusy = DMA_RESET_ACCESSES;
      }
      if (value & DMABMR_EDFE) this.faults.push('DMABMR.EDFE: enhanced descriptors, which this model does not have');
      this.dma[0] = value;
    } else if (offset === DMASR) {
      this.dma[index] &= ~(value & DMASR_CLEARABLE);
    } else if (offset === DMARDLAR || offset === DMATDLAR) {
      const receive = offset === DMARDLAR;
      if ((receive ? this.rps : this.tps) !== STOPPED) this.faults.push((receive ? 'DMARDLAR' : 'DMATDLAR') + ' written while that DMA was running');
      if (value & 3) this.faults.push((receive ? 'DMARDLAR' : 'DMATDLAR') + ' not word-aligned: 0x' + value.toString(16));
      this.dma[index] = value;
      if (receive) this.rxCurrent = value & ~3;
      else this.txCurrent = value & ~3;
    } else if (offset === DMAOMR) {
      const before = this.dma[index];
      this.dma[index] = value;
      if ((value & DMAOMR_SR) && !(before & DMAOMR_SR)) {
        this.checkPins();
        this.rps = RUNNING;
        this.refetchReceive();
        this.drainFifo();
      } else if (!(value & DMAOMR_SR)) {
        this.rps = STOPPED;
      }
      if ((value & DMAOMR_ST) && !(before & DMAOMR_ST)) {
        this.tps = RUNNING;
        this.transmitRing();
      } else if (!(value & DMAOMR_ST)) {
        this.tps = STOPPED;
      }
    } else if (offset === DMATPDR) {
      if (this.tps === TX_SUSPENDED) this.tps = RUNNING;
      this.transmitRing();
    } else if (offset === DMARPDR) {
      if (this.rps === RX_SUSPENDED) this.refetchReceive();
      this.drainFifo();
    } else if (offset < DMABMR + 0x60) {
      this.dma[index] = value;
    }
  }

  /** The MAC subsystem's reset (RCC_AHB1RSTR.ETHMACRST or DMABMR.SR): registers to their reset values, DMA stopped, FIFO empty. */
  private resetMac(): void {
    this.mac.fill(0);
    this.dma.fill(0);
    this.mac[MACCR >> 2] = MACCR_RESERVED_ONE;
    this.mac[MACA0HR >> 2] = 0x8000ffff;
    this.mac[MACA0LR >> 2] = 0xffffffff;
    this.dma[0] = 0x20101;
    this.rps = STOPPED;
    this.tps = STOPPED;
    this.txBusy = -1;
    this.mfc = 0;
    this.mfa = 0;
    this.fifo.splice(0, this.fifo.length);
    this.fifoBytes = 0;
  }

  private resetPhy(now: number): void {
    const phy = this.phy;
    phy.fill(0);
    phy[BMCR] = BMCR_AN_ENABLE | 0x2000 | 0x0100;
    phy[PHYID1] = this.phyId[0];
    phy[PHYID2] = this.phyId[1];
    phy[ANAR] = 0x01e1;
    this.phyResetUntil = now + this.phyResetMs;
    this.autonegotiationAt = this.phyResetUntil + this.autonegotiationMs;
  }

  private mdio(command: number): void {
    this.mdioBusy = MDIO_ACCESSES;
    const address = (command >>> 11) & 31;
    const register = (command >>> 6) & 31;
    if ((command & 0x1c) !== 0x10) this.faults.push('MACMIIAR.CR: MDC clock range ' + ((command >>> 2) & 7) + ', not HCLK/102 for an HCLK of 168-216 MHz');
    if (address !== this.phyAddress) {
      // Nothing drives MDIO: the pull-up reads as all ones.
      if (!(command & MII_MW)) this.mac[MACMIIDR >> 2] = 0xffff;
      return;
    }
    const now = this.clock.now();
    if (command & MII_MW) {
      const value = this.mac[MACMIIDR >> 2] & 0xffff;
      if (register === BMCR) {
        if (value & BMCR_RESET) {
          this.resetPhy(now);
          return;
        }
        if (value & BMCR_AN_RESTART) this.autonegotiationAt = now + this.autonegotiationMs;
        this.phy[BMCR] = value & ~BMCR_AN_RESTART;
      } else if (register === ANAR) {
        this.phy[ANAR] = value;
      } else if (register > ANLPAR) {
        this.phy[register] = value;
      }
      return;
    }
    let value = this.phy[register];
    if (now < this.phyResetUntil) {
      value = register === BMCR ? BMCR_RESET : 0;
    } else if (register === BMSR) {
      const up = this.phyLinkUp();
      value = BMSR_ABILITIES | (up && !this.linkLatchedDown ? BMSR_LINK : 0) | (now >= this.autonegotiationAt ? BMSR_AN_COMPLETE : 0);
      this.linkLatchedDown = false;
    } else if (register === ANLPAR) {
      value = now >= this.autonegotiationAt && this.phyLinkUp() ? this.partner | ANLPAR_ACK : 0;
    }
    this.mac[MACMIIDR >> 2] = value;
  }

  /** The speed and duplex both ends advertise best (IEEE 802.3 annex 28B priority), as MACCR FES and DM bits. */
  private resolvedMode(): number {
    const common = this.phy[ANAR] & this.partner;
    if (common & 0x0100) return MACCR_FES | MACCR_DM;
    if (common & 0x0080) return MACCR_FES;
    if (common & 0x0040) return MACCR_DM;
    return 0;
  }

  /** A MAC whose speed or duplex differs from the PHY's passes no frames: recorded once. */
  private modeMatches(): boolean {
    if ((this.mac[MACCR >> 2] & (MACCR_FES | MACCR_DM)) === this.resolvedMode()) return true;
    if (!this.mismatchReported) {
      this.mismatchReported = true;
      this.faults.push('MACCR speed/duplex 0x' + (this.mac[MACCR >> 2] & (MACCR_FES | MACCR_DM)).toString(16) +
        ' differs from what the PHY negotiated, 0x' + this.resolvedMode().toString(16));
    }
    return false;
  }

  private accepts(frame: Uint8Array): boolean {
    const filter = this.mac[MACFFR >> 2];
    if (filter & (MACFFR_PM | MACFFR_RA)) return true;
    if (frame[0] & 1) {
      const broadcast = (frame[0] & frame[1] & frame[2] & frame[3] & frame[4] & frame[5]) === 0xff;
      return broadcast ? !(filter & MACFFR_BFD) : (filter & MACFFR_PAM) !== 0;
    }
    const low = this.mac[MACA0LR >> 2];
    const high = this.mac[MACA0HR >> 2];
    return frame[0] === (low & 0xff) && frame[1] === (low >>> 8 & 0xff) && frame[2] === (low >>> 16 & 0xff) &&
      frame[3] === low >>> 24 && frame[4] === (high & 0xff) && frame[5] === (high >>> 8 & 0xff);
  }

  private checkPins(): void {
    if (!(this.other[String(SYSCFG_PMC)] & MII_RMII_SEL)) this.faults.push('reception started with SYSCFG_PMC selecting MII, not RMII');
    const pins = this.pins ? this.pins.split(' ') : [];
    for (let i = 0; i < pins.length; i++) {
      const gpio = GPIOA + (pins[i].charCodeAt(0) - 65) * 0x400;
      const pin = parseInt(pins[i].substring(1), 10);
      const mode = ((this.other[String(gpio)] || 0) >>> (pin * 2)) & 3;
      const af = ((this.other[String(gpio + 0x20 + (pin >> 3) * 4)] || 0) >>> ((pin & 7) * 4)) & 15;
      if (mode !== 2 || af !== 11) this.faults.push('RMII pin ' + pins[i] + ' not in alternate function 11 (mode ' + mode + ', AF ' + af + ')');
    }
  }

  /** The descriptor after the one at `address`: chained (RCH/TCH) to the address in word 3, else the ring's next or its start. */
  private nextDescriptor(address: number, receive: boolean): number {
    const word0 = this.read32(address);
    const word1 = this.read32(address + 4);
    if (receive ? word1 & RDES1_RCH : word0 & TDES0_TCH) return this.read32(address + 12);
    if (receive ? word1 & RDES1_RER : word0 & TDES0_TER) return this.dma[(receive ? DMARDLAR : DMATDLAR) - DMABMR >> 2] & ~3;
    return address + 16 + ((this.dma[0] >>> DMABMR_DSL_SHIFT) & 31) * 4;
  }

  /** A suspended receive DMA looks at its current descriptor again. */
  private refetchReceive(): void {
    if (this.rps === STOPPED) return;
    if (this.read32(this.rxCurrent) & OWN) {
      this.rps = RUNNING;
    } else {
      this.rps = RX_SUSPENDED;
      this.dma[DMASR - DMABMR >> 2] |= DMASR_RBUS;
    }
  }

  /** Puts a frame (with its CRC) into descriptors from the current one; ends suspended if the next is not the DMA's. */
  private receive(frame: Uint8Array, length: number): void {
    let offset = 0;
    let first = true;
    while (true) {
      const address = this.rxCurrent;
      const word1 = this.read32(address + 4);
      const chained = (word1 & RDES1_RCH) !== 0;
      if (word1 & (3 | 3 << 16)) this.faults.push('receive buffer size not a multiple of 4 (RDES1.RBS1/RBS2)');
      for (let b = 0; b < 2 && offset < length; b++) {
        const size = b === 0 ? word1 & SIZE_MASK : chained ? 0 : (word1 >>> 16) & SIZE_MASK;
        const count = size < length - offset ? size : length - offset;
        if (count > 0 && !this.write(this.read32(address + 8 + b * 4), frame, offset, count)) return;
        offset += count;
      }
      const last = offset >= length;
      let status = (first ? RDES0_FS : 0) | (last ? RDES0_LS | (length << 16) : 0);
      first = false;
      this.rxCurrent = this.nextDescriptor(address, true);
      const nextOwned = (this.read32(this.rxCurrent) & OWN) !== 0;
      if (!last && !nextOwned) status |= RDES0_ES | RDES0_DE | RDES0_LS | (offset << 16);
      this.write32(address, status >>> 0);
      if (last || !nextOwned) {
        if (last) {
          this.received++;
          this.dma[DMASR - DMABMR >> 2] |= DMASR_RS;
        }
        if (!nextOwned) {
          this.rps = RX_SUSPENDED;
          this.dma[DMASR - DMABMR >> 2] |= DMASR_RBUS;
        }
        return;
      }
    }
  }

  /** Keeps a frame in the receive FIFO while the DMA cannot take it; a full FIFO loses it (MFA, ROS). */
  private hold(frame: Uint8Array, length: number, padded: number): void {
    if (this.fifoBytes + padded + CRC > this.rxFifoBytes) {
      this.mfa++;
      this.fifoOverflows++;
      this.dma[DMASR - DMABMR >> 2] |= DMASR_ROS;
      return;
    }
    const held = new Uint8Array(padded + CRC);
    held.set(frame.subarray(0, length), 0);
    this.fifo.push(held);
    this.fifoBytes += held.length;
  }

  private drainFifo(): void {
    while (this.fifo.length > 0 && this.rps === RUNNING) {
      const held = this.fifo.shift() as Uint8Array;
      this.fifoBytes -= held.length;
      this.receive(held, held.length);
    }
  }

  /** Transmits descriptors the DMA owns from the current one, until one is not (TBUS, suspended) or a frame is on the wire. */
  private transmitRing(): void {
    while (this.tps === RUNNING && this.txBusy < 0) {
      const start = this.txCurrent;
      if (!(this.read32(start) & OWN)) {
        this.tps = TX_SUSPENDED;
        this.dma[DMASR - DMABMR >> 2] |= DMASR_TBUS;
        return;
      }
      if (!(this.read32(start) & TDES0_FS)) this.faults.push('transmit descriptor without FS where a frame starts');
      this.txBusy = this.txLatency === 0 ? 0 : this.txLatency < 0 ? 0x7fffffff : this.txLatency;
      if (this.txBusy === 0) this.finishTransmit();
    }
  }

  /** Gathers the frame from FS to LS, puts it on the wire, hands the descriptors back with their status. */
  private finishTransmit(): void {
    this.txBusy = -1;
    const frame = this.txFrame;
    const start = this.txCurrent;
    let address = start;
    let length = 0;
    let count = 0;
    for (; count < 64; count++) {
      const word0 = this.read32(address);
      if (!(word0 & OWN)) {
        this.faults.push('transmit frame ends in a descriptor the driver owns (no LS)');
        break;
      }
      const word1 = this.read32(address + 4);
      for (let b = 0; b < 2; b++) {
        const size = b === 0 ? word1 & SIZE_MASK : word0 & TDES0_TCH ? 0 : (word1 >>> 16) & SIZE_MASK;
        if (size > 0 && length + size <= frame.length) {
          if (!this.read(this.read32(address + 8 + b * 4), frame, length, size)) return;
          length += size;
        }
      }
      address = this.nextDescriptor(address, false);
      if (word0 & TDES0_LS) {
        count++;
        break;
      }
    }
    this.txCurrent = address;
    let status = 0;
    if (!this.phyLinkUp() || !(this.mac[MACCR >> 2] & MACCR_TE)) {
      status = TDES0_ES | TDES0_LCA | TDES0_NC;
      this.lostLinkDown++;
    } else if (this.modeMatches()) {
      const padded = length < MIN_FRAME ? MIN_FRAME : length;
      if (padded > length) frame.fill(0, length, padded);
      this.transmitted++;
      this.wire.transmit(this.port, frame, padded);
    }
    address = start;
    for (let i = 0; i < count; i++) {
      this.write32(address, ((this.read32(address) & ~OWN & ~0x1ffff) | status) >>> 0);
      address = this.nextDescriptor(address, false);
    }
    this.dma[DMASR - DMABMR >> 2] |= DMASR_TS;
    this.transmitRing();
  }

  // ---- memory the DMA reaches ----

  /** The registered array and offset at a bus address, or -1 (and a fault, DMA stopped) when nothing is there. */
  private locate(address: number, length: number): number {
    for (let i = 0; i < this.arrays.length; i++) {
      const offset = address - this.bases[i];
      if (offset >= 0 && offset + length <= this.arrays[i].length) return i;
    }
    this.faults.push('DMA access to 0x' + (address >>> 0).toString(16) + ' (' + length + ' bytes), which holds no buffer the driver gave (fatal bus error)');
    this.dma[DMASR - DMABMR >> 2] |= DMASR_FBES;
    this.rps = STOPPED;
    this.tps = STOPPED;
    return -1;
  }

  private read32(address: number): number {
    const i = this.locate(address, 4);
    if (i < 0) return 0;
    const a = this.arrays[i];
    const o = address - this.bases[i];
    return (a[o] | (a[o + 1] << 8) | (a[o + 2] << 16) | (a[o + 3] << 24)) >>> 0;
  }

  private write32(address: number, value: number): void {
    const i = this.locate(address, 4);
    if (i < 0) return;
    const a = this.arrays[i];
    const o = address - this.bases[i];
    a[o] = value & 0xff;
    a[o + 1] = (value >>> 8) & 0xff;
    a[o + 2] = (value >>> 16) & 0xff;
    a[o + 3] = value >>> 24;
  }

  private write(address: number, data: Uint8Array, offset: number, length: number): boolean {
    const i = this.locate(address, length);
    if (i < 0) return false;
    this.arrays[i].set(data.subarray(offset, offset + length), address - this.bases[i]);
    return true;
  }

  private read(address: number, into: Uint8Array, offset: number, length: number): boolean {
    const i = this.locate(address, length);
    if (i < 0) return false;
    const from = address - this.bases[i];
    into.set(this.arrays[i].subarray(from, from + length), offset);
    return true;
  }
}
