import test from 'ava';
import * as vm from 'vm';
import { aliasGlobals } from '../../tools/global-alias';

const iife = (body: string) => "(function () {\n    'use strict';\n" + body + '\n})();\n';

test('a constructor used three times or more is read through one local declared before anything else runs', (t) => {
  const code = iife('var a = new Uint8Array(4);\nvar b = new Uint8Array(a.buffer);\nvar kinds = [Uint8Array, Uint16Array];\nresult = [a.length, b.length, kinds[0] === Uint8Array];');
  const aliased = aliasGlobals(code);
  t.regex(aliased, /'use strict';\nvar Uint8Array\$ = Uint8Array;\n/);
  t.is((aliased.match(/\bUint8Array(?![$\w])/g) || []).length, 1, 'only the alias names the global');
  t.regex(aliased, /\[Uint8Array\$, Uint16Array\]/, 'a constructor used once is left alone');
  const context: { [name: string]: unknown } = { Uint8Array, Uint16Array, result: null };
  vm.runInNewContext(aliased, context);
  t.deepEqual(context.result, [4, 4, true]);
});

test('a static member keeps the global\'s name, so the bundle check still sees it', (t) => {
  const aliased = aliasGlobals(iife('var a = new Uint32Array(1), b = new Uint32Array(2), c = new Uint32Array(3);\nvar d = Uint32Array.from([1]);\nvar e = Uint32Array.BYTES_PER_ELEMENT;'));
  t.regex(aliased, /Uint32Array\.from\(/);
  t.regex(aliased, /Uint32Array\.BYTES_PER_ELEMENT/);
  t.regex(aliased, /new Uint32Array\$\(3\)/);
});

test('a name the bundle declares itself, or code that is not an IIFE, is left as it is', (t) => {
  const shadowed = iife('function f(Float64Array) { return new Float64Array(1); }\nnew Float64Array(1); new Float64Array(2); new Float64Array(3);');
  t.is(aliasGlobals(shadowed), shadowed);
  const module = 'var a = new Int8Array(1), b = new Int8Array(2), c = new Int8Array(3);\n';
  t.is(aliasGlobals(module), module);
});

test('Math is aliased for its ES5 members only: Math.imul, which the interpreter lacks, keeps its name for the bundle check', (t) => {
  const aliased = aliasGlobals(iife('var a = Math.min(1, 2), b = Math.max(1, 2), c = Math.floor(2.5);\nvar d = Math.imul(3, 4);'));
  t.regex(aliased, /var Math\$ = Math;/);
  t.regex(aliased, /Math\$\.min\(1, 2\)/);
  t.regex(aliased, /Math\.imul\(3, 4\)/);
});
