import { Config } from '../config';
import { TcpState } from './state';

/** Per-slot boolean state, packed in one Uint16Array. */
export const enum SlotFlag {
  /** The slot carries a connection (or a finished one the application still holds). */
  IN_USE = 1,
  /** The application owns the slot number (connect/accept until release). */
  HELD = 2,
  /** Waiting in a listener's accept queue. */
  QUEUED = 4,
  /** The application shut down the sending side: FIN goes after the queued data. */
  FIN_QUEUED = 8,
  /** Our FIN has been transmitted at the end of the data (cleared when an RTO rewinds snd.nxt). */
  FIN_SENT = 16,
  /** The peer's FIN has arrived at finSeq; it takes effect when rcv.nxt reaches it (at once if in order). */
  FIN_RECEIVED = 32,
  /** A delayed ACK is owed by ackAt. */
  ACK_PENDING = 64,
  /** An ACK must go out before input or the call returns. */
  ACK_NOW = 128,
  /** send() could not take everything: report WRITABLE when room appears. */
  WANT_WRITABLE = 256,
  NO_DELAY = 512,
  KEEPALIVE = 1024,
  LINGER_ZERO = 2048,
  /** A round-trip sample is being timed on rttSeq (RFC 6298, Karn's rule clears it). */
  RTT_TIMING = 4096,
  /** NewReno fast recovery (RFC 6582) until snd.una passes `recover`. */
  RECOVERY = 8192,
  /** rtxAt is the persist timer, not the retransmission timer. */
  PERSIST = 16384,
  /** Both ends offered SACK-permitted in the handshake (RFC 2018): our ACKs carry SACK blocks and theirs are used. */
  SACK = 32768,
}

/**
 * The TCP control blocks, struct-of-arrays: slot i's fields are element i of every array, so a
 * connection costs a fixed number of bytes and nothing is allocated per connection. Times are
 * milliseconds in Float64Arrays; deadlines are 0 when their timer is off. Sequence numbers are
 * unsigned 32-bit. The rings themselves live in Tcp (one Uint8Array each for all slots).
 */
export class SlotTable {
  readonly state: Uint8Array;
  readonly flags: Uint16Array;
  /** The Err that ended the connection (kept after the slot is freed, until it is reused). */
  readonly error: Int8Array;
  /** TcpEvent bits not yet handed to the application. */
  readonly events: Uint8Array;
  /** For a queued slot: its listener, and the next slot in that accept queue (255 = none). */
  readonly listener: Uint8Array;
  readonly acceptNext: Uint8Array;

  readonly remoteIp: Uint32Array;
  readonly remotePort: Uint16Array;
  readonly localPort: Uint16Array;

  readonly sndUna: Uint32Array;
  readonly sndNxt: Uint32Array;
  /** Highest sequence number sent so far (snd.nxt moves back to snd.una on an RTO). */
  readonly sndMax: Uint32Array;
  readonly sndWnd: Uint16Array;
  readonly maxSndWnd: Uint16Array;
  readonly sndWl1: Uint32Array;
  readonly sndWl2: Uint32Array;
  readonly rcvNxt: Uint32Array;
  /** Right edge of the window last advertised: it never moves left. */
  readonly rcvAdv: Uint32Array;
  readonly finSeq: Uint32Array;
  /** Largest segment we send: the application's cap until the SYN exchange, then min(cap, peer MSS). */
  readonly mss: Uint16Array;

  /** Send ring: bytes from snd.una on (unacknowledged, then unsent), starting at sendStart. */
  readonly sendStart: Uint16Array;
  readonly sendLength: Uint16Array;
  /** Receive ring: readable bytes from recvStart; out-of-order data lies beyond them at its offset. */
  readonly recvStart: Uint16Array;
  readonly recvLength: Uint16Array;
  /** SEND_BUFFER / RECEIVE_BUFFER: the usable part of each ring. */
  readonly sendLimit: Uint16Array;
  readonly receiveLimit: Uint16Array;

  readonly cwnd: Uint32Array;
  readonly ssthresh: Uint32Array;
  readonly recover: Uint32Array;
  /** How far retransmissions of this recovery episode have reached (RFC 6675 HighRxt): each hole is resent once. */
  readonly retransmittedTo: Uint32Array;
  /** snd.max at the latest retransmission in recovery: SACKs for data sent after it tell that it was lost too. */
  readonly retransmittedAtMax: Uint32Array;
  readonly dupAcks: Uint8Array;
  /**
   * Duplicate ACKs (or segments SACKed above a hole, plus one) that mean loss: 3, raised when a
   * D-SACK proves a recovery spurious, i.e. the path reorders that deep (as Linux's reordering metric).
   */
  readonly dupThreshold: Uint8Array;
  /** cwnd and ssthresh before the current or last recovery episode, for its undo (RFC 3708); priorCwnd 0: nothing to undo. */
  readonly priorCwnd: Uint32Array;
  readonly priorSsthresh: Uint32Array;
  /** snd.una when that episode began: only duplicates reported from there on are its retransmissions. */
  readonly undoFrom: Uint32Array;
  /** Retransmissions of that episode the peer has not yet reported as duplicates. */
  readonly undoRetransmits: Uint8Array;
  /** RFC 6298 state, scaled as in BSD: 8 * SRTT and 4 * RTTVAR, in ms. */
  readonly srtt8: Uint32Array;
  readonly rttvar4: Uint32Array;
  readonly rto: Uint32Array;
  readonly rttSeq: Uint32Array;
  /** Consecutive unanswered retransmissions (or persist probes) of the same data. */
  readonly retries: Uint8Array;
  /** Persist timer backoff exponent. */
  readonly backoff: Uint8Array;

  readonly keepIdle: Uint32Array;
  readonly keepInterval: Uint32Array;
  readonly keepCount: Uint8Array;
  readonly keepProbes: Uint8Array;
  readonly userTimeout: Uint32Array;
  readonly challengeCount: Uint16Array;

  readonly rtxAt: Float64Array;
  readonly ackAt: Float64Array;
  /** SYN_RECEIVED and FIN_WAIT_2 bounds, and the DEADLINE socket option in ESTABLISHED and CLOSE_WAIT. */
  readonly stateAt: Float64Array;
  readonly keepAt: Float64Array;
  readonly unackedSince: Float64Array;
  /** Last segment received, or sent with data: the heap watchdog aborts the least recently active. */
  readonly lastActivity: Float64Array;
  readonly rttStart: Float64Array;
  readonly challengeStart: Float64Array;

  constructor(private readonly config: Config) {
    const n = config.sockets;
    this.state = new Uint8Array(n);
    this.flags = new Uint16Array(n);
    this.error = new Int8Array(n);
    this.events = new Uint8Array(n);
    this.listener = new Uint8Array(n);
    this.acceptNext = new Uint8Array(n);
    this.remoteIp = new Uint32Array(n);
    this.remotePort = new Uint16Array(n);
    this.localPort = new Uint16Array(n);
    this.sndUna = new Uint32Array(n);
    this.sndNxt = new Uint32Array(n);
    this.sndMax = new Uint32Array(n);
    this.sndWnd = new Uint16Array(n);
    this.maxSndWnd = new Uint16Array(n);
    this.sndWl1 = new Uint32Array(n);
    this.sndWl2 = new Uint32Array(n);
    this.rcvNxt = new Uint32Array(n);
    this.rcvAdv = new Uint32Array(n);
    this.finSeq = new Uint32Array(n);
    this.mss = new Uint16Array(n);
    this.sendStart = new Uint16Array(n);
    this.sendLength = new Uint16Array(n);
    this.recvStart = new Uint16Array(n);
    this.recvLength = new Uint16Array(n);
    this.sendLimit = new Uint16Array(n);
    this.receiveLimit = new Uint16Array(n);
    this.cwnd = new Uint32Array(n);
    this.ssthresh = new Uint32Array(n);
    this.recover = new Uint32Array(n);
    this.retransmittedTo = new Uint32Array(n);
    this.retransmittedAtMax = new Uint32Array(n);
    this.dupAcks = new Uint8Array(n);
    this.dupThreshold = new Uint8Array(n);
    this.priorCwnd = new Uint32Array(n);
    this.priorSsthresh = new Uint32Array(n);
    this.undoFrom = new Uint32Array(n);
    this.undoRetransmits = new Uint8Array(n);
    this.srtt8 = new Uint32Array(n);
    this.rttvar4 = new Uint32Array(n);
    this.rto = new Uint32Array(n);
    this.rttSeq = new Uint32Array(n);
    this.retries = new Uint8Array(n);
    this.backoff = new Uint8Array(n);
    this.keepIdle = new Uint32Array(n);
    this.keepInterval = new Uint32Array(n);
    this.keepCount = new Uint8Array(n);
    this.keepProbes = new Uint8Array(n);
    this.userTimeout = new Uint32Array(n);
    this.challengeCount = new Uint16Array(n);
    this.rtxAt = new Float64Array(n);
    this.ackAt = new Float64Array(n);
    this.stateAt = new Float64Array(n);
    this.keepAt = new Float64Array(n);
    this.unackedSince = new Float64Array(n);
    this.lastActivity = new Float64Array(n);
    this.rttStart = new Float64Array(n);
    this.challengeStart = new Float64Array(n);
  }

  /** Gives slot i the defaults of a new connection, owned by nobody yet, in state CLOSED. */
  reset(i: number, now: number): void {
    const config = this.config;
    this.state[i] = TcpState.CLOSED;
    this.flags[i] = SlotFlag.IN_USE | (config.noDelay ? SlotFlag.NO_DELAY : 0) | (config.keepAlive ? SlotFlag.KEEPALIVE : 0);
    this.error[i] = 0;
    this.events[i] = 0;
    this.listener[i] = 255;
    this.acceptNext[i] = 255;
    this.sndWnd[i] = 0;
    this.maxSndWnd[i] = 0;
    this.mss[i] = config.mss;
    this.sendStart[i] = 0;
    this.sendLength[i] = 0;
    this.recvStart[i] = 0;
    this.recvLength[i] = 0;
    this.sendLimit[i] = config.sendBuffer;
    this.receiveLimit[i] = config.receiveBuffer;
    this.ssthresh[i] = 0xffffffff;
    this.dupAcks[i] = 0;
    this.dupThreshold[i] = 3;
    this.priorCwnd[i] = 0;
    this.srtt8[i] = 0;
    this.rttvar4[i] = 0;
    this.rto[i] = config.rtoInitial;
    this.retries[i] = 0;
    this.backoff[i] = 0;
    this.keepIdle[i] = config.keepAliveIdle;
    this.keepInterval[i] = config.keepAliveInterval;
    this.keepCount[i] = config.keepAliveCount;
    this.keepProbes[i] = 0;
    this.userTimeout[i] = config.userTimeout;
    this.challengeCount[i] = 0;
    this.rtxAt[i] = 0;
    this.ackAt[i] = 0;
    this.stateAt[i] = 0;
    this.keepAt[i] = 0;
    this.unackedSince[i] = 0;
    this.lastActivity[i] = now;
    this.challengeStart[i] = 0;
  }

  /** Bytes of every per-slot array: the control block size times the slot count. */
  bytes(): number {
    let total = 0;
    const fields = this as unknown as { [name: string]: { byteLength?: number } };
    for (const name in fields) {
      const field = fields[name];
      if (field && typeof field.byteLength === 'number') total += field.byteLength;
    }
    return total;
  }
}
