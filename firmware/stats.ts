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
  // TCP connections
  tcpActiveOpens = 62,
  tcpPassiveOpens = 63,
  tcpEstablished = 64,
  tcpRefusedNoListener = 65,
  tcpEmfile = 66,
  tcpAddrNotAvail = 67,
  tcpConnectTimeouts = 68,
  tcpResets = 69,
  tcpUserTimeouts = 70,
  tcpKeepaliveProbes = 71,
  tcpKeepaliveTimeouts = 72,
  tcpStateTimeouts = 73,
  tcpAborts = 74,
  /** Data, FIN or zero-window probes retransmitted config.dataRetries times unanswered: ETIMEDOUT. */
  tcpRetransmitAborts = 75,
  // listen queues
  tcpSynQueueFull = 76,
  tcpSynAckRetransmits = 77,
  tcpSynQueueTimeouts = 78,
  tcpAcceptQueueFull = 79,
  tcpSynCookiesSent = 80,
  tcpSynCookiesAccepted = 81,
  tcpSynCookiesRejected = 82,
  // TIME_WAIT
  twInserted = 83,
  twRecycled = 84,
  twExpired = 85,
  twFinReacked = 86,
  twRstIgnored = 87,
  twSynReopened = 88,
  twSynAnsweredWithAck = 89,
  twSegmentsAcked = 90,
  // heap watchdog
  wdChecks = 91,
  wdLowEntered = 92,
  wdCriticalEntered = 93,
  wdRecovered = 94,
  wdRefusedConnections = 95,
  wdTimeWaitShed = 96,
  wdConnectionsAborted = 97,
  // DHCP client and DNS resolver
  dhcpDiscoversSent = 98,
  dhcpRequestsSent = 99,
  dhcpOffersIn = 100,
  dhcpAcksIn = 101,
  dhcpNaksIn = 102,
  dhcpBound = 103,
  dhcpRenewed = 104,
  dhcpExpired = 105,
  dhcpFallbacks = 106,
  dropDhcpMalformed = 107,
  dropDhcpUnmatched = 108,
  dhcpDeclines = 109,
  dnsQueriesSent = 110,
  dnsRetransmits = 111,
  dnsAnswers = 112,
  dnsCacheHits = 113,
  dnsNxdomain = 114,
  dnsTimeouts = 115,
  dnsLookupsRefused = 116,
  dropDnsMalformed = 117,
  dropDnsSpoofed = 118,
  dropDnsTruncated = 119,
  COUNT = 120,
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
  'tcpChallengeAcksThrottled tcpZeroWindowProbes tcpSackBlocksOut tcpSackBlocksIn dropTcpSackBlocks tcpSackRetransmits tcpEarlyRetransmits tcpActiveOpens tcpPassiveOpens tcpEstablished tcpRefusedNoListener ' +
  'tcpEmfile tcpAddrNotAvail tcpConnectTimeouts tcpResets tcpUserTimeouts tcpKeepaliveProbes ' +
  'tcpKeepaliveTimeouts tcpStateTimeouts tcpAborts tcpRetransmitAborts tcpSynQueueFull tcpSynAckRetransmits tcpSynQueueTimeouts ' +
  'tcpAcceptQueueFull tcpSynCookiesSent tcpSynCookiesAccepted tcpSynCookiesRejected twInserted twRecycled ' +
  'twExpired twFinReacked twRstIgnored twSynReopened twSynAnsweredWithAck twSegmentsAcked ' +
  'wdChecks wdLowEntered wdCriticalEntered wdRecovered wdRefusedConnections wdTimeWaitShed ' +
  'wdConnectionsAborted ' +
  'dhcpDiscoversSent dhcpRequestsSent dhcpOffersIn dhcpAcksIn dhcpNaksIn dhcpBound dhcpRenewed dhcpExpired dhcpFallbacks dropDhcpMalformed dropDhcpUnmatched dhcpDeclines ' +
  'dnsQueriesSent dnsRetransmits dnsAnswers dnsCacheHits dnsNxdomain dnsTimeouts dnsLookupsRefused dropDnsMalformed dropDnsSpoofed dropDnsTruncated'
).split(' ');
