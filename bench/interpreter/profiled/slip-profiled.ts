/**
 * The SLIP board bundle (boards/slip.ts) with section timers (section-timers.ts) around its
 * per-packet and per-tick functions, for the bench's "where the time goes" on the interpreter.
 * Built by the bench into its own folder; never flashed.
 */
import '../section-timers';
import '../../../boards/slip';
