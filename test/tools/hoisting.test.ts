import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
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

test('a local assigned before its var, while an outer scope has the name, is flagged: on the interpreter it overwrites the outer one', (t) => {
  t.deepEqual(messages('function e(){}\nfunction f(){ e = 5; var e = 7; return e; }'),
    ['2: assigns e before its var at line 2, column 26: the interpreter does not hoist declarations, so this reaches the outer e']);
  t.deepEqual(messages('var n = 1;\nfunction g(){ var a = n + 1; var n = 2; return a + n; }'),
    ['2: reads n before its var at line 2, column 34: the interpreter does not hoist declarations, so this reaches the outer n']);
  t.deepEqual(messages('var x;\n(function(){ x = 1; let x = 2; })();'),
    ['2: assigns x before its let at line 2, column 25: the interpreter does not hoist declarations, so this reaches the outer x']);
});

test('a var before its use, a name no outer scope binds, and a use inside a nested function are not flagged', (t) => {
  t.deepEqual(messages('function e(){}\nfunction f(){ var e = 7; e = 5; return e; }'), []);
  t.deepEqual(messages('function f(){ q = 5; var q = 7; return q; }'), [], 'nothing outer to overwrite');
  t.deepEqual(messages('function e(){}\nfunction f(){ function g(){ return e; } var e = 1; return g(); }'), [], 'g runs after the var');
  t.deepEqual(messages('function e(){}\nfunction f(e){ e = 5; return e; }'), [], 'a parameter is bound from the start');
});

test('the bundles this build ships have no such clobber (terser hoists every var to the top of its function)', (t) => {
  const dist = process.env.DIST_DIR || 'dist';
  for (const name of fs.readdirSync(dist).filter((file) => file.endsWith('.js'))) {
    t.deepEqual(checkBundle(fs.readFileSync(path.join(dist, name), 'utf8'), name).filter((p) => /before its (var|let|const)/.test(p.message)), [], name);
  }
});
