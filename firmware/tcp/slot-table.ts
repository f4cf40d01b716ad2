import { Config } from '../config';
import { TcpState } from './state';
import { Arena, Cut } from '../../hal/arena';

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

const enum SlotBytes {
  /** One slot's bytes in all its arrays: 8 Float64, 24 Uint32, 13 Uint16 and 12 byte fields, cut from one arena widest first. */
  PER_SLOT = 8 * 8 + 24 * 4 + 13 * 2 + 12,
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
  /** SYN_RECEIVED and FIN_WAIT_2 bounds. */
  readonly stateAt: Float64Array;
  readonly keepAt: Float64Array;
  readonly unackedSince: Float64Array;
  /** Last segment received, or sent with data: the heap watchdog aborts the least recently active. */
  readonly lastActivity: Float64Array;
  readonly rttStart: Float64Array;
  readonly challengeStart: Float64Array;

  constructor(private readonly config: Config) {
    const n = config.sockets;
    const arena = new Arena(n * SlotBytes.PER_SLOT);
    this.rtxAt = arena.cut(Cut.F64, n);
    this.ackAt = arena.cut(Cut.F64, n);
    this.stateAt = arena.cut(Cut.F64, n);
    this.keepAt = arena.cut(Cut.F64, n);
    this.unackedSince = arena.cut(Cut.F64, n);
    this.lastActivity = arena.cut(Cut.F64, n);
    this.rttStart = arena.cut(Cut.F64, n);
    this.challengeStart = arena.cut(Cut.F64, n);
    this.remoteIp = arena.cut(Cut.U32, n);
    this.sndUna = arena.cut(Cut.U32, n);
    this.sndNxt = arena.cut(Cut.U32, n);
    this.sndMax = arena.cut(Cut.U32, n);
    this.sndWl1 = arena.cut(Cut.U32, n);
    this.sndWl2 = arena.cut(Cut.U32, n);
    this.rcvNxt = arena.cut(Cut.U32, n);
    this.rcvAdv = arena.cut(Cut.U32, n);
    this.finSeq = arena.cut(Cut.U32, n);
    this.cwnd = arena.cut(Cut.U32, n);
    this.ssthresh = arena.cut(Cut.U32, n);
    this.recover = arena.cut(Cut.U32, n);
    this.retransmittedTo = arena.cut(Cut.U32, n);
    this.retransmittedAtMax = arena.cut(Cut.U32, n);
    this.priorCwnd = arena.cut(Cut.U32, n);
    this.priorSsthresh = arena.cut(Cut.U32, n);
    this.undoFrom = arena.cut(Cut.U32, n);
    this.srtt8 = arena.cut(Cut.U32, n);
    this.rttvar4 = arena.cut(Cut.U32, n);
    this.rto = arena.cut(Cut.U32, n);
    this.rttSeq = arena.cut(Cut.U32, n);
    this.keepIdle = arena.cut(Cut.U32, n);
    this.keepInterval = arena.cut(Cut.U32, n);
    this.userTimeout = arena.cut(Cut.U32, n);
    this.flags = arena.cut(Cut.U16, n);
    this.remotePort = arena.cut(Cut.U16, n);
    this.localPort = arena.cut(Cut.U16, n);
    this.sndWnd = arena.cut(Cut.U16, n);
    this.maxSndWnd = arena.cut(Cut.U16, n);
    this.mss = arena.cut(Cut.U16, n);
    this.sendStart = arena.cut(Cut.U16, n);
    this.sendLength = arena.cut(Cut.U16, n);
    this.recvStart = arena.cut(Cut.U16, n);
    this.recvLength = arena.cut(Cut.U16, n);
    this.sendLimit = arena.cut(Cut.U16, n);
    this.receiveLimit = arena.cut(Cut.U16, n);
    this.challengeCount = arena.cut(Cut.U16, n);
    this.state = arena.cut(Cut.U8, n);
    this.events = arena.cut(Cut.U8, n);
    this.listener = arena.cut(Cut.U8, n);
    this.acceptNext = arena.cut(Cut.U8, n);
    this.dupAcks = arena.cut(Cut.U8, n);
    this.dupThreshold = arena.cut(Cut.U8, n);
    this.undoRetransmits = arena.cut(Cut.U8, n);
    this.retries = arena.cut(Cut.U8, n);
    this.backoff = arena.cut(Cut.U8, n);
    this.keepCount = arena.cut(Cut.U8, n);
    this.keepProbes = arena.cut(Cut.U8, n);
    this.error = arena.cut(Cut.I8, n);
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
}
