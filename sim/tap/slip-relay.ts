import { FrameSink } from '../../hal/bus';
import { SlipNic } from '../../hal/drivers/slip';
import { LinkEndpoint } from '../link';
import { NodeHal } from '../node-hal';
import { PtyLine } from '../uart/pty-uart';
import { TapBridge } from './bridge';

/**
 * The host's end of a SLIP serial line, joined to a TUN bridge (sim/tap/bridge.ts with
 * `device: 'tun'`): a packet from the kernel is framed (RFC 1055, by the same driver a board
 * runs, hal/drivers/slip.ts) and written to the line; bytes from the line are unframed and each
 * packet goes to the kernel. Nothing else happens here: no TCP, no buffering beyond the pipes,
 * no pacing. A packet for the line is dropped (and counted in `queueDrops`) when more than
 * `queueLimit` bytes already wait to be written to it, as a host's queue towards a serial line is
 * bounded (slattach's sl0 holds 10 packets): otherwise a burst (a SYN flood) would queue without
 * limit ahead of everything after it. `counters` are the driver's (framesReceived = packets from
 * the line, framesSent = packets to it, rxOversize, rxBadEscape, txDropped); the line counts bytes
 * each way.
 */
export class SlipRelay implements LinkEndpoint, FrameSink {
  /** About seven full frames of the SLIP profile's MTU. */
  static readonly queueLimit = 4096;
  queueDrops = 0;
  readonly nic: SlipNic;
  /** Its port on the bridge's link (link.counters(port) counts what it sent to the kernel). */
  readonly port: number;

  constructor(private readonly bridge: TapBridge, readonly line: PtyLine, mtu: number) {
    this.nic = new SlipNic(line, new NodeHal(bridge.clock, 1), mtu);
    this.port = bridge.link.attach(this);
    line.onReadable = () => {
      while (line.waiting() > 0) this.nic.poll(this);
    };
  }

  get counters(): Uint32Array {
    return this.nic.counters;
  }

  /** A packet from the kernel: onto the serial line. */
  deliver(packet: Uint8Array, length: number): void {
    if (this.line.backlog() > SlipRelay.queueLimit) {
      this.queueDrops++;
      return;
    }
    this.nic.transmit(packet, length);
  }

  /** A packet unframed from the serial line: to the kernel. */
  input(packet: Uint8Array, length: number): void {
    this.bridge.link.transmit(this.port, packet, length);
  }
}
