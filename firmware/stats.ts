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
  // UDP
  udpIn = 30,
  udpOut = 31,
  dropUdpChecksum = 32,
  dropUdpLength = 33,
  dropUdpNoPort = 34,
  // TCP segments
  tcpIn = 35,
  tcpOut = 36,
  dropTcpShort = 37,
  dropTcpChecksum = 38,
  dropTcpHeaderLength = 39,
  dropTcpOptions = 40,
  dropTcpFlags = 41,
  dropTcpNoSocket = 42,
  dropTcpOutOfWindow = 43,
  dropTcpBadAck = 44,
  tcpRstIn = 45,
  tcpRstOut = 46,
  tcpRetransmits = 47,
  tcpFastRetransmits = 48,
  tcpRtoTimeouts = 49,
  tcpDupAcks = 50,
  tcpOutOfOrder = 51,
  dropTcpOutOfOrderFull = 52,
  tcpChallengeAcks = 53,
  tcpChallengeAcksThrottled = 54,
  tcpZeroWindowProbes = 55,
  // TCP connections
  tcpActiveOpens = 56,
  tcpPassiveOpens = 57,
  tcpEstablished = 58,
  tcpRefusedNoListener = 59,
  tcpEmfile = 60,
  tcpAddrNotAvail = 61,
  tcpConnectTimeouts = 62,
  tcpResets = 63,
  tcpUserTimeouts = 64,
  tcpKeepaliveProbes = 65,
  tcpKeepaliveTimeouts = 66,
  tcpStateTimeouts = 67,
  tcpAborts = 68,
  // listen queues
  tcpSynQueueFull = 69,
  tcpSynAckRetransmits = 70,
  tcpSynQueueTimeouts = 71,
  tcpAcceptQueueFull = 72,
  tcpSynCookiesSent = 73,
  tcpSynCookiesAccepted = 74,
  tcpSynCookiesRejected = 75,
  // TIME_WAIT
  twInserted = 76,
  twRecycled = 77,
  twExpired = 78,
  twFinReacked = 79,
  twRstIgnored = 80,
  twSynReopened = 81,
  twSynAnsweredWithAck = 82,
  twSegmentsAcked = 83,
  // heap watchdog
  wdChecks = 84,
  wdLowEntered = 85,
  wdCriticalEntered = 86,
  wdRecovered = 87,
  wdRefusedConnections = 88,
  wdTimeWaitShed = 89,
  wdConnectionsAborted = 90,
  COUNT = 91,
}

export const statNames: string[] = (
  'framesIn framesOut dropFrameShort dropEtherType dropNotForUs dropLinkDown ' +
  'arpIn arpRequestsSent arpRepliesSent arpResolved arpTimeouts arpQueueDrops ' +
  'arpCacheEvictions dropArpMalformed ipIn ipOut dropIpShort dropIpVersion ' +
  'dropIpHeaderLength dropIpChecksum dropIpTotalLength dropIpFragment dropIpNotForUs dropIpProtocol ' +
  'dropIpNoRoute icmpIn icmpEchoReplies dropIcmpChecksum icmpUnreachableIn icmpOtherIn ' +
  'udpIn udpOut dropUdpChecksum dropUdpLength dropUdpNoPort tcpIn ' +
  'tcpOut dropTcpShort dropTcpChecksum dropTcpHeaderLength dropTcpOptions dropTcpFlags ' +
  'dropTcpNoSocket dropTcpOutOfWindow dropTcpBadAck tcpRstIn tcpRstOut tcpRetransmits ' +
  'tcpFastRetransmits tcpRtoTimeouts tcpDupAcks tcpOutOfOrder dropTcpOutOfOrderFull tcpChallengeAcks ' +
  'tcpChallengeAcksThrottled tcpZeroWindowProbes tcpActiveOpens tcpPassiveOpens tcpEstablished tcpRefusedNoListener ' +
  'tcpEmfile tcpAddrNotAvail tcpConnectTimeouts tcpResets tcpUserTimeouts tcpKeepaliveProbes ' +
  'tcpKeepaliveTimeouts tcpStateTimeouts tcpAborts tcpSynQueueFull tcpSynAckRetransmits tcpSynQueueTimeouts ' +
  'tcpAcceptQueueFull tcpSynCookiesSent tcpSynCookiesAccepted tcpSynCookiesRejected twInserted twRecycled ' +
  'twExpired twFinReacked twRstIgnored twSynReopened twSynAnsweredWithAck twSegmentsAcked ' +
  'wdChecks wdLowEntered wdCriticalEntered wdRecovered wdRefusedConnections wdTimeWaitShed ' +
  'wdConnectionsAborted'
).split(' ');
