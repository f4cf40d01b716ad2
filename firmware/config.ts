/**
 * Everything the stack allocates is sized here, once, at creation. A board file passes its own
 * values over the defaults; `resolveConfig` checks them and returns a complete Config.
 */
export interface Config {
  /** This host's IPv4 address, netmask and default gateway as dotted strings ('0.0.0.0' until DHCP). */
  ip: string;
  netmask: string;
  gateway: string;

  /** TCP connection slots (the socket pool). Listeners do not take slots. */
  sockets: number;
  /** Bytes of send and of receive ring per slot. Neither may exceed 65535 (no window scaling). */
  sendBuffer: number;
  receiveBuffer: number;
  /** Listening-port records. */
  listeners: number;
  /** Half-open (SYN-RECEIVED) records shared by all listeners. */
  synQueue: number;
  /** Default accept-queue length for listen() without a backlog. */
  backlog: number;
  /** Out-of-order ranges held per slot in its receive ring. */
  reassemblyRanges: number;
  /** TIME_WAIT records; when full the oldest is recycled. */
  timeWaitCapacity: number;
  /** Maximum segment lifetime; TIME_WAIT lasts 2 * msl. */
  msl: number;
  /** Ephemeral port range for connect(), inclusive. */
  portFirst: number;
  portLast: number;

  /** Largest segment we send and announce; clamped to the link MTU - 40. */
  mss: number;
  /** RFC 6298 bounds and the initial value, ms. */
  rtoMin: number;
  rtoMax: number;
  rtoInitial: number;
  /** Delayed-ACK timeout, ms (RFC 9293: at most 500). */
  delayedAck: number;
  /** Retransmissions of SYN / SYN-ACK before giving up. */
  synRetries: number;
  /** Retransmissions of data or FIN before the connection is aborted with ETIMEDOUT. */
  dataRetries: number;
  /** Default user timeout (RFC 5482), ms: data unacknowledged this long aborts with ETIMEDOUT. 0 = off. */
  userTimeout: number;
  /** Keepalive defaults for new sockets. */
  keepAlive: boolean;
  keepAliveIdle: number;
  keepAliveInterval: number;
  keepAliveCount: number;
  /** Bound on FIN_WAIT_2 after our FIN is acknowledged and the app has closed, ms. */
  finWait2Timeout: number;
  /** Bound on SYN-RECEIVED records, ms. */
  synReceivedTimeout: number;
  /** RFC 5961 challenge ACKs allowed per socket per second. */
  challengeAckLimit: number;
  /** Nagle off by default when true. */
  noDelay: boolean;
  /** Offer and accept selective acknowledgments (RFC 2018) in the handshake. */
  sack: boolean;

  /** ARP cache entries, frames held while a next hop resolves (shared), request retries and entry lifetime. */
  arpEntries: number;
  arpPendingFrames: number;
  arpRetries: number;
  arpRetryInterval: number;
  arpLifetime: number;

  /** UDP port bindings (DHCP, DNS, applications). */
  udpBindings: number;

  /**
   * DHCP client (RFC 2131) on: the interface starts at 0.0.0.0, and `ip`/`netmask`/`gateway`, unless
   * ip is '0.0.0.0', become the static fallback taken after dhcpFallbackAfter failed attempts
   * (the client keeps trying in the background).
   */
  dhcp: boolean;
  /** First retransmission timeout, ms; doubled per retry up to dhcpRetryMax, with ±1 s of jitter (RFC 2131 4.1). */
  dhcpRetryInitial: number;
  dhcpRetryMax: number;
  /** Transmissions of one DISCOVER or REQUEST exchange before the attempt counts as failed and starts over. */
  dhcpRetries: number;
  /** Failed attempts before the static fallback address is applied; 0 never falls back. */
  dhcpFallbackAfter: number;
  /** ms spent probing an ACKed address with three ARP requests before using it (RFC 2131 4.4.1); 0 skips the probe. */
  dhcpProbeWait: number;

  /** DNS server (dotted); DHCP's option 6 replaces it. '0.0.0.0': none, every lookup fails with ENOTFOUND. */
  dnsServer: string;
  /** Cached A records, lookups in flight at once (each holds a UDP binding), longest name in bytes. */
  dnsCacheEntries: number;
  dnsLookups: number;
  dnsNameLength: number;
  /** Wait for an answer, ms, and retransmissions before ENOTFOUND. */
  dnsTimeout: number;
  dnsRetries: number;
  /** Clamps on a record's TTL in the cache, seconds. */
  dnsMinTtl: number;
  dnsMaxTtl: number;

  /** The built-in HTTP service: a request whose headers have not arrived this long after the connection, ms, is reset. */
  httpHeaderTimeout: number;

  /** Heap watchdog thresholds in bytes of free interpreter memory, with hysteresis. */
  heapLow: number;
  heapCritical: number;
  heapHysteresis: number;
  heapCheckInterval: number;

  /** The stack's own memory budget in bytes: creation fails, naming the structure, if it does not fit. */
  memoryBudget: number;
  /** How often the owner should call tick(), ms (a board's setInterval, the simulator's step). */
  tickInterval: number;
}

export const defaultConfig: Config = {
  ip: '192.0.2.2',
  netmask: '255.255.255.0',
  gateway: '0.0.0.0',
  sockets: 8,
  sendBuffer: 4096,
  receiveBuffer: 4096,
  listeners: 4,
  synQueue: 8,
  backlog: 4,
  reassemblyRanges: 4,
  timeWaitCapacity: 32,
  msl: 30000,
  portFirst: 49152,
  portLast: 65535,
  mss: 1460,
  rtoMin: 200,
  rtoMax: 60000,
  rtoInitial: 1000,
  delayedAck: 100,
  synRetries: 5,
  dataRetries: 8,
  userTimeout: 60000,
  keepAlive: true,
  keepAliveIdle: 60000,
  keepAliveInterval: 10000,
  keepAliveCount: 5,
  finWait2Timeout: 30000,
  synReceivedTimeout: 15000,
  challengeAckLimit: 10,
  noDelay: false,
  sack: true,
  arpEntries: 8,
  arpPendingFrames: 2,
  arpRetries: 3,
  arpRetryInterval: 1000,
  arpLifetime: 300000,
  udpBindings: 4,
  dhcp: false,
  dhcpRetryInitial: 4000,
  dhcpRetryMax: 64000,
  dhcpRetries: 4,
  dhcpFallbackAfter: 2,
  dhcpProbeWait: 1500,
  dnsServer: '0.0.0.0',
  dnsCacheEntries: 4,
  dnsLookups: 2,
  dnsNameLength: 64,
  dnsTimeout: 2000,
  dnsRetries: 2,
  dnsMinTtl: 5,
  dnsMaxTtl: 3600,
  httpHeaderTimeout: 5000,
  heapLow: 8192,
  heapCritical: 4096,
  heapHysteresis: 2048,
  heapCheckInterval: 1000,
  memoryBudget: 131072,
  tickInterval: 10,
};

/** Integer bounds per field: [min, max]. Fields not listed are strings or booleans. */
const bounds: { [field: string]: number[] } = {
  sockets: [1, 255], sendBuffer: [64, 65535], receiveBuffer: [64, 65535], listeners: [1, 64],
  synQueue: [1, 4096], backlog: [1, 255], reassemblyRanges: [1, 32], timeWaitCapacity: [1, 65536],
  msl: [1, 240000], portFirst: [1024, 65535], portLast: [1024, 65535], mss: [88, 65495],
  rtoMin: [1, 600000], rtoMax: [1, 3600000], rtoInitial: [1, 600000], delayedAck: [0, 500],
  synRetries: [1, 32], dataRetries: [1, 64], userTimeout: [0, 86400000], keepAliveIdle: [1, 86400000],
  keepAliveInterval: [1, 86400000], keepAliveCount: [1, 255], finWait2Timeout: [1, 86400000],
  synReceivedTimeout: [1, 600000], challengeAckLimit: [1, 1000], arpEntries: [1, 255],
  arpPendingFrames: [0, 64], arpRetries: [1, 32], arpRetryInterval: [1, 600000], arpLifetime: [1, 86400000],
  udpBindings: [1, 64], heapLow: [0, 1 << 30], heapCritical: [0, 1 << 30], heapHysteresis: [0, 1 << 30],
  heapCheckInterval: [1, 600000], memoryBudget: [1, 1 << 30], tickInterval: [1, 1000],
  dhcpRetryInitial: [1000, 600000], dhcpRetryMax: [1000, 600000], dhcpRetries: [1, 32], dhcpFallbackAfter: [0, 255], dhcpProbeWait: [0, 60000],
  dnsCacheEntries: [0, 255], dnsLookups: [1, 16], dnsNameLength: [16, 255], dnsTimeout: [100, 600000],
  dnsRetries: [0, 16], dnsMinTtl: [0, 86400], dnsMaxTtl: [0, 604800], httpHeaderTimeout: [1, 600000],
};

/** Merges `overrides` over the defaults and checks every field; throws (at creation only) naming the bad field. */
export function resolveConfig(overrides?: { [field: string]: unknown }): Config {
  const config: { [field: string]: unknown } = {};
  const defaults = defaultConfig as unknown as { [field: string]: unknown };
  for (const key in defaults) config[key] = defaults[key];
  if (overrides) {
    for (const key in overrides) {
      if (!(key in defaults)) throw new Error('config: unknown field ' + key);
      config[key] = overrides[key];
    }
  }
  for (const key in bounds) {
    const value = config[key];
    const range = bounds[key];
    if (typeof value !== 'number' || value !== Math.floor(value) || value < range[0] || value > range[1]) {
      throw new Error('config: ' + key + ' must be an integer in [' + range[0] + ', ' + range[1] + '], got ' + value);
    }
  }
  const c = config as unknown as Config;
  if (c.portFirst > c.portLast) throw new Error('config: portFirst must not exceed portLast');
  if (c.rtoMin > c.rtoMax || c.rtoInitial < c.rtoMin || c.rtoInitial > c.rtoMax) {
    throw new Error('config: need rtoMin <= rtoInitial <= rtoMax');
  }
  if (c.heapCritical > c.heapLow) throw new Error('config: heapCritical must not exceed heapLow');
  return c;
}
