/**
 * The host's side of the MQTT example's test: two MQTT 3.1.1 clients of the broker in one process
 * of their own, so that it runs where the broker runs (inside the test's network namespace).
 *
 *   node mqtt-peer.js HOST PORT READING_TOPIC
 *
 * - The subscriber (client id "host-subscriber") keeps a session (clean session 0) subscribed to
 *   READING_TOPIC at QoS 1, so the broker holds readings for it while it is away and across a
 *   restart (with persistence on), and acknowledges each reading it receives.
 * - The publisher (client id "host-publisher") publishes what stdin asks at QoS 1 and sends each
 *   message again, DUP set, after every reconnect until the broker acknowledges it.
 * Both reconnect 100 ms after a lost connection, until stdin closes.
 *
 * stdin, one JSON object a line: {"publish": TOPIC, "message": TEXT}.
 * stdout, one JSON object a line: {"connected": "subscriber" | "publisher"},
 * {"received": TOPIC, "message": TEXT, "dup": 0 | 1}, {"acknowledged": TOPIC}.
 */
import * as net from 'net';
import * as readline from 'readline';

const enum Packet {
  CONNECT = 1,
  CONNACK = 2,
  PUBLISH = 3,
  PUBACK = 4,
  SUBSCRIBE = 8,
  PINGREQ = 12,
}

const keepAliveSeconds = 30;
const reconnectMs = 100;

function mqttString(text: string): Buffer {
  const bytes = Buffer.from(text, 'latin1');
  return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 255]), bytes]);
}

function packet(firstByte: number, body: Buffer): Buffer {
  const length: number[] = [];
  let remaining = body.length;
  do {
    let byte = remaining & 127;
    remaining >>= 7;
    if (remaining > 0) byte |= 128;
    length.push(byte);
  } while (remaining > 0);
  return Buffer.concat([Buffer.from([firstByte].concat(length)), body]);
}

interface Unacknowledged {
  id: number;
  topic: string;
  message: string;
  sent: boolean;
}

function emit(event: object): void {
  process.stdout.write(JSON.stringify(event) + '\n');
}

class Client {
  private socket: net.Socket | null = null;
  private input = Buffer.alloc(0);
  private connected = false;
  private nextId = 1;
  private readonly unacknowledged: Unacknowledged[] = [];
  private pinger: NodeJS.Timeout | null = null;
  stopped = false;

  constructor(private readonly host: string, private readonly port: number, private readonly name: string, private readonly subscription: string) {
    this.connect();
  }

  publish(topic: string, message: string): void {
    const entry = { id: this.nextId, topic, message, sent: false };
    this.nextId = (this.nextId % 65535) + 1;
    this.unacknowledged.push(entry);
    if (this.connected) this.send(entry);
  }

  stop(): void {
    this.stopped = true;
    if (this.socket) this.socket.destroy();
  }

  private connect(): void {
    const socket = net.connect(this.port, this.host);
    this.socket = socket;
    this.input = Buffer.alloc(0);
    socket.on('connect', () => {
      const clean = this.subscription ? 0 : 2;
      socket.write(packet(Packet.CONNECT << 4, Buffer.concat([mqttString('MQTT'), Buffer.from([4, clean, 0, keepAliveSeconds]), mqttString('host-' + this.name)])));
    });
    socket.on('data', (data: Buffer) => this.take(data));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.connected = false;
      if (this.pinger) clearInterval(this.pinger);
      this.pinger = null;
      if (!this.stopped) setTimeout(() => this.connect(), reconnectMs);
    });
  }

  private send(entry: Unacknowledged): void {
    const dup = entry.sent ? 8 : 0;
    entry.sent = true;
    const body = Buffer.concat([mqttString(entry.topic), Buffer.from([entry.id >> 8, entry.id & 255]), Buffer.from(entry.message, 'latin1')]);
    (this.socket as net.Socket).write(packet((Packet.PUBLISH << 4) | dup | 2, body));
  }

  private take(data: Buffer): void {
    this.input = Buffer.concat([this.input, data]);
    for (;;) {
      let length = 0;
      let shift = 0;
      let at = 1;
      for (;;) {
        if (at >= this.input.length) return;
        const byte = this.input[at++];
        length |= (byte & 127) << shift;
        shift += 7;
        if ((byte & 128) === 0) break;
      }
      if (this.input.length < at + length) return;
      this.handle(this.input[0], this.input.subarray(at, at + length));
      this.input = this.input.subarray(at + length);
    }
  }

  private handle(firstByte: number, body: Buffer): void {
    const socket = this.socket as net.Socket;
    const type = firstByte >> 4;
    if (type === Packet.CONNACK) {
      if (body[1] !== 0) {
        socket.destroy();
        return;
      }
      this.connected = true;
      this.pinger = setInterval(() => socket.write(Buffer.from([Packet.PINGREQ << 4, 0])), (keepAliveSeconds * 1000) / 2);
      if (this.subscription) socket.write(packet((Packet.SUBSCRIBE << 4) | 2, Buffer.concat([Buffer.from([0, 1]), mqttString(this.subscription), Buffer.from([1])])));
      for (const entry of this.unacknowledged) this.send(entry);
      emit({ connected: this.name });
    } else if (type === Packet.PUBLISH) {
      const qos = (firstByte >> 1) & 3;
      const topicLength = body.readUInt16BE(0);
      const topic = body.subarray(2, 2 + topicLength).toString('latin1');
      let at = 2 + topicLength;
      if (qos > 0) {
        socket.write(Buffer.from([Packet.PUBACK << 4, 2, body[at], body[at + 1]]));
        at += 2;
      }
      emit({ received: topic, message: body.subarray(at).toString('latin1'), dup: (firstByte >> 3) & 1 });
    } else if (type === Packet.PUBACK) {
      const id = body.readUInt16BE(0);
      const index = this.unacknowledged.findIndex((entry) => entry.id === id);
      if (index >= 0) emit({ acknowledged: this.unacknowledged.splice(index, 1)[0].topic });
    }
  }
}

function main(argv: string[]): void {
  const host = argv[0];
  const port = Number(argv[1]);
  const subscriber = new Client(host, port, 'subscriber', argv[2]);
  const publisher = new Client(host, port, 'publisher', '');
  const lines = readline.createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const command = JSON.parse(line) as { publish: string; message: string };
    publisher.publish(command.publish, command.message);
  });
  lines.on('close', () => {
    subscriber.stop();
    publisher.stop();
  });
}

if (require.main === module) main(process.argv.slice(2));
