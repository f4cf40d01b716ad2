import { Config } from './config';
import { Hal } from '../hal/hal';
import { MemoryReport } from './memory-report';
import { NetworkInterface } from './network-interface';
import { DnsResolver } from './dns';
import { Udp, UdpSink } from './udp';
import { Stat } from './stats';
import { ArpState } from './arp-cache';
import { formatIp, parseIp } from './wire/ip-address';
import { Ipv4Constant, readIpv4Address, writeIpv4Address } from './wire/ipv4';
import { UdpField } from './wire/udp';
import { DhcpConstant, DhcpField, DhcpMessage, DhcpOption } from './wire/dhcp';
import { withConfigCheck } from './features';

/** RFC 2131 figure 5, without INIT-REBOOT: a reboot starts from INIT. */
export const enum DhcpState {
  INIT = 0,
  SELECTING = 1,
  REQUESTING = 2,
  /** ACKed; probing the address with ARP (RFC 2131 4.4.1, RFC 5227) before using it. */
  CHECKING = 3,
  BOUND = 4,
  RENEWING = 5,
  REBINDING = 6,
}

const enum Timing {
  /** RFC 2131 4.1: each retransmission is randomised by ±1 s. */
  JITTER = 1000,
  /** RFC 2131 4.4.5: RENEWING and REBINDING retransmit at half the time left, but not more often than this. */
  RENEW_RETRY_MIN = 60000,
  /** Shorter leases are taken as this long, so that a hostile or broken server cannot make us storm it. */
  MIN_LEASE_SECONDS = 20,
  /** RFC 2131 3.1: after a DECLINE, wait at least 10 s before starting again. */
  DECLINE_WAIT = 10000,
  /** ARP probes of an ACKed address, spread over config.dhcpProbeWait. */
  PROBES = 3,
  SECOND = 1000,
}

/**
 * DHCP client (RFC 2131) for the interface: DISCOVER → OFFER → REQUEST → ACK, the lease applied
 * with netif.setAddress and its DNS server handed to the resolver, RENEWING at T1 (unicast to
 * the server), REBINDING at T2 (broadcast), and at expiry the address dropped and discovery
 * started again. Retransmissions back off exponentially with jitter; after
 * config.dhcpFallbackAfter failed attempts the static config address is applied while
 * discovery goes on in the background. The first OFFER is taken. An ACKed address is probed
 * first with three ARP requests over config.dhcpProbeWait (sender 0.0.0.0, RFC 5227) through a
 * resolving entry of the ARP cache, which any answer marks resolved: the address is then in use
 * by someone else, and it is declined. Messages are built in place in the transmit frame.
 */
export class DhcpClient implements UdpSink {
  state = DhcpState.INIT;
  /** The address, netmask, router and DNS server of the current lease (0 when none). */
  leaseIp = 0;
  leaseNetmask = 0;
  leaseRouter = 0;
  leaseDns = 0;
  /** Lease length in seconds as granted, and when (hal.now() ms) T1, T2 and the end fall. */
  leaseSeconds = 0;
  renewAt = 0;
  rebindAt = 0;
  expiresAt = 0;
  /** true while the static fallback address is in use. */
  fallbackActive = false;
  /** Attempts (a whole DISCOVER or REQUEST exchange) that failed since the last lease. */
  failedAttempts = 0;
  private xid = 0;
  private nextAt = 0;
  private timeout: number;
  private transmissions = 0;
  private attemptStart = 0;
  private offeredIp = 0;
  private serverId = 0;
  private readonly fallbackIp: number;
  private readonly fallbackNetmask: number;
  private readonly fallbackGateway: number;

  /** `mac` is the NIC's address (all zeros on an IP-only link): it fills chaddr and the client identifier. */
  constructor(private readonly config: Config, private readonly hal: Hal, private readonly netif: NetworkInterface,
    private readonly mac: Uint8Array, private readonly stats: Uint32Array, private readonly dns: DnsResolver | null) {
    this.fallbackIp = config.dhcpFallbackAfter > 0 ? parseIp(config.ip) : 0;
    this.fallbackNetmask = parseIp(config.netmask);
    this.fallbackGateway = parseIp(config.gateway);
    this.timeout = config.dhcpRetryInitial;
    if ((netif.udp as Udp).bind(DhcpConstant.CLIENT_PORT, this) < 0 && withConfigCheck) throw new Error('dhcp: cannot bind UDP port 68');
    netif.setAddress(0, 0, 0);
    this.nextAt = hal.now();
  }

  /** Retransmissions, T1, T2 and lease expiry. */
  tick(now: number): void {
    const state = this.state;
    if (state >= DhcpState.BOUND && now >= this.expiresAt) {
      this.stats[Stat.dhcpExpired]++;
      this.hal.log('dhcp: lease of ' + formatIp(this.leaseIp) + ' expired');
      this.netif.setAddress(0, 0, 0);
      this.leaseIp = 0;
      this.failedAttempts = 0;
      this.timeout = this.config.dhcpRetryInitial;
      this.state = DhcpState.INIT;
      this.nextAt = now;
      return;
    }
    if (state === DhcpState.CHECKING) {
      const arp = this.netif.arp;
      const entry = arp.find(this.offeredIp);
      if (entry >= 0 && arp.state[entry] === ArpState.RESOLVED) {
        this.stats[Stat.dhcpDeclines]++;
        this.hal.log('dhcp: ' + formatIp(this.offeredIp) + ' is in use by another host, declined');
        this.send(now);
        this.leaseIp = 0;
        this.failAttempt(now);
        this.nextAt = Math.max(this.nextAt, now + Timing.DECLINE_WAIT);
      } else if (now >= this.nextAt && this.transmissions >= Timing.PROBES) {
        if (entry >= 0) arp.state[entry] = ArpState.FREE;
        this.bind(false);
      } else if (now >= this.nextAt) {
        // The resolving entry is what hears an answer; the interface may have timed it out between probes.
        if (entry < 0) arp.claim(this.offeredIp, now);
        this.netif.sendArpRequest(this.offeredIp);
        this.transmissions++;
        this.nextAt = now + this.config.dhcpProbeWait / Timing.PROBES;
      }
      return;
    }
    if (state === DhcpState.BOUND) {
      if (now < this.renewAt) return;
      this.state = DhcpState.RENEWING;
      this.xid = this.hal.random32() >>> 0;
      this.attemptStart = now;
      this.nextAt = now;
    } else if (state === DhcpState.RENEWING && now >= this.rebindAt) {
      this.state = DhcpState.REBINDING;
      this.nextAt = now;
    }
    if (now < this.nextAt) return;
    if (this.state === DhcpState.INIT) {
      this.state = DhcpState.SELECTING;
      this.xid = this.hal.random32() >>> 0;
      this.transmissions = 0;
      this.attemptStart = now;
    } else if (this.state <= DhcpState.REQUESTING && this.transmissions >= this.config.dhcpRetries) {
      this.failAttempt(now);
      return;
    }
    this.send(now);
  }

  datagram(buf: Uint8Array, offset: number, length: number): void {
    const stats = this.stats;
    const mac = this.mac;
    if (length < DhcpField.OPTIONS || buf[offset + DhcpField.OP] !== DhcpConstant.BOOTREPLY ||
      readIpv4Address(buf, offset + DhcpField.COOKIE) !== DhcpConstant.COOKIE) {
      stats[Stat.dropDhcpMalformed]++;
      return;
    }
    const chaddr = offset + DhcpField.CHADDR;
    if (readIpv4Address(buf, offset + DhcpField.XID) !== this.xid || buf[chaddr] !== mac[0] || buf[chaddr + 1] !== mac[1] ||
      buf[chaddr + 2] !== mac[2] || buf[chaddr + 3] !== mac[3] || buf[chaddr + 4] !== mac[4] || buf[chaddr + 5] !== mac[5]) {
      stats[Stat.dropDhcpUnmatched]++;
      return;
    }
    let type = 0;
    let serverId = 0;
    let netmask = 0;
    let router = 0;
    let dnsServer = 0;
    let lease: number = DhcpConstant.INFINITE;
    let renewal = -1;
    let rebinding = -1;
    const end = offset + length;
    let at = offset + DhcpField.OPTIONS;
    while (at < end) {
      const code = buf[at];
      if (code === DhcpOption.END) break;
      if (code === DhcpOption.PAD) {
        at++;
        continue;
      }
      const optionLength = at + 1 < end ? buf[at + 1] : 0;
      const value = at + 2;
      if (value + optionLength > end || at + 1 >= end) {
        stats[Stat.dropDhcpMalformed]++;
        return;
      }
      if (code === DhcpOption.MESSAGE_TYPE && optionLength >= 1) type = buf[value];
      else if (optionLength >= 4) {
        const word = readIpv4Address(buf, value);
        if (code === DhcpOption.SERVER_ID) serverId = word;
        else if (code === DhcpOption.SUBNET_MASK) netmask = word;
        else if (code === DhcpOption.ROUTER) router = word;
        else if (code === DhcpOption.DNS_SERVER) dnsServer = word;
        else if (code === DhcpOption.LEASE_TIME) lease = word;
        else if (code === DhcpOption.RENEWAL_TIME) renewal = word;
        else if (code === DhcpOption.REBINDING_TIME) rebinding = word;
      }
      at = value + optionLength;
    }
    const yiaddr = readIpv4Address(buf, offset + DhcpField.YIADDR);
    const state = this.state;
    const now = this.hal.now();
    const fromOurServer = serverId === 0 || serverId === this.serverId || state === DhcpState.REBINDING;
    if (type === DhcpMessage.OFFER && state === DhcpState.SELECTING && serverId !== 0 && yiaddr !== 0) {
      stats[Stat.dhcpOffersIn]++;
      this.offeredIp = yiaddr;
      this.serverId = serverId;
      this.state = DhcpState.REQUESTING;
      this.transmissions = 0;
      this.timeout = this.config.dhcpRetryInitial;
      this.send(now);
    } else if (type === DhcpMessage.ACK && (state === DhcpState.REQUESTING || state >= DhcpState.RENEWING) && fromOurServer &&
      yiaddr === (state === DhcpState.REQUESTING ? this.offeredIp : this.leaseIp)) {
      stats[Stat.dhcpAcksIn]++;
      if (serverId !== 0) this.serverId = serverId;
      const renewed = state !== DhcpState.REQUESTING;
      // RFC 2132: without a mask the client picks one; /24 is what a LAN that forgets it most likely means.
      this.leaseIp = yiaddr;
      this.leaseNetmask = netmask || 0xffffff00;
      this.leaseRouter = router;
      this.leaseSeconds = lease;
      if (lease === DhcpConstant.INFINITE) {
        this.renewAt = this.rebindAt = this.expiresAt = Infinity;
      } else {
        // RFC 2131 4.4.5 defaults; a server's T1/T2 that break 0 < T1 <= T2 <= lease are replaced by them.
        if (lease < Timing.MIN_LEASE_SECONDS) lease = Timing.MIN_LEASE_SECONDS;
        if (rebinding <= 0 || rebinding > lease) rebinding = Math.floor(lease * 7 / 8);
        if (renewal <= 0 || renewal > rebinding) renewal = Math.floor(lease / 2);
        const start = this.attemptStart;
        this.renewAt = start + renewal * Timing.SECOND;
        this.rebindAt = start + rebinding * Timing.SECOND;
        this.expiresAt = start + lease * Timing.SECOND;
      }
      if (dnsServer !== 0) this.leaseDns = dnsServer;
      const arp = this.netif.arp;
      if (renewed || arp.size === 0 || this.config.dhcpProbeWait === 0) {
        this.bind(renewed);
      } else {
        // A stale entry for the address (its previous holder) must not count as an answer to our probe.
        const stale = arp.find(yiaddr);
        if (stale >= 0) arp.state[stale] = ArpState.FREE;
        this.state = DhcpState.CHECKING;
        this.transmissions = 0;
        this.nextAt = now;
      }
    } else if (type === DhcpMessage.NAK && (state === DhcpState.REQUESTING || state >= DhcpState.RENEWING) && fromOurServer) {
      stats[Stat.dhcpNaksIn]++;
      this.hal.log('dhcp: NAK from ' + formatIp(serverId));
      if (state === DhcpState.REQUESTING) {
        this.failAttempt(now);
      } else {
        this.leaseIp = 0;
        this.netif.setAddress(0, 0, 0);
        this.state = DhcpState.INIT;
        this.nextAt = now;
      }
    } else {
      stats[Stat.dropDhcpUnmatched]++;
    }
  }

  reportMemory(report: MemoryReport): void {
    // Scalar fields only: about a dozen numbers.
    report['dhcp.client'] = 8 * 20;
  }

  /** Applies the lease in the lease fields: address, netmask, router and DNS server. */
  private bind(renewed: boolean): void {
    const ip = this.leaseIp;
    this.netif.setAddress(ip, this.leaseNetmask, this.leaseRouter);
    if (this.leaseDns !== 0 && this.dns) this.dns.server = this.leaseDns;
    this.state = DhcpState.BOUND;
    this.failedAttempts = 0;
    this.fallbackActive = false;
    this.timeout = this.config.dhcpRetryInitial;
    this.stats[renewed ? Stat.dhcpRenewed : Stat.dhcpBound]++;
    this.hal.log('dhcp: ' + (renewed ? 'renewed ' : 'bound ') + formatIp(ip) + ' mask ' + formatIp(this.leaseNetmask) +
      ' gw ' + formatIp(this.leaseRouter) + ' dns ' + formatIp(this.leaseDns) + ' lease ' + this.leaseSeconds + 's from ' +
      formatIp(this.serverId));
  }

  /** One attempt gave up (no answer, NAK, address in use): maybe apply the static fallback, then wait and start over. */
  private failAttempt(now: number): void {
    this.failedAttempts++;
    if (this.fallbackIp > 0 && !this.fallbackActive && this.failedAttempts >= this.config.dhcpFallbackAfter) {
      this.fallbackActive = true;
      this.stats[Stat.dhcpFallbacks]++;
      this.netif.setAddress(this.fallbackIp, this.fallbackNetmask, this.fallbackGateway);
      this.hal.log('dhcp: no lease after ' + this.failedAttempts + ' attempts, using ' + formatIp(this.fallbackIp));
    }
    this.state = DhcpState.INIT;
    this.nextAt = now + this.timeout + (this.hal.random32() % (2 * Timing.JITTER + 1)) - Timing.JITTER;
  }

  /** Builds and sends the message the current state calls for, and schedules its retransmission. */
  private send(now: number): void {
    const netif = this.netif;
    const frame = netif.frame;
    const mac = this.mac;
    const state = this.state;
    const at = netif.payloadOffset + UdpField.HEADER_LENGTH;
    const leased = state >= DhcpState.RENEWING;
    frame.fill(0, at, at + DhcpConstant.MIN_LENGTH);
    frame[at + DhcpField.OP] = DhcpConstant.BOOTREQUEST;
    frame[at + DhcpField.HTYPE] = DhcpConstant.HTYPE_ETHERNET;
    frame[at + DhcpField.HLEN] = DhcpConstant.MAC_LENGTH;
    writeIpv4Address(frame, at + DhcpField.XID, this.xid);
    const seconds = Math.min(0xffff, Math.floor((now - this.attemptStart) / Timing.SECOND));
    frame[at + DhcpField.SECS] = seconds >>> 8;
    frame[at + DhcpField.SECS + 1] = seconds & 0xff;
    if (leased) writeIpv4Address(frame, at + DhcpField.CIADDR, this.leaseIp);
    else frame[at + DhcpField.FLAGS] = DhcpConstant.BROADCAST_FLAG_HIGH;
    this.hal.copy(frame, at + DhcpField.CHADDR, mac, 0, DhcpConstant.MAC_LENGTH);
    writeIpv4Address(frame, at + DhcpField.COOKIE, DhcpConstant.COOKIE);
    let option = at + DhcpField.OPTIONS;
    frame[option] = DhcpOption.MESSAGE_TYPE;
    frame[option + 1] = 1;
    frame[option + 2] = state === DhcpState.SELECTING ? DhcpMessage.DISCOVER :
      state === DhcpState.CHECKING ? DhcpMessage.DECLINE : DhcpMessage.REQUEST;
    frame[option + 3] = DhcpOption.CLIENT_ID;
    frame[option + 4] = 1 + DhcpConstant.MAC_LENGTH;
    frame[option + 5] = DhcpConstant.HTYPE_ETHERNET;
    this.hal.copy(frame, option + 6, mac, 0, DhcpConstant.MAC_LENGTH);
    option += 12;
    if (state === DhcpState.REQUESTING || state === DhcpState.CHECKING) {
      frame[option] = DhcpOption.REQUESTED_IP;
      frame[option + 1] = 4;
      writeIpv4Address(frame, option + 2, this.offeredIp);
      frame[option + 6] = DhcpOption.SERVER_ID;
      frame[option + 7] = 4;
      writeIpv4Address(frame, option + 8, this.serverId);
      option += 12;
    }
    if (state !== DhcpState.CHECKING) {
      frame[option] = DhcpOption.PARAMETER_REQUEST_LIST;
      frame[option + 1] = 6;
      frame[option + 2] = DhcpOption.SUBNET_MASK;
      frame[option + 3] = DhcpOption.ROUTER;
      frame[option + 4] = DhcpOption.DNS_SERVER;
      frame[option + 5] = DhcpOption.LEASE_TIME;
      frame[option + 6] = DhcpOption.RENEWAL_TIME;
      frame[option + 7] = DhcpOption.REBINDING_TIME;
      option += 8;
    }
    frame[option] = DhcpOption.END;
    // Before a lease the source must be 0.0.0.0 (RFC 2131 4.1), also while the fallback address is in use.
    if (this.fallbackActive && !leased) netif.setAddress(0, 0, 0);
    (netif.udp as Udp).sendTo(state === DhcpState.RENEWING ? this.serverId : Ipv4Constant.BROADCAST, DhcpConstant.SERVER_PORT,
      DhcpConstant.CLIENT_PORT, frame, at, DhcpConstant.MIN_LENGTH);
    if (this.fallbackActive && !leased) netif.setAddress(this.fallbackIp, this.fallbackNetmask, this.fallbackGateway);
    if (state !== DhcpState.CHECKING) this.stats[state === DhcpState.SELECTING ? Stat.dhcpDiscoversSent : Stat.dhcpRequestsSent]++;
    this.transmissions++;
    if (leased) {
      const limit = state === DhcpState.RENEWING ? this.rebindAt : this.expiresAt;
      this.nextAt = now + Math.max(Timing.RENEW_RETRY_MIN, (limit - now) / 2);
    } else {
      this.nextAt = now + this.timeout + (this.hal.random32() % (2 * Timing.JITTER + 1)) - Timing.JITTER;
      this.timeout = Math.min(this.timeout * 2, this.config.dhcpRetryMax);
    }
  }
}
