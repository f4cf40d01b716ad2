/**
 * Every counter the stack keeps, one slot each in a single Uint32Array (stack.stats()).
 * A const enum so that each use compiles to a literal index: no lookup, no function, no string.
 * `statNames()` lists the same names in the same order for the console and for tests; a test
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
  // TCP connections
  tcpActiveOpens = 65,
  tcpPassiveOpens = 66,
  tcpEstablished = 67,
  tcpRefusedNoListener = 68,
  tcpEmfile = 69,
  tcpAddrNotAvail = 70,
  tcpConnectTimeouts = 71,
  tcpResets = 72,
  tcpUserTimeouts = 73,
  tcpKeepaliveProbes = 74,
  tcpKeepaliveTimeouts = 75,
  tcpStateTimeouts = 76,
  tcpAborts = 77,
  /** Data, FIN or zero-window probes retransmitted config.dataRetries times unanswered: ETIMEDOUT. */
  tcpRetransmitAborts = 78,
  // listen queues
  tcpSynQueueFull = 79,
  tcpSynAckRetransmits = 80,
  tcpSynQueueTimeouts = 81,
  tcpAcceptQueueFull = 82,
  tcpSynCookiesSent = 83,
  tcpSynCookiesAccepted = 84,
  tcpSynCookiesRejected = 85,
  // TIME_WAIT
  twInserted = 86,
  twRecycled = 87,
  twExpired = 88,
  twFinReacked = 89,
  twRstIgnored = 90,
  twSynReopened = 91,
  twSynAnsweredWithAck = 92,
  twSegmentsAcked = 93,
  // heap watchdog
  wdChecks = 94,
  wdLowEntered = 95,
  wdCriticalEntered = 96,
  wdRecovered = 97,
  wdRefusedConnections = 98,
  wdTimeWaitShed = 99,
  wdConnectionsAborted = 100,
  // DHCP client and DNS resolver
  dhcpDiscoversSent = 101,
  dhcpRequestsSent = 102,
  dhcpOffersIn = 103,
  dhcpAcksIn = 104,
  dhcpNaksIn = 105,
  dhcpBound = 106,
  dhcpRenewed = 107,
  dhcpExpired = 108,
  dhcpFallbacks = 109,
  dropDhcpMalformed = 110,
  dropDhcpUnmatched = 111,
  dhcpDeclines = 112,
  dnsQueriesSent = 113,
  dnsRetransmits = 114,
  dnsAnswers = 115,
  dnsCacheHits = 116,
  dnsNxdomain = 117,
  dnsTimeouts = 118,
  dnsLookupsRefused = 119,
  dropDnsMalformed = 120,
  dropDnsSpoofed = 121,
  dropDnsTruncated = 122,
  // the firmware's HTTP service
  /** Requests whose headers had not all arrived config.httpHeaderTimeout after the connection: reset. */
  httpHeaderTimeouts = 123,
  /** Unfinished requests reset because a new connection took the last free slot. */
  httpRequestsShed = 124,
  COUNT = 125,
}

/** The counters' names by Stat, made when asked for: a board keeps no copy of 123 strings between console commands. */
export function statNames(): string[] {
  return (
    'framesIn framesOut dropFrameShort dropEtherType dropNotForUs dropLinkDown ' +
    'arpIn arpRequestsSent arpRepliesSent arpResolved arpTimeouts arpQueueDrops ' +
    'arpCacheEvictions dropArpMalformed ipIn ipOut dropIpShort dropIpVersion ' +
    'dropIpHeaderLength dropIpChecksum dropIpTotalLength dropIpFragment dropIpNotForUs dropIpProtocol ' +
    'dropIpNoRoute icmpIn icmpEchoReplies dropIcmpChecksum icmpUnreachableIn icmpOtherIn dropIcmpShort ' +
    'udpIn udpOut dropUdpChecksum dropUdpLength dropUdpNoPort tcpIn ' +
    'tcpOut dropTcpShort dropTcpChecksum dropTcpHeaderLength dropTcpOptions dropTcpFlags ' +
    'dropTcpNoSocket dropTcpOutOfWindow dropTcpBadAck tcpRstIn tcpRstOut tcpRetransmits ' +
    'tcpFastRetransmits tcpRtoTimeouts tcpDupAcks tcpOutOfOrder dropTcpOutOfOrderFull tcpChallengeAcks ' +
    'tcpChallengeAcksThrottled tcpZeroWindowProbes tcpSackBlocksOut tcpSackBlocksIn dropTcpSackBlocks tcpSackRetransmits tcpEarlyRetransmits tcpDsacksIn tcpSpuriousRecoveriesUndone tcpLostRetransmits tcpActiveOpens tcpPassiveOpens tcpEstablished tcpRefusedNoListener ' +
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
}
