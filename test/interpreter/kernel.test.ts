import { fetchStatusAndBody, kernelClient, waitFor } from '../interop/support';
import { assertPoolsBack, deviceStats, interpreterTest, slipBuild, withDevice } from './support';

/**
 * The SLIP firmware (dist/slip.js, booted from Storage) inside the Espruino interpreter, with
 * the Linux kernel on the other end of its serial line (sim/espruino/interpreter-rig.ts): the
 * interop tests of issue 4, run against the interpreter instead of the firmware on Node.
 * The workloads are the issue's: each test logs its wall time.
 */

interpreterTest('ping: 5 echo replies from the firmware inside the interpreter', [slipBuild], async (t) => {
  await withDevice(t, {}, async (rig) => {
    const ping = await rig.bridge.exec('ping -c 5 -i 0.2 -W 5 ' + rig.bridge.deviceIp, 30000);
    t.log(ping.stdout.trim().split('\n').slice(-2).join(' | '));
    t.regex(ping.stdout, /5 received/);
    t.is((await deviceStats(rig)).icmpEchoReplies, 5);
    await assertPoolsBack(t, rig, 0);
  });
}, true);

interpreterTest('HTTP: curl fetches the status page and 1 MB whose sha256 matches', [slipBuild], async (t) => {
  await withDevice(t, {}, async (rig) => {
    await fetchStatusAndBody(t, rig.bridge, 1000000, 300);
    // The device closes first after a response: both connections end in its TIME_WAIT table.
    await assertPoolsBack(t, rig, 2);
  });
}, true);

interpreterTest('echo: ncat sends 200 KB to port 7 and gets it back byte for byte', [slipBuild], async (t) => {
  await withDevice(t, {}, async (rig) => {
    const started = Date.now();
    const echo = await rig.bridge.exec('d=$(mktemp -d) && head -c 200000 /dev/urandom > $d/in && ncat ' + rig.bridge.deviceIp +
      ' 7 < $d/in > $d/out; status=$?; wc -c < $d/out; cmp $d/in $d/out && echo identical; rm -r $d; exit $status', 300000);
    t.log('200 KB each way in ' + (Date.now() - started) + ' ms');
    t.is(echo.code, 0, echo.stderr);
    t.deepEqual(echo.stdout.trim().split('\n'), ['200000', 'identical']);
    await assertPoolsBack(t, rig, 0);
  });
}, true);

interpreterTest('100 sequential kernel clients of the device\'s HTTP server, which closes first: all served', [slipBuild], async (t) => {
  await withDevice(t, {}, async (rig) => {
    const count = 100;
    const result = await kernelClient(t, rig.bridge, {
      host: rig.bridge.deviceIp, port: 80, count, send: 'GET / HTTP/1.0\r\n\r\n', timeoutMs: 20000,
    }, 300000);
    t.log('kernel clients: ' + JSON.stringify(result) + ', ' + (count / (result.elapsedMs / 1000)).toFixed(1) + ' connections/s');
    t.deepEqual(result.errors, {}, 'none refused, reset or timed out');
    t.is(result.ok, count);
    const capacity = 16;
    await assertPoolsBack(t, rig, capacity);
    const stats = await deviceStats(rig);
    t.is(stats.tcpPassiveOpens, count);
    t.is(stats.twInserted, count, 'the device closed first every time');
    t.is(stats.twRecycled, count - capacity, 'its TIME_WAIT table recycled its oldest records');
  });
}, true);

interpreterTest('SYN flood: spoofed SYNs from hping3 fill only the SYN queue, and a real client is served meanwhile', [slipBuild], async (t) => {
  // Longer than the interpreter takes to work through the flood's backlog: a real client whose
  // final ACK the full line dropped must still find its half-open record when it sends again
  // (an expired one is answered, rightly, with a reset, which would judge the line, not the stack).
  const synReceivedTimeout = 10000;
  await withDevice(t, { config: { synReceivedTimeout } }, async (rig) => {
    const flood = 2000;
    // A spoofed off-link source (RFC 2544's 198.18.0.0/15): the device answers through its gateway,
    // the namespace's kernel, which does not forward, so no RST ever frees a record.
    const hping = rig.bridge.exec('hping3 -q -S -p 80 -a 198.18.0.1 -c ' + flood + ' -i u200 -I ' + rig.bridge.tapName + ' ' +
      rig.bridge.deviceIp + ' 2>&1', 60000);
    t.true(await waitFor(() => rig.relay.counters[1] > 100, 10000), 'the flood is on the line');
    const client = await kernelClient(t, rig.bridge, {
      host: rig.bridge.deviceIp, port: 7, count: 3, send: 'real client', expect: 11, timeoutMs: 30000,
    }, 60000);
    const flooded = await hping;
    t.is(flooded.code, 0, flooded.stdout);
    t.log('hping3: ' + flooded.stdout.trim().split('\n').slice(-2).join(' | '));
    t.log('real clients: ' + JSON.stringify(client) + '; packets the bridge dropped with the line\'s queue full: ' + rig.relay.queueDrops);
    t.deepEqual(client.errors, {}, 'the real client was served');
    t.is(client.ok, 3);
    const stats = await deviceStats(rig);
    t.log('SYN queue full ' + (stats.tcpSynQueueFull || 0) + ' times, cookies sent ' + (stats.tcpSynCookiesSent || 0) +
      ', accepted ' + (stats.tcpSynCookiesAccepted || 0));
    t.true(stats.tcpSynQueueFull > 0, 'the SYN queue filled');
    t.is(stats.tcpSynCookiesSent, stats.tcpSynQueueFull, 'every SYN beyond the queue was answered with a cookie');
    // The spoofed half-open records expire after synReceivedTimeout.
    await assertPoolsBack(t, rig, undefined, synReceivedTimeout + 10000);
  });
}, true);

interpreterTest('dead peer: with the namespace\'s TUN down mid-transfer, the device ends the connection by its user timeout', [slipBuild], async (t) => {
  const userTimeout = 3000;
  await withDevice(t, { config: { userTimeout } }, async (rig) => {
    rig.bridge.spawn('exec curl -sS -o /dev/null http://' + rig.bridge.deviceIp + '/bytes/10000000');
    let before = 0;
    const flowing = async () => {
      before = (await deviceStats(rig)).tcpOut || 0;
      return before > 50;
    };
    const startedAt = Date.now();
    while (!(await flowing()) && Date.now() - startedAt < 60000) await new Promise((resolve) => setTimeout(resolve, 500));
    if (before <= 50) {
      t.fail('the transfer never got going: ' + before + ' segments out in 60 s');
      return;
    }
    const down = await rig.bridge.exec('ip link set ' + rig.bridge.tapName + ' down', 5000);
    t.is(down.code, 0, down.stderr);
    const downAt = Date.now();
    let stats = await deviceStats(rig);
    while (!stats.tcpUserTimeouts && Date.now() - downAt < userTimeout + 20000) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      stats = await deviceStats(rig);
    }
    t.log('user timeout counted ' + (Date.now() - downAt) + ' ms after the TUN went down (user timeout ' + userTimeout + ' ms), ' +
      'after ' + before + ' segments out');
    t.is(stats.tcpUserTimeouts, 1);
    await assertPoolsBack(t, rig, 0);
  });
}, true);
