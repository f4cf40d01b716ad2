/**
 * Size and interpreter cost of every bundle in a directory, with the bundle check's verdict.
 * Usage: node build/tools/bundle-report.js [DIR]   (DIR defaults to dist; writes DIR/report.json,
 * exits non-zero when any bundle has a problem).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as walk from 'acorn-walk';
import { checkBundle, parseBundle, Problem, unparsable } from './bundle-check';
import { boardBudgets, formatBudgets } from './board-budget';

/** ESPRUINO.md: loaded from flash, each function object costs about 6 interpreter variables whatever its length. */
export const variablesPerFunction = 6;

export interface BundleReport {
  /** File name within the directory. */
  bundle: string;
  bytes: number;
  gzipBytes: number;
  /** Function declarations, expressions, arrows and methods. */
  functions: number;
  /** functions × variablesPerFunction: the RAM the code takes when loaded from flash. */
  estimatedVariables: number;
  problems: Problem[];
}

/** Reports every *.js file of `dir`, sorted by name; none when the directory does not exist. */
export function reportBundles(dir: string): BundleReport[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((name) => name.endsWith('.js')).sort().map((name) => {
    const file = path.join(dir, name);
    const code = fs.readFileSync(file, 'utf8');
    const problems = checkBundle(code, file);
    let functions = 0;
    if (problems.length === 0 || !problems[0].message.startsWith(unparsable)) {
      walk.simple(parseBundle(code), { Function() { functions++; } });
    }
    return {
      bundle: name,
      bytes: Buffer.byteLength(code),
      gzipBytes: zlib.gzipSync(code, { level: 9 }).length,
      functions,
      estimatedVariables: functions * variablesPerFunction,
      problems,
    };
  });
}

function formatTable(reports: BundleReport[]): string {
  const rows = [['bundle', 'bytes', 'gzip', 'functions', '~variables', 'check']];
  for (const r of reports) {
    rows.push([r.bundle, String(r.bytes), String(r.gzipBytes), String(r.functions), String(r.estimatedVariables),
      r.problems.length === 0 ? 'ok' : r.problems.length + (r.problems.length === 1 ? ' problem' : ' problems')]);
  }
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
    .join('  ')).join('\n');
}

function main(dir: string): number {
  const reports = reportBundles(dir);
  const budgets = boardBudgets(reports);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'report.json'), JSON.stringify({ variablesPerFunction, bundles: reports, boards: budgets }, null, 2) + '\n');
  if (reports.length === 0) {
    console.log('bundle report: no bundles in ' + dir);
    return 0;
  }
  console.log(formatTable(reports));
  let failed = 0;
  if (budgets.length > 0) {
    console.log('\n' + formatBudgets(budgets));
    for (const budget of budgets) {
      if (budget.fits) continue;
      console.error(budget.board + ': ~' + budget.total + ' variables exceed the ' + budget.available + ' left after the ' +
        budget.appReserve + '-variable application reserve (boards/common/profiles.ts)');
      failed++;
    }
  }
  for (const report of reports) {
    for (const problem of report.problems) {
      console.error(problem.file + ':' + problem.line + ':' + problem.column + ' ' + problem.message);
      failed++;
    }
  }
  if (failed > 0) console.error('bundle check: ' + failed + (failed === 1 ? ' problem' : ' problems') + ' for the Espruino interpreter');
  return failed > 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv[2] || 'dist');
