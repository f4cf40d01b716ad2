/**
 * The interpreter's pretokenised form of a script (the form the Espruino IDE and CLI store with
 * "Pretokenise code before upload"): every operator and reserved word of the interpreter's lexer
 * becomes the one byte of its token, strings and small integers are stored raw with a length or
 * value, and whitespace goes, except line breaks, so that a line number the interpreter reports
 * is the same line of the minified bundle. The interpreter reads it wherever it reads code; a
 * board stores and lexes fewer bytes (about a fifth fewer for our bundles).
 *
 * The byte values are the interpreter's own (src/jslex.h, LEX_TYPES, whose order its comments
 * say is fixed for exactly this use). `catch` stays a word, as the IDE keeps it (Espruino issue
 * 1868). The input must be ES5, as the bundle check makes sure.
 */
import * as acorn from 'acorn';

/** LEX_EQUAL: the first multi-character operator; the list runs on through the reserved words. */
const firstToken = 138;
const tokens = [
  '==', '===', '!=', '!==', '<=', '<<', '<<=', '>=', '>>', '>>>', '>>=', '>>>=', '+=', '-=', '++', '--', '*=', '/=', '%=', '&=',
  '&&', '|=', '||', '^=', '=>',
  'if', 'else', 'do', 'while', 'for', 'break', 'continue', 'function', 'return', 'var', 'let', 'const', 'this', 'throw', 'try',
  'catch', 'finally', 'true', 'false', 'null', 'undefined', 'new', 'in', 'instanceof', 'switch', 'case', 'default', 'delete',
  'typeof', 'void', 'debugger', 'class', 'extends', 'super', 'static', 'of',
];
const enum Raw {
  STRING8 = 0xd1,
  STRING16 = 0xd2,
  INT0 = 0xd3,
  INT8 = 0xd4,
  INT16 = 0xd5,
}
const untokenised = new Set(['catch']);

/** `code` (ES5 source) in the interpreter's pretokenised form, as bytes. */
export function pretokenise(code: string): Buffer {
  const out: number[] = [];
  const text = (value: string) => {
    for (let i = 0; i < value.length; i++) out.push(value.charCodeAt(i) & 255);
  };
  let previousEnd = 0;
  let previousWasWord = false;
  // acorn's Token carries the decoded value of strings and numbers, though its typings omit it.
  for (const token of acorn.tokenizer(code, { ecmaVersion: 5 }) as Iterable<acorn.Token & { value: unknown }>) {
    for (let i = previousEnd; i < token.start; i++) if (code.charCodeAt(i) === 10) out.push(10);
    previousEnd = token.end;
    const source = code.slice(token.start, token.end);
    const label = token.type.label;
    const index = tokens.indexOf(source);
    if (label === 'string' && typeof token.value === 'string' && token.value.length > 0 && /^[\x00-\xff]*$/.test(token.value) &&
      token.value.length < 65536) {
      const value = token.value;
      if (value.length < 256) out.push(Raw.STRING8, value.length);
      else out.push(Raw.STRING16, value.length & 255, value.length >> 8);
      text(value);
      previousWasWord = false;
    } else if (label === 'num' && typeof token.value === 'number' && token.value === Math.floor(token.value) &&
      token.value >= 0 && token.value < 32768) {
      const value = token.value;
      if (value === 0) out.push(Raw.INT0);
      else if (value < 128) out.push(Raw.INT8, value);
      else out.push(Raw.INT16, value & 255, value >> 8);
      previousWasWord = false;
    } else if (index >= 0 && !untokenised.has(source)) {
      out.push(firstToken + index);
      previousWasWord = false;
    } else {
      const word = label === 'name' || label === 'num' || token.type.keyword !== undefined;
      if (word && previousWasWord) out.push(32);
      text(source);
      previousWasWord = word;
    }
  }
  return Buffer.from(out);
}
