import { Net, NetError, Socket } from '../api/net';
import { Stack } from '../stack';
import { Stat } from '../stats';
import { SlotFlag } from '../tcp/slot-table';
import { SocketOption } from '../tcp/socket-option';

const enum Http {
  CHUNK = 512,
  MAX_REQUEST = 1024,
  MAX_BYTES = 1000000000,
}

/**
 * A small HTTP/1.0 server for the demo firmware: `/` answers a status page, `/bytes/N` streams
 * N bytes of a repeating pattern (for transfer tests; N in decimal digits, at most
 * 1,000,000,000, anything else is 400), paced by 'drain' so the body never sits in memory;
 * anything else is 404. Requests are read up to the blank line, at most 1 KB. A connection
 * whose headers have not all arrived config.httpHeaderTimeout after it opened is reset
 * (httpHeaderTimeouts), and a connection that takes the last free slot resets the oldest
 * unfinished request (httpRequestsShed): clients trickling their headers can never hold the
 * whole socket pool.
 */
export function startHttpServer(net: Net, stack: Stack, port: number): void {
  const pattern = new Uint8Array(Http.CHUNK);
  for (let i = 0; i < Http.CHUNK; i++) pattern[i] = 97 + (i % 26);
  const tcp = stack.tcp;
  const stats = stack.stats;
  /** Connections whose headers are still coming, oldest first. */
  const unfinished: Socket[] = [];
  net.createServer(function (socket: Socket) {
    let request = '';
    socket.setEncoding('binary');
    tcp.setOption(socket.slot, SocketOption.DEADLINE, stack.config.httpHeaderTimeout);
    let free = 0;
    for (let i = 0; i < tcp.slotCount; i++) if (!(tcp.slots.flags[i] & SlotFlag.IN_USE)) free++;
    for (let i = unfinished.length - 1; i >= 0; i--) if (unfinished[i].destroyed) unfinished.splice(i, 1);
    if (free === 0 && unfinished.length > 0) {
      stats[Stat.httpRequestsShed]++;
      (unfinished.shift() as Socket).resetAndDestroy();
    }
    unfinished.push(socket);
    socket.on('error', function (error: NetError) {
      if (error.code === 'ETIMEDOUT' && unfinished.indexOf(socket) >= 0) stats[Stat.httpHeaderTimeouts]++;
    });
    socket.on('data', function (data: string) {
      const waiting = unfinished.indexOf(socket);
      if (waiting < 0) return;
      request += data;
      const end = request.indexOf('\r\n\r\n');
      if (end < 0 && request.length <= Http.MAX_REQUEST) return;
      unfinished.splice(waiting, 1);
      tcp.setOption(socket.slot, SocketOption.DEADLINE, 0);
      if (end < 0) {
        socket.end('HTTP/1.0 413 Request Too Large\r\n\r\n');
        return;
      }
      const path = request.split(' ')[1] || '/';
      if (path === '/') {
        const body = 'espruino-tcp up ' + Math.floor(stack.hal.now() / 1000) + ' s, connections ' +
          (stats[Stat.tcpPassiveOpens] + stats[Stat.tcpActiveOpens]) + ', memory ' + stack.memory().total + ' bytes\n';
        socket.end('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ' + body.length + '\r\n\r\n' + body);
      } else if (path.indexOf('/bytes/') === 0) {
        const size = path.substring(7);
        let remaining = /^\d+$/.test(size) ? Number(size) : -1;
        if (remaining < 0 || remaining > Http.MAX_BYTES) {
          const reason = 'size must be 0 to ' + Http.MAX_BYTES + '\n';
          socket.end('HTTP/1.0 400 Bad Request\r\nContent-Length: ' + reason.length + '\r\n\r\n' + reason);
          return;
        }
        socket.write('HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ' + remaining + '\r\n\r\n');
        const pump = function () {
          while (remaining > 0) {
            const length = remaining < Http.CHUNK ? remaining : Http.CHUNK;
            remaining -= length;
            if (!socket.write(length === Http.CHUNK ? pattern : pattern.subarray(0, length))) return;
          }
          socket.end();
        };
        socket.on('drain', pump);
        pump();
      } else {
        socket.end('HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      }
    });
  }).listen(port);
}
