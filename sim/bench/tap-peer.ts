/**
 * The Linux kernel's end of benchmark group 4, run inside a bridge's namespace with
 * `ip netns exec NS node tap-peer.js MODE ...`; prints one JSON line.
 *
 *   up HOST PORT BYTES              sends BYTES to a discard server, closes, and waits for the
 *                                   server's close (which comes after the last byte was read):
 *                                   { bytes, ms }
 *   down HOST PORT                  reads a source server's stream to its end: { bytes, ms }
 *   rate HOST PORT COUNT PARALLEL LIMIT_MS
 *                                   COUNT connections, PARALLEL at a time, each reading the
 *                                   server's short answer to its close: { ok, errors, ms };
 *                                   a connection not closed within STALL_MS is destroyed and
 *                                   counted under the phase it stalled in; at LIMIT_MS the run
 *                                   stops and the connections not yet opened count as unfinished
 *   serve BYTES                     the same servers on the kernel (discard 9, source 19 sending
 *                                   BYTES, answer-and-close 13), for the kernel-to-kernel ceiling;
 *                                   prints { listening: true } and runs until killed
 */
import * as net from 'net';

const chunk = Buffer.alloc(65536);
/** Longer than the kernel's SYN retries over a lossy relay (1 + 2 + 4 s), far shorter than a run's limit. */
const STALL_MS = 10000;

function print(value: object): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}

/** Writes `bytes` zeros as fast as the socket takes them, then ends it; returns how many are left to write. */
function sendZeros(socket: net.Socket, bytes: number): () => number {
  let left = bytes;
  const pump = (): void => {
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      left -= n;
      if (!socket.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return;
    }
    socket.end();
  };
  socket.on('drain', pump);
  pump();
  return () => left;
}

function up(host: string, port: number, bytes: number): void {
  const socket = net.connect({ host, port });
  let started = 0;
  let left = (): number => bytes;
  socket.on('connect', () => {
    started = Date.now();
    left = sendZeros(socket, bytes);
  });
  socket.on('data', () => undefined);
  socket.on('error', (error) => print({ error: error.message }));
  socket.on('close', () => print({ bytes: bytes - left(), ms: Date.now() - started }));
}

function down(host: string, port: number): void {
  const socket = net.connect({ host, port });
  let started = 0;
  let bytes = 0;
  socket.on('connect', () => { started = Date.now(); });
  socket.on('data', (data: Buffer) => { bytes += data.length; });
  socket.on('error', (error) => print({ error: error.message }));
  socket.on('close', () => print({ bytes, ms: Date.now() - started }));
}

function rate(host: string, port: number, count: number, parallel: number, limitMs: number): void {
  const started = Date.now();
  const errors: { [code: string]: number } = {};
  let ok = 0;
  let opened = 0;
  let finished = 0;
  setTimeout(() => {
    errors.unfinished = count - finished;
    print({ ok, errors, ms: Date.now() - started });
    process.exit(0);
  }, limitMs).unref();
  const next = (): void => {
    if (opened === count) return;
    opened++;
    const socket = net.connect({ host, port });
    let failed = false;
    let phase = 'stalled before connect';
    const fail = (reason: string): void => {
      failed = true;
      errors[reason] = (errors[reason] || 0) + 1;
    };
    const stall = setTimeout(() => {
      fail(phase);
      socket.destroy();
    }, STALL_MS);
    socket.on('connect', () => { phase = 'stalled before the answer'; });
    socket.on('data', () => { phase = "stalled before the server's FIN"; });
    socket.on('end', () => {
      phase = 'stalled after both FINs';
      socket.end();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => fail(error.code || error.message));
    socket.on('close', () => {
      clearTimeout(stall);
      if (!failed) ok++;
      finished++;
      if (finished === count) print({ ok, errors, ms: Date.now() - started });
      else next();
    });
  };
  for (let i = 0; i < parallel; i++) next();
}

function serve(bytes: number): void {
  net.createServer((socket) => {
    socket.on('data', () => undefined);
    socket.on('end', () => socket.end());
    socket.on('error', () => undefined);
  }).listen(9);
  net.createServer((socket) => {
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    sendZeros(socket, bytes);
  }).listen(19);
  net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.end('ok\n');
  }).listen(13, () => print({ listening: true }));
}

const args = process.argv.slice(2);
if (args[0] === 'up') up(args[1], Number(args[2]), Number(args[3]));
else if (args[0] === 'down') down(args[1], Number(args[2]));
else if (args[0] === 'rate') rate(args[1], Number(args[2]), Number(args[3]), Number(args[4]), Number(args[5]));
else if (args[0] === 'serve') serve(Number(args[1]));
else {
  process.stderr.write('usage: tap-peer.js up|down|rate|serve ...\n');
  process.exit(2);
}
