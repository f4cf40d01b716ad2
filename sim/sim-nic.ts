import { Nic } from '../hal/hal';
import { Link, LinkEndpoint } from './link';

/** Where a NIC hands received frames: the stack, or any test double. */
export interface FrameReceiver {
  input(frame: Uint8Array, length: number): void;
}

export interface SimNicOptions {
  /** Required with Ethernet framing; an IP-only link has no MAC (all zeros). */
  mac?: Uint8Array;
  /** Ethernet II framing (true unless given); false for an IP-only link such as SLIP. */
  ethernet?: boolean;
  /** Largest IP packet; 1500 unless given. */
  mtu?: number;
}

const ethernetHeaderLength = 14;

/**
 * A network card on a simulated link. Transmit copies onto the link (so the stack may reuse
 * its buffer at once); received frames go to `receiver`. Pulling the `cable` takes the link
 * down for this card only; a cut Link takes it down for everyone.
 */
export class SimNic implements Nic, LinkEndpoint {
  readonly mac: Uint8Array;
  readonly ethernet: boolean;
  readonly mtu: number;
  readonly port: number;
  /** false: nothing is sent or received, and linkUp() is false. */
  cable = true;
  /** Gets every received frame while set; frames arriving while null are dropped and counted. */
  receiver: FrameReceiver | null = null;
  transmitted = 0;
  received = 0;
  /** Frames not sent or not received because the cable was out or no receiver was set. */
  dropped = 0;
  /** Frames the stack tried to send that exceed the MTU or the buffer: a stack bug, dropped as hardware would. */
  oversize = 0;

  constructor(readonly link: Link, options: SimNicOptions) {
    this.ethernet = options.ethernet === undefined ? true : options.ethernet;
    this.mtu = options.mtu === undefined ? 1500 : options.mtu;
    if (this.ethernet && !(options.mac && options.mac.length === 6)) throw new RangeError('SimNic: Ethernet needs a 6-byte MAC');
    this.mac = this.ethernet ? (options.mac as Uint8Array).slice() : new Uint8Array(6);
    this.port = link.attach(this);
  }

  transmit(frame: Uint8Array, length: number): void {
    if (length > frame.length || length > this.mtu + (this.ethernet ? ethernetHeaderLength : 0)) {
      this.oversize++;
      return;
    }
    if (!this.cable) {
      this.dropped++;
      return;
    }
    this.transmitted++;
    this.link.transmit(this.port, frame, length);
  }

  linkUp(): boolean {
    return this.cable && this.link.up;
  }

  deliver(frame: Uint8Array, length: number): void {
    if (!this.cable || !this.receiver) {
      this.dropped++;
      return;
    }
    this.received++;
    this.receiver.input(frame, length);
  }
}
