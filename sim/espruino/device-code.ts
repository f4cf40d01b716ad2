/**
 * A user's code for the SLIP device inside the interpreter, as source text to run there (the rig's
 * `code` or a Storage module): what the tests and the bench ask of the interpreter's own
 * require("net"), over the firmware's stack through NetworkJS.
 */

/**
 * Seed 000's loop: `churn(tag, count, done)` connects to host:port, sends "TAG N\n" and ends,
 * the next connection on 'close', `count` times or until one fails; then `done(closed, failures,
 * full)`. A connect the interpreter refuses at once ("Unable to create socket": every slot of
 * the stack still closing an earlier connection, as a lost segment can make them) is tried again
 * on the next beat of an interval made with the code, counted in `full`, as the seed's
 * `if (NutTcpConnect() == 0)` would; the interval exists from the start, so a retry allocates no
 * timer and free-variable readings before and after a run compare the same things.
 */
export function churnCode(host: string, port: number): string {
  return 'var net=require("net"),retry=null;setInterval(function(){if(retry){var f=retry;retry=null;f();}},100);' +
    'function churn(tag,count,done){var n=0,failures=[],full=0;function one(){var c;' +
    'try{c=net.connect({host:' + JSON.stringify(host) + ',port:' + port + '},function(){c.end(tag+" "+n+"\\n");});}' +
    'catch(e){full++;retry=one;return;}' +
    'c.on("error",function(e){failures.push(n+": "+JSON.stringify(e));});' +
    'c.on("close",function(){n++;if(n<count&&failures.length===0)one();else done(n,failures,full);});}one();}';
}

/** A server on `port` that counts what it receives and prints "SINK <bytes>" when each connection closes. */
export function sinkCode(port: number): string {
  return 'require("net").createServer(function(c){var n=0;c.on("data",function(d){n+=d.length;});' +
    'c.on("close",function(){print("SINK "+n);});}).listen(' + port + ');';
}
