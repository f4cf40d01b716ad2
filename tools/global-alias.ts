/**
 * Gives each typed-array constructor a bundle names often a local of its own: a Pico's bundle
 * wrote `new Uint8Array(` fourteen times, ten bytes of name each in Storage, and the minifier may
 * not rename a global. After this, the bundle's IIFE starts with `var Uint8Array$ = Uint8Array;`
 * and each `new Uint8Array(...)` or bare use reads that local, which the minifier shortens to a
 * letter or two; `Math` likewise, for its ES5 functions. Any other member use, such as
 * `Uint8Array.from` or `Math.imul`, keeps the global's name, so that the bundle check
 * (tools/bundle-check.ts) still sees what the interpreter lacks. Every interpreter build has these
 * globals, so an alias cannot throw where the original use would not.
 */
import * as acorn from 'acorn';
import * as walk from 'acorn-walk';
import { applyReplacements, Replacement } from './source-edits';

const typedArrayConstructors = ['Uint8Array', 'Int8Array', 'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array', 'Float32Array', 'Float64Array', 'ArrayBuffer'];

/** Members of Math in ES5, which the interpreter has: only these are read through the alias. */
const mathMembers = ['abs', 'acos', 'asin', 'atan', 'atan2', 'ceil', 'cos', 'exp', 'floor', 'log', 'max', 'min', 'pow', 'random', 'round', 'sin', 'sqrt', 'tan',
  'E', 'LN10', 'LN2', 'LOG10E', 'LOG2E', 'PI', 'SQRT1_2', 'SQRT2'];

/** Below this many uses the alias's own declaration costs more than it saves. */
const minimumUses = 3;

/** `code`, a rollup IIFE chunk in ES5, with its frequent typed-array constructors and Math read through locals; unchanged when it is not an IIFE. */
export function aliasGlobals(code: string): string {
  const ast = acorn.parse(code, { ecmaVersion: 5, sourceType: 'script' });
  const body = iifeBody(ast);
  if (!body) return code;
  const declared = new Set<string>();
  walk.full(ast, (node) => {
    if (node.type === 'VariableDeclarator') addPattern(declared, (node as acorn.VariableDeclarator).id);
    if (node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression') {
      const fn = node as acorn.Function;
      if (fn.id) declared.add(fn.id.name);
      for (const param of fn.params) addPattern(declared, param);
    }
    if (node.type === 'CatchClause') addPattern(declared, (node as acorn.CatchClause).param);
  });
  const uses = new Map<string, acorn.Identifier[]>();
  walk.ancestor(ast, {
    Identifier(node: acorn.Identifier, _state: unknown, ancestors: acorn.Node[]) {
      if ((typedArrayConstructors.indexOf(node.name) < 0 && node.name !== 'Math') || declared.has(node.name)) return;
      const parent = ancestors[ancestors.length - 2];
      const member = parent && parent.type === 'MemberExpression' ? parent as acorn.MemberExpression : null;
      // x.Uint8Array names a property, not the global.
      if (member && member.property === node && !member.computed) return;
      if (node.name === 'Math') {
        if (!member || member.object !== node || member.computed || member.property.type !== 'Identifier' ||
          mathMembers.indexOf(member.property.name) < 0) return;
      } else if (member && member.object === node) {
        return;
      }
      if (parent && parent.type === 'Property' && (parent as acorn.Property).key === node) return;
      if (parent && parent.type === 'AssignmentExpression' && (parent as acorn.AssignmentExpression).left === node) return;
      const list = uses.get(node.name) || [];
      list.push(node);
      uses.set(node.name, list);
    },
  });
  const aliased = Array.from(uses.entries()).filter(([, list]) => list.length >= minimumUses).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  if (aliased.length === 0) return code;
  const replacements: Replacement[] = [];
  for (const [name, list] of aliased) for (const use of list) replacements.push({ start: use.start, end: use.end, text: name + '$' });
  const start = prologueEnd(body);
  replacements.push({ start, end: start, text: '\nvar ' + aliased.map(([name]) => name + '$ = ' + name).join(', ') + ';' });
  return applyReplacements(code, replacements);
}

function addPattern(names: Set<string>, pattern: acorn.Pattern | null | undefined): void {
  if (pattern && pattern.type === 'Identifier') names.add(pattern.name);
}

/** The block of `(function () { ... })();`, the shape of rollup's iife output. */
function iifeBody(ast: acorn.Program): acorn.BlockStatement | null {
  const statement = ast.body.find((node) => node.type === 'ExpressionStatement') as acorn.ExpressionStatement | undefined;
  if (!statement) return null;
  let call = statement.expression;
  if (call.type === 'UnaryExpression') call = call.argument;
  if (call.type !== 'CallExpression' || call.callee.type !== 'FunctionExpression') return null;
  return call.callee.body;
}

/** Just after the block's opening brace and its directives ('use strict'), where the aliases run before any other statement. */
function prologueEnd(body: acorn.BlockStatement): number {
  let end = body.start + 1;
  for (const statement of body.body) {
    if (statement.type !== 'ExpressionStatement' || !(statement as acorn.ExpressionStatement & { directive?: string }).directive) break;
    end = statement.end;
  }
  return end;
}
