/**
 * A user's code for the SLIP device inside the interpreter, as source text to run there (the rig's
 * `code` or a Storage module): what the tests and the bench ask of the interpreter's own
 * require("net"), over the firmware's stack through NetworkJS.
 */

/**
 * Seed 000's loop: `churn(tag, count, done)` connects to host:port, sends "TAG N\n" and ends,
 * the next connection on 'close', `count` times or until one fails; then `done(closed, failures)`.
 */
export function churnCode(host: string, port: number): string {
  return 'var net=require("net");function churn(tag,count,done){var n=0,failures=[];function one(){' +
    'var c=net.connect({host:' + JSON.stringify(host) + ',port:' + port + '},function(){c.end(tag+" "+n+"\\n");});' +
    'c.on("error",function(e){failures.push(n+": "+JSON.stringify(e));});' +
    'c.on("close",function(){n++;if(n<count&&failures.length===0)one();else done(n,failures);});}one();}';
}

/** A server on `port` that counts what it receives and prints "SINK <bytes>" when each connection closes. */
export function sinkCode(port: number): string {
  return 'require("net").createServer(function(c){var n=0;c.on("data",function(d){n+=d.length;});' +
    'c.on("close",function(){print("SINK "+n);});}).listen(' + port + ');';
}
