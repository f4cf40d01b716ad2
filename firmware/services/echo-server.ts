import { Net, Socket } from '../api/net';

/**
 * RFC 862 echo on `port`, with back-pressure: when the send ring is full the connection stops
 * reading (its advertised window closes) until 'drain', so a fast sender cannot grow memory.
 */
export function startEchoServer(net: Net, port: number): void {
  net.createServer(function (socket: Socket) {
    socket.on('data', function (data: Uint8Array) {
      if (!socket.write(data)) socket.pause();
    });
    socket.on('drain', function () {
      socket.resume();
    });
    socket.on('error', function () {});
  }).listen(port);
}
