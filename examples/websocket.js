/*
 * WebSocket server and client (the ws module).
 * Server: on `serverPort`, a page for a browser at "/" and a WebSocket beside it: "get" is answered
 * with the latest reading as JSON text, "getb" with the same reading packed in 8 bytes (a binary
 * frame: uint32 sequence number, float32 temperature, little-endian).
 * Client: connects to ws://`host`:`port``path` (again `retry` ms after a lost connection, or
 * `openTimeout` ms after an attempt that did not open) and sends a reading every `interval` ms,
 * alternately as JSON text and packed binary; a "close" message from the server closes it with
 * a close handshake, for good.
 *
 * Needs in Storage: the ws module as "ws"; settings, optionally, in "websocket.json".
 * Prints one line per event: "ws server open", "ws server closed", "ws client open",
 * "ws client got TEXT", "ws client closed".
 */
var settings = Object.assign({
  serverPort: 8080,
  host: "192.168.7.1",
  port: 8081,
  path: "/device",
  interval: 1000,
  retry: 2000,
  openTimeout: 10000
}, require("Storage").readJSON("websocket.json", 1));

var WebSocket = require("ws");
var readings = 0;

function reading(binary) {
  var n = ++readings;
  var t = E.getTemperature();
  if (!binary) return JSON.stringify({ n: n, t: t });
  var packed = new DataView(new ArrayBuffer(8));
  packed.setUint32(0, n, true);
  packed.setFloat32(4, t, true);
  return E.toString(packed.buffer);
}

var page = '<html><body><pre id="r"></pre><script>var s=new WebSocket("ws://"+location.host+"/");' +
  's.onopen=function(){setInterval(function(){s.send("get")},1000)};' +
  's.onmessage=function(e){document.getElementById("r").textContent=e.data}</script></body></html>';

function serve() {
  WebSocket.createServer(function (req, res) {
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end(page);
  }).listen(settings.serverPort).on("websocket", function (ws) {
    print("ws server open");
    ws.on("message", function (request) {
      if (request == "get") ws.send(reading(false));
      else if (request == "getb") ws.send(reading(true), 0x82);
    });
    ws.on("close", function () {
      print("ws server closed");
    });
  });
}

// The module reports nothing when a connection is refused or never opens: a timer tries again.
// A socket the network cannot even open (no route yet, no free socket) throws.
function connect() {
  var again = setTimeout(connect, settings.openTimeout);
  var client;
  try {
    client = new WebSocket(settings.host, { port: settings.port, path: settings.path });
  } catch (error) {
    print("ws client " + error.message);
    return;
  }
  var opened = false;
  var closing = false;
  var sender;
  client.on("open", function () {
    clearTimeout(again);
    opened = true;
    print("ws client open");
    // The module keeps what came with the server's handshake response (a greeting sent at once)
    // until more data arrives: hand it over now.
    client.parseData("");
    var binary = false;
    sender = setInterval(function () {
      binary = !binary;
      client.send(reading(binary), binary ? 0x82 : 0x81);
    }, settings.interval);
  });
  client.on("message", function (text) {
    print("ws client got " + text);
    if (text != "close") return;
    // The module sends no close frame of its own: send one (code 1000) and let the server's
    // answering close frame end the connection, as RFC 6455 asks.
    closing = true;
    clearInterval(sender);
    client.send("\x03\xe8", 0x88);
  });
  client.on("close", function () {
    print("ws client closed");
    clearInterval(sender);
    if (opened && !closing) setTimeout(connect, settings.retry);
  });
}

// From a timer: stored as a boot file, this runs before the firmware (.bootcde) has set the network up.
setTimeout(function () {
  serve();
  connect();
}, 0);
