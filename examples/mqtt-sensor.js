/*
 * MQTT sensor. Publishes a reading to <topic>/reading every `interval` ms at QoS 1 and obeys
 * commands sent to <topic>/command/<id>: "interval MS" (0 stops the readings) and "reconnect".
 * Reconnects by itself. A reading stays queued until the broker acknowledges it (at most
 * `backlog` of them; no new reading is taken while the queue is full) and is sent again after a
 * reconnect, so none is lost; QoS 1 allows one to arrive twice.
 *
 * Needs in Storage: the MQTT module as "MQTT"; settings, optionally, in "mqtt-sensor.json".
 * Prints one line per event: "mqtt connected", "mqtt subscribed", "mqtt resent N", "mqtt closed",
 * "command ID TEXT".
 */
var settings = Object.assign({
  broker: "192.168.7.1",
  port: 1883,
  topic: "espruino/" + getSerial().substr(0, 8),
  interval: 1000,
  retry: 2000,
  backlog: 16
}, require("Storage").readJSON("mqtt-sensor.json", 1));

var mqtt = require("MQTT").create(settings.broker, { port: settings.port, client_id: "espruino-" + getSerial().substr(0, 8) });
var unacked = [];
var readings = 0;
var sampler;
var retry;

function sample() {
  if (!mqtt.connected || unacked.length >= settings.backlog) return;
  var reading = JSON.stringify({ n: ++readings, t: E.getTemperature() });
  unacked.push(reading);
  mqtt.publish(settings.topic + "/reading", reading, { qos: 1 });
}

function sampleEvery(ms) {
  if (sampler) clearInterval(sampler);
  sampler = ms > 0 ? setInterval(sample, ms) : undefined;
}

// The module reports a lost connection only once MQTT was up; the socket's own 'close' also
// covers a broker that refused or dropped the connection earlier, so reconnect from there. A
// socket the network cannot even open (no route yet, no free socket) throws.
function connect() {
  retry = undefined;
  try {
    var socket = require("net").connect({ host: settings.broker, port: settings.port }, function () {
      mqtt.connect(socket);
    });
    socket.on("close", reconnect);
  } catch (error) {
    print("mqtt " + error.message);
    reconnect();
  }
}

function reconnect() {
  print("mqtt closed");
  if (!retry) retry = setTimeout(connect, settings.retry);
}

mqtt.on("connected", function () {
  print("mqtt connected");
  mqtt.subscribe(settings.topic + "/command/+", { qos: 1 });
  for (var i = 0; i < unacked.length; i++) mqtt.publish(settings.topic + "/reading", unacked[i], { qos: 1, dup: true });
  if (unacked.length) print("mqtt resent " + unacked.length);
});

// Acknowledgements come in the order of the publishes, within one connection.
mqtt.on("subscribed", function () {
  print("mqtt subscribed");
});

mqtt.on("puback", function () {
  unacked.shift();
});

mqtt.on("message", function (topic, text) {
  print("command " + topic.substr(topic.lastIndexOf("/") + 1) + " " + text);
  var words = text.split(" ");
  if (words[0] == "interval") sampleEvery(Number(words[1]));
  else if (words[0] == "reconnect") mqtt.disconnect();
});

sampleEvery(settings.interval);
// From a timer: stored as a boot file, this runs before the firmware (.bootcde) has set the network up.
setTimeout(connect, 0);
