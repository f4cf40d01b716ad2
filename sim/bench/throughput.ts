import { Stat } from '../../firmware/stats';
import { TcpEvent, ListenerEvent } from '../../firmware/tcp/events';
import { bootPair, sink, cpuMsSince } from './sim-pair';

export interface ThroughputResult {
  loss: number;
  payloadBytes: number;
  /** Payload per second of CPU time: both stacks, the link and the clock share one core. */
  megabytesPerCpuSecond: number;
  /** TCP segments sent by both stacks (data and ACKs) per second of CPU time. */
  segmentsPerCpuSecond: number;
  /** Payload per second of virtual time: what the window, RTT and loss recovery allow on this link. */
  megabytesPerVirtualSecond: number;
  segments: number;
  retransmits: number;
  cpuMs: number;
  complete: boolean;
}

const SINK_PORT = 9;
const LINK_DELAY_MS = 0.5;

/**
 * Bulk transfer from the device to a sink on the peer over the simulated link (0.5 ms each way,
 * `loss` per frame in both directions), both with the default configuration. The transfer ends
 * when the sink has read every byte and seen the FIN.
 */
export function runThroughput(payloadBytes: number, loss: number, seed: number): ThroughputResult {
  const pair = bootPair(seed, { delay: LINK_DELAY_MS, loss }, {}, {});
  const { clock, device, peer } = pair;
  const chunk = new Uint8Array(4096);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 7 + 3) & 255;
  const scratch = new Uint8Array(4096);
  let sent = 0;
  let received = 0;
  let done = false;
  let failed = false;

  peer.tcp.listen(SINK_PORT, 1);
  peer.setEventSink(sink({
    listenerEvent(id: number, events: number): void {
      if (events & ListenerEvent.ACCEPTABLE) while (peer.tcp.accept(id) >= 0) continue;
    },
    socketEvent(slot: number, events: number): void {
      let n: number;
      while ((n = peer.tcp.receive(slot, scratch, 0, scratch.length)) > 0) received += n;
      if (events & (TcpEvent.PEER_CLOSED | TcpEvent.ERROR | TcpEvent.CLOSED)) {
        if (events & TcpEvent.ERROR) failed = true;
        done = true;
        peer.tcp.release(slot);
      }
    },
  }));

  const pump = (slot: number): void => {
    while (sent < payloadBytes) {
      const length = Math.min(chunk.length, payloadBytes - sent);
      const taken = device.tcp.send(slot, chunk, 0, length);
      if (taken <= 0) return;
      sent += taken;
    }
    device.tcp.release(slot);
  };
  device.setEventSink(sink({
    socketEvent(slot: number, events: number): void {
      if (events & TcpEvent.ERROR) {
        failed = true;
        done = true;
        device.tcp.release(slot);
        return;
      }
      if (events & (TcpEvent.CONNECTED | TcpEvent.WRITABLE)) pump(slot);
    },
  }));

  const started = process.cpuUsage();
  const virtualStart = clock.now();
  device.tcp.connect(pair.peerIp, SINK_PORT, 0, clock.now());
  const deadline = virtualStart + 3600000;
  while (!done && clock.now() < deadline) clock.step();
  const cpuMs = cpuMsSince(started);
  const virtualSeconds = (clock.now() - virtualStart) / 1000;
  const segments = device.stats[Stat.tcpOut] + peer.stats[Stat.tcpOut];
  return {
    loss, payloadBytes: received,
    megabytesPerCpuSecond: received / 1e6 / (cpuMs / 1000),
    segmentsPerCpuSecond: segments / (cpuMs / 1000),
    megabytesPerVirtualSecond: received / 1e6 / virtualSeconds,
    segments, retransmits: device.stats[Stat.tcpRetransmits], cpuMs,
    complete: !failed && received === payloadBytes,
  };
}
