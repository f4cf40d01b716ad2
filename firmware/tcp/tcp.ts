import { Config } from '../config';
import { Hal } from '../../hal/hal';
import { Stat } from '../stats';
import { Err } from '../errors';
import { IpOutput, Transport } from '../layers';
import { MemoryReport } from '../memory-report';
import { transportChecksum } from '../wire/checksum';
import { parseTcpHeader, writeTcpHeader, SackOption, TcpField, TcpFlag, TcpHeader, TcpLimit, TcpOptionKind } from '../wire/tcp-header';
import { TcpState } from './state';
import { TcpEvent, ListenerEvent } from './events';
import { TcpApi, TcpEventSink } from './tcp-api';
import { SlotTable, SlotFlag } from './slot-table';
import { Reassembly } from './reassembly';
import { ringCopy } from './ring';
import { SequenceSecrets, cookieMss, cookieMssIndex } from './isn';
import { TimeWaitTable } from './timewait-table';
import { SynQueue } from './syn-queue';
import { withSack, withSynCookies } from '../features';
import { Arena, Cut } from '../../hal/arena';

/**
 * Indices into Tcp.segment. Numbers the interpreter would hold in properties, in a typed array
 * instead: an integer past its in-place range (about 4,000 on a Pico) costs a property a variable
 * of its own, so which segment came last would change the free variables a board reports at rest.
 */
const enum Segment {
  /** Offset of the segment's data in its buffer. */
  DATA = 0,
  DATA_LENGTH = 1,
  /** A wholly duplicate segment just received on this slot, for the first SACK block of the ACK it gets (RFC 2883); -1: none. */
  DUPLICATE_SLOT = 2,
  DUPLICATE_START = 3,
  DUPLICATE_END = 4,
  /** sndNxt of the TIME_WAIT record the current SYN reopened (timeWaitSegment), -1 for any other segment. */
  REOPENED_SND_NXT = 5,
  COUNT = 6,
}

const enum Limit {
  NONE = 255,
  PROTOCOL = 6,
  MAX_WINDOW = 65535,
  MAX_BACKOFF = 16,
  MAX_CWND = 1048576,
  CHALLENGE_PERIOD = 1000,
}

/** True for an integer in [0, count): the interpreter may round a fractional index onto a real element. */
function isIndex(value: number, count: number): boolean {
  return value >= 0 && value < count && value === Math.floor(value);
}

/**
 * The TCP engine (RFC 9293 with RFC 5961, 6298, 5681/6582, 2018/6675, 5827, 3042, 1122, 896, 6191): every connection
 * lives in a fixed slot of a struct-of-arrays control block, its data in fixed regions of one
 * send and one receive ring buffer; half-open connections live in the SynQueue and finished
 * ones in the TimeWaitTable, so neither costs a slot. Segments are built in place in the IP
 * layer's transmit frame. Nothing is allocated after construction and nothing here throws.
 */
export class Tcp implements Transport, TcpApi {
  readonly slotCount: number;
  readonly slots: SlotTable;
  readonly timeWait: TimeWaitTable;
  readonly synQueue: SynQueue;
  private readonly secrets: SequenceSecrets;
  private readonly reassembly: Reassembly;
  /** What each slot's peer has SACKed beyond snd.una: as many ranges as one ACK can report. */
  private readonly scoreboard: Reassembly;
  private readonly sendRings: Uint8Array;
  private readonly receiveRings: Uint8Array;
  private readonly sendSize: number;
  private readonly receiveSize: number;
  /** The MSS we announce: what fits the link after IPv4 and TCP headers, capped by config. */
  readonly ourMss: number;

  private readonly listenerPorts: Uint16Array;
  /** Accept-queue length per listener (its listen() backlog). */
  readonly backlogs: Uint8Array;
  private readonly acceptHead: Uint8Array;
  private readonly acceptTail: Uint8Array;
  private readonly acceptCount: Uint8Array;
  private readonly listenerEvents: Uint8Array;
  /** When each SynQueue record was created, indexed like the queue, to bound SYN-RECEIVED. */
  private readonly synStarted: Float64Array;
  private nextPort: number;
  /**
   * Set by the heap watchdog (firmware/watchdog.ts) while free memory is low: new connections are
   * refused and each connection is offered at most one segment of window from then on.
   */
  heapPressure = false;

  /** The segment being processed, parsed once by input(). */
  private readonly fields: Uint32Array;
  private readonly noBuffer: Uint8Array;
  private segBuf: Uint8Array;
  /** What input() keeps of the segment besides its header fields, and what the reply reads: see Segment. */
  private readonly segment: Float64Array;

  constructor(readonly config: Config, readonly hal: Hal, private readonly stats: Uint32Array, private readonly ip: IpOutput) {
    const slots = config.sockets;
    this.slotCount = slots;
    this.slots = new SlotTable(config);
    this.timeWait = new TimeWaitTable(config.timeWaitCapacity, 2 * config.msl, stats);
    this.synQueue = new SynQueue(config.synQueue);
    this.secrets = new SequenceSecrets(hal);
    this.reassembly = new Reassembly(slots, config.reassemblyRanges);
    this.scoreboard = new Reassembly(slots, withSack ? TcpHeader.MAX_SACK_BLOCKS : 0);
    this.sendSize = config.sendBuffer;
    this.receiveSize = config.receiveBuffer;
    this.sendRings = new Uint8Array(slots * config.sendBuffer);
    this.receiveRings = new Uint8Array(slots * config.receiveBuffer);
    const linkMss = ip.maxPayload - TcpHeader.MIN_LENGTH;
    this.ourMss = config.mss < linkMss ? config.mss : linkMss;
    const listeners = config.listeners;
    const arena = new Arena(8 * config.synQueue + 8 * Segment.COUNT + 4 * TcpField.COUNT + listeners * (2 + 5));
    this.synStarted = arena.cut(Cut.F64, config.synQueue);
    const segment = arena.cut(Cut.F64, Segment.COUNT);
    segment[Segment.DUPLICATE_SLOT] = segment[Segment.REOPENED_SND_NXT] = -1;
    this.segment = segment;
    this.fields = arena.cut(Cut.U32, TcpField.COUNT);
    this.listenerPorts = arena.cut(Cut.U16, listeners);
    this.backlogs = arena.cut(Cut.U8, listeners);
    this.acceptHead = arena.cut(Cut.U8, listeners);
    this.acceptTail = arena.cut(Cut.U8, listeners);
    this.acceptCount = arena.cut(Cut.U8, listeners);
    this.listenerEvents = arena.cut(Cut.U8, listeners);
    this.noBuffer = new Uint8Array(0);
    this.segBuf = this.noBuffer;
    // A random start, so that a rebooted device does not reuse the ports the peer still holds in TIME_WAIT.
    this.nextPort = config.portFirst + (hal.random32() % (config.portLast - config.portFirst + 1));
  }

  reportMemory(report: MemoryReport): void {
    // Each table's arrays are cut from one arena: its buffer is the table's size.
    report['tcp.slots'] = this.slots.state.buffer.byteLength + this.fields.byteLength + this.segment.byteLength;
    report['tcp.sendRings'] = this.sendRings.byteLength;
    report['tcp.receiveRings'] = this.receiveRings.byteLength;
    report['tcp.reassembly'] = this.reassembly.count.buffer.byteLength;
    report['tcp.scoreboard'] = this.scoreboard.count.buffer.byteLength;
    report['tcp.listeners'] = this.listenerPorts.buffer.byteLength - this.fields.byteLength - this.segment.byteLength - this.synStarted.byteLength;
    report['tcp.synQueue'] = this.synQueue.listener.buffer.byteLength + this.synStarted.byteLength;
    report['tcp.timeWait'] = this.timeWait.remoteIp.buffer.byteLength;
  }

  // ---------------------------------------------------------------- input

  input(buf: Uint8Array, offset: number, length: number, srcIp: number, dstIp: number, now: number): void {
    const segment = this.segment;
    const stats = this.stats;
    stats[Stat.tcpIn]++;
    // RFC 1122 4.2.3.10: nothing sent to a broadcast or multicast address may open or touch a connection.
    if ((dstIp | 0) !== (this.ip.localIp() | 0)) {
      stats[Stat.dropTcpBroadcast]++;
      return;
    }
    if (length < TcpHeader.MIN_LENGTH) {
      stats[Stat.dropTcpShort]++;
      return;
    }
    if (transportChecksum(this.hal, buf, offset, length, srcIp, dstIp, Limit.PROTOCOL) !== 0) {
      stats[Stat.dropTcpChecksum]++;
      return;
    }
    const fields = this.fields;
    const fault = parseTcpHeader(buf, offset, length, fields);
    if (fault >= 0) {
      stats[fault]++;
      return;
    }
    const flags = fields[TcpField.FLAGS];
    const sourcePort = fields[TcpField.SOURCE_PORT];
    const destinationPort = fields[TcpField.DESTINATION_PORT];
    if (((flags & TcpFlag.SYN) && (flags & TcpFlag.RST)) || sourcePort === 0 || destinationPort === 0) {
      stats[Stat.dropTcpFlags]++;
      return;
    }
    if (flags & TcpFlag.RST) stats[Stat.tcpRstIn]++;
    const headerLength = fields[TcpField.HEADER_LENGTH];
    this.segBuf = buf;
    segment[Segment.DATA] = offset + headerLength;
    segment[Segment.DATA_LENGTH] = length - headerLength;
    const slot = this.findSlot(srcIp, sourcePort, destinationPort);
    if ((flags & (TcpFlag.SYN | TcpFlag.FIN)) === (TcpFlag.SYN | TcpFlag.FIN)) {
      // SYN+FIN opens nothing: dropped wherever something listens or lives (as Linux drops it at a
      // listener); a closed port answers it with RST like any segment but a RST (RFC 9293 3.10.7.1).
      if (slot < 0 && this.timeWait.find(srcIp >>> 0, destinationPort, sourcePort) < 0 && this.findListener(destinationPort) < 0) {
        stats[Stat.tcpRefusedNoListener]++;
        this.replyReset(srcIp);
      } else {
        stats[Stat.dropTcpFlags]++;
      }
    } else if (slot >= 0) this.segmentArrives(slot, now);
    // srcIp is signed (Transport.input); the TIME_WAIT table and the SYN queue compare unsigned.
    else if (!this.timeWaitSegment(srcIp >>> 0, now)) this.listenerSegment(srcIp >>> 0, now);
    this.segBuf = this.noBuffer;
  }

  /** RFC 9293 3.10.7.4, for a slot in any state but SYN_SENT (which synSentArrives handles). */
  private segmentArrives(i: number, now: number): void {
    const segment = this.segment;
    const fields = this.fields;
    const s = this.slots;
    const stats = this.stats;
    const state = s.state[i];
    if (state === TcpState.SYN_SENT) {
      this.synSentArrives(i, now);
      return;
    }
    let flags = fields[TcpField.FLAGS];
    if (!(flags & TcpFlag.RST)) {
      s.keepAt[i] = now + s.keepIdle[i];
      s.keepProbes[i] = 0;
    }
    s.lastActivity[i] = now;
    // RFC 5961 4: a SYN in a synchronized state, whatever its sequence number, gets a challenge ACK.
    if (flags & TcpFlag.SYN) {
      this.challengeAck(i, now);
      return;
    }
    const rcvNxt = s.rcvNxt[i];
    let window = (s.rcvAdv[i] - rcvNxt) | 0;
    if (window < 0) window = 0;
    let data = segment[Segment.DATA];
    let dataLength = segment[Segment.DATA_LENGTH];
    const segmentLength = dataLength + (flags & TcpFlag.FIN ? 1 : 0);
    let offset = (fields[TcpField.SEQUENCE] - rcvNxt) | 0;
    // A bare ACK may sit at the right edge (as Linux allows): a peer that filled our window and
    // lost a segment sends its ACKs from snd.max, which is exactly there.
    const acceptable = segmentLength === 0
      ? offset === 0 || (offset > 0 && offset <= window)
      : (window === 0 ? offset === 0 : offset < window && offset + segmentLength > 0);
    if (!acceptable) {
      if (flags & TcpFlag.RST) {
        stats[Stat.dropTcpOutOfWindow]++;
        return;
      }
      // A new acknowledgment still counts when it comes on an old duplicate (as lwIP does) or while
      // our window is zero (RFC 9293 3.10.7.4): after timeouts on both ends each one retransmits
      // from below the other's rcv.nxt, and if both dropped those ACKs they would answer each
      // other's retransmissions with ACKs until one gave up.
      if ((flags & TcpFlag.ACK) && (offset + segmentLength <= 0 || window === 0) && state !== TcpState.SYN_RECEIVED &&
        ((fields[TcpField.ACKNOWLEDGMENT] - s.sndUna[i]) | 0) > 0 && !this.processAck(i, now)) return; // counted there as dropTcpBadAck
      // Telling the sender its retransmission was needless lets it undo the window cut (RFC 2883, 3708).
      if (withSack && (s.flags[i] & SlotFlag.SACK) && dataLength > 0 && offset + segmentLength <= 0) {
        segment[Segment.DUPLICATE_SLOT] = i;
        segment[Segment.DUPLICATE_START] = fields[TcpField.SEQUENCE] | 0;
        segment[Segment.DUPLICATE_END] = (fields[TcpField.SEQUENCE] + dataLength) | 0;
      }
      stats[Stat.dropTcpOutOfWindow]++;
      s.flags[i] |= SlotFlag.ACK_NOW;
      this.output(i, now, false);
      segment[Segment.DUPLICATE_SLOT] = -1;
      return;
    }
    if (flags & TcpFlag.RST) {
      // RFC 5961 3: only an exact hit resets; anywhere else in the window earns a challenge ACK.
      if (offset === 0) {
        stats[Stat.tcpResets]++;
        this.finish(i, state === TcpState.SYN_RECEIVED ? Err.ECONNREFUSED : Err.ECONNRESET);
      } else {
        this.challengeAck(i, now);
      }
      return;
    }
    if (offset < 0) {
      data -= offset;
      dataLength += offset;
      offset = 0;
    }
    if (window === 0) {
      // Nothing fits, but the ACK and window it carries still count (RFC 9293 3.10.7.4).
      if (segmentLength > 0) s.flags[i] |= SlotFlag.ACK_NOW;
      dataLength = 0;
      flags &= ~TcpFlag.FIN;
    } else if (offset + dataLength > window) {
      dataLength = window - offset;
      flags &= ~TcpFlag.FIN;
    }
    if (!(flags & TcpFlag.ACK)) {
      stats[Stat.dropTcpFlags]++;
      return;
    }
    if (state === TcpState.SYN_RECEIVED) {
      const ack = fields[TcpField.ACKNOWLEDGMENT];
      if (((ack - s.sndUna[i]) | 0) <= 0 || ((ack - s.sndMax[i]) | 0) > 0) {
        stats[Stat.dropTcpBadAck]++;
        this.replyReset(s.remoteIp[i]);
        return;
      }
      s.sndUna[i] = ack;
      this.establish(i, now);
    }
    if (!this.processAck(i, now)) return;
    const current = s.state[i];
    if (current !== TcpState.ESTABLISHED && current !== TcpState.FIN_WAIT_1 && current !== TcpState.FIN_WAIT_2) {
      // The peer's FIN came before: nothing after it is data.
      this.output(i, now, false);
      return;
    }
    if (dataLength > 0) {
      if (!(s.flags[i] & (SlotFlag.HELD | SlotFlag.QUEUED))) {
        // Nobody will ever read it: reset, as BSD and Linux do for data after close.
        this.resetSlot(i, Err.ECONNRESET, now);
        return;
      }
      if (!this.receiveData(i, offset, data, dataLength, now)) flags &= ~TcpFlag.FIN;
    }
    if (flags & TcpFlag.FIN) {
      s.finSeq[i] = (rcvNxt + offset + dataLength) >>> 0;
      s.flags[i] |= SlotFlag.FIN_RECEIVED;
    }
    if ((s.flags[i] & SlotFlag.FIN_RECEIVED) && s.finSeq[i] === s.rcvNxt[i]) {
      s.rcvNxt[i] = (s.rcvNxt[i] + 1) >>> 0;
      s.flags[i] = (s.flags[i] & ~SlotFlag.FIN_RECEIVED) | SlotFlag.ACK_NOW;
      s.events[i] |= TcpEvent.PEER_CLOSED;
      if (current === TcpState.ESTABLISHED) {
        s.state[i] = TcpState.CLOSE_WAIT;
      } else if (current === TcpState.FIN_WAIT_1) {
        s.state[i] = TcpState.CLOSING;
      } else {
        this.transmit(i, s.sndNxt[i], 0, TcpFlag.ACK, now);
        this.enterTimeWait(i, now);
        return;
      }
    } else if (flags & TcpFlag.FIN) {
      s.flags[i] |= SlotFlag.ACK_NOW;
    }
    this.output(i, now, false);
  }

  private synSentArrives(i: number, now: number): void {
    const fields = this.fields;
    const s = this.slots;
    const stats = this.stats;
    const flags = fields[TcpField.FLAGS];
    const ack = fields[TcpField.ACKNOWLEDGMENT];
    if (flags & TcpFlag.ACK) {
      if (((ack - s.sndUna[i]) | 0) <= 0 || ((ack - s.sndMax[i]) | 0) > 0) {
        stats[Stat.dropTcpBadAck]++;
        this.replyReset(s.remoteIp[i]);
        return;
      }
    }
    if (flags & TcpFlag.RST) {
      if (flags & TcpFlag.ACK) {
        stats[Stat.tcpResets]++;
        this.finish(i, Err.ECONNREFUSED);
      } else {
        stats[Stat.dropTcpFlags]++;
      }
      return;
    }
    if (!(flags & TcpFlag.SYN)) {
      stats[Stat.dropTcpFlags]++;
      return;
    }
    const peerMss = fields[TcpField.MSS];
    if (peerMss < TcpLimit.MIN_PEER_MSS) {
      stats[Stat.tcpMssRefused]++;
      this.replyReset(s.remoteIp[i]);
      this.finish(i, Err.ECONNREFUSED);
      return;
    }
    if (peerMss < s.mss[i]) s.mss[i] = peerMss;
    const rcvNxt = (fields[TcpField.SEQUENCE] + 1) >>> 0;
    s.rcvNxt[i] = rcvNxt;
    s.rcvAdv[i] = (rcvNxt + s.receiveLimit[i]) >>> 0;
    if (withSack && this.config.sack && fields[TcpField.SACK_PERMITTED]) s.flags[i] |= SlotFlag.SACK;
    s.lastActivity[i] = now;
    if (flags & TcpFlag.ACK) {
      // Data or FIN riding on the SYN-ACK is left for the peer to retransmit: our ACK covers only the SYN.
      s.sndUna[i] = ack;
      this.establish(i, now);
      s.flags[i] |= SlotFlag.ACK_NOW;
      this.output(i, now, false);
    } else {
      // Simultaneous open.
      s.state[i] = TcpState.SYN_RECEIVED;
      s.stateAt[i] = now + this.config.synReceivedTimeout;
      this.transmit(i, s.sndUna[i], 0, TcpFlag.SYN | TcpFlag.ACK, now);
      s.rtxAt[i] = now + s.rto[i];
    }
  }

  /** Our SYN is acknowledged (s.sndUna already moved past it); the current segment is the one that did it. */
  private establish(i: number, now: number): void {
    const fields = this.fields;
    const s = this.slots;
    s.state[i] = s.flags[i] & SlotFlag.FIN_QUEUED ? TcpState.FIN_WAIT_1 : TcpState.ESTABLISHED;
    const window = fields[TcpField.WINDOW];
    s.sndWnd[i] = window;
    s.maxSndWnd[i] = window;
    s.sndWl1[i] = fields[TcpField.SEQUENCE];
    s.sndWl2[i] = fields[TcpField.ACKNOWLEDGMENT];
    s.recover[i] = (s.sndUna[i] - 1) >>> 0;
    const mss = s.mss[i];
    // RFC 5681 3.1 initial window.
    s.cwnd[i] = mss > 2190 ? 2 * mss : mss > 1095 ? 3 * mss : 4 * mss;
    s.retries[i] = 0;
    s.rtxAt[i] = 0;
    s.stateAt[i] = 0;
    s.keepAt[i] = now + s.keepIdle[i];
    s.keepProbes[i] = 0;
    const flags = s.flags[i];
    if ((flags & SlotFlag.RTT_TIMING) && ((s.sndUna[i] - s.rttSeq[i]) | 0) > 0) {
      s.flags[i] = flags & ~SlotFlag.RTT_TIMING;
      this.rttSample(i, now - s.rttStart[i]);
    }
    if (flags & SlotFlag.HELD) s.events[i] |= TcpEvent.CONNECTED;
    this.stats[Stat.tcpEstablished]++;
  }

  /**
   * The ACK field, SACK blocks and window of the current segment (RFC 9293 3.10.7.4 fifth step,
   * RFC 5961 5, RFC 5681/6582 congestion control, RFC 6675 and 5827 entry into loss recovery,
   * which output() then drives). Returns false when the segment is finished with: dropped,
   * or the slot closed because our FIN was acknowledged in CLOSING or LAST_ACK.
   */
  private processAck(i: number, now: number): boolean {
    const s = this.slots;
    const stats = this.stats;
    const fields = this.fields;
    const ack = fields[TcpField.ACKNOWLEDGMENT];
    const una = s.sndUna[i];
    if (((ack - s.sndMax[i]) | 0) > 0 || ((ack - una + s.maxSndWnd[i]) | 0) < 0) {
      stats[Stat.dropTcpBadAck]++;
      this.challengeAck(i, now);
      return false;
    }
    const acked = (ack - una) | 0;
    let flags = s.flags[i];
    const mss = s.mss[i];
    let sackedBefore = 0;
    let sacked = 0;
    if (withSack && (flags & SlotFlag.SACK)) {
      const board = this.scoreboard;
      // A reordered old ACK (below snd.una) still brings blocks; they are judged against snd.una.
      const floor = acked > 0 ? ack : una;
      if (acked > 0) board.advance(i, ack);
      sackedBefore = board.held(i);
      const blocks = fields[TcpField.SACK_BLOCKS];
      if (blocks === SackOption.MALFORMED) stats[Stat.dropTcpSackBlocks]++;
      else stats[Stat.tcpSackBlocksIn] += blocks;
      for (let b = 0; b < blocks && blocks !== SackOption.MALFORMED; b++) {
        const left = fields[TcpField.SACK_EDGES + 2 * b];
        const right = fields[TcpField.SACK_EDGES + 2 * b + 1];
        if (b === 0 && (((right - ack) | 0) <= 0 || (blocks > 1 && ((left - fields[TcpField.SACK_EDGES + 2]) | 0) >= 0 &&
          ((right - fields[TcpField.SACK_EDGES + 3]) | 0) <= 0))) {
          stats[Stat.tcpDsacksIn]++;
          if (s.priorCwnd[i] !== 0 && ((left - s.undoFrom[i]) | 0) >= 0 && s.undoRetransmits[i] > 0 && --s.undoRetransmits[i] === 0) {
            // Every retransmission of the episode arrived twice: reordering, not loss, set it off.
            stats[Stat.tcpSpuriousRecoveriesUndone]++;
            if (s.cwnd[i] < s.priorCwnd[i]) s.cwnd[i] = s.priorCwnd[i];
            if (s.ssthresh[i] < s.priorSsthresh[i]) s.ssthresh[i] = s.priorSsthresh[i];
            // Reordering cannot run deeper than the window that was out.
            if (s.dupThreshold[i] < s.priorCwnd[i] / mss) s.dupThreshold[i] = s.dupThreshold[i] + 1;
            s.priorCwnd[i] = 0;
          }
        }
        // At or below snd.una a block reports a duplicate (RFC 2883 D-SACK) or is stale: nothing to learn.
        if (((right - floor) | 0) <= 0) continue;
        if (((left - floor) | 0) <= 0 || ((right - left) | 0) <= 0 || ((right - s.sndMax[i]) | 0) > 0) {
          stats[Stat.dropTcpSackBlocks]++;
          continue;
        }
        // A full scoreboard forgets the block: SACK is advisory, and all it costs is a needless retransmission.
        board.add(i, left, right, floor);
      }
      sacked = board.held(i);
    }
    if (flags & SlotFlag.PERSIST) s.retries[i] = 0;
    if (acked > 0) {
      const queued = s.sendLength[i];
      const dataAcked = acked > queued ? queued : acked;
      s.sendStart[i] = (s.sendStart[i] + dataAcked) % this.sendSize;
      s.sendLength[i] = queued - dataAcked;
      s.sndUna[i] = ack;
      if (((s.sndNxt[i] - ack) | 0) < 0) s.sndNxt[i] = ack;
      // New data acknowledged ends the backoff (as lwIP does), while Karn's rule still keeps the
      // ambiguous sample out of the estimator: at 30% loss clean samples are rare, and an RTO
      // that only ever doubles outlasts the user timeout on a path that is delivering.
      // With no sample yet (the SYN and every timed segment retransmitted) there is no estimate to
      // return to: the initial RTO is (RFC 6298 2.1), as in lwIP.
      if (s.retries[i] !== 0) {
        if (s.srtt8[i] !== 0) this.rttSample(i, -1);
        else s.rto[i] = this.config.rtoInitial;
      }
      s.retries[i] = 0;
      if ((flags & SlotFlag.RTT_TIMING) && ((ack - s.rttSeq[i]) | 0) > 0) {
        flags &= ~SlotFlag.RTT_TIMING;
        this.rttSample(i, now - s.rttStart[i]);
      }
      let cwnd = s.cwnd[i];
      if (flags & SlotFlag.RECOVERY) {
        if (((ack - s.recover[i]) | 0) >= 0) {
          // Full acknowledgment: leave fast recovery (RFC 6582 3.2 step 3).
          const flight = (s.sndMax[i] - ack) >>> 0;
          const deflated = (flight > mss ? flight : mss) + mss;
          // An undone episode keeps the window it restored.
          if (s.priorCwnd[i] !== 0) cwnd = deflated < s.ssthresh[i] ? deflated : s.ssthresh[i];
          flags &= ~SlotFlag.RECOVERY;
          s.dupAcks[i] = 0;
        } else {
          // Partial acknowledgment: the next hole is lost too, unless this episode resent it already.
          if (((s.retransmittedTo[i] - ack) | 0) <= 0) {
            s.flags[i] = flags;
            this.retransmitFirst(i, now);
            flags = s.flags[i];
          }
          // With SACK the pipe, not an inflated window, limits what recovery sends (RFC 6675 5).
          if (!(flags & SlotFlag.SACK)) {
            cwnd = cwnd > acked ? cwnd - acked : 0;
            if (acked >= mss || cwnd < mss) cwnd += mss;
          }
        }
      } else {
        s.dupAcks[i] = 0;
        // Appropriate byte counting (RFC 3465, L = 2 MSS): a peer that ACKs every second segment still doubles cwnd per RTT.
        const counted = acked < 2 * mss ? acked : 2 * mss;
        if (cwnd < s.ssthresh[i]) cwnd += counted;
        else cwnd += Math.floor(mss * counted / cwnd) || 1;
        if (cwnd > Limit.MAX_CWND) cwnd = Limit.MAX_CWND;
      }
      s.cwnd[i] = cwnd;
      if (s.sndMax[i] !== ack) {
        s.rtxAt[i] = now + s.rto[i];
        s.unackedSince[i] = now;
      } else {
        s.rtxAt[i] = 0;
      }
      if ((flags & SlotFlag.WANT_WRITABLE) && dataAcked > 0) {
        flags &= ~SlotFlag.WANT_WRITABLE;
        s.events[i] |= TcpEvent.WRITABLE;
      }
      s.flags[i] = flags;
      if (acked > queued) {
        // Our FIN is acknowledged.
        const state = s.state[i];
        if (state === TcpState.FIN_WAIT_1) {
          s.state[i] = TcpState.FIN_WAIT_2;
          if (!(flags & SlotFlag.HELD)) s.stateAt[i] = now + this.config.finWait2Timeout;
        } else if (state === TcpState.CLOSING) {
          this.enterTimeWait(i, now);
          return false;
        } else if (state === TcpState.LAST_ACK) {
          this.finish(i, 0);
          return false;
        }
      }
    } else if (acked === 0 && this.segment[Segment.DATA_LENGTH] === 0 && !(fields[TcpField.FLAGS] & TcpFlag.FIN) &&
      (fields[TcpField.WINDOW] === s.sndWnd[i] || sacked > sackedBefore) && s.sndMax[i] !== una) {
      // A duplicate ACK as RFC 5681 2 defines it, or one that SACKs new data whatever its window (RFC 6675 2).
      stats[Stat.tcpDupAcks]++;
      let duplicates = s.dupAcks[i];
      if (duplicates < 255) s.dupAcks[i] = ++duplicates;
      const flight = (s.sndMax[i] - una) >>> 0;
      // Early retransmit (RFC 5827): with two or three segments out and no full segment of new data
      // the windows let us send (a smaller one waits for Nagle), no third duplicate can come, and
      // without this every loss would wait for the RTO.
      let threshold = s.dupThreshold[i];
      const segments = Math.ceil(flight / mss);
      // A threshold raised for reordering must still be reachable by the segments in flight.
      if (threshold > 3 && threshold >= segments) threshold = segments > 4 ? segments - 1 : 3;
      if (segments >= 2 && segments < 4 &&
        (s.sendLength[i] - flight < mss || ((s.sndWl2[i] + s.sndWnd[i] - s.sndMax[i]) | 0) < mss)) threshold = segments - 1;
      const board = this.scoreboard;
      // A new episode may start where the last one ended with SACK (RFC 6675 5: HighACK >= RecoveryPoint);
      // without it only beyond, lest duplicates from the old window retransmit again (RFC 6582 4.1).
      if (flags & SlotFlag.RECOVERY) {
        if (!withSack || !(flags & SlotFlag.SACK)) {
          s.cwnd[i] += mss;
        } else if (((s.retransmittedTo[i] - una) | 0) > 0 && board.count[i] > 0 &&
          ((board.end[i * board.perSlot + board.count[i] - 1] - s.retransmittedAtMax[i]) | 0) > (s.dupThreshold[i] - 1) * mss) {
          // What was sent after the retransmission of snd.una arrives and it does not: lost again,
          // and resent now rather than after an RTO (as RACK would, RFC 8985).
          stats[Stat.tcpLostRetransmits]++;
          const resentTo = s.retransmittedTo[i];
          this.retransmitFirst(i, now);
          if (((resentTo - s.retransmittedTo[i]) | 0) > 0) s.retransmittedTo[i] = resentTo;
        }
      } else if ((duplicates >= threshold || sacked > (threshold - 1) * mss) && ((ack - s.recover[i]) | 0) >= (flags & SlotFlag.SACK ? 0 : 1)) {
        s.priorCwnd[i] = s.cwnd[i];
        s.priorSsthresh[i] = s.ssthresh[i];
        s.undoFrom[i] = una;
        s.undoRetransmits[i] = 0;
        // Reno's half (RFC 5681 3.2 step 2). CUBIC's 0.7 measured 50% faster at 5% random loss, but
        // only pairs with CUBIC's growth; with Reno's growth it would take more than a fair share.
        const reduced = flight >>> 1;
        s.ssthresh[i] = reduced > 2 * mss ? reduced : 2 * mss;
        s.recover[i] = s.sndMax[i];
        s.flags[i] = (flags | SlotFlag.RECOVERY) & ~SlotFlag.RTT_TIMING;
        stats[Stat.tcpFastRetransmits]++;
        if (duplicates < 3 && duplicates >= threshold) stats[Stat.tcpEarlyRetransmits]++;
        this.retransmitFirst(i, now);
        s.cwnd[i] = s.ssthresh[i] + (flags & SlotFlag.SACK ? 0 : duplicates * mss);
      }
    }
    const seq = fields[TcpField.SEQUENCE];
    if (((s.sndWl1[i] - seq) | 0) < 0 || (s.sndWl1[i] === seq && ((s.sndWl2[i] - ack) | 0) <= 0)) {
      const window = fields[TcpField.WINDOW];
      s.sndWnd[i] = window;
      s.sndWl1[i] = seq;
      s.sndWl2[i] = ack;
      if (window > s.maxSndWnd[i]) s.maxSndWnd[i] = window;
    }
    return true;
  }

  /**
   * Stores in-window data at its offset from rcv.nxt (offset >= 0). In order, it becomes readable
   * together with any ranges it joins; out of order, it is recorded in the assembler, or dropped
   * when that needs a range and none is free (returns false).
   */
  private receiveData(i: number, offset: number, data: number, length: number, now: number): boolean {
    const s = this.slots;
    const stats = this.stats;
    const size = this.receiveSize;
    const rcvNxt = s.rcvNxt[i];
    if (offset > 0) {
      const first = (rcvNxt + offset) >>> 0;
      s.flags[i] |= SlotFlag.ACK_NOW;
      if (!this.reassembly.add(i, first, (first + length) >>> 0, rcvNxt)) {
        stats[Stat.dropTcpOutOfOrderFull]++;
        return false;
      }
      stats[Stat.tcpOutOfOrder]++;
    }
    const position = (s.recvStart[i] + s.recvLength[i] + offset) % size;
    ringCopy(this.hal, this.receiveRings, i * size, size, position, this.segBuf, data, length, true);
    if (offset > 0) return true;
    let advance = length;
    if (this.reassembly.count[i] > 0) {
      // The segment fills (part of) a hole: ACK at once (RFC 5681 4.2).
      advance += this.reassembly.advance(i, (rcvNxt + length) >>> 0);
      s.flags[i] |= SlotFlag.ACK_NOW;
    }
    s.rcvNxt[i] = (rcvNxt + advance) >>> 0;
    s.recvLength[i] += advance;
    s.events[i] |= TcpEvent.READABLE;
    const flags = s.flags[i];
    if (!(flags & SlotFlag.ACK_NOW)) {
      // Delayed ACK, but never past the second segment (RFC 1122 4.2.3.2).
      if (this.config.delayedAck === 0 || (flags & SlotFlag.ACK_PENDING)) {
        s.flags[i] = flags | SlotFlag.ACK_NOW;
      } else {
        s.flags[i] = flags | SlotFlag.ACK_PENDING;
        s.ackAt[i] = now + this.config.delayedAck;
      }
    }
    return true;
  }

  /** A segment for a 4-tuple in TIME_WAIT. Returns false when it is not one, or is a SYN that reopens it. */
  private timeWaitSegment(srcIp: number, now: number): boolean {
    const segment = this.segment;
    const fields = this.fields;
    const table = this.timeWait;
    const stats = this.stats;
    const localPort = fields[TcpField.DESTINATION_PORT];
    const remotePort = fields[TcpField.SOURCE_PORT];
    segment[Segment.REOPENED_SND_NXT] = -1;
    const t = table.find(srcIp, localPort, remotePort);
    if (t < 0) return false;
    const flags = fields[TcpField.FLAGS];
    const sndNxt = table.sndNxt[t];
    const rcvNxt = table.rcvNxt[t];
    if (flags & TcpFlag.RST) {
      stats[Stat.twRstIgnored]++;
      return true;
    }
    if ((flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN) {
      if (((fields[TcpField.SEQUENCE] - rcvNxt) | 0) > 0) {
        // Beyond the old rcv.nxt no old duplicate can pass for new data, but the record gives way
        // only to a SYN a listener will take: with none, the listener path refuses the SYN with
        // RST and the 4-tuple stays guarded for the rest of its 2MSL.
        if (this.findListener(localPort) >= 0) {
          table.remove(t);
          segment[Segment.REOPENED_SND_NXT] = sndNxt;
          stats[Stat.twSynReopened]++;
        }
        return false;
      }
      stats[Stat.twSynAnsweredWithAck]++;
    } else if (flags & TcpFlag.FIN) {
      table.remove(t);
      table.insert(srcIp, localPort, remotePort, sndNxt, rcvNxt, now);
      stats[Stat.twFinReacked]++;
    } else if (segment[Segment.DATA_LENGTH] === 0 && fields[TcpField.SEQUENCE] === rcvNxt && !(flags & TcpFlag.SYN)) {
      // An in-window bare ACK needs no answer; answering would ping-pong with a peer also in TIME_WAIT.
      return true;
    } else {
      stats[Stat.twSegmentsAcked]++;
    }
    this.emit(srcIp, localPort, remotePort, sndNxt, rcvNxt, TcpFlag.ACK, 0, 0, false, -1, 0, 0);
    return true;
  }

  /** A segment for no slot and no TIME_WAIT record: the SYN queue, a listener, a SYN cookie, or a reset. */
  private listenerSegment(srcIp: number, now: number): void {
    const fields = this.fields;
    const stats = this.stats;
    const config = this.config;
    const queue = this.synQueue;
    const flags = fields[TcpField.FLAGS];
    const localPort = fields[TcpField.DESTINATION_PORT];
    const remotePort = fields[TcpField.SOURCE_PORT];
    const seq = fields[TcpField.SEQUENCE];
    const ack = fields[TcpField.ACKNOWLEDGMENT];
    const r = queue.find(srcIp, remotePort, localPort);
    if (r >= 0) {
      const irs = queue.irs[r];
      const iss = queue.iss[r];
      if (flags & TcpFlag.RST) {
        if (seq === ((irs + 1) >>> 0)) queue.remove(r);
        else stats[Stat.dropTcpOutOfWindow]++;
        return;
      }
      if (flags & TcpFlag.SYN) {
        if (seq === irs) {
          stats[Stat.tcpSynAckRetransmits]++;
          // A retransmission like the timer's (Linux counts it too): Karn's rule (RFC 6298 3) must
          // keep the handshake's ambiguous round trip out of the estimator.
          if (queue.retries[r] < config.synRetries) queue.retries[r]++;
          this.emit(srcIp, localPort, remotePort, iss, (irs + 1) >>> 0, TcpFlag.SYN | TcpFlag.ACK, config.receiveBuffer, this.ourMss,
            queue.sackPermitted[r] === 1, -1, 0, 0);
          return;
        }
        // A new incarnation from the same peer port: forget the old handshake.
        queue.remove(r);
      } else if (flags & TcpFlag.ACK) {
        if (ack !== ((iss + 1) >>> 0)) {
          stats[Stat.dropTcpBadAck]++;
          this.replyReset(srcIp);
        } else if (((seq - irs - 1) | 0) < 0 || ((seq - irs - 1) | 0) >= config.receiveBuffer) {
          stats[Stat.dropTcpOutOfWindow]++;
        } else {
          this.completeHandshake(queue.listener[r], srcIp, irs, iss, queue.mss[r], r, now);
        }
        return;
      } else {
        stats[Stat.dropTcpFlags]++;
        return;
      }
    }
    const listener = this.findListener(localPort);
    if (listener < 0) {
      if (flags & TcpFlag.RST) {
        stats[Stat.dropTcpNoSocket]++;
      } else {
        stats[Stat.tcpRefusedNoListener]++;
        this.replyReset(srcIp);
      }
      return;
    }
    if (flags & TcpFlag.RST) {
      stats[Stat.dropTcpNoSocket]++;
      return;
    }
    const localIp = this.ip.localIp();
    if (flags & TcpFlag.ACK) {
      if (withSynCookies && config.synCookies && !(flags & TcpFlag.SYN)) {
        const mssIndex = this.secrets.checkCookie(localIp, localPort, srcIp, remotePort, (seq - 1) >>> 0, (ack - 1) >>> 0, now);
        if (mssIndex >= 0) {
          stats[Stat.tcpSynCookiesAccepted]++;
          const mss = cookieMss[mssIndex] < this.ourMss ? cookieMss[mssIndex] : this.ourMss;
          this.completeHandshake(listener, srcIp, (seq - 1) >>> 0, (ack - 1) >>> 0, mss, -1, now);
          return;
        }
        stats[Stat.tcpSynCookiesRejected]++;
      }
      this.replyReset(srcIp);
      return;
    }
    if (!(flags & TcpFlag.SYN)) {
      stats[Stat.dropTcpFlags]++;
      return;
    }
    const peerMss = fields[TcpField.MSS];
    if (peerMss < TcpLimit.MIN_PEER_MSS) {
      stats[Stat.tcpMssRefused]++;
      this.replyReset(srcIp);
      return;
    }
    if (this.heapPressure) {
      // Dropped without an answer, as an overflowing listen queue does: the peer sees nothing and
      // retransmits its SYN with backoff, so a client that tries during a short dip gets in once
      // memory recovers; a RST would turn a transient shortage into ECONNREFUSED.
      stats[Stat.wdRefusedConnections]++;
      return;
    }
    const mss = peerMss < this.ourMss ? peerMss : this.ourMss;
    let iss: number;
    let offerSack = false;
    if (queue.count < queue.capacity) {
      iss = this.secrets.isn(localIp, localPort, srcIp, remotePort, now);
      // A 4-tuple reopened from TIME_WAIT starts beyond everything the old connection sent (as
      // Linux does), so the peer cannot take an old duplicate of ours for new data: the ISN clock
      // alone (250 per ms) falls behind an old connection that sent faster than that.
      const floor = this.segment[Segment.REOPENED_SND_NXT];
      if (floor >= 0 && ((iss - floor) | 0) <= 0) iss = (floor + Limit.MAX_WINDOW + 2) >>> 0;
      offerSack = withSack && config.sack && fields[TcpField.SACK_PERMITTED] === 1;
      const record = queue.add(listener, srcIp, remotePort, localPort, seq, iss, mss, offerSack, now + config.rtoInitial);
      this.synStarted[record] = now;
    } else {
      // The SYN queue is full: answer statelessly with a SYN cookie (RFC 4987 3.6), so a flood
      // cannot deny service. Counted as an overflow and as a cookie sent; the cookie encodes the
      // MSS in 8 steps and, being our ISS, cannot honour the floor of a reopened TIME_WAIT. It has no
      // bit for SACK-permitted (one taken from the hash would weaken it), so a cookie does not offer SACK.
      // Without cookies the SYN is dropped, as an overflowing listen queue does: the peer retries.
      stats[Stat.tcpSynQueueFull]++;
      if (!withSynCookies || !config.synCookies) return;
      stats[Stat.tcpSynCookiesSent]++;
      iss = this.secrets.cookie(localIp, localPort, srcIp, remotePort, seq, cookieMssIndex(mss), now);
    }
    this.emit(srcIp, localPort, remotePort, iss, (seq + 1) >>> 0, TcpFlag.SYN | TcpFlag.ACK, config.receiveBuffer, this.ourMss, offerSack, -1, 0, 0);
  }

  /**
   * The ACK that completes a passive open: takes a slot only if the listener's accept queue has
   * room and a slot is free; otherwise the ACK is dropped and the SynQueue record (if any) stays,
   * so the peer's retransmission completes it later. Then the rest of the segment is processed.
   */
  private completeHandshake(listener: number, remoteIp: number, irs: number, iss: number, mss: number, record: number, now: number): void {
    const fields = this.fields;
    const stats = this.stats;
    // Accept queue full or no free slot: the ACK is dropped, not answered with RST (as Linux does
    // by default), so a client that arrives while the application is busy is delayed, not
    // refused. The SYN-queue record keeps retransmitting its SYN-ACK, whose answer retries; a
    // cookie's peer retries with its next segment, its cookie valid for up to two periods.
    if (this.acceptCount[listener] >= this.backlogs[listener]) {
      stats[Stat.tcpAcceptQueueFull]++;
      return;
    }
    const i = this.freeSlot();
    if (i < 0) {
      stats[Stat.tcpEmfile]++;
      return;
    }
    const s = this.slots;
    s.reset(i, now);
    s.remoteIp[i] = remoteIp;
    s.remotePort[i] = fields[TcpField.SOURCE_PORT];
    s.localPort[i] = fields[TcpField.DESTINATION_PORT];
    s.mss[i] = mss;
    const rcvNxt = (irs + 1) >>> 0;
    s.rcvNxt[i] = rcvNxt;
    s.rcvAdv[i] = (rcvNxt + this.config.receiveBuffer) >>> 0;
    const sndUna = (iss + 1) >>> 0;
    s.sndUna[i] = sndUna;
    s.sndNxt[i] = sndUna;
    s.sndMax[i] = sndUna;
    if (record >= 0) {
      if (this.synQueue.sackPermitted[record]) s.flags[i] |= SlotFlag.SACK;
      if (this.synQueue.retries[record] === 0) this.rttSample(i, now - this.synStarted[record]);
      this.synQueue.remove(record);
    }
    this.establish(i, now);
    s.listener[i] = listener;
    s.acceptNext[i] = Limit.NONE;
    if (this.acceptTail[listener] === Limit.NONE) this.acceptHead[listener] = i;
    else s.acceptNext[this.acceptTail[listener]] = i;
    this.acceptTail[listener] = i;
    this.acceptCount[listener]++;
    s.flags[i] |= SlotFlag.QUEUED;
    this.listenerEvents[listener] |= ListenerEvent.ACCEPTABLE;
    stats[Stat.tcpPassiveOpens]++;
    this.segmentArrives(i, now);
  }

  // ---------------------------------------------------------------- output

  /**
   * Sends what the windows, Nagle (RFC 896) and sender-side silly-window avoidance (RFC 1122
   * 4.2.3.4) allow, then any ACK still owed. `force` sends the first segment regardless of Nagle
   * and SWS (retransmission timeout, persist timer with a small window). In SACK loss recovery
   * the holes deemed lost go first, each once, and the pipe stands for what is in flight
   * (RFC 6675); on the first two duplicate ACKs new data may exceed cwnd by one segment per
   * duplicate (limited transmit, RFC 3042).
   */
  output(i: number, now: number, force: boolean): void {
    const s = this.slots;
    const state = s.state[i];
    if (state === TcpState.ESTABLISHED || state === TcpState.CLOSE_WAIT || state === TcpState.FIN_WAIT_1 ||
      state === TcpState.CLOSING || state === TcpState.LAST_ACK) {
      const mss = s.mss[i];
      const board = this.scoreboard;
      for (;;) {
        const flags = s.flags[i];
        const una = s.sndUna[i];
        const nxt = s.sndNxt[i];
        const sent = (nxt - una) >>> 0;
        let unsent = s.sendLength[i] - sent;
        if (unsent < 0) unsent = 0;
        let pipe = sent;
        let hole = 0;
        let holeLength = 0;
        if (withSack && (flags & (SlotFlag.RECOVERY | SlotFlag.SACK)) === (SlotFlag.RECOVERY | SlotFlag.SACK)) {
          // A hole is deemed lost once more than two segments above it are SACKed (RFC 6675 IsLost);
          // the pipe leaves out what is SACKed and what is lost and not yet resent. Walking down from
          // the highest range finds the lowest such hole last.
          const base = i * board.perSlot;
          let resent = (s.retransmittedTo[i] - una) | 0;
          if (resent < 0) resent = 0;
          let sackedAbove = 0;
          let lost = 0;
          for (let k = board.count[i] - 1; k >= 0; k--) {
            const start = (board.start[base + k] - una) >>> 0;
            sackedAbove += ((board.end[base + k] - una) >>> 0) - start;
            let from = k > 0 ? (board.end[base + k - 1] - una) >>> 0 : 0;
            if (from < resent) from = resent;
            if (sackedAbove > (s.dupThreshold[i] - 1) * mss && start > from) {
              lost += start - from;
              hole = from;
              holeLength = start - from;
            }
          }
          pipe = sent - sackedAbove - lost;
        }
        let room = s.cwnd[i] - pipe;
        if (!(flags & SlotFlag.RECOVERY) && s.dupAcks[i] <= 2) room += s.dupAcks[i] * mss;
        if (holeLength > 0) {
          let resend = holeLength < mss ? holeLength : mss;
          if (resend > s.sendLength[i] - hole) resend = s.sendLength[i] - hole;
          if (resend <= 0 || room < resend) break;
          this.transmit(i, (una + hole) >>> 0, resend, TcpFlag.ACK, now);
          s.retransmittedTo[i] = (una + hole + resend) >>> 0;
          s.retransmittedAtMax[i] = s.sndMax[i];
          this.stats[Stat.tcpRetransmits]++;
          this.stats[Stat.tcpSackRetransmits]++;
          if (s.undoRetransmits[i] < 255) s.undoRetransmits[i]++;
          if (s.rtxAt[i] === 0) s.rtxAt[i] = now + s.rto[i];
          continue;
        }
        // The peer's right edge is where its last window update put it: an ACK on an older
        // sequence number moves snd.una, not the edge (RFC 9293's snd.una + snd.wnd would slide it).
        let length = ((s.sndWl2[i] + s.sndWnd[i] - una) | 0) - sent;
        if (room < length) length = room;
        if (length < 0) length = 0;
        if (length > unsent) length = unsent;
        if (length > mss) length = mss;
        const fin = (flags & (SlotFlag.FIN_QUEUED | SlotFlag.FIN_SENT)) === SlotFlag.FIN_QUEUED && length === unsent;
        if (length > 0) {
          if (!(force || length === mss ||
            (length === unsent && (fin || sent === 0 || (flags & SlotFlag.NO_DELAY))) ||
            (length < unsent && length >= (s.maxSndWnd[i] >>> 1)))) break;
        } else if (!fin) {
          break;
        }
        force = false;
        const max = s.sndMax[i];
        if (max === una) s.unackedSince[i] = now;
        this.transmit(i, nxt | 0, length, TcpFlag.ACK | (fin ? TcpFlag.FIN : 0) | (length > 0 && length === unsent ? TcpFlag.PSH : 0), now);
        if (nxt !== max) {
          this.stats[Stat.tcpRetransmits]++;
        } else if (!(flags & SlotFlag.RTT_TIMING)) {
          s.rttSeq[i] = nxt;
          s.rttStart[i] = now;
          s.flags[i] |= SlotFlag.RTT_TIMING;
        }
        const end = (nxt + length + (fin ? 1 : 0)) >>> 0;
        s.sndNxt[i] = end;
        if (((end - max) | 0) > 0) s.sndMax[i] = end;
        if (fin) s.flags[i] |= SlotFlag.FIN_SENT;
        if (s.rtxAt[i] === 0 || (s.flags[i] & SlotFlag.PERSIST)) {
          s.rtxAt[i] = now + s.rto[i];
          s.flags[i] &= ~SlotFlag.PERSIST;
          s.backoff[i] = 0;
        }
        if (fin) break;
      }
      if (s.sndMax[i] === s.sndUna[i] && s.sendLength[i] > 0 && s.rtxAt[i] === 0) {
        // Data waits on a window too small to use: the persist timer makes sure we ask again.
        s.rtxAt[i] = now + this.persistInterval(i);
        s.flags[i] |= SlotFlag.PERSIST;
      }
    }
    // A bare ACK goes out from snd.max, not from a snd.nxt a timeout pulled back (as FreeBSD does):
    // from there it is inside the peer's window even when the peer already has what we resend.
    if ((s.flags[i] & SlotFlag.ACK_NOW) && state !== TcpState.SYN_SENT) this.transmit(i, s.sndMax[i] | 0, 0, TcpFlag.ACK, now);
  }

  /** Resends the first unacknowledged segment (fast retransmit, NewReno partial ACK). */
  private retransmitFirst(i: number, now: number): void {
    const s = this.slots;
    const queued = s.sendLength[i];
    const length = queued < s.mss[i] ? queued : s.mss[i];
    const finOut = ((s.sndMax[i] - s.sndUna[i]) >>> 0) > queued && length === queued;
    if (length === 0 && !finOut) return;
    this.stats[Stat.tcpRetransmits]++;
    if (s.undoRetransmits[i] < 255) s.undoRetransmits[i]++;
    this.transmit(i, s.sndUna[i] | 0, length, TcpFlag.ACK | (finOut ? TcpFlag.FIN : 0), now);
    s.retransmittedTo[i] = (s.sndUna[i] + length) >>> 0;
    s.retransmittedAtMax[i] = s.sndMax[i];
  }

  /**
   * Sends one segment of slot i: seq, `length` bytes of the send ring from seq on, our current
   * acknowledgment and window (receiver-side silly-window avoidance, RFC 1122 4.2.3.3: the right
   * edge moves only by at least min(MSS, half the buffer), and never back). `seq` may be signed
   * (`| 0`), as the per-segment callers pass it: see Transport.input.
   */
  private transmit(i: number, seq: number, length: number, flags: number, now: number): void {
    const s = this.slots;
    const state = s.state[i];
    const rcvNxt = s.rcvNxt[i];
    let window: number;
    if (state === TcpState.SYN_SENT) {
      window = s.receiveLimit[i];
    } else {
      let free = s.receiveLimit[i] - s.recvLength[i];
      if (free < 0) free = 0;
      // Under heap pressure offer at most one more segment. The edge already advertised stays
      // (rcvAdv never moves left, RFC 9293 3.8.6.2.2): only what is offered from now on shrinks.
      if (this.heapPressure && free > s.mss[i]) free = s.mss[i];
      const edge = (rcvNxt + free) >>> 0;
      const grow = (edge - s.rcvAdv[i]) | 0;
      if (grow > 0) {
        const half = s.receiveLimit[i] >>> 1;
        if (grow >= (s.mss[i] < half ? s.mss[i] : half)) s.rcvAdv[i] = edge;
      }
      window = (s.rcvAdv[i] - rcvNxt) | 0;
      if (window < 0) window = 0;
      if (window > Limit.MAX_WINDOW) window = Limit.MAX_WINDOW;
    }
    const position = length > 0 ? (s.sendStart[i] + ((seq - s.sndUna[i]) >>> 0)) % this.sendSize : 0;
    const offerSack = withSack && (flags & TcpFlag.SYN) !== 0 && (state === TcpState.SYN_SENT ? this.config.sack : (s.flags[i] & SlotFlag.SACK) !== 0);
    this.emit(s.remoteIp[i] | 0, s.localPort[i], s.remotePort[i], seq, flags & TcpFlag.ACK ? rcvNxt | 0 : 0, flags, window,
      flags & TcpFlag.SYN ? (s.mss[i] < this.ourMss ? s.mss[i] : this.ourMss) : 0, offerSack, i, position, length);
    if (flags & TcpFlag.ACK) {
      s.flags[i] &= ~(SlotFlag.ACK_PENDING | SlotFlag.ACK_NOW);
      s.ackAt[i] = 0;
    }
    if (length > 0) s.lastActivity[i] = now;
  }

  /**
   * Builds one segment in the IP layer's frame (payload from slot's send ring when length > 0), checksums and sends it.
   * `remoteIp`, `seq` and `ack` may be signed (see Transport.input).
   * A SYN may offer SACK-permitted; an ACK of a SACK slot whose receive ring holds out-of-order ranges carries
   * them as SACK blocks, as many as fit beside the data in one frame.
   */
  private emit(
    remoteIp: number, localPort: number, remotePort: number, seq: number, ack: number, flags: number,
    window: number, mss: number, sackPermitted: boolean, slot: number, position: number, length: number,
  ): void {
    const ip = this.ip;
    const frame = ip.frame;
    const at = ip.payloadOffset;
    let headerLength = writeTcpHeader(frame, at, localPort, remotePort, seq, ack, flags, window, mss);
    const r = this.reassembly;
    let blocks = 0;
    let duplicate = 0;
    if (withSack && slot >= 0 && (flags & (TcpFlag.ACK | TcpFlag.SYN | TcpFlag.RST)) === TcpFlag.ACK && (this.slots.flags[slot] & SlotFlag.SACK)) {
      duplicate = slot === this.segment[Segment.DUPLICATE_SLOT] ? 1 : 0;
      blocks = r.count[slot] + duplicate;
      const room = (ip.maxPayload - headerLength - length - 4) >> 3;
      if (blocks > room) blocks = room;
      if (blocks > TcpHeader.MAX_SACK_BLOCKS) blocks = TcpHeader.MAX_SACK_BLOCKS;
    }
    if (withSack && (sackPermitted || blocks > 0)) {
      // Two NOPs first keep the edges 4-byte aligned (RFC 2018's layout).
      let o = at + headerLength;
      frame[o] = TcpOptionKind.NOP;
      frame[o + 1] = TcpOptionKind.NOP;
      frame[o + 2] = sackPermitted ? TcpOptionKind.SACK_PERMITTED : TcpOptionKind.SACK;
      frame[o + 3] = sackPermitted ? TcpHeader.SACK_PERMITTED_LENGTH : 2 + blocks * TcpHeader.SACK_BLOCK_LENGTH;
      o += 4;
      headerLength += 4 + blocks * TcpHeader.SACK_BLOCK_LENGTH;
      frame[at + TcpHeader.DATA_OFFSET] = (headerLength >>> 2) << 4;
      if (blocks > 0) {
        // RFC 2018 4: the first block holds the segment that arrived last; the others follow from the
        // highest down, where the newest data tends to be when not all of them fit.
        const base = slot * r.perSlot;
        const n = r.count[slot];
        const latest = r.latest[slot];
        let first = n - 1;
        for (let k = 0; k < n; k++) {
          if (((latest - r.start[base + k]) >>> 0) < ((r.end[base + k] - r.start[base + k]) >>> 0)) first = k;
        }
        let k = first;
        let next = n - 1;
        for (let b = 0; b < blocks; b++) {
          const left = b < duplicate ? this.segment[Segment.DUPLICATE_START] : r.start[base + k];
          const right = b < duplicate ? this.segment[Segment.DUPLICATE_END] : r.end[base + k];
          frame[o] = left >>> 24;
          frame[o + 1] = (left >>> 16) & 255;
          frame[o + 2] = (left >>> 8) & 255;
          frame[o + 3] = left & 255;
          frame[o + 4] = right >>> 24;
          frame[o + 5] = (right >>> 16) & 255;
          frame[o + 6] = (right >>> 8) & 255;
          frame[o + 7] = right & 255;
          o += TcpHeader.SACK_BLOCK_LENGTH;
          if (b < duplicate) continue;
          if (next === first) next--;
          k = next--;
        }
        this.stats[Stat.tcpSackBlocksOut] += blocks;
        this.segment[Segment.DUPLICATE_SLOT] = -1;
      }
    }
    if (length > 0) ringCopy(this.hal, this.sendRings, slot * this.sendSize, this.sendSize, position, frame, at + headerLength, length, false);
    const total = headerLength + length;
    const sum = transportChecksum(this.hal, frame, at, total, ip.localIp(), remoteIp, Limit.PROTOCOL);
    frame[at + TcpHeader.CHECKSUM] = sum >>> 8;
    frame[at + TcpHeader.CHECKSUM + 1] = sum & 255;
    this.stats[Stat.tcpOut]++;
    if (flags & TcpFlag.RST) this.stats[Stat.tcpRstOut]++;
    ip.send(remoteIp | 0, Limit.PROTOCOL, total);
  }

  /** RFC 9293 3.10.7.1 reset for the current segment (never in reply to a RST). */
  private replyReset(remoteIp: number): void {
    const fields = this.fields;
    const flags = fields[TcpField.FLAGS];
    if (flags & TcpFlag.RST) return;
    if (flags & TcpFlag.ACK) {
      this.emit(remoteIp, fields[TcpField.DESTINATION_PORT], fields[TcpField.SOURCE_PORT], fields[TcpField.ACKNOWLEDGMENT], 0, TcpFlag.RST, 0, 0, false, -1, 0, 0);
    } else {
      const length = this.segment[Segment.DATA_LENGTH] + (flags & TcpFlag.SYN ? 1 : 0) + (flags & TcpFlag.FIN ? 1 : 0);
      this.emit(remoteIp, fields[TcpField.DESTINATION_PORT], fields[TcpField.SOURCE_PORT], 0, (fields[TcpField.SEQUENCE] + length) >>> 0,
        TcpFlag.RST | TcpFlag.ACK, 0, 0, false, -1, 0, 0);
    }
  }

  /** RFC 5961 challenge ACK, limited per slot (never globally: CVE-2016-5696). */
  private challengeAck(i: number, now: number): void {
    const s = this.slots;
    if (now - s.challengeStart[i] >= Limit.CHALLENGE_PERIOD) {
      s.challengeStart[i] = now;
      s.challengeCount[i] = 0;
    }
    if (s.challengeCount[i] < this.config.challengeAckLimit) {
      s.challengeCount[i]++;
      this.stats[Stat.tcpChallengeAcks]++;
      this.transmit(i, s.sndMax[i], 0, TcpFlag.ACK, now);
    } else {
      this.stats[Stat.tcpChallengeAcksThrottled]++;
    }
  }

  // ---------------------------------------------------------------- timers

  tick(now: number): void {
    const s = this.slots;
    const stats = this.stats;
    const n = this.slotCount;
    for (let i = 0; i < n; i++) {
      if (s.state[i] === TcpState.CLOSED) continue;
      if ((s.flags[i] & SlotFlag.ACK_PENDING) && now >= s.ackAt[i]) this.transmit(i, s.sndMax[i], 0, TcpFlag.ACK, now);
      if (s.rtxAt[i] !== 0 && now >= s.rtxAt[i]) {
        this.timeout(i, now);
        if (s.state[i] === TcpState.CLOSED) continue;
      }
      const state = s.state[i];
      if (state >= TcpState.ESTABLISHED && s.userTimeout[i] > 0 && s.sndMax[i] !== s.sndUna[i] &&
        now - s.unackedSince[i] >= s.userTimeout[i]) {
        stats[Stat.tcpUserTimeouts]++;
        this.resetSlot(i, Err.ETIMEDOUT, now);
        continue;
      }
      if (s.stateAt[i] !== 0 && now >= s.stateAt[i]) {
        stats[Stat.tcpStateTimeouts]++;
        this.resetSlot(i, Err.ETIMEDOUT, now);
        continue;
      }
      if ((s.flags[i] & SlotFlag.KEEPALIVE) && now >= s.keepAt[i] &&
        (state === TcpState.ESTABLISHED || state === TcpState.CLOSE_WAIT || state === TcpState.FIN_WAIT_2)) {
        if (s.sendLength[i] > 0) {
          // Keepalive is for idle connections; with data queued, retransmission and persist limits apply.
          s.keepAt[i] = now + s.keepIdle[i];
        } else if (s.keepProbes[i] >= s.keepCount[i]) {
          stats[Stat.tcpKeepaliveTimeouts]++;
          this.resetSlot(i, Err.ETIMEDOUT, now);
        } else {
          s.keepProbes[i]++;
          stats[Stat.tcpKeepaliveProbes]++;
          this.transmit(i, (s.sndUna[i] - 1) >>> 0, 0, TcpFlag.ACK, now);
          s.keepAt[i] = now + s.keepInterval[i];
        }
      }
    }
    this.synQueueTimers(now);
    this.timeWait.expire(now);
  }

  /** The retransmission (or persist) timer of slot i expired. */
  private timeout(i: number, now: number): void {
    const s = this.slots;
    const stats = this.stats;
    const config = this.config;
    const state = s.state[i];
    let flags = s.flags[i];
    s.rtxAt[i] = 0;
    if (flags & SlotFlag.PERSIST) {
      s.flags[i] = flags & ~SlotFlag.PERSIST;
      if (s.sendLength[i] === 0 || s.sndMax[i] !== s.sndUna[i]) return;
      if (((s.sndWl2[i] + s.sndWnd[i] - s.sndUna[i]) | 0) > 0) {
        this.output(i, now, true);
        return;
      }
      // Zero window: probe with an old sequence number (as Linux does), so the probe carries no data;
      // only probes nobody answers count towards the abort.
      if (s.retries[i] >= config.dataRetries) {
        stats[Stat.tcpRetransmitAborts]++;
        this.resetSlot(i, Err.ETIMEDOUT, now);
        return;
      }
      s.retries[i]++;
      if (s.backoff[i] < Limit.MAX_BACKOFF) s.backoff[i]++;
      stats[Stat.tcpZeroWindowProbes]++;
      this.transmit(i, (s.sndUna[i] - 1) >>> 0, 0, TcpFlag.ACK, now);
      s.rtxAt[i] = now + this.persistInterval(i);
      s.flags[i] |= SlotFlag.PERSIST;
      return;
    }
    let rto = s.rto[i] * 2;
    if (rto > config.rtoMax) rto = config.rtoMax;
    if (state === TcpState.SYN_SENT || state === TcpState.SYN_RECEIVED) {
      if (s.retries[i] >= config.synRetries) {
        stats[state === TcpState.SYN_SENT ? Stat.tcpConnectTimeouts : Stat.tcpStateTimeouts]++;
        this.resetSlot(i, Err.ETIMEDOUT, now);
        return;
      }
      s.retries[i]++;
      s.rto[i] = rto;
      s.flags[i] = flags & ~SlotFlag.RTT_TIMING;
      stats[Stat.tcpRetransmits]++;
      this.transmit(i, s.sndUna[i], 0, state === TcpState.SYN_SENT ? TcpFlag.SYN : TcpFlag.SYN | TcpFlag.ACK, now);
      s.rtxAt[i] = now + rto;
      return;
    }
    const una = s.sndUna[i];
    if (s.sndMax[i] === una) return;
    if (s.retries[i] >= config.dataRetries) {
      stats[Stat.tcpRetransmitAborts]++;
      this.resetSlot(i, Err.ETIMEDOUT, now);
      return;
    }
    stats[Stat.tcpRtoTimeouts]++;
    const mss = s.mss[i];
    if (++s.retries[i] === 1) {
      // RFC 5681 (4): only the first timeout of a series lowers ssthresh.
      const half = ((s.sndMax[i] - una) >>> 0) >>> 1;
      s.ssthresh[i] = half > 2 * mss ? half : 2 * mss;
    }
    s.cwnd[i] = mss;
    s.dupAcks[i] = 0;
    s.dupThreshold[i] = 3;
    s.priorCwnd[i] = 0;
    // RFC 2018 8: the receiver may have discarded what it SACKed, so everything not acknowledged goes again.
    this.scoreboard.count[i] = 0;
    s.recover[i] = s.sndMax[i];
    s.rto[i] = rto;
    flags &= ~(SlotFlag.RECOVERY | SlotFlag.RTT_TIMING | SlotFlag.FIN_SENT);
    s.flags[i] = flags;
    // Go back to snd.una and resend from the ring.
    s.sndNxt[i] = una;
    this.output(i, now, true);
  }

  private persistInterval(i: number): number {
    const interval = this.slots.rto[i] * (1 << this.slots.backoff[i]);
    return interval < this.config.rtoMax ? interval : this.config.rtoMax;
  }

  /** SYN-ACK retransmission with backoff for half-open records; a record lives at most synReceivedTimeout. */
  private synQueueTimers(now: number): void {
    const queue = this.synQueue;
    const config = this.config;
    const stats = this.stats;
    const capacity = queue.capacity;
    for (let r = 0; r < capacity; r++) {
      if (queue.listener[r] === Limit.NONE || now < queue.deadline[r]) continue;
      const expiry = this.synStarted[r] + config.synReceivedTimeout;
      if (queue.retries[r] >= config.synRetries || now >= expiry) {
        queue.remove(r);
        stats[Stat.tcpSynQueueTimeouts]++;
        continue;
      }
      const retries = ++queue.retries[r];
      let interval = config.rtoInitial * (1 << (retries < Limit.MAX_BACKOFF ? retries : Limit.MAX_BACKOFF));
      if (interval > config.rtoMax) interval = config.rtoMax;
      queue.deadline[r] = now + interval < expiry ? now + interval : expiry;
      stats[Stat.tcpSynAckRetransmits]++;
      this.emit(queue.remoteIp[r], queue.localPort[r], queue.remotePort[r], queue.iss[r], (queue.irs[r] + 1) >>> 0,
        TcpFlag.SYN | TcpFlag.ACK, config.receiveBuffer, this.ourMss, queue.sackPermitted[r] === 1, -1, 0, 0);
    }
  }

  /**
   * RFC 6298 2.2/2.3 with BSD's scaled integers; the result is clamped to [rtoMin, rtoMax].
   * A negative sample only recomputes the RTO from the estimator, undoing a backoff.
   */
  private rttSample(i: number, sample: number): void {
    const s = this.slots;
    if (sample >= 0) {
      const r = sample < 1 ? 1 : sample;
      if (s.srtt8[i] === 0) {
        s.srtt8[i] = r * 8;
        s.rttvar4[i] = r * 2;
      } else {
        let delta = r - (s.srtt8[i] >>> 3);
        s.srtt8[i] += delta;
        if (delta < 0) delta = -delta;
        s.rttvar4[i] += delta - (s.rttvar4[i] >>> 2);
      }
    }
    let rto = (s.srtt8[i] >>> 3) + (s.rttvar4[i] > 1 ? s.rttvar4[i] : 1);
    if (rto < this.config.rtoMin) rto = this.config.rtoMin;
    if (rto > this.config.rtoMax) rto = this.config.rtoMax;
    s.rto[i] = rto;
  }

  // ---------------------------------------------------------------- slot lifecycle

  /** `remoteIp` signed or unsigned. */
  private findSlot(remoteIp: number, remotePort: number, localPort: number): number {
    const s = this.slots;
    for (let i = 0; i < this.slotCount; i++) {
      if (s.state[i] !== TcpState.CLOSED && (s.remoteIp[i] | 0) === (remoteIp | 0) && s.remotePort[i] === remotePort &&
        s.localPort[i] === localPort) return i;
    }
    return -1;
  }

  private freeSlot(): number {
    const flags = this.slots.flags;
    for (let i = 0; i < this.slotCount; i++) if (!(flags[i] & SlotFlag.IN_USE)) return i;
    return -1;
  }

  private findListener(port: number): number {
    const ports = this.listenerPorts;
    for (let l = 0; l < ports.length; l++) if (ports[l] === port) return l;
    return -1;
  }

  /** The connection is over. A slot the application holds stays (CLOSED, with ERROR or CLOSED); any other is freed. */
  private finish(i: number, error: number): void {
    const s = this.slots;
    s.state[i] = TcpState.CLOSED;
    s.rtxAt[i] = 0;
    s.ackAt[i] = 0;
    s.stateAt[i] = 0;
    this.reassembly.count[i] = 0;
    this.scoreboard.count[i] = 0;
    s.error[i] = error;
    const flags = s.flags[i];
    if (flags & SlotFlag.HELD) {
      s.flags[i] = flags & ~(SlotFlag.ACK_PENDING | SlotFlag.ACK_NOW | SlotFlag.PERSIST | SlotFlag.WANT_WRITABLE);
      s.events[i] |= error ? TcpEvent.ERROR : TcpEvent.CLOSED;
      return;
    }
    if (flags & SlotFlag.QUEUED) this.dequeue(i);
    s.flags[i] = 0;
    s.events[i] = 0;
  }

  /** Sends RST when the peer holds state for us (synchronized states), then finishes the slot. */
  private resetSlot(i: number, error: number, now: number): void {
    const state = this.slots.state[i];
    if (state !== TcpState.CLOSED && state !== TcpState.SYN_SENT) {
      this.transmit(i, this.slots.sndNxt[i], 0, TcpFlag.RST | TcpFlag.ACK, now);
    }
    this.finish(i, error);
  }

  /** Writes the compact TIME_WAIT record and frees the slot at once. */
  private enterTimeWait(i: number, now: number): void {
    const s = this.slots;
    this.timeWait.insert(s.remoteIp[i], s.localPort[i], s.remotePort[i], s.sndMax[i], s.rcvNxt[i], now);
    this.finish(i, 0);
  }

  private dequeue(i: number): void {
    const s = this.slots;
    const listener = s.listener[i];
    let previous: number = Limit.NONE;
    let current = this.acceptHead[listener];
    while (current !== Limit.NONE && current !== i) {
      previous = current;
      current = s.acceptNext[current];
    }
    if (current === Limit.NONE) return;
    const next = s.acceptNext[i];
    if (previous === Limit.NONE) this.acceptHead[listener] = next;
    else s.acceptNext[previous] = next;
    if (this.acceptTail[listener] === i) this.acceptTail[listener] = previous;
    this.acceptCount[listener]--;
    s.flags[i] &= ~SlotFlag.QUEUED;
  }

  /**
   * The next ephemeral port whose 4-tuple with (remoteIp, remotePort) is free in the slots and the
   * TIME_WAIT table and which no listener uses; -1 when the whole range is taken.
   */
  private pickPort(remoteIp: number, remotePort: number): number {
    const config = this.config;
    const range = config.portLast - config.portFirst + 1;
    for (let tried = 0; tried < range; tried++) {
      const port = this.nextPort;
      this.nextPort = port === config.portLast ? config.portFirst : port + 1;
      if (this.findListener(port) < 0 && this.findSlot(remoteIp, remotePort, port) < 0 &&
        this.timeWait.find(remoteIp, port, remotePort) < 0) return port;
    }
    return -1;
  }

  private queueFin(i: number, now: number): void {
    const s = this.slots;
    s.flags[i] |= SlotFlag.FIN_QUEUED;
    if (s.state[i] === TcpState.ESTABLISHED) s.state[i] = TcpState.FIN_WAIT_1;
    else if (s.state[i] === TcpState.CLOSE_WAIT) s.state[i] = TcpState.LAST_ACK;
    this.output(i, now, false);
  }

  // ---------------------------------------------------------------- API

  listen(port: number, backlog: number): number {
    if (!(port >= 0 && port <= 65535 && port === Math.floor(port)) || !(backlog >= 1 && backlog === Math.floor(backlog))) {
      return Err.EINVAL;
    }
    if (port === 0) {
      port = this.pickPort(0, 0);
      if (port < 0) return Err.EADDRNOTAVAIL;
    } else if (this.findListener(port) >= 0) {
      return Err.EADDRINUSE;
    }
    const l = this.findListener(0);
    if (l < 0) return Err.EMFILE;
    this.listenerPorts[l] = port;
    this.backlogs[l] = backlog > 255 ? 255 : backlog;
    this.acceptHead[l] = Limit.NONE;
    this.acceptTail[l] = Limit.NONE;
    this.acceptCount[l] = 0;
    this.listenerEvents[l] = 0;
    return l;
  }

  unlisten(listener: number): void {
    if (!this.listening(listener)) return;
    const now = this.hal.now();
    while (this.acceptHead[listener] !== Limit.NONE) this.resetSlot(this.acceptHead[listener], Err.ECONNRESET, now);
    this.synQueue.removeListener(listener);
    this.listenerPorts[listener] = 0;
    this.listenerEvents[listener] = 0;
  }

  accept(listener: number): number {
    if (!this.listening(listener)) return Err.EINVAL;
    const i = this.acceptHead[listener];
    if (i === Limit.NONE) return -1;
    this.dequeue(i);
    this.slots.flags[i] |= SlotFlag.HELD;
    return i;
  }

  acceptQueueLength(listener: number): number {
    if (!this.listening(listener)) return Err.EINVAL;
    return this.acceptCount[listener] + this.synQueue.countFor(listener);
  }

  listenerPort(listener: number): number {
    return this.listening(listener) ? this.listenerPorts[listener] : 0;
  }

  connect(remoteIp: number, remotePort: number, localPort: number, now: number): number {
    if (!(remoteIp > 0 && remoteIp <= 0xffffffff && remoteIp === Math.floor(remoteIp)) ||
      !(remotePort >= 1 && remotePort <= 65535 && remotePort === Math.floor(remotePort)) ||
      !(localPort >= 0 && localPort <= 65535 && localPort === Math.floor(localPort))) return Err.EINVAL;
    if (this.heapPressure) {
      this.stats[Stat.wdRefusedConnections]++;
      return Err.ENOMEM;
    }
    const i = this.freeSlot();
    if (i < 0) {
      this.stats[Stat.tcpEmfile]++;
      return Err.EMFILE;
    }
    if (localPort === 0) {
      localPort = this.pickPort(remoteIp, remotePort);
      if (localPort < 0) {
        this.stats[Stat.tcpAddrNotAvail]++;
        return Err.EADDRNOTAVAIL;
      }
    } else if (this.findSlot(remoteIp, remotePort, localPort) >= 0 || this.timeWait.find(remoteIp, localPort, remotePort) >= 0) {
      return Err.EADDRINUSE;
    }
    const s = this.slots;
    s.reset(i, now);
    s.flags[i] |= SlotFlag.HELD | SlotFlag.RTT_TIMING;
    s.remoteIp[i] = remoteIp;
    s.remotePort[i] = remotePort;
    s.localPort[i] = localPort;
    s.mss[i] = this.ourMss;
    const iss = this.secrets.isn(this.ip.localIp(), localPort, remoteIp, remotePort, now);
    s.sndUna[i] = iss;
    s.sndNxt[i] = (iss + 1) >>> 0;
    s.sndMax[i] = (iss + 1) >>> 0;
    s.rttSeq[i] = iss;
    s.rttStart[i] = now;
    s.state[i] = TcpState.SYN_SENT;
    s.rtxAt[i] = now + s.rto[i];
    this.stats[Stat.tcpActiveOpens]++;
    this.transmit(i, iss, 0, TcpFlag.SYN, now);
    return i;
  }

  send(slot: number, data: Uint8Array, offset: number, length: number): number {
    const s = this.slots;
    if (!this.owned(slot) || !(offset >= 0 && length >= 0 && offset + length <= data.length)) return Err.EINVAL;
    if (s.state[slot] === TcpState.CLOSED) return s.error[slot] || Err.EPIPE;
    if (s.flags[slot] & SlotFlag.FIN_QUEUED) return Err.EPIPE;
    const queued = s.sendLength[slot];
    let room = s.sendLimit[slot] - queued;
    if (room < 0) room = 0;
    let taken = length < room ? length : room;
    if (taken < length) s.flags[slot] |= SlotFlag.WANT_WRITABLE;
    if (taken === 0) return 0;
    const size = this.sendSize;
    ringCopy(this.hal, this.sendRings, slot * size, size, (s.sendStart[slot] + queued) % size, data, offset, taken, true);
    s.sendLength[slot] = queued + taken;
    this.output(slot, this.hal.now(), false);
    return taken;
  }

  receive(slot: number, into: Uint8Array, offset: number, length: number): number {
    const s = this.slots;
    if (!this.owned(slot) || !(offset >= 0 && length >= 0 && offset + length <= into.length)) return Err.EINVAL;
    let taken = s.recvLength[slot];
    if (taken > length) taken = length;
    if (taken === 0) return s.error[slot];
    const size = this.receiveSize;
    ringCopy(this.hal, this.receiveRings, slot * size, size, s.recvStart[slot], into, offset, taken, false);
    s.recvStart[slot] = (s.recvStart[slot] + taken) % size;
    s.recvLength[slot] -= taken;
    const state = s.state[slot];
    if (state === TcpState.ESTABLISHED || state === TcpState.FIN_WAIT_1 || state === TcpState.FIN_WAIT_2) {
      // Window update once reading has opened it by 2 MSS or half the buffer (by the one MSS
      // offered under heap pressure, so a closed window does not wait for the peer's persist probe).
      const limit = s.receiveLimit[slot];
      let free = limit - s.recvLength[slot];
      if (this.heapPressure && free > s.mss[slot]) free = s.mss[slot];
      const grow = (s.rcvNxt[slot] + free - s.rcvAdv[slot]) | 0;
      const twoSegments = (this.heapPressure ? 1 : 2) * s.mss[slot];
      if (grow >= (twoSegments < limit >>> 1 ? twoSegments : limit >>> 1)) this.transmit(slot, s.sndMax[slot], 0, TcpFlag.ACK, this.hal.now());
    }
    return taken;
  }

  readable(slot: number): number {
    return this.owned(slot) ? this.slots.recvLength[slot] : Err.EINVAL;
  }

  writable(slot: number): number {
    const s = this.slots;
    if (!this.owned(slot)) return Err.EINVAL;
    if (s.state[slot] === TcpState.CLOSED || (s.flags[slot] & SlotFlag.FIN_QUEUED)) return 0;
    const room = s.sendLimit[slot] - s.sendLength[slot];
    return room > 0 ? room : 0;
  }

  shutdown(slot: number): number {
    const s = this.slots;
    if (!this.owned(slot)) return Err.EINVAL;
    if (s.state[slot] === TcpState.CLOSED) return s.error[slot] || Err.ENOTCONN;
    if (!(s.flags[slot] & SlotFlag.FIN_QUEUED)) this.queueFin(slot, this.hal.now());
    return 0;
  }

  release(slot: number): void {
    const s = this.slots;
    if (!this.owned(slot)) return;
    const flags = s.flags[slot];
    const now = this.hal.now();
    s.flags[slot] = flags & ~(SlotFlag.HELD | SlotFlag.WANT_WRITABLE);
    s.events[slot] = 0;
    const state = s.state[slot];
    if (state === TcpState.CLOSED || state === TcpState.SYN_SENT) {
      this.finish(slot, s.error[slot]);
      return;
    }
    if (flags & SlotFlag.LINGER_ZERO) {
      this.stats[Stat.tcpAborts]++;
      this.resetSlot(slot, 0, now);
      return;
    }
    // Unread data is discarded; out-of-order data keeps its place relative to rcv.nxt.
    s.recvStart[slot] = (s.recvStart[slot] + s.recvLength[slot]) % this.receiveSize;
    s.recvLength[slot] = 0;
    if (!(flags & SlotFlag.FIN_QUEUED)) this.queueFin(slot, now);
    if (s.state[slot] === TcpState.FIN_WAIT_2) s.stateAt[slot] = now + this.config.finWait2Timeout;
  }

  /** Heap watchdog: aborts the least recently active connection with RST, its owner seeing ENOMEM; returns its slot or -1. */
  abortLeastActive(now: number): number {
    const s = this.slots;
    let oldest = -1;
    for (let i = 0; i < this.slotCount; i++) {
      if (s.state[i] !== TcpState.CLOSED && (oldest < 0 || s.lastActivity[i] < s.lastActivity[oldest])) oldest = i;
    }
    if (oldest >= 0) this.resetSlot(oldest, Err.ENOMEM, now);
    return oldest;
  }

  abort(slot: number): void {
    const s = this.slots;
    if (!this.owned(slot)) return;
    s.flags[slot] &= ~SlotFlag.HELD;
    s.events[slot] = 0;
    if (s.state[slot] !== TcpState.CLOSED) this.stats[Stat.tcpAborts]++;
    this.resetSlot(slot, 0, this.hal.now());
  }

  state(slot: number): TcpState {
    return this.owned(slot) ? this.slots.state[slot] : TcpState.CLOSED;
  }

  /** Also answers for a slot released after its error, until the slot is reused. */
  socketError(slot: number): number {
    return isIndex(slot, this.slotCount) ? this.slots.error[slot] : 0;
  }

  /** The application holds this slot number. */
  owned(slot: number): boolean {
    return isIndex(slot, this.slotCount) && (this.slots.flags[slot] & SlotFlag.HELD) !== 0;
  }

  /** An open listener id. */
  private listening(listener: number): boolean {
    return isIndex(listener, this.listenerPorts.length) && this.listenerPorts[listener] !== 0;
  }

  pollEvents(sink: TcpEventSink): void {
    const listenerEvents = this.listenerEvents;
    for (let l = 0; l < listenerEvents.length; l++) {
      const events = listenerEvents[l];
      if (events) {
        listenerEvents[l] = 0;
        sink.listenerEvent(l, events);
      }
    }
    const s = this.slots;
    for (let i = 0; i < this.slotCount; i++) {
      const events = s.events[i];
      if (events && (s.flags[i] & SlotFlag.HELD)) {
        s.events[i] = 0;
        sink.socketEvent(i, events);
      }
    }
  }
}
