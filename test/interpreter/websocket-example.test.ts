import { ExecutionContext } from 'ava';
import { InterpreterBuild } from '../../sim/espruino/interpreter';
import { bareFreeVariables, consoleMatches, consoleTail, consoleText, PeerProcess, restingFreeVariables, startExampleDevice, until, variableReadings } from './example-device';
import { missingServerTools } from './servers';
import { interpreterTest } from './support';

/**
 * examples/websocket.js against a WebSocket peer on the host's side (the `ws` library): as a
 * client, the example's readings to the peer's server (text and binary frames alternately) and
 * the peer's messages back (text, 1 to 1,250 bytes: both length encodings), then a close
 * handshake the example starts; as a server, the peer's requests answered in text and binary,
 * then a close handshake the peer starts. Every message is checked in content and order.
 */

interface Scenario {
  build: InterpreterBuild;
  overStack: boolean;
  messages: number;
}

/** A reading as the example sends it: JSON text, or 8 bytes (uint32 sequence number, float32, little-endian). */
function readingNumber(event: { [field: string]: unknown }): { n: number; binary: boolean } {
  if (event.binary !== undefined) {
    const bytes = Buffer.from(event.binary as string, 'hex');
    return { n: bytes.length === 8 ? bytes.readUInt32LE(0) : -1, binary: true };
  }
  return { n: (JSON.parse(event.text as string) as { n: number }).n, binary: false };
}

/** The peer's n-th message to the example's client: printable ASCII (the module delivers bytes as they came), length 1 to 1,250. */
function peerMessage(index: number): string {
  let text = 'm' + index + ' ';
  const length = 1 + ((index * 389) % 1250);
  while (text.length < length) text += String.fromCharCode(33 + ((text.length * 7 + index) % 94));
  return text.slice(0, Math.max(length, String(index).length + 2));
}

/** True when `numbers` go up by one each time. */
function consecutive(numbers: number[]): boolean {
  return numbers.every((n, i) => i === 0 || n === numbers[i - 1] + 1);
}

async function runScenario(t: ExecutionContext, scenario: Scenario): Promise<void> {
  let peerPort = 0;
  let devicePort = 0;
  const device = await startExampleDevice({
    build: scenario.build,
    overStack: scenario.overStack,
    example: 'websocket.js',
    modules: ['ws'],
    settingsFile: 'websocket.json',
    settings: async (place) => {
      peerPort = await place.freePort();
      devicePort = await place.freePort();
      return { host: place.address, port: peerPort, path: '/device', serverPort: devicePort, interval: 20, retry: 200, openTimeout: 2000 };
    },
    warmUp: 'new DataView(new ArrayBuffer(8)).setFloat32(0,1,true);[].push(0)',
  });
  let peer: PeerProcess | null = null;
  try {
    const repl = device.interpreter;
    // The board is up before the peer: nothing to connect to yet, the example keeps trying. A
    // browser loads the page first (which also makes the interpreter create its HTTP server's
    // request objects, kept from then on).
    const page = await device.place.run('curl -s --max-time 20 http://' + device.deviceAddress + ':' + devicePort + '/', 30000);
    t.regex(page, /new WebSocket\("ws:\/\/"\+location\.host\+"\/"\)/, 'the example serves its page');
    const before = await restingFreeVariables(repl);
    const runFrom = consoleText(repl).length;
    const started = Date.now();
    const host = new PeerProcess(device.place, 'websocket-peer', [device.place.address, peerPort, 'm0 hello']);
    peer = host;
    await until(() => host.having('open').length === 1, 30000, () => 'the example\'s client; ' + consoleTail(repl) + ' ' + host.describe());

    // Client: the peer's greeting, sent with the handshake's response; the example's readings
    // in; the peer's text messages out.
    await until(() => consoleMatches(repl, /^ws client got m0 hello$/gm).length === 1, 10000, () => 'the greeting; ' + consoleTail(repl));
    const fromClient = () => host.events.filter((event) => event.message === 'server');
    await until(() => fromClient().length >= scenario.messages, 60000, () => scenario.messages + ' readings; ' + host.describe());
    const readings = fromClient().slice(0, scenario.messages).map(readingNumber);
    const readingsMs = Date.now() - started;
    t.true(consecutive(readings.map((reading) => reading.n)), 'readings arrive each once, in order: ' + readings.map((reading) => reading.n).join(','));
    t.is(readings.filter((reading) => reading.binary).length, scenario.messages / 2, 'half of them in binary frames');
    const sentAt = Date.now();
    for (let index = 1; index <= scenario.messages; index++) host.send({ send: 'server', text: peerMessage(index) });
    const got = () => consoleMatches(repl, /^ws client got (m\d+ .*)$/gm).map((match) => match[1]).filter((text) => text !== 'm0 hello');
    await until(() => got().length >= scenario.messages, 60000, () => scenario.messages + ' messages at the example; ' + got().length + ' ' + consoleTail(repl, 3));
    const messagesMs = Date.now() - sentAt;
    const wrong = got().map((text, i) => (text === peerMessage(i + 1) ? '' : 'message ' + (i + 1) + ': ' + text.length + ' bytes, starts ' + JSON.stringify(text.slice(0, 12))))
      .filter((problem) => problem);
    t.deepEqual(wrong, [], 'the example got every text message whole, once, in order');
    t.is(got().length, scenario.messages);
    // Binary frames to the example: the module (EspruinoDocs 60ae9bba) handles opcodes 0, 1, 8, 9 and 10 only.
    const binaryFrames = 10;
    for (let index = 0; index < binaryFrames; index++) host.send({ send: 'server', binary: 'ff00' + index.toString(16).padStart(2, '0') });
    host.send({ send: 'server', text: 'm0 after the binary frames' });
    await until(() => consoleMatches(repl, /^ws client got m0 after the binary frames$/gm).length === 1, 30000, () => 'the text after the binary frames');
    const unknownOpcode = consoleMatches(repl, /WS: Unknown opcode 2$/gm).length;
    t.is(unknownOpcode, binaryFrames, 'the ws module drops each binary frame it receives, saying "WS: Unknown opcode 2"');

    // The connection dropped by the peer: the example connects again by itself.
    host.send({ terminate: 'server' });
    await until(() => host.having('open').length === 2, 30000, () => 'the example\'s client back; ' + consoleTail(repl) + ' ' + host.describe());
    t.is(consoleMatches(repl, /^ws client closed$/gm).length, 1, 'the example saw its connection dropped');
    await until(() => consoleMatches(repl, /^ws client got m0 hello$/gm).length === 2, 10000, () => 'the greeting on the second connection; ' + consoleTail(repl));

    // Close handshake from the example (its workaround: a close frame of its own before the module's end()).
    host.send({ send: 'server', text: 'close' });
    await until(() => host.having('closed').length === 2, 30000, () => 'the client\'s close; ' + host.describe() + ' ' + consoleTail(repl, 12));
    t.deepEqual(host.having('closed')[1], { closed: 'server', code: 1000 }, 'the example closed with a close frame (1000) and the peer\'s answer');
    await until(() => consoleMatches(repl, /^ws client closed$/gm).length === 2, 10000, () => 'the example to see its client closed');

    // Server: the peer's requests answered in text and binary, each once, in order; twice, so
    // that the second connection shows whether the first left anything behind.
    const serverRound = async (round: number): Promise<number> => {
      const opened = host.having('open').length;
      const closed = host.having('closed').length;
      const answered = host.events.filter((event) => event.message === 'client').length;
      host.send({ connect: 'ws://' + device.deviceAddress + ':' + devicePort + '/' });
      await until(() => host.having('open').length === opened + 1, 30000, () => 'the example\'s server; ' + host.describe());
      const from = Date.now();
      for (let index = 0; index < scenario.messages; index++) host.send({ send: 'client', text: index % 2 ? 'getb' : 'get' });
      const answers = () => host.events.filter((event) => event.message === 'client').slice(answered).map(readingNumber);
      await until(() => answers().length >= scenario.messages, 60000, () => scenario.messages + ' answers; ' + answers().length);
      const ms = Date.now() - from;
      t.deepEqual(answers().map((answer) => answer.binary), Array.from({ length: scenario.messages }, (_, i) => i % 2 === 1), 'get is answered in text, getb in binary');
      t.true(consecutive(answers().map((answer) => answer.n)), 'each answer once, in order');
      // Close handshake from the peer: the module ends the connection without answering the close frame.
      host.send({ close: 'client', code: 1000 });
      await until(() => host.having('closed').length === closed + 1, 30000, () => 'the server\'s close; ' + host.describe());
      t.deepEqual(host.having('closed')[closed], { closed: 'client', code: 1006 },
        'the ws module answers a close frame by ending the TCP connection, with no close frame of its own (the peer reports 1006)');
      await until(() => consoleMatches(repl, /^ws server closed$/gm).length === round, 10000, () => 'the example to see its server connection closed');
      return ms;
    };
    const answersMs = await serverRound(1);
    const during = Math.min.apply(null, variableReadings(repl, runFrom));
    // The most of eight readings (two seconds): a single reading is a variable lower while the
    // firmware's tick is far from running (variableProbeMs).
    const after = await restingFreeVariables(repl, 8);
    await serverRound(2);
    const afterSecond = await restingFreeVariables(repl, 8);
    t.log(scenario.build + ': client: ' + scenario.messages + ' readings (half binary) in ' + readingsMs + ' ms from the peer\'s start, ' + scenario.messages +
      ' text messages of 1-1,250 bytes in ' + messagesMs + ' ms, ' + binaryFrames + ' binary frames dropped by the module; server: ' + scenario.messages +
      ' requests answered in ' + answersMs + ' ms; free variables with nothing loaded ' + (await bareFreeVariables(scenario.build)) + ', before ' + before + ' (the client retrying), lowest during ' + during + ', after ' + after +
      ' (both closed), after a second server connection ' + afterSecond);
    t.is(afterSecond, after, 'a second server connection leaves free variables where the first left them');
  } finally {
    if (peer) peer.end();
    await device.close();
  }
}

interpreterTest('WebSocket example over the stack (ESP32-sized, SLIP firmware beside it): 100 messages each way as client and as server, text and binary, close handshakes both ways',
  ['esp32'], (t) => runScenario(t, { build: 'esp32', overStack: true, messages: 100 }), true, missingServerTools());

interpreterTest('WebSocket example alone (Pico-sized, the interpreter\'s own sockets): 100 messages each way as client and as server, text and binary, close handshakes both ways',
  ['pico'], (t) => runScenario(t, { build: 'pico', overStack: false, messages: 100 }), false, missingServerTools());
