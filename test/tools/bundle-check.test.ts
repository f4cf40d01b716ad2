import test from 'ava';
import { checkBundle } from '../../tools/bundle-check';

/** Each snippet holds one construct the interpreter cannot run, on the line(s) given, and nothing else. */
const forbidden: Array<[string, string, number | number[], string[]]> = [
  ['default parameter', 'var x = 1;\nfunction f(a, b = 2) { return a + b; }', 2, ['default parameter']],
  ['rest parameter', 'function f(a, ...rest) { return rest; }', 1, ['rest parameter']],
  ['spread in a call', 'var a = [1];\nf(...a);', 2, ['spread in call']],
  ['spread in new', 'var a = [1];\nnew F(...a);', 2, ['spread in new']],
  ['spread in an array', 'var a = [1];\nvar b = [0, ...a];', 2, ['spread in array']],
  ['spread in an object', 'var a = {};\nvar b = { ...a };', 2, ['spread in object']],
  ['destructuring declaration', 'var o = {};\nvar { a } = o;', 2, ['destructuring declaration']],
  ['array destructuring', 'var o = [];\nconst [x] = o;', 2, ['destructuring declaration']],
  ['destructuring assignment', 'var a, o = {};\n({ a } = o);', 2, ['destructuring assignment']],
  ['destructuring parameter', '\nfunction f({ a }) { return a; }', 2, ['destructuring parameter']],
  ['destructuring in for-of', 'var list = [];\nfor (const [k, v] of list) k + v;', 2, ['destructuring declaration']],
  ['destructuring in catch', 'try { f(); }\ncatch ({ message }) { g(message); }', 2, ['destructuring in a catch clause']],
  ['labelled statement', 'var i;\nouter: for (i = 0; i < 3; i++) { continue outer; }', 2, ['labelled statement']],
  ['exponent', 'var a = 2;\nvar b = a ** 2;', 2, ['exponent operator **']],
  ['exponent assignment', 'var a = 2;\na **= 2;', 2, ['exponent assignment **=']],
  ['optional chaining', 'var o = {};\nvar b = o?.a;', 2, ['optional chaining']],
  ['optional call', 'var o = {};\no.f?.();', 2, ['optional chaining']],
  ['async function', 'var x;\nasync function f() { await x; }', 2, ['async function']],
  ['async arrow', 'var x;\nvar f = async () => x;', 2, ['async function']],
  ['generator', 'var x;\nfunction* f() { yield x; }', 2, ['generator function']],
  ['BigInt literal', 'var a = 1;\nvar b = 10n;', 2, ['BigInt literal']],
  ['computed key in an object', 'var k = "a";\nvar o = { [k]: 1 };', 2, ['computed property key']],
  ['computed key in a class', 'var k = "a";\nvar C = class {\n  [k]() {}\n};', 3, ['computed property key in a class']],
  ['tagged template', 'var t = function () {};\nt`x`;', 2, ['tagged template']],
  ['class extends', 'function Base() {}\nclass Sub extends Base {}', 2, ['class extends']],
  ['super() in an Error subclass', 'class E1 extends Error {\n  constructor() {\n    super("m");\n  }\n}', [1, 3],
    ['class extends', 'super() in a class that extends Error']],
  ['TypeScript __extends helper', 'var __extends = (this && this.__extends) || function (d, b) {};', 1, ["__extends helper"]],
  ['minified __extends helper', 'var x = 1;\n!function(){var n=function(d,b){if("function"!=typeof b)throw new TypeError("Class extends value "+b)}}();', 2,
    ['__extends helper']],
  ['Map', 'var x;\nvar m = new Map();', 2, ['Map is missing']],
  ['Set', 'var x;\nvar s = new Set([1]);', 2, ['Set is missing']],
  ['WeakMap', 'var x;\nvar m = new WeakMap();', 2, ['WeakMap is missing']],
  ['WeakSet', 'var x;\nvar m = new WeakSet();', 2, ['WeakSet is missing']],
  ['Symbol', 'var o = [];\nvar i = o[Symbol.iterator];', 2, ['Symbol is missing']],
  ['BigInt()', 'var x;\nvar b = BigInt(1);', 2, ['BigInt is missing']],
  ['Proxy', 'var x;\nvar p = new Proxy({}, {});', 2, ['Proxy is missing']],
  ['Reflect', 'var o = {};\nvar k = Reflect.ownKeys(o);', 2, ['Reflect is missing']],
  ['Math.imul', 'var a = 3;\nvar b = Math.imul(a, a);', 2, ['Math.imul is missing']],
  ['Number.isInteger', 'var a = 3;\nvar b = Number.isInteger(a);', 2, ['Number.isInteger is missing']],
  ['Number.isNaN', 'var a = 3;\nvar b = Number.isNaN(a);', 2, ['Number.isNaN is missing']],
  ['Array.from', 'var a = "ab";\nvar b = Array.from(a);', 2, ['Array.from is missing']],
  ['Uint8Array.from', 'var a = [1];\nvar b = Uint8Array.from(a);', 2, ['Uint8Array.from is missing']],
  ['Int32Array.from, computed', 'var a = [1];\nvar b = Int32Array["from"](a);', 2, ['Int32Array.from is missing']],
  ['Object.freeze', 'var o = {};\nObject.freeze(o);', 2, ['Object.freeze is missing']],
  ['copyWithin', 'var u = new Uint8Array(4);\nu.copyWithin(0, 2);', 2, ['copyWithin is missing']],
  ['Array.prototype.slice', 'function f() {\n  return Array.prototype.slice.call(arguments);\n}', 2, ['Array.prototype.slice is missing']],
  ['Array.prototype.join', 'var o = {};\nvar s = Array.prototype.join.call(o, ",");', 2, ['Array.prototype.join is missing']],
  ['ArrayBuffer.prototype.slice', 'var b = new ArrayBuffer(4);\nvar c = ArrayBuffer.prototype.slice.call(b, 1);', 2,
    ['ArrayBuffer.prototype.slice is missing']],
  ['closure capturing a for-let', 'var fs = [];\nfor (let i = 0; i < 3; i++) {\n  fs.push(function () { return i; });\n}', 3,
    ["closure made in a loop captures 'i'"]],
  ['arrow capturing a const in a while body', 'var fs = [], n = 3;\nwhile (n--) {\n  const v = n * 2;\n  fs.push(() => v);\n}', 4,
    ["closure made in a loop captures 'v'"]],
  ['closure capturing a for-of const', 'var fs = [];\nfor (const x of [1, 2]) fs.push(\n  function () { return x; });', 3,
    ["closure made in a loop captures 'x'"]],
  ['regular expressions the interpreter lacks', 'var a = /^\\d{1,10}$/, b = /(?:ab)+/, c = /a(?=b)/, d = /\\bx/, e = /a+?/;', [1, 1, 1, 1, 1],
    ['{n,m} quantifier', '(?...) group', '(?...) group', 'word boundary', 'lazy quantifier']],
];

for (const [name, code, line, messages] of forbidden) {
  test('flags ' + name, (t) => {
    const problems = checkBundle(code, 'snippet.js');
    t.deepEqual(problems.map((p) => p.line), typeof line === 'number' ? messages.map(() => line) : line, JSON.stringify(problems));
    messages.forEach((message, i) => t.true(problems[i].message.includes(message), problems[i].message));
    t.true(problems.every((p) => p.file === 'snippet.js' && p.column >= 1));
  });
}

test('reports the 1-based column', (t) => {
  const problems = checkBundle('var a = 1, b = a ** 2;', 'x.js');
  t.is(problems.length, 1);
  t.is(problems[0].column, 16);
});

test('passes what the interpreter runs', (t) => {
  const clean = [
    'var r = /^\\d+$/, s = /[{(?]\\{2\\}\\(\\?x/, u = /a*\\?/, v = /[\\b]/;',
    '!function () {',
    '  "use strict";',
    '  var Slot = /** @class */ (function () {',
    '    function Slot(n) { this.state = new Uint8Array(n); this.seq = new Uint32Array(n); }',
    '    Slot.prototype.reset = function (i) { this.state[i] = 0; this.seq[i] = (this.seq[i] + 1) >>> 0; };',
    '    Object.defineProperty(Slot.prototype, "size", { get: function () { return this.state.length; } });',
    '    return Slot;',
    '  }());',
    '  function sum(a) { var s = 0; for (var i = 0; i < a.length; i++) s += a[i]; return s; }',
    '  var slots = new Slot(4);',
    '  var fs = [];',
    '  for (var i = 0; i < 3; i++) fs.push(function () { return i; });',
    '  for (let j = 0; j < 3; j++) slots.reset(j);',
    '  const o = { Map: 1, Set: 2, imul: 3 }, p = o.Map + o.Set;',
    '  var hasMap = typeof Map !== "undefined";',
    '  var t = `n=${sum([1, 2])}`, u = o.x ?? 0;',
    '  var self = this, f = () => self, g = (x) => x * 2;',
    '  try { f(); } catch (e) { e.code = "ECONNRESET"; }',
    '  var bytes = new Uint8Array(8), view = bytes.subarray(2, 4); bytes.set(view, 4); bytes.fill(0);',
    '  for (var x of [1, 2]) g(x);',
    '  var s = String.fromCharCode.apply(null, bytes) + [1, 2].slice(1).join(",") + (255).toString(16);',
    '  class Plain { constructor() { this.a = 1; } m() { return this.a; } static s() { return 1; } get v() { return 2; } }',
    '  new Plain().m();',
    '}();',
  ].join('\n');
  t.deepEqual(checkBundle(clean, 'clean.js'), []);
});

test('a shadowing local is not the missing global', (t) => {
  t.deepEqual(checkBundle('function f(Map) { return new Map(); }\nvar Set = function () {};\nnew Set();', 'x.js'), []);
});

test('a closure made outside the loop, or over a var, is not flagged', (t) => {
  const code = [
    'for (let i = 0; i < 3; i++) { let k = i; (function () { var y = 0; for (let j = 0; j < 2; j++) y += j; })(); }',
    'for (var v = 0; v < 3; v++) setTimeout(function () { return v; });',
    'function outer() { for (let i = 0; i < 3; i++) { var f = function (i) { return i; }; f(i); } }',
  ].join('\n');
  t.deepEqual(checkBundle(code, 'x.js'), []);
});

test('an unparsable bundle is one problem at the error', (t) => {
  const problems = checkBundle('var a = 1;\nvar b = ;', 'bad.js');
  t.is(problems.length, 1);
  t.is(problems[0].line, 2);
  t.true(problems[0].message.startsWith('does not parse'));
});

test('reports problems in source order', (t) => {
  const problems = checkBundle('var a = b ** 2;\nvar m = new Map();\nlbl: for (;;) break lbl;', 'x.js');
  t.deepEqual(problems.map((p) => p.line), [1, 2, 3]);
});

test('is fast on a large minified bundle', (t) => {
  const parts: string[] = [];
  for (let i = 0; parts.join('').length < 150_000; i++) {
    parts.push('var c' + i + '=function(){function t(t){this.a=new Uint8Array(t),this.b=0}return t.prototype.m' + i +
      '=function(t,e){for(var n=0;n<e;n++)this.a[n]=t[n]^' + i + ';return this.b+=e,f' + i + '(this.a)},t}();function f' + i +
      '(t){return t.length>' + i + '?t[0]:0}');
  }
  const code = '!function(){"use strict";' + parts.join(';') + ';new c0(4).m0([1],1)}();';
  const started = Date.now();
  t.deepEqual(checkBundle(code, 'big.js'), []);
  t.true(Date.now() - started < 2000, 'took ' + (Date.now() - started) + ' ms');
});
