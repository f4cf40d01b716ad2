/*
 * HTTPS fetch of a JSON document, the server's certificate to be checked against the CA given
 * in the options (the interpreter's TLS: mbedTLS, above the network driver). Fetches `url` at
 * start, again `interval` ms after each success (0: never) and `retry` ms after each failure, and
 * prints the document's size, its SHA-256 and the number of entries in its top-level `items` array.
 *
 * Needs in Storage: "https-fetch.json" with `url` and `ca`, the CA's certificate in PEM (the text
 * of the .pem file) or its base64 body. No module: `http` and `tls` are built in.
 * Prints "https STATUS BYTES bytes in MS ms sha256 HEX items N" per fetch, or "https error WHY".
 */
var settings = Object.assign({
  url: "https://192.168.7.1/sensors.json",
  ca: "",
  interval: 0,
  retry: 10000
}, require("Storage").readJSON("https-fetch.json", 1));

// mbedTLS takes the certificate in DER: the base64 body of the PEM, decoded.
var ca = atob(settings.ca.replace(/-----[^-]*-----/g, "").replace(/\s/g, ""));

function hex(buffer) {
  var bytes = new Uint8Array(buffer);
  var text = "";
  for (var i = 0; i < bytes.length; i++) text += (256 + bytes[i]).toString(16).substr(1);
  return text;
}

// The interpreter reports the server's TLS close_notify, which ends every HTTPS response, as an
// error with this code (MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY): not a failure.
var closeNotify = -30848;

function fetch() {
  var started = getTime();
  var body = "";
  var failed = false;
  function fail(why) {
    if (failed) return;
    failed = true;
    body = undefined;
    print("https error " + why);
    setTimeout(fetch, settings.retry);
  }
  var options = url.parse(settings.url);
  options.ca = ca;
  try {
    require("http").get(options, function (res) {
      res.on("data", function (data) {
        body += data;
      });
      res.on("close", function () {
        if (failed) return;
        try {
          var items = JSON.parse(body).items;
          print("https " + res.statusCode + " " + body.length + " bytes in " + Math.round((getTime() - started) * 1000) + " ms sha256 " +
            hex(require("crypto").SHA256(body)) + " items " + (items ? items.length : 0));
        } catch (error) {
          return fail(body.length + " bytes: " + error);
        }
        body = undefined;
        if (settings.interval > 0) setTimeout(fetch, settings.interval);
      });
    }).on("error", function (error) {
      if (error.code != closeNotify) fail(error.code + " " + error.message);
    });
  } catch (error) {
    // A socket the network cannot even open (no route yet, no free socket) throws.
    fail(error.message);
  }
}

// From a timer: stored as a boot file, this runs before the firmware (.bootcde) has set the network up.
setTimeout(fetch, 0);
