/**
 * Per-frame cost of each Ethernet driver over its register-level model: the STM32 on-chip MAC
 * (memory-mapped registers, DMA into typed arrays) beside the ENC28J60 and the W5500 (SPI). The
 * same code runs under Node (sim/bench/run.ts) and on the interpreter (bundled by
 * sim/bench/espruino/driver-frames.ts), so it keeps to the firmware's JavaScript subset.
 *
 * What is timed is the driver's own work: its calls (poll() draining frames already in the chip,
 * transmit() until the frame is in the chip) less the time spent inside the model answering each
 * register access or SPI transaction, which is timed around every one of them (on a board that
 * time is the bus's: a peek or poke, or the SPI transfer). The frames' arrival into the chip from
 * the wire (for the MAC, its DMA) is not timed. Bus work per frame is counted too: register
 * accesses for the MAC, SPI transactions and bytes for the others.
 */
import { FrameSink, Mmio, PolledNic, SpiBus } from '../../hal/bus';
import { Hal } from '../../hal/hal';
import { Enc28j60Driver } from '../../hal/drivers/enc28j60';
import { Stm32EthDriver } from '../../hal/drivers/stm32-eth';
import { W5500Driver } from '../../hal/drivers/w5500';
import { Enc28j60Model } from '../chips/enc28j60-model';
import { FakeSpi } from '../chips/fake-spi';
import { FrameWire, Stm32EthModel } from '../chips/stm32-eth-model';
import { W5500Model } from '../chips/w5500-model';
import { Link, LinkEndpoint } from '../link';

export interface DriverFrameCost {
  driver: string;
  frameBytes: number;
  frames: number;
  /** Microseconds of the driver's own work per received frame (poll) and per transmitted frame (transmit). */
  receiveMicroseconds: number;
  transmitMicroseconds: number;
  /** Microseconds per frame the model spent answering the driver's bus operations (not the driver's cost). */
  receiveModelMicroseconds: number;
  transmitModelMicroseconds: number;
  /** Register accesses (MAC) or SPI transactions per frame, each way, and SPI bytes per frame each way (0 for the MAC). */
  receiveBusOperations: number;
  transmitBusOperations: number;
  receiveBusBytes: number;
  transmitBusBytes: number;
}

/** What the measurement needs from its host: a clock for the models and the driver, a way to let time pass, a fine timer. */
export interface FrameBenchHost {
  clock: { now(): number };
  /** Lets `ms` of the clock pass (Node: advances a manual clock; the interpreter: nothing, its clock runs). */
  advance(ms: number): void;
  /** Milliseconds, as finely as the host has them. */
  timer(): number;
  /** The HAL the drivers run on, over `clock`. */
  hal: Hal;
}

/** A wire with nobody else on it: the model's frames are counted and dropped; frames are put into the model directly. */
class BenchWire implements FrameWire {
  up = true;
  sent = 0;
  endpoint: LinkEndpoint | null = null;

  attach(endpoint: LinkEndpoint): number {
    this.endpoint = endpoint;
    return 0;
  }

  transmit(): void {
    this.sent++;
  }
}

const MAC = new Uint8Array([2, 0x45, 0, 0, 0, 1]);
/** Frames put into the chip before each timed poll: what every chip's receive memory holds of full-size frames. */
const BATCH = 4;

/** The bus between a driver and its model, timing the model's side of every register access or SPI transaction. */
class TimedBus implements Mmio, SpiBus {
  modelMs = 0;
  operations = 0;
  bytes = 0;

  constructor(private readonly timer: () => number, private readonly mmio: Mmio | null, private readonly spi: SpiBus | null) {}

  peek32(address: number): number {
    const start = this.timer();
    const value = (this.mmio as Mmio).peek32(address);
    this.operations++;
    this.modelMs += this.timer() - start;
    return value;
  }

  poke32(address: number, value: number): void {
    const start = this.timer();
    (this.mmio as Mmio).poke32(address, value);
    this.operations++;
    this.modelMs += this.timer() - start;
  }

  /** Timed as the model's: on a board this is E.getAddressOf, a native call; the model has to find the array. */
  addressOf(array: Uint8Array): number {
    const start = this.timer();
    const address = (this.mmio as Mmio).addressOf(array);
    this.modelMs += this.timer() - start;
    return address;
  }

  transfer(data: Uint8Array, offset: number, length: number): void {
    const start = this.timer();
    (this.spi as SpiBus).transfer(data, offset, length);
    this.operations++;
    this.bytes += length;
    this.modelMs += this.timer() - start;
  }
}

function subject(kind: string, host: FrameBenchHost, wire: BenchWire): { nic: PolledNic; bus: TimedBus } {
  const link = wire as unknown as Link;
  if (kind === 'stm32-eth') {
    const bus = new TimedBus(host.timer, new Stm32EthModel(wire, host.clock, { pins: 'A1 A2 A7 C1 C4 C5 G11 G13 B13' }), null);
    const nic = new Stm32EthDriver(bus, host.hal, MAC, { pins: 'A1 A2 A7 C1 C4 C5 G11 G13 B13', phyAddress: 0, rxDescriptors: BATCH, txDescriptors: 2 });
    nic.reset();
    return { nic, bus };
  }
  const bus = new TimedBus(host.timer, null, new FakeSpi(kind === 'enc28j60' ? new Enc28j60Model(link, host.clock) : new W5500Model(link)));
  if (kind === 'enc28j60') {
    const enc = new Enc28j60Driver(bus, host.hal, MAC);
    enc.reset();
    return { nic: enc, bus };
  }
  const w5500 = new W5500Driver(bus, host.hal, MAC);
  w5500.reset();
  return { nic: w5500, bus };
}

/** Counts the frames a driver hands over. */
class CountingSink implements FrameSink {
  frames = 0;

  input(): void {
    this.frames++;
  }
}

/**
 * Receives and transmits `frames` frames of `frameBytes` bytes through one driver over its model;
 * returns the cost per frame. Throws when the driver does not come up or loses a frame, since
 * then the figure would mean nothing.
 */
export function measureDriverFrames(kind: string, frameBytes: number, frames: number, host: FrameBenchHost): DriverFrameCost {
  const wire = new BenchWire();
  const s = subject(kind, host, wire);
  const nic = s.nic;
  const bus = s.bus;
  const sink = new CountingSink();
  for (let i = 0; i < 100000 && !nic.linkUp(); i++) {
    host.advance(1);
    nic.poll(sink);
  }
  if (!nic.linkUp()) throw new Error(kind + ': the link never came up over the model');
  const frame = new Uint8Array(frameBytes);
  for (let i = 0; i < frameBytes; i++) frame[i] = i * 7;
  frame.set(MAC, 0);
  frame[12] = 0x08;
  frame[13] = 0x00;
  const endpoint = wire.endpoint as LinkEndpoint;
  let receiveMs = 0;
  let receiveModelMs = bus.modelMs;
  let operations = bus.operations;
  let bytes = bus.bytes;
  let received = 0;
  while (received < frames) {
    for (let i = 0; i < BATCH; i++) endpoint.deliver(frame, frameBytes);
    const before = sink.frames;
    const start = host.timer();
    for (let polls = 0; polls < 4 && sink.frames - before < BATCH; polls++) nic.poll(sink);
    receiveMs += host.timer() - start;
    if (sink.frames - before !== BATCH) throw new Error(kind + ': ' + (sink.frames - before) + ' of ' + BATCH + ' frames received');
    received += BATCH;
  }
  receiveModelMs = bus.modelMs - receiveModelMs;
  const receiveOperations = bus.operations - operations;
  const receiveBytes = bus.bytes - bytes;
  operations = bus.operations;
  bytes = bus.bytes;
  const transmitModelBefore = bus.modelMs;
  const sentBefore = wire.sent;
  const start = host.timer();
  for (let i = 0; i < frames; i++) nic.transmit(frame, frameBytes);
  const transmitMs = host.timer() - start;
  const transmitModelMs = bus.modelMs - transmitModelBefore;
  const transmitOperations = bus.operations - operations;
  const transmitBytes = bus.bytes - bytes;
  // The last frame may still be in the chip: one more poll lets every model finish it.
  nic.poll(sink);
  if (wire.sent - sentBefore < frames - 1) throw new Error(kind + ': ' + (wire.sent - sentBefore) + ' of ' + frames + ' frames sent');
  return {
    driver: kind, frameBytes, frames,
    receiveMicroseconds: (receiveMs - receiveModelMs) * 1000 / received, transmitMicroseconds: (transmitMs - transmitModelMs) * 1000 / frames,
    receiveModelMicroseconds: receiveModelMs * 1000 / received, transmitModelMicroseconds: transmitModelMs * 1000 / frames,
    receiveBusOperations: receiveOperations / received, transmitBusOperations: transmitOperations / frames,
    receiveBusBytes: receiveBytes / received, transmitBusBytes: transmitBytes / frames,
  };
}

export const benchDrivers = ['stm32-eth', 'enc28j60', 'w5500'];
export const benchFrameSizes = [64, 1514];
