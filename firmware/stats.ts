/**
 * Every counter the stack keeps, one slot each in a single Uint32Array (stack.stats()).
 * A const enum so that each use compiles to a literal index: no lookup, no function, no string.
 * `statNames` lists the same names in the same order for the console and for tests; a test
 * checks that the two agree. Add a counter by appending it to its section in both places and
 * renumbering the ones after it.
 */
export const enum Stat {
  // link and ARP
  framesIn = 0,
  framesOut = 1,
  dropFrameShort = 2,
  dropEtherType = 3,
  dropNotForUs = 4,
  dropLinkDown = 5,
  arpIn = 6,
  arpRequestsSent = 7,
  arpRepliesSent = 8,
  arpResolved = 9,
  arpTimeouts = 10,
  arpQueueDrops = 11,
  arpCacheEvictions = 12,
  dropArpMalformed = 13,
  // IPv4
  ipIn = 14,
  ipOut = 15,
  dropIpShort = 16,
  dropIpVersion = 17,
  dropIpHeaderLength = 18,
  dropIpChecksum = 19,
  dropIpTotalLength = 20,
  dropIpFragment = 21,
  dropIpNotForUs = 22,
  dropIpProtocol = 23,
  dropIpNoRoute = 24,
  // ICMP
  icmpIn = 25,
  icmpEchoReplies = 26,
  dropIcmpChecksum = 27,
  icmpUnreachableIn = 28,
  icmpOtherIn = 29,
  /** An ICMP message shorter than its 8-byte header. */
  dropIcmpShort = 30,
  // UDP
  udpIn = 31,
  udpOut = 32,
  dropUdpChecksum = 33,
  dropUdpLength = 34,
  dropUdpNoPort = 35,
  // TCP segments
  tcpIn = 36,
  tcpOut = 37,
  dropTcpShort = 38,
  dropTcpChecksum = 39,
  dropTcpHeaderLength = 40,
  dropTcpOptions = 41,
  dropTcpFlags = 42,
  dropTcpNoSocket = 43,
  dropTcpOutOfWindow = 44,
  dropTcpBadAck = 45,
  tcpRstIn = 46,
  tcpRstOut = 47,
  tcpRetransmits = 48,
  tcpFastRetransmits = 49,
  tcpRtoTimeouts = 50,
  tcpDupAcks = 51,
  tcpOutOfOrder = 52,
  dropTcpOutOfOrderFull = 53,
  tcpChallengeAcks = 54,
  tcpChallengeAcksThrottled = 55,
  tcpZeroWindowProbes = 56,
  /** ACKs that carried SACK blocks (RFC 2018), counted per block. */
  tcpSackBlocksOut = 57,
  tcpSackBlocksIn = 58,
  /** SACK blocks that were empty, reversed, beyond snd.max or straddling snd.una, or an option of a bad length: ignored. */
  dropTcpSackBlocks = 59,
  /** Holes below the highest SACKed sequence resent during loss recovery (RFC 6675). */
  tcpSackRetransmits = 60,
  /** Fast retransmits on fewer than three duplicate ACKs because fewer than four segments were outstanding (RFC 5827). */
  tcpEarlyRetransmits = 61,
  /** ACKs whose first SACK block reports a segment that arrived twice (RFC 2883 D-SACK: at or below the ACK, or inside the second block). */
  tcpDsacksIn = 62,
  /** Recovery episodes whose every retransmission was reported duplicate (D-SACK): cwnd and ssthresh restored (RFC 3708). */
  tcpSpuriousRecoveriesUndone = 63,
  /** Retransmissions found lost in recovery, because data sent after them was SACKed, and sent again without waiting for the RTO. */
  tcpLostRetransmits = 64,
  /** Segments to a broadcast or multicast address (RFC 1122 4.2.3.10), or to an address not ours while unconfigured. */
  dropTcpBroadcast = 65,
  // TCP connections
  tcpActiveOpens = 66,
  tcpPassiveOpens = 67,
  tcpEstablished = 68,
  tcpRefusedNoListener = 69,
  /** SYNs and SYN-ACKs announcing an MSS below TcpLimit.MIN_PEER_MSS: refused with RST. */
  tcpMssRefused = 70,
  tcpEmfile = 71,
  tcpAddrNotAvail = 72,
  tcpConnectTimeouts = 73,
  tcpResets = 74,
  tcpUserTimeouts = 75,
  tcpKeepaliveProbes = 76,
  tcpKeepaliveTimeouts = 77,
  tcpStateTimeouts = 78,
  tcpAborts = 79,
  /** Data, FIN or zero-window probes retransmitted config.dataRetries times unanswered: ETIMEDOUT. */
  tcpRetransmitAborts = 80,
  // listen queues
  tcpSynQueueFull = 81,
  tcpSynAckRetransmits = 82,
  tcpSynQueueTimeouts = 83,
  tcpAcceptQueueFull = 84,
  tcpSynCookiesSent = 85,
  tcpSynCookiesAccepted = 86,
  tcpSynCookiesRejected = 87,
  // TIME_WAIT
  twInserted = 88,
  twRecycled = 89,
  twExpired = 90,
  twFinReacked = 91,
  twRstIgnored = 92,
  twSynReopened = 93,
  twSynAnsweredWithAck = 94,
  twSegmentsAcked = 95,
  // heap watchdog
  wdChecks = 96,
  wdLowEntered = 97,
  wdCriticalEntered = 98,
  wdRecovered = 99,
  wdRefusedConnections = 100,
  wdTimeWaitShed = 101,
  wdConnectionsAborted = 102,
  // DHCP client and DNS resolver
  dhcpDiscoversSent = 103,
  dhcpRequestsSent = 104,
  dhcpOffersIn = 105,
  dhcpAcksIn = 106,
  dhcpNaksIn = 107,
  dhcpBound = 108,
  dhcpRenewed = 109,
  dhcpExpired = 110,
  dhcpFallbacks = 111,
  dropDhcpMalformed = 112,
  dropDhcpUnmatched = 113,
  dhcpDeclines = 114,
  dnsQueriesSent = 115,
  dnsRetransmits = 116,
  dnsAnswers = 117,
  dnsCacheHits = 118,
  dnsNxdomain = 119,
  dnsTimeouts = 120,
  dnsLookupsRefused = 121,
  dropDnsMalformed = 122,
  dropDnsSpoofed = 123,
  dropDnsTruncated = 124,
  // HTTP service (firmware/services/http-server.ts)
  /** Requests whose headers did not complete within config.httpHeaderTimeout: reset. */
  httpHeaderTimeouts = 125,
  /** Unfinished requests reset, oldest first, so that a new connection found a free slot. */
  httpRequestsShed = 126,
  COUNT = 127,
}

export const statNames: string[] = (
  'framesIn framesOut dropFrameShort dropEtherType dropNotForUs dropLinkDown ' +
  'arpIn arpRequestsSent arpRepliesSent arpResolved arpTimeouts arpQueueDrops ' +
  'arpCacheEvictions dropArpMalformed ipIn ipOut dropIpShort dropIpVersion ' +
  'dropIpHeaderLength dropIpChecksum dropIpTotalLength dropIpFragment dropIpNotForUs dropIpProtocol ' +
  'dropIpNoRoute icmpIn icmpEchoReplies dropIcmpChecksum icmpUnreachableIn icmpOtherIn dropIcmpShort ' +
  'udpIn udpOut dropUdpChecksum dropUdpLength dropUdpNoPort tcpIn ' +
  'tcpOut dropTcpShort dropTcpChecksum dropTcpHeaderLength dropTcpOptions dropTcpFlags ' +
  'dropTcpNoSocket dropTcpOutOfWindow dropTcpBadAck tcpRstIn tcpRstOut tcpRetransmits ' +
  'tcpFastRetransmits tcpRtoTimeouts tcpDupAcks tcpOutOfOrder dropTcpOutOfOrderFull tcpChallengeAcks ' +
  'tcpChallengeAcksThrottled tcpZeroWindowProbes tcpSackBlocksOut tcpSackBlocksIn dropTcpSackBlocks tcpSackRetransmits tcpEarlyRetransmits tcpDsacksIn tcpSpuriousRecoveriesUndone tcpLostRetransmits dropTcpBroadcast tcpActiveOpens tcpPassiveOpens tcpEstablished tcpRefusedNoListener tcpMssRefused ' +
  'tcpEmfile tcpAddrNotAvail tcpConnectTimeouts tcpResets tcpUserTimeouts tcpKeepaliveProbes ' +
  'tcpKeepaliveTimeouts tcpStateTimeouts tcpAborts tcpRetransmitAborts tcpSynQueueFull tcpSynAckRetransmits tcpSynQueueTimeouts ' +
  'tcpAcceptQueueFull tcpSynCookiesSent tcpSynCookiesAccepted tcpSynCookiesRejected twInserted twRecycled ' +
  'twExpired twFinReacked twRstIgnored twSynReopened twSynAnsweredWithAck twSegmentsAcked ' +
  'wdChecks wdLowEntered wdCriticalEntered wdRecovered wdRefusedConnections wdTimeWaitShed ' +
  'wdConnectionsAborted ' +
  'dhcpDiscoversSent dhcpRequestsSent dhcpOffersIn dhcpAcksIn dhcpNaksIn dhcpBound dhcpRenewed dhcpExpired dhcpFallbacks dropDhcpMalformed dropDhcpUnmatched dhcpDeclines ' +
  'dnsQueriesSent dnsRetransmits dnsAnswers dnsCacheHits dnsNxdomain dnsTimeouts dnsLookupsRefused dropDnsMalformed dropDnsSpoofed dropDnsTruncated ' +
  'httpHeaderTimeouts httpRequestsShed'
).split(' ');
