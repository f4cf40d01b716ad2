/**
 * An HTTP server for a network namespace (`node http-peer.js PORT`): GET /bytes/N answers N bytes
 * of the firmware's own /bytes pattern (test/interop/support.ts, patternBody) with a
 * Content-Length; anything else is 404. Prints "http: ready" once listening and one line per request.
 */
import * as http from 'http';
import { patternBody } from '../interop/pattern';

export function httpPeerCommand(port: number): string {
  return 'exec ' + process.execPath + ' ' + __filename.replace(/\.ts$/, '.js') + ' ' + port;
}

if (require.main === module) {
  http.createServer((request, response) => {
    process.stdout.write('http: ' + request.method + ' ' + request.url + ' from ' + request.socket.remoteAddress + '\n');
    const match = /^\/bytes\/(\d+)$/.exec(request.url || '');
    if (!match) {
      response.writeHead(404, { 'Content-Length': 0 });
      response.end();
      return;
    }
    const body = patternBody(Number(match[1]));
    response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
    response.end(body);
  }).listen(Number(process.argv[2]), '0.0.0.0', () => process.stdout.write('http: ready\n'));
}
