/**
 * Rewrites the compiler's ES5 classes so that each names its prototype once: TypeScript emits
 * `Tcp.prototype.input = function ...` for every method, and `prototype` is a property name the
 * minifier must keep, so a bundle stored nine bytes of it per method (about 1.4 KB of a board's
 * Storage). After this, the class's IIFE holds `var Tcp$prototype = Tcp.prototype;` and every
 * `Tcp.prototype` in it reads that local, which the minifier shortens to one letter.
 */
import * as acorn from 'acorn';
import * as walk from 'acorn-walk';
import { applyReplacements, Replacement } from './source-edits';

/** `code`, one module's compiled JavaScript, with every class of two or more prototype uses aliased. */
export function aliasPrototypes(code: string): string {
  const ast = acorn.parse(code, { ecmaVersion: 2020, sourceType: 'module' });
  const replacements: Replacement[] = [];
  walk.simple(ast, {
    FunctionExpression(node: acorn.FunctionExpression) {
      const body = node.body.body;
      const declaration = body.find((statement): statement is acorn.FunctionDeclaration => statement.type === 'FunctionDeclaration');
      if (!declaration || !declaration.id) return;
      const name = declaration.id.name;
      const uses: acorn.MemberExpression[] = [];
      walk.simple(node.body, {
        MemberExpression(member: acorn.MemberExpression) {
          if (member.object.type === 'Identifier' && member.object.name === name && !member.computed &&
            member.property.type === 'Identifier' && member.property.name === 'prototype') uses.push(member);
        },
      });
      if (uses.length < 2) return;
      const alias = name + '$prototype';
      replacements.push({ start: declaration.end, end: declaration.end, text: '\nvar ' + alias + ' = ' + name + '.prototype;' });
      for (const use of uses) replacements.push({ start: use.start, end: use.end, text: alias });
    },
  });
  return applyReplacements(code, replacements);
}
