/**
 * A TCP client on the Linux kernel's stack, run by the interop tests inside the bridge's
 * namespace (`ip netns exec NS node kernel-client.js '<json>'`), where one curl or ncat process
 * per connection would be too slow. It opens `count` connections, at most `parallel` at a time;
 * each writes `send` (if any), then waits for the peer's FIN (or, with `expect`, for that many
 * bytes and then ends its side), and counts outcomes: ok, or the error code (ECONNREFUSED,
 * ECONNRESET, ...), or TIMEOUT after `timeoutMs` per connection. Prints one JSON line:
 * { ok, errors: { code: n }, bytes, elapsedMs }.
 */
import * as net from 'net';

export interface ClientPlan {
  host: string;
  port: number;
  count: number;
  parallel?: number;
  send?: string;
  expect?: number;
  timeoutMs?: number;
}

export interface ClientResult {
  ok: number;
  errors: { [code: string]: number };
  bytes: number;
  elapsedMs: number;
}

function run(plan: ClientPlan): Promise<ClientResult> {
  const result: ClientResult = { ok: 0, errors: {}, bytes: 0, elapsedMs: 0 };
  const started = Date.now();
  let launched = 0;
  let finished = 0;
  return new Promise((resolve) => {
    const one = () => {
      launched++;
      let received = 0;
      let done = false;
      const socket = net.connect({ host: plan.host, port: plan.port });
      const finish = (code: string) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (code === '') result.ok++;
        else result.errors[code] = (result.errors[code] || 0) + 1;
        socket.destroy();
        finished++;
        if (launched < plan.count) one();
        else if (finished === plan.count) {
          result.elapsedMs = Date.now() - started;
          resolve(result);
        }
      };
      const timer = setTimeout(() => finish('TIMEOUT'), plan.timeoutMs || 10000);
      socket.on('connect', () => {
        if (plan.send) socket.write(plan.send);
      });
      socket.on('data', (data: Buffer) => {
        received += data.length;
        result.bytes += data.length;
        if (plan.expect !== undefined && received >= plan.expect) {
          socket.end();
          finish('');
        }
      });
      socket.on('end', () => finish(plan.expect === undefined ? '' : 'SHORT'));
      socket.on('error', (error: NodeJS.ErrnoException) => finish(error.code || 'ERROR'));
    };
    const parallel = Math.min(plan.parallel || 1, plan.count);
    for (let i = 0; i < parallel; i++) one();
  });
}

if (require.main === module) {
  run(JSON.parse(process.argv[2]) as ClientPlan).then((result) => {
    process.stdout.write(JSON.stringify(result) + '\n');
  });
}
