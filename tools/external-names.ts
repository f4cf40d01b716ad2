/**
 * The property names a bundle shares with the world outside it, which the minifier must not
 * rename when it shortens every other property name (tools/bundle-config.mjs): on a board each
 * long property name costs interpreter variables on every object that carries it, and bytes of
 * Storage at every use.
 *
 * A name is external when the code reaches it on something the bundle did not define, as the
 * type checker sees it: a property read or written on an object whose type is declared by the
 * interpreter's declarations (the ES5 library, @types/espruino), by one of our own ambient
 * `declare` statements, or by an interface or class whose doc comment carries `@external` (what
 * the interpreter or a user at the REPL calls on our objects: the NetworkJS driver, `NET`, the
 * option objects the interpreter reads); a key of an object literal passed where such a type is
 * expected; every member of an `@external` or ambient declaration; any name read on a value whose
 * type is unknown (`any`), to be safe; and what the compiler's own ES5 output reaches
 * (`prototype`). Names the library declares but our code never reaches on the library's objects
 * are ours to shorten (`stack`, `name`, `value`): reserving every ES5 member cost the Pico's bundle
 * 134 bytes of Storage. Quoted keys are kept by the minifier in any case.
 * Usage: node build/tools/external-names.js [TSCONFIG] prints the sorted names, one per line.
 */
import * as path from 'node:path';
import ts from 'typescript';

/**
 * What the compiler's ES5 output reaches on the library's objects beyond what our code names: class
 * methods on `prototype`. The bundle has no other helper (no getters, no `extends`).
 */
const compilerOutputNames = ['prototype'];

function hasExternalTag(node: ts.Node): boolean {
  return ts.getJSDocTags(node).some((tag) => tag.tagName.text === 'external');
}

function isAmbient(node: ts.Node): boolean {
  for (let at: ts.Node | undefined = node; at; at = at.parent) {
    if (ts.canHaveModifiers(at) && (ts.getModifiers(at) || []).some((m) => m.kind === ts.SyntaxKind.DeclareKeyword) &&
      !ts.isPropertyDeclaration(at)) {
      return true;
    }
  }
  return false;
}

/** Declared outside our own code: in a declaration file, an ambient statement, or an @external interface or class. */
function isExternalDeclaration(node: ts.Node): boolean {
  if (node.getSourceFile().isDeclarationFile || isAmbient(node)) return true;
  for (let at: ts.Node | undefined = node; at; at = at.parent) {
    if ((ts.isInterfaceDeclaration(at) || ts.isClassDeclaration(at)) && hasExternalTag(at)) return true;
  }
  return false;
}

function isExternalSymbol(symbol: ts.Symbol | undefined): boolean {
  return !!symbol && (symbol.declarations || []).some(isExternalDeclaration);
}

/** Every external property name of the program that `tsconfigPath` describes. */
export function externalNames(tsconfigPath: string): string[] {
  const read = ts.readConfigFile(tsconfigPath, ts.sys.readFile);
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(path.resolve(tsconfigPath)));
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  const checker = program.getTypeChecker();
  const names = new Set<string>(compilerOutputNames);
  const unknownType = (node: ts.Expression) => (checker.getTypeAtLocation(node).flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0;
  for (const file of program.getSourceFiles()) {
    if (file.isDeclarationFile) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAccessExpression(node)) {
        if (isExternalSymbol(checker.getSymbolAtLocation(node.name)) || unknownType(node.expression)) names.add(node.name.text);
      } else if (ts.isObjectLiteralExpression(node)) {
        const expected = checker.getContextualType(node);
        for (const property of node.properties) {
          const name = property.name && ts.isIdentifier(property.name) ? property.name.text : null;
          if (name && expected && isExternalSymbol(expected.getProperty(name))) names.add(name);
        }
      } else if ((ts.isPropertySignature(node) || ts.isMethodSignature(node) || ts.isPropertyDeclaration(node) ||
        ts.isMethodDeclaration(node)) && node.name && ts.isIdentifier(node.name) && isExternalDeclaration(node)) {
        names.add(node.name.text);
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return Array.from(names).sort();
}

if (require.main === module) {
  process.stdout.write(externalNames(process.argv[2] || 'tsconfig.bundle.json').join('\n') + '\n');
}
