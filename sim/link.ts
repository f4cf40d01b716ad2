import { VirtualClock } from './clock';
import { Prng } from './prng';

/** Whatever sits on a port of a link: a simulated NIC, a bridge, a test probe. */
export interface LinkEndpoint {
  deliver(frame: Uint8Array, length: number): void;
}

/** Called for every frame the segment carries to its receivers, as a sniffer on the hub sees it. */
export type LinkTap = (frame: Uint8Array, length: number, time: number, fromPort: number) => void;

/** What happens to frames sent from a port (or from every port). Times in ms, probabilities in [0, 1]. */
export interface Impairments {
  /** Fixed propagation delay. */
  delay: number;
  /** Extra delay drawn uniformly from [0, jitter). Frames still arrive in the order sent (unless reordered below). */
  jitter: number;
  /** Probability that a frame is lost. */
  loss: number;
  /** Probability that a frame arrives twice. */
  duplicate: number;
  /** Probability that a frame is held back by `reorderDelay`, letting later frames overtake it. */
  reorder: number;
  reorderDelay: number;
  /** Probability that one random bit of one random byte is flipped. */
  corrupt: number;
  /** Transmit rate cap in bytes per second; 0 for no cap (and then no queue). */
  bandwidth: number;
  /** Frames the transmit queue holds under a bandwidth cap, including the one being sent; more are tail-dropped. */
  queueLimit: number;
  /** false silently drops everything sent from the port (a one-way failure the NICs do not see). */
  up: boolean;
}

/** Per-port counts. All but `received` count frames sent from the port. */
export interface LinkCounters {
  sent: number;
  /** Frame copies the segment carried to the other ports (a duplicate counts twice). */
  delivered: number;
  /** Frames handed to this port's endpoint. */
  received: number;
  lost: number;
  duplicated: number;
  reordered: number;
  corrupted: number;
  queueDrops: number;
  /** Frames dropped because the link or the port was down when sent or when due to arrive. */
  cutDrops: number;
}

export interface LinkOptions extends Partial<Impairments> {
  /** Seed of the link's random source; 1 unless given. */
  seed?: number;
}

const perfectLink: Impairments = {
  delay: 0, jitter: 0, loss: 0, duplicate: 0, reorder: 0, reorderDelay: 10, corrupt: 0,
  bandwidth: 0, queueLimit: 64, up: true,
};

interface Port {
  endpoint: LinkEndpoint;
  impairments: Impairments;
  counters: LinkCounters;
  /** When the transmitter finishes the frames already queued (bandwidth cap). */
  busyUntil: number;
  /** Arrival time of the last frame that was not reordered: jitter must not reorder. */
  lastArrival: number;
  /** Serialisation end times of queued frames, oldest first, from queueHead on. */
  queue: number[];
  queueHead: number;
}

/**
 * One broadcast segment (a hub): a frame transmitted from one port is delivered to every other
 * port, and the receivers filter by MAC. Frames are copied on transmit, since senders reuse
 * their buffers, and delivered on the virtual clock after the sending port's impairments.
 */
export class Link {
  /** false cuts the whole segment: nothing is carried, frames in flight are lost, and NICs see link down. */
  up = true;
  private readonly ports: Port[] = [];
  private readonly taps: (LinkTap | null)[] = [];
  private readonly defaults: Impairments;
  private readonly random: Prng;

  constructor(private readonly clock: VirtualClock, options: LinkOptions = {}) {
    this.random = new Prng(options.seed === undefined ? 1 : options.seed);
    this.defaults = Object.assign({}, perfectLink);
    const settings: Partial<Impairments> = Object.assign({}, options);
    delete (settings as LinkOptions).seed;
    this.impair(settings);
  }

  /** Adds an endpoint to the segment; returns its port number. */
  attach(endpoint: LinkEndpoint): number {
    this.ports.push({
      endpoint,
      impairments: Object.assign({}, this.defaults),
      counters: {
        sent: 0, delivered: 0, received: 0, lost: 0, duplicated: 0, reordered: 0, corrupted: 0, queueDrops: 0, cutDrops: 0,
      },
      busyUntil: 0,
      lastArrival: 0,
      queue: [],
      queueHead: 0,
    });
    return this.ports.length - 1;
  }

  /**
   * Changes impairments for frames sent from now on: from one port, or from every port
   * (including ports attached later) when `fromPort` is omitted.
   */
  impair(settings: Partial<Impairments>, fromPort?: number): void {
    validate(settings);
    if (fromPort === undefined) {
      Object.assign(this.defaults, settings);
      for (const port of this.ports) Object.assign(port.impairments, settings);
    } else {
      Object.assign(this.port(fromPort).impairments, settings);
    }
  }

  impairments(port: number): Readonly<Impairments> {
    return this.port(port).impairments;
  }

  /** Live counters of one port. */
  counters(port: number): Readonly<LinkCounters> {
    return this.port(port).counters;
  }

  /** Counters summed over all ports. */
  totals(): LinkCounters {
    const sum: LinkCounters = {
      sent: 0, delivered: 0, received: 0, lost: 0, duplicated: 0, reordered: 0, corrupted: 0, queueDrops: 0, cutDrops: 0,
    };
    for (const port of this.ports) {
      const counters = port.counters as unknown as Record<string, number>;
      for (const name in counters) (sum as unknown as Record<string, number>)[name] += counters[name];
    }
    return sum;
  }

  /** Registers a capture callback; returns an id for removeTap(). */
  addTap(tap: LinkTap): number {
    this.taps.push(tap);
    return this.taps.length - 1;
  }

  removeTap(id: number): void {
    this.taps[id] = null;
  }

  /** Puts frame[0..length) on the segment from `fromPort`; the frame is copied before this returns. */
  transmit(fromPort: number, frame: Uint8Array, length: number): void {
    const port = this.port(fromPort);
    const settings = port.impairments;
    const counters = port.counters;
    const now = this.clock.now();
    counters.sent++;
    if (!this.up || !settings.up) {
      counters.cutDrops++;
      return;
    }
    let departure = now;
    if (settings.bandwidth > 0) {
      const queue = port.queue;
      while (port.queueHead < queue.length && queue[port.queueHead] <= now) port.queueHead++;
      if (port.queueHead > 0 && port.queueHead * 2 >= queue.length) {
        // Compacts now and then, so a transmitter that never goes idle does not grow the array.
        queue.splice(0, port.queueHead);
        port.queueHead = 0;
      }
      if (queue.length - port.queueHead >= settings.queueLimit) {
        counters.queueDrops++;
        return;
      }
      departure = Math.max(now, port.busyUntil) + (length * 1000) / settings.bandwidth;
      port.busyUntil = departure;
      queue.push(departure);
    }
    if (settings.loss > 0 && this.random.next() < settings.loss) {
      counters.lost++;
      return;
    }
    let copies = 1;
    if (settings.duplicate > 0 && this.random.next() < settings.duplicate) {
      counters.duplicated++;
      copies = 2;
    }
    for (let copy = 0; copy < copies; copy++) {
      const data = frame.slice(0, length);
      if (settings.corrupt > 0 && length > 0 && this.random.next() < settings.corrupt) {
        data[this.random.int(length)] ^= 1 << this.random.int(8);
        counters.corrupted++;
      }
      let arrival = departure + settings.delay;
      if (settings.jitter > 0) arrival += this.random.next() * settings.jitter;
      if (settings.reorder > 0 && this.random.next() < settings.reorder) {
        arrival += settings.reorderDelay;
        counters.reordered++;
      } else {
        arrival = Math.max(arrival, port.lastArrival);
        port.lastArrival = arrival;
      }
      this.clock.at(arrival, () => this.arrive(fromPort, data, length));
    }
  }

  private arrive(fromPort: number, data: Uint8Array, length: number): void {
    const sender = this.ports[fromPort];
    if (!this.up || !sender.impairments.up) {
      sender.counters.cutDrops++;
      return;
    }
    sender.counters.delivered++;
    const now = this.clock.now();
    for (const tap of this.taps) if (tap) tap(data, length, now, fromPort);
    // Each receiver gets its own copy, as each NIC has its own buffer: one stack must not
    // see another's in-place edits. The last receiver takes the original.
    let remaining = this.ports.length - 1;
    for (let index = 0; index < this.ports.length; index++) {
      if (index === fromPort) continue;
      const receiver = this.ports[index];
      receiver.counters.received++;
      receiver.endpoint.deliver(--remaining > 0 ? data.slice(0, length) : data, length);
    }
  }

  private port(index: number): Port {
    const port = this.ports[index];
    if (!port) throw new RangeError('Link: no port ' + index);
    return port;
  }
}

function validate(settings: Partial<Impairments>): void {
  for (const name in settings) {
    const value = (settings as Record<string, unknown>)[name];
    if (!(name in perfectLink)) throw new RangeError('Link: unknown impairment ' + name);
    if (name === 'up') {
      if (typeof value !== 'boolean') throw new RangeError('Link: up must be a boolean');
    } else if (typeof value !== 'number' || !(value >= 0) || value === Infinity) {
      throw new RangeError('Link: ' + name + ' must be a finite number >= 0, got ' + value);
    } else if ((name === 'loss' || name === 'duplicate' || name === 'reorder' || name === 'corrupt') && value > 1) {
      throw new RangeError('Link: ' + name + ' is a probability, got ' + value);
    }
  }
}
