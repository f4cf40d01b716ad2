import { Err } from '../errors';
import { TcpLimit } from '../wire/tcp-header';
import { SlotFlag } from './slot-table';
import { TcpState } from './state';
import { Tcp } from './tcp';

/** Socket options, set and read through one call as Nut/OS's NutTcpSetSockOpt does. */
export const enum SocketOption {
  /** Usable send ring bytes, 64 .. config.sendBuffer. */
  SEND_BUFFER = 1,
  /** Usable receive ring bytes (bounds the advertised window), 64 .. config.receiveBuffer. */
  RECEIVE_BUFFER = 2,
  /** Largest segment sent, 88 .. config.mss; only before the connection is established. */
  MSS = 3,
  /** -1 = off (graceful close); 0 = close() aborts with RST and skips TIME_WAIT; > 0 unsupported except as graceful. */
  LINGER = 4,
  KEEPALIVE = 5,
  KEEPALIVE_IDLE = 6,
  KEEPALIVE_INTERVAL = 7,
  KEEPALIVE_COUNT = 8,
  /** RFC 5482 user timeout, ms; 0 = off. */
  USER_TIMEOUT = 9,
  /** 1 disables Nagle. */
  NO_DELAY = 10,
}

const enum OptionLimit {
  MIN_BUFFER = 64,
  MAX_TIME = 86400000,
}

/**
 * Socket options are set and read through these functions, not methods of the engine, so that a
 * board bundle whose code never sets one (NetworkJS sets none: its sockets take the
 * configuration's keepalive and user timeout) carries none of their code. Each returns 0 or the
 * value, or EINVAL for a slot the application does not hold or a value out of range.
 */
export function setSocketOption(tcp: Tcp, slot: number, option: number, value: number): number {
  const s = tcp.slots;
  const config = tcp.config;
  if (!tcp.owned(slot) || value !== Math.floor(value)) return Err.EINVAL;
  const now = tcp.hal.now();
  switch (option) {
    case SocketOption.SEND_BUFFER:
      if (value < OptionLimit.MIN_BUFFER || value > config.sendBuffer) return Err.EINVAL;
      s.sendLimit[slot] = value;
      return 0;
    case SocketOption.RECEIVE_BUFFER:
      if (value < OptionLimit.MIN_BUFFER || value > config.receiveBuffer) return Err.EINVAL;
      s.receiveLimit[slot] = value;
      return 0;
    case SocketOption.MSS:
      if (value < TcpLimit.MIN_MSS || value > config.mss) return Err.EINVAL;
      if (s.state[slot] !== TcpState.SYN_SENT && s.state[slot] !== TcpState.SYN_RECEIVED) return Err.EINVAL;
      s.mss[slot] = value < tcp.ourMss ? value : tcp.ourMss;
      return 0;
    case SocketOption.LINGER:
      if (value < -1) return Err.EINVAL;
      if (value === 0) s.flags[slot] |= SlotFlag.LINGER_ZERO;
      else s.flags[slot] &= ~SlotFlag.LINGER_ZERO;
      return 0;
    case SocketOption.KEEPALIVE:
    case SocketOption.NO_DELAY:
      if (value !== 0 && value !== 1) return Err.EINVAL;
      {
        const bit = option === SocketOption.KEEPALIVE ? SlotFlag.KEEPALIVE : SlotFlag.NO_DELAY;
        if (value) s.flags[slot] |= bit;
        else s.flags[slot] &= ~bit;
      }
      if (option === SocketOption.NO_DELAY) tcp.output(slot, now, false);
      else s.keepAt[slot] = now + s.keepIdle[slot];
      return 0;
    case SocketOption.KEEPALIVE_IDLE:
    case SocketOption.KEEPALIVE_INTERVAL:
      if (value < 1 || value > OptionLimit.MAX_TIME) return Err.EINVAL;
      if (option === SocketOption.KEEPALIVE_INTERVAL) {
        s.keepInterval[slot] = value;
      } else {
        s.keepIdle[slot] = value;
        if (!s.keepProbes[slot]) s.keepAt[slot] = now + value;
      }
      return 0;
    case SocketOption.KEEPALIVE_COUNT:
      if (value < 1 || value > 255) return Err.EINVAL;
      s.keepCount[slot] = value;
      return 0;
    case SocketOption.USER_TIMEOUT:
      if (value < 0 || value > OptionLimit.MAX_TIME) return Err.EINVAL;
      s.userTimeout[slot] = value;
      return 0;
  }
  return Err.EINVAL;
}

export function getSocketOption(tcp: Tcp, slot: number, option: number): number {
  const s = tcp.slots;
  if (!tcp.owned(slot)) return Err.EINVAL;
  const flags = s.flags[slot];
  switch (option) {
    case SocketOption.SEND_BUFFER: return s.sendLimit[slot];
    case SocketOption.RECEIVE_BUFFER: return s.receiveLimit[slot];
    case SocketOption.MSS: return s.mss[slot];
    case SocketOption.LINGER: return flags & SlotFlag.LINGER_ZERO ? 0 : -1;
    case SocketOption.KEEPALIVE: return flags & SlotFlag.KEEPALIVE ? 1 : 0;
    case SocketOption.KEEPALIVE_IDLE: return s.keepIdle[slot];
    case SocketOption.KEEPALIVE_INTERVAL: return s.keepInterval[slot];
    case SocketOption.KEEPALIVE_COUNT: return s.keepCount[slot];
    case SocketOption.USER_TIMEOUT: return s.userTimeout[slot];
    case SocketOption.NO_DELAY: return flags & SlotFlag.NO_DELAY ? 1 : 0;
  }
  return Err.EINVAL;
}
