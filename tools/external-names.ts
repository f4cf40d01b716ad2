/**
 * The property names a bundle shares with the world outside it, which the minifier must not
 * rename when it shortens every other property name (rollup.config.mjs): on a board each long
 * property name costs interpreter variables on every object that carries it, and bytes of
 * Storage at every use.
 *
 * External are: every member the interpreter's declarations name (@types/espruino and the ES5
 * library: what the bundle calls on the interpreter's objects), every member named inside our own
 * ambient `declare` statements (the interpreter's objects as the firmware declares them), and
 * every member of an interface or class whose doc comment carries `@external` (what the
 * interpreter or a user at the REPL calls on our objects: the NetworkJS driver, `NET`, option
 * objects the interpreter reads). Quoted keys are kept by the minifier in any case.
 * Usage: node build/tools/external-names.js [TSCONFIG] prints the sorted names, one per line.
 */
import * as path from 'node:path';
import ts from 'typescript';

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

/** A function or variable of a namespace is reached as a property of it (`E.sum`). */
function inNamespace(node: ts.Node): boolean {
  for (let at = node.parent; at; at = at.parent) {
    if (ts.isModuleBlock(at)) return true;
    if (ts.isSourceFile(at) || ts.isFunctionLike(at)) return false;
  }
  return false;
}

function memberName(node: ts.Node): string | null {
  const name = (node as ts.NamedDeclaration).name;
  if (!name) return null;
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isPrivateIdentifier(name)) return name.text;
  return null;
}

/** Every external property name of the program that `tsconfigPath` describes. */
export function externalNames(tsconfigPath: string): string[] {
  const read = ts.readConfigFile(tsconfigPath, ts.sys.readFile);
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(path.resolve(tsconfigPath)));
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  // Binding sets the parent links that the ambient and tag checks walk.
  program.getTypeChecker();
  const names = new Set<string>();
  for (const file of program.getSourceFiles()) {
    const declarationFile = file.isDeclarationFile;
    const visit = (node: ts.Node, external: boolean): void => {
      let inside = external;
      if ((ts.isInterfaceDeclaration(node) || ts.isClassDeclaration(node)) && hasExternalTag(node)) inside = true;
      const member = ts.isPropertySignature(node) || ts.isMethodSignature(node) || ts.isPropertyDeclaration(node) ||
        ts.isMethodDeclaration(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node) || ts.isPropertyAssignment(node) ||
        ts.isEnumMember(node) || ((ts.isFunctionDeclaration(node) || ts.isVariableDeclaration(node)) && inNamespace(node));
      if (member && (declarationFile || inside || isAmbient(node))) {
        const name = memberName(node);
        if (name) names.add(name);
      }
      ts.forEachChild(node, (child) => visit(child, inside));
    };
    visit(file, false);
  }
  return Array.from(names).sort();
}

if (require.main === module) {
  process.stdout.write(externalNames(process.argv[2] || 'tsconfig.bundle.json').join('\n') + '\n');
}
