import { Net, Socket } from '../api/net';
import { Stack } from '../stack';
import { Stat } from '../stats';

const CHUNK = 512;

/**
 * A small HTTP/1.0 server for the demo firmware: `/` answers a status page, `/bytes/N` streams
 * N bytes of a repeating pattern (for transfer tests), paced by 'drain' so the body never sits
 * in memory; anything else is 404. Requests are read up to the blank line, at most 1 KB.
 */
export function startHttpServer(net: Net, stack: Stack, port: number): void {
  const pattern = new Uint8Array(CHUNK);
  for (let i = 0; i < CHUNK; i++) pattern[i] = 97 + (i % 26);
  net.createServer(function (socket: Socket) {
    let request = '';
    socket.setEncoding('binary');
    socket.on('error', function () {});
    socket.on('data', function (data: string) {
      if (request.length > 1024) return;
      request += data;
      const end = request.indexOf('\r\n\r\n');
      if (end < 0) {
        if (request.length > 1024) socket.end('HTTP/1.0 413 Request Too Large\r\n\r\n');
        return;
      }
      const path = request.split(' ')[1] || '/';
      if (path === '/') {
        const body = 'espruino-tcp up ' + Math.floor(stack.hal.now() / 1000) + ' s, connections ' +
          (stack.stats[Stat.tcpPassiveOpens] + stack.stats[Stat.tcpActiveOpens]) + ', memory ' + stack.memory().total + ' bytes\n';
        socket.end('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ' + body.length + '\r\n\r\n' + body);
      } else if (path.indexOf('/bytes/') === 0) {
        let remaining = parseInt(path.substring(7), 10) || 0;
        socket.write('HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ' + remaining + '\r\n\r\n');
        const pump = function () {
          while (remaining > 0) {
            const length = remaining < CHUNK ? remaining : CHUNK;
            remaining -= length;
            if (!socket.write(length === CHUNK ? pattern : pattern.subarray(0, length))) return;
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
