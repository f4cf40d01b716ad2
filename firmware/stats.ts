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
  // TCP connections
  tcpActiveOpens = 57,
  tcpPassiveOpens = 58,
  tcpEstablished = 59,
  tcpRefusedNoListener = 60,
  tcpEmfile = 61,
  tcpAddrNotAvail = 62,
  tcpConnectTimeouts = 63,
  tcpResets = 64,
  tcpUserTimeouts = 65,
  tcpKeepaliveProbes = 66,
  tcpKeepaliveTimeouts = 67,
  tcpStateTimeouts = 68,
  tcpAborts = 69,
  /** Data, FIN or zero-window probes retransmitted config.dataRetries times unanswered: ETIMEDOUT. */
  tcpRetransmitAborts = 70,
  // listen queues
  tcpSynQueueFull = 71,
  tcpSynAckRetransmits = 72,
  tcpSynQueueTimeouts = 73,
  tcpAcceptQueueFull = 74,
  tcpSynCookiesSent = 75,
  tcpSynCookiesAccepted = 76,
  tcpSynCookiesRejected = 77,
  // TIME_WAIT
  twInserted = 78,
  twRecycled = 79,
  twExpired = 80,
  twFinReacked = 81,
  twRstIgnored = 82,
  twSynReopened = 83,
  twSynAnsweredWithAck = 84,
  twSegmentsAcked = 85,
  // heap watchdog
  wdChecks = 86,
  wdLowEntered = 87,
  wdCriticalEntered = 88,
  wdRecovered = 89,
  wdRefusedConnections = 90,
  wdTimeWaitShed = 91,
  wdConnectionsAborted = 92,
  // DHCP client and DNS resolver
  dhcpDiscoversSent = 93,
  dhcpRequestsSent = 94,
  dhcpOffersIn = 95,
  dhcpAcksIn = 96,
  dhcpNaksIn = 97,
  dhcpBound = 98,
  dhcpRenewed = 99,
  dhcpExpired = 100,
  dhcpFallbacks = 101,
  dropDhcpMalformed = 102,
  dropDhcpUnmatched = 103,
  dhcpDeclines = 104,
  dnsQueriesSent = 105,
  dnsRetransmits = 106,
  dnsAnswers = 107,
  dnsCacheHits = 108,
  dnsNxdomain = 109,
  dnsTimeouts = 110,
  dnsLookupsRefused = 111,
  dropDnsMalformed = 112,
  dropDnsSpoofed = 113,
  dropDnsTruncated = 114,
  COUNT = 115,
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
  'tcpChallengeAcksThrottled tcpZeroWindowProbes tcpActiveOpens tcpPassiveOpens tcpEstablished tcpRefusedNoListener ' +
  'tcpEmfile tcpAddrNotAvail tcpConnectTimeouts tcpResets tcpUserTimeouts tcpKeepaliveProbes ' +
  'tcpKeepaliveTimeouts tcpStateTimeouts tcpAborts tcpRetransmitAborts tcpSynQueueFull tcpSynAckRetransmits tcpSynQueueTimeouts ' +
  'tcpAcceptQueueFull tcpSynCookiesSent tcpSynCookiesAccepted tcpSynCookiesRejected twInserted twRecycled ' +
  'twExpired twFinReacked twRstIgnored twSynReopened twSynAnsweredWithAck twSegmentsAcked ' +
  'wdChecks wdLowEntered wdCriticalEntered wdRecovered wdRefusedConnections wdTimeWaitShed ' +
  'wdConnectionsAborted ' +
  'dhcpDiscoversSent dhcpRequestsSent dhcpOffersIn dhcpAcksIn dhcpNaksIn dhcpBound dhcpRenewed dhcpExpired dhcpFallbacks dropDhcpMalformed dropDhcpUnmatched dhcpDeclines ' +
  'dnsQueriesSent dnsRetransmits dnsAnswers dnsCacheHits dnsNxdomain dnsTimeouts dnsLookupsRefused dropDnsMalformed dropDnsSpoofed dropDnsTruncated'
).split(' ');
