import { Nic } from './hal';

/**
 * Two NICs joined back to back inside one interpreter, for the self-test: each end's transmit
 * copies the frame into a fixed ring of frame buffers that the other end drains with
 * `deliver`. Full rings drop the frame, as a real link would, and TCP retransmits.
 */
export class MemoryWireEnd implements Nic {
  readonly ethernet = true;
  peer: MemoryWireEnd | null = null;
  dropped = 0;
  private readonly frames: Uint8Array;
  private readonly lengths: Uint16Array;
  private head = 0;
  private count = 0;

  constructor(readonly mac: Uint8Array, readonly mtu: number, private readonly depth: number) {
    this.frames = new Uint8Array(depth * (mtu + 14));
    this.lengths = new Uint16Array(depth);
  }

  transmit(frame: Uint8Array, length: number): void {
    const peer = this.peer;
    if (!peer) return;
    if (peer.count === peer.depth) {
      this.dropped++;
      return;
    }
    const index = (peer.head + peer.count) % peer.depth;
    peer.frames.set(frame.subarray(0, length), index * (peer.mtu + 14));
    peer.lengths[index] = length;
    peer.count++;
  }

  linkUp(): boolean {
    return this.peer !== null;
  }

  /** Hands every queued frame to `receive`; returns how many. */
  deliver(receive: { input(frame: Uint8Array, length: number): void }, scratch: Uint8Array): number {
    let delivered = 0;
    while (this.count > 0) {
      const length = this.lengths[this.head];
      const start = this.head * (this.mtu + 14);
      scratch.set(this.frames.subarray(start, start + length), 0);
      this.head = (this.head + 1) % this.depth;
      this.count--;
      receive.input(scratch, length);
      delivered++;
    }
    return delivered;
  }

  bytes(): number {
    return this.frames.byteLength + this.lengths.byteLength;
  }
}
