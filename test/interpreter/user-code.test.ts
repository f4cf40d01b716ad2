import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { dnsDaemonCommand } from '../../sim/servers/dns-daemon';
import { patternBody } from '../interop/pattern';
import { httpPeerCommand } from './http-peer';
import { assertPoolsBack, deviceStats, interpreterTest, printed, slipBuild, withDevice } from './support';

/**
 * The user's own code inside the interpreter, over the firmware's stack: the interpreter's
 * built-in require("http") and require("net") run over NetworkJS (firmware/api/network-js.ts),
 * driven by the interpreter itself (libs/network/socketserver.c), against the Linux kernel's
 * tools in the namespace. This is the test of the NetworkJS adapter; test/networkjs keeps the
 * Node re-enactment only for what the interpreter cannot be made to do on cue.
 */

const kilobytes100 = 100000;

/**
 * The interpreter's side of the byte checks: a 251-byte period (a prime, so a segment lost,
 * doubled or out of order shows) of bytes 0..250, compared a piece at a time with native string
 * compares; P is two periods so every piece is one substr.
 */
const patternCode = 'var P="";for(var i=0;i<502;i++)P+=String.fromCharCode(i%251);' +
  'function matches(d,at){for(var k=0;k<d.length;k+=251){var m=Math.min(251,d.length-k);if(d.substr(k,m)!==P.substr((at+k)%251,m))return false;}return true;}';

function pattern251(length: number): Buffer {
  const data = Buffer.alloc(length);
  for (let i = 0; i < length; i++) data[i] = i % 251;
  return data;
}

interpreterTest('user code: require("http").createServer in the interpreter serves the kernel\'s curl', [slipBuild], async (t) => {
  const code = 'require("http").createServer(function(req,res){res.writeHead(200,{"Content-Type":"text/plain"});' +
    'res.end("hello from the interpreter, you asked for "+req.url);}).listen(8080);';
  await withDevice(t, { code }, async (rig) => {
    const reply = await rig.bridge.exec('curl -sS --max-time 20 -i http://' + rig.bridge.deviceIp + ':8080/some/path?x=1', 25000);
    t.is(reply.code, 0, reply.stderr);
    t.regex(reply.stdout, /^HTTP\/1\.[01] 200 OK\r\n/);
    t.regex(reply.stdout, /\r\n\r\nhello from the interpreter, you asked for \/some\/path\?x=1$/);
    await assertPoolsBack(t, rig);
  });
}, true);

interpreterTest('user code: require("http").get of a name, resolved by the firmware\'s DNS resolver, from an HTTP server in the namespace', [slipBuild], async (t) => {
  const size = 20000;
  const expected = patternBody(size).toString('latin1');
  const code = 'var expected=' + JSON.stringify(expected.substring(0, 512)) + ';' +
    'function fetch(){require("http").get("http://web.test:8000/bytes/' + size + '",function(res){var n=0,bad=0;' +
    'res.on("data",function(d){for(var k=0;k<d.length;k+=512){var m=Math.min(512,d.length-k),at=(n+k)%512;' +
    'if(d.substr(k,m)!==(expected+expected).substr(at,m))bad++;}n+=d.length;});' +
    'res.on("close",function(){print("FETCHED "+res.statusCode+" "+n+" "+bad)});}).on("error",function(e){print("FETCH ERROR "+JSON.stringify(e))});}';
  await withDevice(t, {
    code,
    servers: { dns: dnsDaemonCommand({ 'web.test': { address: '192.0.2.1' } }), web: httpPeerCommand(8000) },
  }, async (rig) => {
    // Both servers listen before the fetch starts.
    const ready = () => /dns: ready/.test(rig.servers.dns.output()) && /http: ready/.test(rig.servers.web.output());
    for (let waited = 0; !ready() && waited < 10000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    t.true(ready(), rig.servers.dns.output() + rig.servers.web.output());
    const fetched = printed(rig, /FETCH(ED (\d+) (\d+) (\d+)| ERROR .*)\n/, 60000);
    rig.interpreter.send('fetch()');
    const match = await fetched;
    t.log(match[0].trim() + '; ' + rig.servers.dns.output().trim().split('\n').pop() + '; ' + rig.servers.web.output().trim().split('\n').pop());
    t.deepEqual([match[2], match[3], match[4]], ['200', String(size), '0'], 'status 200, every byte, none wrong');
    t.regex(rig.servers.dns.output(), /dns: query web\.test type 1 from 192\.0\.2\.2:\d+/);
    t.regex(rig.servers.web.output(), /http: GET \/bytes\/20000 from 192\.0\.2\.2/);
    const stats = await deviceStats(rig);
    t.true(stats.tcpActiveOpens >= 1);
    await assertPoolsBack(t, rig);
  });
}, true);

interpreterTest('user code: a require("net") server in the interpreter echoes 100 KB from the kernel, byte for byte', [slipBuild], async (t) => {
  const code = 'require("net").createServer(function(c){c.on("data",function(d){c.write(d);});c.on("end",function(){c.end();});}).listen(9000);';
  await withDevice(t, { code }, async (rig) => {
    const started = Date.now();
    const echo = await rig.bridge.exec('d=$(mktemp -d) && head -c ' + kilobytes100 + ' /dev/urandom > $d/in && ncat ' + rig.bridge.deviceIp +
      ' 9000 < $d/in > $d/out; status=$?; wc -c < $d/out; cmp $d/in $d/out && echo identical; rm -r $d; exit $status', 300000);
    t.log('100 KB each way in ' + (Date.now() - started) + ' ms');
    t.is(echo.code, 0, echo.stderr);
    t.deepEqual(echo.stdout.trim().split('\n'), [String(kilobytes100), 'identical']);
    await assertPoolsBack(t, rig);
  });
}, true);

interpreterTest('user code: a require("net") client in the interpreter sends 100 KB to the kernel and checks the echo, byte for byte', [slipBuild], async (t) => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'net-client-'));
  const copy = path.join(directory, 'received');
  // The client writes a few pieces at a time, the next ones on 'drain', and checks what comes back as it arrives.
  const code = patternCode + 'function send(total){var c=require("net").connect({host:"192.0.2.1",port:9001},function(){pump();});' +
    'var sent=0,got=0,bad=0;function pump(){for(var i=0;i<4&&sent<total;i++){var m=Math.min(251,total-sent);c.write(P.substr(sent%251,m));sent+=m;}}' +
    'c.on("drain",pump);c.on("data",function(d){if(!matches(d,got))bad++;got+=d.length;if(got>=total)c.end();});' +
    'c.on("error",function(e){print("CLIENT ERROR "+JSON.stringify(e))});c.on("close",function(){print("CLIENT "+sent+" "+got+" "+bad)});}';
  try {
    await withDevice(t, {
      code, servers: { echo: 'exec ncat -l 9001 --exec "/usr/bin/tee ' + copy + '" < <(sleep 100000)' },
    }, async (rig) => {
      const finished = printed(rig, /CLIENT( (\d+) (\d+) (\d+)| ERROR .*)\n/, 300000);
      const started = Date.now();
      // ncat needs a moment to listen.
      await new Promise((resolve) => setTimeout(resolve, 500));
      rig.interpreter.send('send(' + kilobytes100 + ')');
      const match = await finished;
      t.log(match[0].trim() + ' in ' + (Date.now() - started) + ' ms');
      t.deepEqual([match[2], match[3], match[4]], [String(kilobytes100), String(kilobytes100), '0'], 'sent, echoed back, none wrong');
      const received = fs.readFileSync(copy);
      t.is(received.length, kilobytes100);
      t.is(createHash('sha256').update(received).digest('hex'), createHash('sha256').update(pattern251(kilobytes100)).digest('hex'),
        'the kernel received the pattern byte for byte');
      await assertPoolsBack(t, rig);
    });
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}, true);
