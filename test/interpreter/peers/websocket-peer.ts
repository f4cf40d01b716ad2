/**
 * The host's side of the WebSocket example's test, in a process of its own so that it runs where
 * the other servers run (inside the test's network namespace): a WebSocket server (the `ws`
 * library) for the device's client, and a WebSocket client of the device's server.
 *
 *   node websocket-peer.js ADDRESS PORT [GREETING]
 *
 * GREETING, when given, is sent by the server on each new connection at once, in the same write
 * as the handshake's response.
 *
 * stdin, one JSON object a line: {"connect": URL} opens the client; {"send": "server" | "client",
 * "text": TEXT} or {..., "binary": HEX} sends on the server's latest connection or on the client;
 * {"close": "server" | "client", "code": N} starts a close handshake; {"terminate": SIDE} drops
 * the connection with no close frame.
 * stdout, one JSON object a line: {"listening": PORT}; {"open": SIDE}; {"message": SIDE,
 * "text": TEXT} or {"message": SIDE, "binary": HEX}; {"closed": SIDE, "code": N} (1006: the
 * connection ended without a close frame from the device); {"error": SIDE, "message": TEXT}.
 */
import { IncomingMessage } from 'http';
import * as readline from 'readline';
import WebSocket, { WebSocketServer } from 'ws';

type Side = 'server' | 'client';

function emit(event: object): void {
  process.stdout.write(JSON.stringify(event) + '\n');
}

function watch(side: Side, socket: WebSocket): void {
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    emit(isBinary ? { message: side, binary: data.toString('hex') } : { message: side, text: data.toString('utf8') });
  });
  // The library answers pings itself, and reports 1006 when the connection ended with no close frame from the device.
  socket.on('close', (code: number) => emit({ closed: side, code }));
  socket.on('error', (error: Error) => emit({ error: side, message: error.message }));
}

function main(argv: string[]): void {
  const sockets: { [side in Side]: WebSocket | null } = { server: null, client: null };
  const server = new WebSocketServer({ host: argv[0], port: Number(argv[1]) });
  server.on('listening', () => emit({ listening: (server.address() as { port: number }).port }));
  const greeting = argv[2] || '';
  // With a greeting, the handshake's response and the greeting leave in one write.
  server.on('headers', (headers: string[], request: IncomingMessage) => {
    if (greeting) request.socket.cork();
  });
  server.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    sockets.server = socket;
    emit({ open: 'server' });
    watch('server', socket);
    if (!greeting) return;
    socket.send(greeting);
    process.nextTick(() => request.socket.uncork());
  });
  const lines = readline.createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const command = JSON.parse(line) as { connect?: string; send?: Side; text?: string; binary?: string; close?: Side; code?: number; terminate?: Side };
    if (command.connect) {
      const client = new WebSocket(command.connect);
      sockets.client = client;
      client.on('open', () => emit({ open: 'client' }));
      watch('client', client);
    } else if (command.send) {
      const socket = sockets[command.send] as WebSocket;
      if (command.binary !== undefined) socket.send(Buffer.from(command.binary, 'hex'), { binary: true });
      else socket.send(command.text as string);
    } else if (command.close) {
      (sockets[command.close] as WebSocket).close(command.code);
    } else if (command.terminate) {
      (sockets[command.terminate] as WebSocket).terminate();
    }
  });
  lines.on('close', () => {
    for (const socket of [sockets.server, sockets.client]) if (socket) socket.terminate();
    server.close();
  });
}

if (require.main === module) main(process.argv.slice(2));
