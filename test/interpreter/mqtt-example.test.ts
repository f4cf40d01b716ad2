import { ExecutionContext } from 'ava';
import { InterpreterBuild } from '../../sim/espruino/interpreter';
import { bareFreeVariables, consoleMatches, consoleTail, consoleText, delay, ExampleDevice, restingFreeVariables, PeerProcess, startExampleDevice, until, variableReadings } from './example-device';
import { missingServerTools, Mosquitto } from './servers';
import { interpreterTest } from './support';

/**
 * examples/mqtt-sensor.js against mosquitto: readings one way and commands the other, the broker
 * restarted halfway, the client reconnecting by itself; then the client reconnecting on command,
 * over and over. Every message is counted against what the broker's own log says it did, so a
 * message lost or duplicated is told apart from one the protocol allows to be:
 * - readings (QoS 1, the example keeps each until acknowledged and sends it again after a
 *   reconnect, the host's subscriber keeps a session): none may be lost; a duplicate must come
 *   from a resend (the example's, or the broker's to the subscriber);
 * - commands (QoS 1 to a client whose session is always clean, as the module always asks): the
 *   broker keeps nothing for it while it is away, so a command may be lost only if the broker got
 *   it between its restart and the client's new subscription, or sent it to the client and never
 *   got its acknowledgement; every command the client acknowledged must have reached the program,
 *   and a duplicate must have been sent twice by the broker.
 */

const topic = 'espruino/test';
const deviceId = 'espruino-' + '00000000';

interface Scenario {
  build: InterpreterBuild;
  overStack: boolean;
  messages: number;
  reconnects: number;
  /** ms between readings, and between commands. */
  pace: number;
}

interface LogCounts {
  /** Command id -> times the broker sent it to the device. */
  sentToDevice: Map<number, number>;
  /** Command ids whose delivery the device acknowledged. */
  acknowledgedByDevice: Set<number>;
  /** Command ids the broker received from the host and never sent to the device, with the log offset of the last receipt. */
  receivedFromHost: Map<number, number>;
  readingsFromDevice: number;
  readingResendsFromDevice: number;
  readingResendsToSubscriber: number;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** What mosquitto's log says it did with each message. */
function readLog(log: string): LogCounts {
  const counts: LogCounts = {
    sentToDevice: new Map(), acknowledgedByDevice: new Set(), receivedFromHost: new Map(),
    readingsFromDevice: 0, readingResendsFromDevice: 0, readingResendsToSubscriber: 0,
  };
  const commandTopic = escape(topic) + '\\/command\\/(\\d+)';
  const sentCommand = new RegExp('^Sending PUBLISH to ' + deviceId + ' \\(d\\d, q\\d, r\\d, m(\\d+), \'' + commandTopic + '\'');
  const fromHost = new RegExp('^Received PUBLISH from host-publisher \\(d\\d, q\\d, r\\d, m\\d+, \'' + commandTopic + '\'');
  const acknowledged = new RegExp('^Received PUBACK from ' + deviceId + ' \\(Mid: (\\d+)');
  const reading = new RegExp('^Received PUBLISH from ' + deviceId + ' \\(d(\\d), q1, r0, m\\d+, \'' + escape(topic) + '/reading\'');
  const toSubscriber = new RegExp('^Sending PUBLISH to host-subscriber \\(d1, q1, r0, m\\d+, \'' + escape(topic) + '/reading\'');
  const commandByMid = new Map<number, number>();
  let offset = 0;
  for (const line of log.split('\n')) {
    const text = line.replace(/^\d+: /, '');
    let match: RegExpMatchArray | null;
    if ((match = text.match(sentCommand))) {
      const id = Number(match[2]);
      counts.sentToDevice.set(id, (counts.sentToDevice.get(id) || 0) + 1);
      commandByMid.set(Number(match[1]), id);
    } else if ((match = text.match(acknowledged))) {
      const id = commandByMid.get(Number(match[1]));
      if (id !== undefined) counts.acknowledgedByDevice.add(id);
    } else if ((match = text.match(fromHost))) {
      counts.receivedFromHost.set(Number(match[1]), offset);
    } else if ((match = text.match(reading))) {
      counts.readingsFromDevice++;
      if (match[1] === '1') counts.readingResendsFromDevice++;
    } else if (toSubscriber.test(text)) {
      counts.readingResendsToSubscriber++;
    }
    offset += line.length + 1;
  }
  return counts;
}

function commandsPrinted(device: ExampleDevice): Map<number, number> {
  const printed = new Map<number, number>();
  for (const match of consoleMatches(device.interpreter, /^command (\d+) ping$/gm)) printed.set(Number(match[1]), (printed.get(Number(match[1])) || 0) + 1);
  return printed;
}

function readingsReceived(peer: PeerProcess, limit: number): Map<number, number> {
  const received = new Map<number, number>();
  for (const event of peer.having('received')) {
    const n = (JSON.parse(event.message as string) as { n: number }).n;
    if (n <= limit) received.set(n, (received.get(n) || 0) + 1);
  }
  return received;
}

function subscriptions(device: ExampleDevice): number {
  return consoleMatches(device.interpreter, /^mqtt subscribed$/gm).length;
}

async function runScenario(t: ExecutionContext, scenario: Scenario): Promise<void> {
  let port = 0;
  const device = await startExampleDevice({
    build: scenario.build,
    overStack: scenario.overStack,
    example: 'mqtt-sensor.js',
    modules: ['MQTT'],
    settingsFile: 'mqtt-sensor.json',
    settings: async (place) => {
      port = await place.freePort();
      return { broker: place.address, port, topic, interval: 0, retry: 50, backlog: 16 };
    },
  });
  const mosquitto = new Mosquitto(device.place, port, device.folder);
  try {
    const repl = device.interpreter;
    // The board is up before its broker, as after a power cut: the example keeps trying.
    await mosquitto.start();
    const peer = new PeerProcess(device.place, 'mqtt-peer', [device.place.address, mosquitto.port, topic + '/reading']);
    await until(() => subscriptions(device) === 1 && peer.having('connected').length === 2, 30000, () => 'the first subscription; ' + consoleTail(repl) + ' ' + peer.describe());
    const before = await restingFreeVariables(repl);

    // Readings one way, commands the other, the broker restarted when half the readings are in.
    const runFrom = consoleText(repl).length;
    const started = Date.now();
    peer.send({ publish: topic + '/command/0', message: 'interval ' + scenario.pace });
    // The restart comes when half the commands are sent and half the readings are in, both ways mid-run.
    let restartedAt = 0;
    for (let id = 1; id <= scenario.messages; id++) {
      peer.send({ publish: topic + '/command/' + id, message: 'ping' });
      await delay(scenario.pace);
      if (id === scenario.messages / 2) {
        await until(() => readingsReceived(peer, scenario.messages).size >= scenario.messages / 2, 120000,
          () => 'half the readings; got ' + readingsReceived(peer, scenario.messages).size + ' ' + peer.describe());
        restartedAt = Date.now() - started;
        await mosquitto.restart();
      }
    }
    await until(() => readingsReceived(peer, scenario.messages).size === scenario.messages, 120000,
      () => 'every reading; got ' + readingsReceived(peer, scenario.messages).size + ' ' + peer.describe());
    const readingsDone = Date.now() - started;
    await until(() => peer.having('acknowledged').length === scenario.messages + 1, 60000, () => 'the broker to take every command ' + peer.describe());
    const during = Math.min.apply(null, variableReadings(repl, runFrom));
    peer.send({ publish: topic + '/command/' + (scenario.messages + 1), message: 'interval 0' });
    const stopped = new RegExp('^command ' + (scenario.messages + 1) + ' interval 0$', 'gm');
    await until(() => consoleMatches(repl, stopped).length > 0, 30000, () => 'the readings to stop ' + consoleTail(repl));
    await delay(1000);
    const after = await restingFreeVariables(repl);

    const log = readLog(mosquitto.log);
    const readings = readingsReceived(peer, scenario.messages);
    const readingDuplicates = Array.from(readings.values()).reduce((sum, count) => sum + count - 1, 0);
    const printed = commandsPrinted(device);
    const restartLine = (Array.from(mosquitto.log.matchAll(/mosquitto version \S+ running/g))[1].index as number);
    const resubscribed = mosquitto.log.indexOf('Received SUBSCRIBE from ' + deviceId, restartLine);
    let lostNeverSent = 0;
    let lostInFlight = 0;
    let commandDuplicates = 0;
    for (let id = 1; id <= scenario.messages; id++) {
      const times = printed.get(id) || 0;
      const sent = log.sentToDevice.get(id) || 0;
      if (log.acknowledgedByDevice.has(id)) t.true(times > 0, 'command ' + id + ' was acknowledged by the client but never reached the program');
      t.true(times <= sent, 'command ' + id + ' reached the program ' + times + ' times, sent ' + sent + ' times');
      commandDuplicates += Math.max(0, times - 1);
      if (times > 0) continue;
      if (sent === 0) {
        lostNeverSent++;
        const receivedAt = log.receivedFromHost.get(id) as number;
        t.true(receivedAt > restartLine && receivedAt < resubscribed, 'command ' + id + ' was not sent to the client outside the restart window');
      } else {
        lostInFlight++;
        t.false(log.acknowledgedByDevice.has(id));
      }
    }
    t.is(readings.size, scenario.messages, 'every reading arrived at least once (QoS 1)');
    t.true(readingDuplicates <= log.readingResendsFromDevice + log.readingResendsToSubscriber, 'every duplicate reading comes from a resend');
    const resent = consoleMatches(repl, /^mqtt resent (\d+)$/gm).reduce((sum, match) => sum + Number(match[1]), 0);
    t.is(log.readingResendsFromDevice, resent, 'the broker saw each resend the example reported');
    t.true(subscriptions(device) >= 2, 'the client reconnected and subscribed again after the restart');
    const commandsDelivered = Array.from(printed.keys()).filter((id) => id >= 1 && id <= scenario.messages).length;
    t.log(scenario.build + ': ' + scenario.messages + ' readings, ' + readingDuplicates + ' duplicated (' + resent + ' resent by the example, ' +
      log.readingResendsToSubscriber + ' by the broker); ' + scenario.messages + ' commands: ' + commandsDelivered + ' delivered, ' +
      commandDuplicates + ' duplicated, lost as QoS 1 with a clean session allows: ' + lostNeverSent + ' sent while the client had no session, ' +
      lostInFlight + ' in flight at the restart; broker restarted at ' + restartedAt + ' ms; all readings in ' + readingsDone + ' ms');

    // The client reconnecting, on command, over and over; free variables read at rest after every
    // tenth of the loop, so that a cost paid once (a first use) tells from one paid per reconnect.
    const loopStart = Date.now();
    const atTenths: number[] = [];
    for (let round = 1; round <= scenario.reconnects; round++) {
      const subscribed = subscriptions(device);
      peer.send({ publish: topic + '/command/' + (scenario.messages + 1 + round), message: 'reconnect' });
      await until(() => subscriptions(device) === subscribed + 1, 30000, () => 'reconnect ' + round + ' ' + consoleTail(repl));
      if (round % (scenario.reconnects / 10) === 0) atTenths.push(await restingFreeVariables(repl));
    }
    const loopMs = Date.now() - loopStart;
    t.log(scenario.build + ': free variables with nothing loaded ' + (await bareFreeVariables(scenario.build)) + ', before ' + before + ', lowest during ' + during +
      ', after ' + after + '; ' + scenario.reconnects + ' reconnects in ' + loopMs + ' ms (with the readings at rest), free variables after each tenth of them ' +
      atTenths.join(' '));
    // Each reading is the most of four at rest (example-device.ts): the same after every tenth.
    t.deepEqual(atTenths, atTenths.map(() => atTenths[0]), 'free variables stay where the first tenth of the reconnects left them');
    t.true(after - atTenths[atTenths.length - 1] <= 4, 'and within 4 of where they were before the loop');
    peer.end();
  } finally {
    await mosquitto.stop();
    await device.close();
  }
}

const unmet = missingServerTools();

interpreterTest('MQTT sensor example over the stack (ESP32-sized, SLIP firmware beside it): 1,000 readings and 1,000 commands through a broker restart, then 200 reconnects',
  ['esp32'], (t) => runScenario(t, { build: 'esp32', overStack: true, messages: 1000, reconnects: 200, pace: 10 }), true, unmet);

interpreterTest('MQTT sensor example alone (Pico-sized, the interpreter\'s own sockets): 200 readings and 200 commands through a broker restart, then 20 reconnects',
  ['pico'], (t) => runScenario(t, { build: 'pico', overStack: false, messages: 200, reconnects: 20, pace: 10 }), false, unmet);
