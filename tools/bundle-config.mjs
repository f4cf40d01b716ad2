// How one board file becomes one bundle for the interpreter: TypeScript to ES5, the board's
// features (firmware/features.ts), and terser; and beside it the pretokenised form a board stores. rollup.config.mjs builds every board with it;
// tools that build a board differently (the variable profiler) add plugins of their own.
// Needs `npm run compile` first: it reads the compiled profiles and external-names tool.
import fs from 'node:fs';
import path from 'node:path';
import typescript from '@rollup/plugin-typescript';
import terser from '@rollup/plugin-terser';
import { externalNames } from '../build/tools/external-names.js';
import { profileOf } from '../build/boards/common/profiles.js';
import { pretokenise } from '../build/tools/pretokenise.js';
import { aliasPrototypes } from '../build/tools/prototype-alias.js';
import { aliasGlobals } from '../build/tools/global-alias.js';

const featuresModule = path.resolve('firmware/features');
const featureDefaults = Object.fromEntries(Array.from(
  fs.readFileSync(featuresModule + '.ts', 'utf8').matchAll(/^export const (\w+) = (true|false);$/gm), (m) => [m[1], m[2] === 'true']));

const reservedByTsconfig = new Map();

// Every property name but these is shortened: on a board a long name costs variables on each
// object that carries it and Storage bytes at every use. Quoted keys are kept (keep_quoted).
function reservedNames(tsconfig) {
  if (!reservedByTsconfig.has(tsconfig)) reservedByTsconfig.set(tsconfig, externalNames(tsconfig));
  return reservedByTsconfig.get(tsconfig);
}

/** The values of firmware/features.ts for `board`: its profile's choices over the defaults (all on). */
export function boardFeatureValues(board) {
  const profile = profileOf(board);
  const features = Object.assign({}, featureDefaults);
  for (const [name, on] of Object.entries(profile ? profile.features : {})) {
    if (!(name in featureDefaults)) throw new Error('board ' + board + ': no feature ' + name + ' in firmware/features.ts');
    features[name] = on;
  }
  return features;
}

// firmware/features.ts replaced by the board's values: each feature the board leaves out becomes
// `false`, and the minifier drops the code behind it.
function boardFeatures(board) {
  const features = boardFeatureValues(board);
  const id = '\0board-features';
  return {
    name: 'board-features',
    resolveId(source, importer) {
      return importer && path.resolve(path.dirname(importer), source) === featuresModule ? id : null;
    },
    load(loading) {
      return loading === id ? Object.entries(features).map(([name, on]) => 'export var ' + name + ' = ' + on + ';').join('\n') : null;
    },
  };
}

// Each class names its prototype once (tools/prototype-alias.ts).
const prototypeAlias = {
  name: 'prototype-alias',
  transform(code, id) {
    return /\.ts$/.test(id) ? { code: aliasPrototypes(code), map: null } : null;
  },
};

// The bundle reads its frequent typed-array constructors and Math through locals (tools/global-alias.ts).
const globalAlias = {
  name: 'global-alias',
  renderChunk(code) {
    return { code: aliasGlobals(code), map: null };
  },
};

// Beside each bundle, the form a board stores: pretokenised/NAME.js (tools/pretokenise.ts).
const pretokenised = {
  name: 'pretokenised',
  generateBundle(options, bundle) {
    for (const chunk of Object.values(bundle)) {
      if (chunk.type === 'chunk') this.emitFile({ type: 'asset', fileName: 'pretokenised/' + chunk.fileName, source: pretokenise(chunk.code) });
    }
  },
};

/**
 * Beside each bundle, names/NAME.json: the short name terser gave each property it renamed,
 * `{"userTimeout": "Ab", ...}`. Nothing on a board reads it; a test that sets a configuration
 * field through netconfig.json (whose other fields keep only their short names) looks names up there.
 */
function propertyNames(nameCache) {
  return {
    name: 'property-names',
    generateBundle(options, bundle) {
      const renamed = (nameCache.props && nameCache.props.props) || {};
      const names = {};
      for (const key of Object.keys(renamed).sort()) names[key.replace(/^\$/, '')] = renamed[key];
      for (const chunk of Object.values(bundle)) {
        if (chunk.type === 'chunk') this.emitFile({ type: 'asset', fileName: 'names/' + chunk.fileName.replace(/\.js$/, '.json'), source: JSON.stringify(names, null, 1) + '\n' });
      }
    },
  };
}

/**
 * Rollup options for boards/NAME.ts (`input`) written to `file`; `plugins` run after TypeScript,
 * before terser.
 */
export function boardBundle(input, file, { tsconfig = 'tsconfig.bundle.json', plugins = [] } = {}) {
  const nameCache = {};
  return {
    input,
    output: { file, format: 'iife', sourcemap: false },
    plugins: [
      boardFeatures(path.basename(input).replace(/\.ts$/, '')),
      pretokenised,
      typescript({ tsconfig, outputToFilesystem: false }),
      prototypeAlias,
      ...plugins,
      globalAlias,
      terser({
        ecma: 5,
        module: false,
        toplevel: true,
        // hoist_vars: the interpreter does not hoist `var`, and mangled locals assigned before their
        // `var` would write an outer binding of the same short name (../shared/ESPRUINO.md).
        compress: { ecma: 5, passes: 2, hoist_vars: true },
        mangle: { toplevel: true, properties: { reserved: reservedNames(tsconfig), keep_quoted: true, builtins: true } },
        // Short lines: an uncaught error prints the line around it, and on a small board building that
        // text from one 80 KB line can itself run out of memory.
        format: { ecma: 5, comments: false, max_line_len: 160 },
        safari10: false,
        ie8: false,
        nameCache,
      }),
      propertyNames(nameCache),
    ],
  };
}
