/**
 * Checks a bundle for what the Espruino interpreter cannot run (/work/shared/ESPRUINO.md):
 * syntax it rejects, built-ins it lacks, closures that capture a loop's let/const (function-scoped
 * there), calls that run before the called function's declaration statement has executed (the
 * interpreter does not hoist function declarations), and a function-local name read or assigned
 * before its var/let/const while an enclosing scope binds the same name (the interpreter does not
 * hoist var either: such an assignment overwrites the outer binding, as minifiers' reuse of short
 * names makes likely). Usage: node build/tools/bundle-check.js FILE...
 */
import * as fs from 'node:fs';
import * as acorn from 'acorn';
import * as walk from 'acorn-walk';

export interface Problem {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  message: string;
}

type FunctionNode = acorn.FunctionDeclaration | acorn.FunctionExpression | acorn.ArrowFunctionExpression;
type Body = Array<acorn.Statement | acorn.ModuleDeclaration>;

interface Scope {
  parent: Scope | null;
  /** The function this scope belongs to or is, null for the program. */
  fn: FunctionNode | null;
  isFunction: boolean;
  /** Created inside a loop of its own function: a let/const declared here is shared by every iteration on the interpreter. */
  inLoop: boolean;
  bindings: Map<string, Binding>;
}

interface Binding {
  name: string;
  kind: 'var' | 'let' | 'const' | 'function' | 'param' | 'class' | 'catch' | 'import';
  scope: Scope;
  declaration: acorn.Node;
  /** What runs when the binding is called, where that is known statically. */
  callable: FunctionNode | null;
}

interface Reference {
  id: acorn.Identifier;
  scope: Scope;
  write: boolean;
  typeofOperand: boolean;
  call: boolean;
  binding: Binding | null;
}

interface State {
  scope: Scope;
  loopDepth: number;
  /** Inside a class that extends Error, where super() fails on the interpreter. */
  errorClass: boolean;
}

/** acorn-walk's callback also takes the node category to visit as (its typings omit it). */
type Walk<S> = (node: acorn.Node, state: S, category?: string) => void;
type Visitors<S> = Record<string, (node: any, state: S, c: Walk<S>) => void>;
const recursive = walk.recursive as unknown as <S>(node: acorn.Node, state: S, visitors: Visitors<S>, base?: Visitors<S>, category?: string) => void;

const missingGlobals = new Set(['Map', 'Set', 'WeakMap', 'WeakSet', 'Symbol', 'BigInt', 'Proxy', 'Reflect']);
const missingMembers = new Set([
  'Math.imul', 'Number.isInteger', 'Number.isNaN', 'Object.freeze',
  'Array.prototype.slice', 'Array.prototype.join', 'ArrayBuffer.prototype.slice',
]);
/** How the problem for a file that does not parse begins. */
export const unparsable = 'does not parse';
const extendsHelperSignature = 'Class extends value';

function isFunctionNode(node: acorn.Node | null | undefined): node is FunctionNode {
  return !!node && (node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression' || node.type === 'FunctionDeclaration');
}

/** The names a declaration pattern binds. */
function patternNames(pattern: acorn.Pattern, out: acorn.Identifier[]): acorn.Identifier[] {
  switch (pattern.type) {
    case 'Identifier': out.push(pattern); break;
    case 'AssignmentPattern': patternNames(pattern.left, out); break;
    case 'RestElement': patternNames(pattern.argument, out); break;
    case 'ArrayPattern': for (const element of pattern.elements) if (element) patternNames(element, out); break;
    case 'ObjectPattern':
      for (const property of pattern.properties) patternNames(property.type === 'Property' ? property.value : property.argument, out);
      break;
    default: break;
  }
  return out;
}

/** `a.b.c` as a dotted path with its root identifier, or null when any step is computed by an expression. */
function memberPath(node: acorn.Node): { path: string; root: acorn.Identifier } | null {
  if (node.type === 'Identifier') return { path: (node as acorn.Identifier).name, root: node as acorn.Identifier };
  if (node.type !== 'MemberExpression') return null;
  const member = node as acorn.MemberExpression;
  let name: string;
  if (!member.computed && member.property.type === 'Identifier') name = member.property.name;
  else if (member.property.type === 'Literal' && typeof member.property.value === 'string') name = member.property.value;
  else return null;
  const inner = memberPath(member.object);
  return inner && { path: inner.path + '.' + name, root: inner.root };
}

/** A call whose callee is a function written in place (`(function(){})()`, `!function(){}()`, `.call(this)`) runs its body now. */
function invokedFunction(call: acorn.CallExpression | acorn.NewExpression): FunctionNode | null {
  const callee = call.callee;
  if (isFunctionNode(callee)) return callee;
  if (callee.type === 'MemberExpression' && isFunctionNode(callee.object as acorn.Node)) {
    const path = !callee.computed && callee.property.type === 'Identifier' ? callee.property.name : '';
    if (path === 'call' || path === 'apply') return callee.object as FunctionNode;
  }
  return null;
}

/**
 * What the interpreter's regular expressions lack (measured on 2v29: /^a{2}$/ does not match
 * "aa", /(?:ab)+/ and /a(?=b)/ match nothing, /a+?/ matches null), or '' when the pattern has none of it.
 */
function regexSyntaxProblem(pattern: string): string {
  const body = pattern.replace(/\\[^bB]/g, 'x').replace(/\[(?:\\.|[^\]])*\]/g, 'x');
  if (/\{\d/.test(body)) return 'a {n,m} quantifier';
  if (/\(\?/.test(body)) return 'a (?...) group';
  if (/\\b/i.test(body)) return 'a \\b word boundary';
  if (/[*+?}]\?/.test(body)) return 'a lazy quantifier';
  return '';
}

/** Parses as a script (what a bundle is), or as a module when only that succeeds; throws acorn's SyntaxError. */
export function parseBundle(code: string): acorn.Program {
  const options: acorn.Options = { ecmaVersion: 'latest', locations: true, allowHashBang: true, sourceType: 'script' };
  try {
    return acorn.parse(code, options);
  } catch (scriptError) {
    try {
      return acorn.parse(code, { ...options, sourceType: 'module' });
    } catch {
      throw scriptError;
    }
  }
}

export function checkBundle(code: string, file: string): Problem[] {
  const problems: Problem[] = [];
  const report = (node: acorn.Node, message: string): void => {
    const start = node.loc!.start;
    problems.push({ file, line: start.line, column: start.column + 1, message });
  };

  let program: acorn.Program;
  try {
    program = parseBundle(code);
  } catch (error) {
    const syntax = error as SyntaxError & { loc?: acorn.Position };
    const loc = syntax.loc || { line: 1, column: 0 };
    return [{ file, line: loc.line, column: loc.column + 1, message: unparsable + ': ' + syntax.message }];
  }

  const references: Reference[] = [];
  const referenceOf = new Map<acorn.Identifier, Reference>();
  const calledIdentifiers = new Set<acorn.Identifier>();
  const typeofOperands = new Set<acorn.Identifier>();
  const invoked = new Set<FunctionNode>();
  const memberChecks: Array<{ node: acorn.MemberExpression; root: acorn.Identifier; path: string }> = [];
  const assignedValues: Array<{ target: acorn.Identifier; value: acorn.Node }> = [];
  const declarationLists: Body[] = [];
  const declaredAt = new Map<acorn.FunctionDeclaration, { list: Body; index: number }>();
  const extendsHelpers: acorn.Node[] = [];
  let extendsHelperDeclared = false;

  const newScope = (parent: Scope | null, fn: FunctionNode | null, inLoop: boolean): Scope =>
    ({ parent, fn, isFunction: parent === null || fn !== parent.fn, inLoop, bindings: new Map() });
  const functionScopeOf = (scope: Scope): Scope => {
    let s = scope;
    while (!s.isFunction) s = s.parent!;
    return s;
  };
  const declare = (scope: Scope, id: acorn.Identifier, kind: Binding['kind'], declaration: acorn.Node): Binding => {
    const binding: Binding = { name: id.name, kind, scope, declaration, callable: null };
    if (!scope.bindings.has(id.name) || kind === 'function') scope.bindings.set(id.name, binding);
    if (id.name === '__extends' && (kind === 'var' || kind === 'function')) {
      report(id, "TypeScript's __extends helper (class extends): __extends(Sub, Base) runs before function Sub exists on the interpreter");
      extendsHelperDeclared = true;
    }
    return binding;
  };
  /**
   * Declares a statement list's function declarations in `scope` and remembers their positions
   * for the hoisting rule. Other declarations are made as the walk meets them: references are
   * resolved only once the whole program has been walked.
   */
  const declareList = (list: Body, scope: Scope): void => {
    let any = false;
    for (let index = 0; index < list.length; index++) {
      const statement = list[index];
      if (statement.type !== 'FunctionDeclaration') continue;
      declare(scope, statement.id, 'function', statement).callable = statement;
      declaredAt.set(statement, { list, index });
      any = true;
    }
    if (any) declarationLists.push(list);
  };
  const checkRootPattern = (pattern: acorn.Pattern, where: string): void => {
    if (pattern.type === 'ObjectPattern' || pattern.type === 'ArrayPattern') report(pattern, 'destructuring ' + where);
  };
  const walkFunction = (fn: FunctionNode, st: State, c: Walk<State>): void => {
    if (fn.async) report(fn, 'async function');
    if (fn.generator) report(fn, 'generator function');
    const scope = newScope(st.scope, fn, false);
    if (fn.type === 'FunctionExpression' && fn.id) declare(scope, fn.id, 'function', fn).callable = fn;
    for (const param of fn.params) {
      if (param.type === 'AssignmentPattern') {
        report(param, 'default parameter');
        checkRootPattern(param.left, 'parameter');
      } else if (param.type === 'RestElement') {
        report(param, 'rest parameter');
      } else {
        checkRootPattern(param, 'parameter');
      }
      for (const id of patternNames(param, [])) declare(scope, id, 'param', param);
    }
    const inner: State = { scope, loopDepth: 0, errorClass: st.errorClass };
    for (const param of fn.params) if (param.type !== 'Identifier') c(param, inner, 'Pattern');
    if (fn.body.type === 'BlockStatement') {
      declareList(fn.body.body, scope);
      for (const statement of fn.body.body) c(statement, inner, 'Statement');
    } else {
      c(fn.body, inner, 'Expression');
    }
  };
  const block = (list: Body, st: State, c: Walk<State>): void => {
    const scope = newScope(st.scope, st.scope.fn, st.loopDepth > 0);
    declareList(list, scope);
    const inner: State = { scope, loopDepth: st.loopDepth, errorClass: st.errorClass };
    for (const statement of list) c(statement, inner, 'Statement');
  };
  const loop = (st: State, lexical: boolean): State => ({
    scope: lexical ? newScope(st.scope, st.scope.fn, true) : st.scope,
    loopDepth: st.loopDepth + 1,
    errorClass: st.errorClass,
  });
  const reference = (id: acorn.Identifier, st: State, write: boolean): void => {
    const ref: Reference = {
      id, scope: st.scope, write, typeofOperand: typeofOperands.has(id), call: calledIdentifiers.has(id), binding: null,
    };
    references.push(ref);
    referenceOf.set(id, ref);
  };
  const checkSpread = (elements: Array<acorn.Node | null>, where: string): void => {
    for (const element of elements) if (element && element.type === 'SpreadElement') report(element, 'spread in ' + where);
  };
  const noteCall = (node: acorn.CallExpression | acorn.NewExpression): void => {
    checkSpread(node.arguments, node.type === 'NewExpression' ? 'new' : 'call');
    const fn = invokedFunction(node);
    if (fn) invoked.add(fn);
    const callee = node.callee;
    if (callee.type === 'Identifier') calledIdentifiers.add(callee);
    else if (callee.type === 'MemberExpression' && callee.object.type === 'Identifier' && !callee.computed &&
      callee.property.type === 'Identifier' && (callee.property.name === 'call' || callee.property.name === 'apply')) {
      calledIdentifiers.add(callee.object);
    }
  };

  const programScope = newScope(null, null, false);
  declareList(program.body, programScope);

  recursive<State>(program, { scope: programScope, loopDepth: 0, errorClass: false }, {
    Program(node: acorn.Program, st: State, c: Walk<State>) {
      for (const statement of node.body) c(statement, st, 'Statement');
    },
    Function(node: FunctionNode, st: State, c: Walk<State>) {
      walkFunction(node, st, c);
    },
    BlockStatement(node: acorn.BlockStatement, st: State, c: Walk<State>) {
      block(node.body, st, c);
    },
    StaticBlock(node: acorn.StaticBlock, st: State, c: Walk<State>) {
      block(node.body, st, c);
    },
    SwitchStatement(node: acorn.SwitchStatement, st: State, c: Walk<State>) {
      c(node.discriminant, st, 'Expression');
      const scope = newScope(st.scope, st.scope.fn, st.loopDepth > 0);
      const inner: State = { scope, loopDepth: st.loopDepth, errorClass: st.errorClass };
      for (const switchCase of node.cases) {
        declareList(switchCase.consequent, scope);
        if (switchCase.test) c(switchCase.test, inner, 'Expression');
        for (const statement of switchCase.consequent) c(statement, inner, 'Statement');
      }
    },
    ForStatement(node: acorn.ForStatement, st: State, c: Walk<State>) {
      const lexical = !!node.init && node.init.type === 'VariableDeclaration' && node.init.kind !== 'var';
      const inner = loop(st, lexical);
      if (node.init) c(node.init, inner, 'ForInit');
      if (node.test) c(node.test, inner, 'Expression');
      if (node.update) c(node.update, inner, 'Expression');
      c(node.body, inner, 'Statement');
    },
    ForInStatement(node: acorn.ForInStatement, st: State, c: Walk<State>) {
      const lexical = node.left.type === 'VariableDeclaration' && node.left.kind !== 'var';
      if (node.left.type !== 'VariableDeclaration') checkRootPattern(node.left, 'in a for-in/of head');
      c(node.right, st, 'Expression');
      const inner = loop(st, lexical);
      c(node.left, inner, 'ForInit');
      c(node.body, inner, 'Statement');
    },
    ForOfStatement(node: acorn.ForOfStatement, st: State, c: Walk<State>) {
      const lexical = node.left.type === 'VariableDeclaration' && node.left.kind !== 'var';
      if (node.await) report(node, 'for await');
      if (node.left.type !== 'VariableDeclaration') checkRootPattern(node.left, 'in a for-in/of head');
      c(node.right, st, 'Expression');
      const inner = loop(st, lexical);
      c(node.left, inner, 'ForInit');
      c(node.body, inner, 'Statement');
    },
    WhileStatement(node: acorn.WhileStatement, st: State, c: Walk<State>) {
      c(node.test, st, 'Expression');
      c(node.body, loop(st, false), 'Statement');
    },
    DoWhileStatement(node: acorn.DoWhileStatement, st: State, c: Walk<State>) {
      c(node.body, loop(st, false), 'Statement');
      c(node.test, st, 'Expression');
    },
    CatchClause(node: acorn.CatchClause, st: State, c: Walk<State>) {
      const scope = newScope(st.scope, st.scope.fn, st.loopDepth > 0);
      if (node.param) {
        checkRootPattern(node.param, 'in a catch clause');
        for (const id of patternNames(node.param, [])) declare(scope, id, 'catch', node);
      }
      const inner: State = { scope, loopDepth: st.loopDepth, errorClass: st.errorClass };
      block(node.body.body, inner, c);
    },
    VariableDeclaration(node: acorn.VariableDeclaration, st: State, c: Walk<State>) {
      for (const declarator of node.declarations) {
        checkRootPattern(declarator.id, 'declaration');
        const scope = node.kind === 'var' ? functionScopeOf(st.scope) : st.scope;
        for (const id of patternNames(declarator.id, [])) declare(scope, id, node.kind === 'using' || node.kind === 'await using' ? 'const' : node.kind, declarator);
        // The declared name is walked as a write so that its value can be resolved to what a call runs.
        c(declarator.id, st, 'Pattern');
        if (declarator.init) {
          if (declarator.id.type === 'Identifier') assignedValues.push({ target: declarator.id, value: declarator.init });
          c(declarator.init, st, 'Expression');
        }
      }
    },
    Class(node: acorn.ClassDeclaration | acorn.ClassExpression, st: State, c: Walk<State>) {
      if (node.type === 'ClassDeclaration' && node.id) declare(st.scope, node.id, 'class', node);
      let errorClass = false;
      if (node.superClass) {
        report(node, 'class extends');
        const base = memberPath(node.superClass);
        errorClass = !!base && /Error$/.test(base.path);
        c(node.superClass, st, 'Expression');
      }
      c(node.body, { scope: st.scope, loopDepth: st.loopDepth, errorClass }, 'ClassBody');
    },
    MethodDefinition(node: acorn.MethodDefinition, st: State, c: Walk<State>) {
      if (node.computed) {
        report(node, 'computed property key in a class');
        c(node.key, st, 'Expression');
      }
      c(node.value, st, 'Expression');
    },
    PropertyDefinition(node: acorn.PropertyDefinition, st: State, c: Walk<State>) {
      if (node.computed) {
        report(node, 'computed property key in a class');
        c(node.key, st, 'Expression');
      }
      if (node.value) c(node.value, st, 'Expression');
    },
    ObjectExpression(node: acorn.ObjectExpression, st: State, c: Walk<State>) {
      for (const property of node.properties) {
        if (property.type === 'SpreadElement') {
          report(property, 'spread in object');
          c(property.argument, st, 'Expression');
          continue;
        }
        if (property.computed) {
          report(property, 'computed property key');
          c(property.key, st, 'Expression');
        }
        c(property.value, st, 'Expression');
      }
    },
    ArrayExpression(node: acorn.ArrayExpression, st: State, c: Walk<State>) {
      checkSpread(node.elements, 'array');
      for (const element of node.elements) if (element) c(element, st, 'Expression');
    },
    CallExpression(node: acorn.CallExpression, st: State, c: Walk<State>) {
      noteCall(node);
      if (node.callee.type === 'Super' && st.errorClass) report(node, 'super() in a class that extends Error');
      c(node.callee, st, 'Expression');
      for (const argument of node.arguments) c(argument, st, 'Expression');
    },
    NewExpression(node: acorn.NewExpression, st: State, c: Walk<State>) {
      noteCall(node);
      c(node.callee, st, 'Expression');
      for (const argument of node.arguments) c(argument, st, 'Expression');
    },
    MemberExpression(node: acorn.MemberExpression, st: State, c: Walk<State>) {
      const path = memberPath(node);
      if (path) memberChecks.push({ node, root: path.root, path: path.path });
      const property = !node.computed && node.property.type === 'Identifier' ? node.property.name : '';
      if (property === 'copyWithin') report(node.property, 'copyWithin is missing');
      c(node.object, st, 'Expression');
      if (node.computed) c(node.property, st, 'Expression');
    },
    ChainExpression(node: acorn.ChainExpression, st: State, c: Walk<State>) {
      report(node, 'optional chaining');
      c(node.expression, st, 'Expression');
    },
    UnaryExpression(node: acorn.UnaryExpression, st: State, c: Walk<State>) {
      if (node.operator === 'typeof' && node.argument.type === 'Identifier') typeofOperands.add(node.argument);
      c(node.argument, st, 'Expression');
    },
    BinaryExpression(node: acorn.BinaryExpression, st: State, c: Walk<State>) {
      if (node.operator === '**') report(node, 'exponent operator **');
      c(node.left, st, 'Expression');
      c(node.right, st, 'Expression');
    },
    AssignmentExpression(node: acorn.AssignmentExpression, st: State, c: Walk<State>) {
      if (node.operator === '**=') report(node, 'exponent assignment **=');
      if (node.left.type === 'ObjectPattern' || node.left.type === 'ArrayPattern') report(node.left, 'destructuring assignment');
      if (node.left.type === 'Identifier') assignedValues.push({ target: node.left, value: node.right });
      c(node.left, st, 'Pattern');
      c(node.right, st, 'Expression');
    },
    LabeledStatement(node: acorn.LabeledStatement, st: State, c: Walk<State>) {
      report(node, 'labelled statement');
      c(node.body, st, 'Statement');
    },
    AwaitExpression(node: acorn.AwaitExpression, st: State, c: Walk<State>) {
      if (!st.scope.fn || !st.scope.fn.async) report(node, 'await');
      c(node.argument, st, 'Expression');
    },
    TaggedTemplateExpression(node: acorn.TaggedTemplateExpression, st: State, c: Walk<State>) {
      report(node, 'tagged template');
      c(node.tag, st, 'Expression');
      c(node.quasi, st, 'Expression');
    },
    ImportDeclaration(node: acorn.ImportDeclaration) {
      for (const specifier of node.specifiers) declare(programScope, specifier.local, 'import', node);
    },
    Literal(node: acorn.Literal) {
      if (node.bigint !== undefined) report(node, 'BigInt literal');
      const unsupported = node.regex ? regexSyntaxProblem(node.regex.pattern) : '';
      if (unsupported) report(node, 'regular expression with ' + unsupported + ': the interpreter matches it as something else or not at all');
      if (typeof node.value === 'string' && node.value.indexOf(extendsHelperSignature) >= 0) extendsHelpers.push(node);
    },
    Identifier(node: acorn.Identifier, st: State) {
      reference(node, st, false);
    },
    VariablePattern(node: acorn.Identifier, st: State) {
      reference(node, st, true);
    },
  });

  for (const ref of references) {
    let scope: Scope | null = ref.scope;
    let crossed: FunctionNode | null = null;
    while (scope && !scope.bindings.has(ref.id.name)) {
      if (scope.isFunction) crossed = scope.fn;
      scope = scope.parent;
    }
    if (!scope) {
      if (!ref.write && !ref.typeofOperand && missingGlobals.has(ref.id.name)) report(ref.id, ref.id.name + ' is missing');
      continue;
    }
    const binding = scope.bindings.get(ref.id.name)!;
    ref.binding = binding;
    const declaredLater = !crossed && (binding.kind === 'var' || binding.kind === 'let' || binding.kind === 'const') &&
      ref.id.start < binding.declaration.start;
    if (declaredLater) {
      let outer: Scope | null = binding.scope.parent;
      while (outer && !outer.bindings.has(ref.id.name)) outer = outer.parent;
      if (outer) {
        const at = binding.declaration.loc!.start;
        report(ref.id, (ref.write ? 'assigns ' : 'reads ') + ref.id.name + ' before its ' + binding.kind + ' at line ' + at.line + ', column ' +
          (at.column + 1) + ': the interpreter does not hoist declarations, so this reaches the outer ' + ref.id.name);
      }
    }
    if (crossed && binding.scope.inLoop && (binding.kind === 'let' || binding.kind === 'const')) {
      report(crossed, "closure made in a loop captures '" + binding.name + "': let/const in a loop is function-scoped on the interpreter, every closure sees the last value");
    }
  }

  for (const check of memberChecks) {
    const rootRef = referenceOf.get(check.root);
    if (rootRef && rootRef.binding) continue;
    const dot = check.path.indexOf('.');
    const isArrayFrom = dot > 0 && check.path.slice(dot) === '.from' && /Array$/.test(check.path.slice(0, dot));
    if (isArrayFrom || missingMembers.has(check.path)) report(check.node, check.path + ' is missing');
  }

  if (!extendsHelperDeclared) {
    for (const node of extendsHelpers) report(node, "TypeScript's __extends helper (class extends): __extends(Sub, Base) runs before function Sub exists on the interpreter");
  }

  checkHoisting(references, referenceOf, invoked, assignedValues, declarationLists, declaredAt, report);

  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  return problems;
}

/**
 * The interpreter creates a function when its declaration statement runs, not on entry to the
 * scope. For each statement list holding function declarations, every statement before the
 * last declaration is followed through what it runs: its own code, functions written in place
 * and invoked (IIFEs), and the bodies of the functions it calls, transitively. Using a function
 * declared by a later statement of that list is an error.
 */
function checkHoisting(
  references: Reference[],
  referenceOf: Map<acorn.Identifier, Reference>,
  invoked: Set<FunctionNode>,
  assignedValues: Array<{ target: acorn.Identifier; value: acorn.Node }>,
  declarationLists: Body[],
  declaredAt: Map<acorn.FunctionDeclaration, { list: Body; index: number }>,
  report: (node: acorn.Node, message: string) => void,
): void {
  if (declarationLists.length === 0) return;

  // A variable holding a function expression, or a class-like IIFE that returns a declared function, is callable too.
  const returnedFunction = (fn: FunctionNode): FunctionNode | null => {
    if (fn.body.type !== 'BlockStatement' || fn.body.body.length === 0) return null;
    const last = fn.body.body[fn.body.body.length - 1];
    if (last.type !== 'ReturnStatement' || !last.argument) return null;
    let value: acorn.Node = last.argument;
    if (value.type === 'SequenceExpression') {
      const expressions = (value as acorn.SequenceExpression).expressions;
      value = expressions[expressions.length - 1];
    }
    if (value.type !== 'Identifier') return null;
    const ref = referenceOf.get(value as acorn.Identifier);
    return ref && ref.binding && ref.binding.declaration.type === 'FunctionDeclaration' ? ref.binding.callable : null;
  };
  for (const assigned of assignedValues) {
    const ref = referenceOf.get(assigned.target);
    if (!ref || !ref.binding || ref.binding.callable) continue;
    const value = assigned.value;
    if (isFunctionNode(value)) ref.binding.callable = value;
    else if (value.type === 'CallExpression' || value.type === 'NewExpression') {
      const fn = invokedFunction(value as acorn.CallExpression);
      if (fn) ref.binding.callable = returnedFunction(fn);
    }
  }

  const executing: Visitors<Reference[]> = {
    Function(node: FunctionNode, found: Reference[], c: Walk<Reference[]>) {
      const fn = node;
      if (!invoked.has(fn)) return;
      for (const param of fn.params) c(param, found, 'Pattern');
      c(fn.body, found, fn.body.type === 'BlockStatement' ? 'Statement' : 'Expression');
    },
    Identifier(node: acorn.Identifier, found: Reference[]) {
      const ref = referenceOf.get(node);
      if (ref && ref.binding && !ref.write) found.push(ref);
    },
  };
  const bodyRuns = new Map<FunctionNode, Reference[]>();
  const runsWhenCalled = (fn: FunctionNode): Reference[] => {
    let found = bodyRuns.get(fn);
    if (!found) {
      found = [];
      for (const param of fn.params) recursive(param, found, executing, undefined, 'Pattern');
      recursive(fn.body, found, executing, undefined, fn.body.type === 'BlockStatement' ? 'Statement' : 'Expression');
      bodyRuns.set(fn, found);
    }
    return found;
  };

  for (const list of declarationLists) {
    let lastDeclaration = 0;
    for (let index = 0; index < list.length; index++) if (list[index].type === 'FunctionDeclaration') lastDeclaration = index;
    for (let index = 0; index < lastDeclaration; index++) {
      const statement = list[index];
      if (statement.type === 'FunctionDeclaration') continue;
      const reported = new Set<Binding>();
      const visited = new Set<FunctionNode>();
      const isLater = (binding: Binding): boolean => {
        if (binding.declaration.type !== 'FunctionDeclaration') return false;
        const at = declaredAt.get(binding.declaration as acorn.FunctionDeclaration);
        return !!at && at.list === list && at.index > index;
      };
      const runsNow: Reference[] = [];
      recursive(statement, runsNow, executing, undefined, 'Statement');
      for (const direct of runsNow) {
        const binding = direct.binding!;
        if (isLater(binding)) {
          if (!reported.has(binding)) {
            reported.add(binding);
            report(direct.id, (direct.call ? 'calls ' : 'uses ') + binding.name + ' before its declaration; the interpreter does not hoist');
          }
          continue;
        }
        if (!direct.call || !binding.callable || visited.has(binding.callable)) continue;
        const pending: FunctionNode[] = [binding.callable];
        visited.add(binding.callable);
        while (pending.length > 0) {
          for (const ref of runsWhenCalled(pending.pop()!)) {
            const target = ref.binding!;
            if (isLater(target)) {
              if (!reported.has(target)) {
                reported.add(target);
                report(direct.id, (ref.call ? 'calls ' : 'uses ') + target.name + ' (through ' + binding.name + ') before its declaration; the interpreter does not hoist');
              }
            } else if (ref.call && target.callable && !visited.has(target.callable)) {
              visited.add(target.callable);
              pending.push(target.callable);
            }
          }
        }
      }
    }
  }
}

function main(files: string[]): number {
  let count = 0;
  for (const file of files) {
    for (const problem of checkBundle(fs.readFileSync(file, 'utf8'), file)) {
      console.error(problem.file + ':' + problem.line + ':' + problem.column + ' ' + problem.message);
      count++;
    }
  }
  if (count > 0) console.error(count + (count === 1 ? ' problem' : ' problems') + ' for the Espruino interpreter');
  return count > 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
