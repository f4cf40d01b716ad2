/**
 * Parts of the firmware a board may leave out of its bundle to fit its Storage and variables.
 * Each board's choice, and why, is in boards/common/profiles.ts (`features`) and the README's
 * board table. The bundle build replaces this module with the board's own values
 * (rollup.config.mjs), and the minifier drops the code behind every `false`; under Node all are
 * built in. Each part left out behaves as its runtime switch in Config does when that is off, so
 * the simulator's tests of the switch cover the board without it.
 *
 * TCP correctness, the bounded tables, back-pressure, keepalive, the user timeout, the heap
 * watchdog and the console are never optional.
 */

/** Selective acknowledgments and the loss recovery built on them (RFC 2018, 2883, 6675); as `config.sack = false`. */
export const withSack = true;

/** SYN cookies when the SYN queue is full (RFC 4987); as `config.synCookies = false`: such a SYN is dropped and the peer retries. */
export const withSynCookies = true;

/** The DHCP client; as `config.dhcp = false`: the static address only. */
export const withDhcp = true;

/** The DNS resolver; as `config.dnsServer = '0.0.0.0'`: names fail with ENOTFOUND, dotted addresses work. */
export const withDns = true;

/** The demo services, echo on port 7 and the HTTP status and transfer pages on 80 (firmware/services/services.ts); the user's own servers run over NetworkJS either way. */
export const withServices = true;

/**
 * Plain-JavaScript stand-ins for the interpreter's natives in hal/espruino/espruino-hal.ts, so the
 * bundle also runs under Node (`node dist/selftest.js`); a board's bundle runs on the interpreter only.
 */
export const withNodeFallback = true;

/**
 * Range checks of every Config field, and the checks of addresses and the memory budget, when a
 * stack is created; a board's configuration is checked when it is built instead
 * (tools/board-budget.ts creates each board's stack under Node with them on).
 */
export const withConfigCheck = true;
