/**
 * The few EventEmitter methods the `net` facade needs, shared by Socket and Server through
 * their prototypes (`extends` is not available on the interpreter, and one shared set of
 * functions costs less RAM than a set per class).
 */
export interface Emitter {
  handlers?: { [event: string]: Function[] };
  on(event: string, handler: Function): this;
  removeListener(event: string, handler: Function): this;
  emit(event: string, a?: unknown, b?: unknown): boolean;
}

function on(this: Emitter, event: string, handler: Function): Emitter {
  const handlers = this.handlers || (this.handlers = {});
  (handlers[event] || (handlers[event] = [])).push(handler);
  return this;
}

function removeListener(this: Emitter, event: string, handler: Function): Emitter {
  const list = this.handlers && this.handlers[event];
  if (list) {
    const index = list.indexOf(handler);
    if (index >= 0) list.splice(index, 1);
  }
  return this;
}

/**
 * Calls each handler with up to two arguments; false when there was none. Unlike Node, an
 * unhandled 'error' is not thrown: it would unwind through the stack's event dispatch, so the
 * caller logs it to the console instead.
 */
function emit(this: Emitter, event: string, a?: unknown, b?: unknown): boolean {
  const list = this.handlers && this.handlers[event];
  if (!list || list.length === 0) return false;
  const snapshot = list.slice();
  for (let i = 0; i < snapshot.length; i++) snapshot[i].call(this, a, b);
  return true;
}

/** Gives a class's prototype the emitter methods. */
export function makeEmitter(proto: Emitter): void {
  proto.on = on;
  proto.removeListener = removeListener;
  proto.emit = emit;
}
