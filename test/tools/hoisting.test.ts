import test from 'ava';
import { checkBundle } from '../../tools/bundle-check';

function messages(code: string): string[] {
  return checkBundle(code, 'h.js').map((p) => p.line + ': ' + p.message);
}

test('a module-level call before the declaration is flagged', (t) => {
  t.deepEqual(messages('var x = 1;\nstart();\nfunction start() {}'), ['2: calls start before its declaration; the interpreter does not hoist']);
});

test('a call after the declaration passes', (t) => {
  t.deepEqual(messages('function start() {}\nstart();\nnew start();'), []);
});

test('a call inside a function that is only defined is not flagged', (t) => {
  t.deepEqual(messages('function early() { return late(); }\nvar cb = function () { late(); };\nvar o = { m: function () { late(); } };\nfunction late() {}'), []);
});

test('a transitive call through a declared function is flagged at the outer call', (t) => {
  t.deepEqual(messages('function a() { b(); }\nfunction b() { c(); }\na();\nfunction c() {}'),
    ['3: calls c (through a) before its declaration; the interpreter does not hoist']);
});

test('new runs the constructor, also of a class-like IIFE', (t) => {
  const code = [
    'var Stack = /** @class */ (function () {',
    '  function Stack() { this.table = makeTable(); }',
    '  return Stack;',
    '}());',
    'var stack = new Stack();',
    'function makeTable() { return []; }',
  ].join('\n');
  t.deepEqual(messages(code), ['5: calls makeTable (through Stack) before its declaration; the interpreter does not hoist']);
});

test('a function held in a variable is followed when called', (t) => {
  t.deepEqual(messages('var run = function () { later(); };\nrun();\nfunction later() {}'),
    ['2: calls later (through run) before its declaration; the interpreter does not hoist']);
});

test('an IIFE body is checked as its own scope', (t) => {
  t.deepEqual(messages('!function () {\n  "use strict";\n  main();\n  function main() {}\n}();'),
    ['3: calls main before its declaration; the interpreter does not hoist']);
  t.deepEqual(messages('(function () {\n  function main() {}\n  main();\n})();'), []);
});

test('an IIFE runs where it is written, so its calls count for the enclosing statement', (t) => {
  t.deepEqual(messages('(function () { setup(); }).call(this);\nfunction setup() {}'),
    ['1: calls setup before its declaration; the interpreter does not hoist']);
});

test('a function body is checked as its own scope', (t) => {
  t.deepEqual(messages('function boot() {\n  var x = 1;\n  init(x);\n  function init(v) { return v; }\n}'),
    ['3: calls init before its declaration; the interpreter does not hoist']);
});

test('reading a later function before its declaration is flagged', (t) => {
  t.deepEqual(messages('var handlers = [onData];\nfunction onData() {}'),
    ['1: uses onData before its declaration; the interpreter does not hoist']);
});

test('a call in a nested block before a declaration of the outer list is flagged', (t) => {
  t.deepEqual(messages('if (true) {\n  go();\n}\nfunction go() {}'), ['2: calls go before its declaration; the interpreter does not hoist']);
});

test('recursion and mutual recursion terminate', (t) => {
  t.deepEqual(messages('function a(n) { return n && b(n - 1); }\nfunction b(n) { return a(n); }\na(3);'), []);
  t.deepEqual(messages('function a(n) { return n && b(n - 1); }\na(3);\nfunction b(n) { return a(n); }'),
    ['2: calls b (through a) before its declaration; the interpreter does not hoist']);
});

test('each later function is reported once per statement', (t) => {
  t.deepEqual(messages('var r = f() + f() + g();\nfunction f() {}\nfunction g() {}'), [
    '1: calls f before its declaration; the interpreter does not hoist',
    '1: calls g before its declaration; the interpreter does not hoist',
  ]);
});

test('a local of the same name shadows the later declaration', (t) => {
  t.deepEqual(messages('(function (later) { later(); })(function () {});\nfunction later() {}'), []);
});
