/**
 * Size of every bundle in a directory, with the bundle check's verdict, and each board bundle
 * checked against its board on the interpreter (tools/board-budget.ts).
 * Usage: node build/tools/bundle-report.js [DIR]   (DIR defaults to dist; writes DIR/report.json,
 * exits non-zero when any bundle has a problem). BUDGET=off skips booting the boards.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as walk from 'acorn-walk';
import { checkBundle, parseBundle, Problem, unparsable } from './bundle-check';
import { boardBudgets, formatBudgets } from './board-budget';

export interface BundleReport {
  /** File name within the directory. */
  bundle: string;
  bytes: number;
  /** Bytes of its pretokenised form (pretokenised/NAME.js), the form a board stores; 0 when there is none. */
  pretokenisedBytes: number;
  gzipBytes: number;
  /** Function declarations, expressions, arrows and methods: each costs a board variables (ESPRUINO.md). */
  functions: number;
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
    const pretokenised = path.join(dir, 'pretokenised', name);
    return {
      bundle: name,
      bytes: Buffer.byteLength(code),
      pretokenisedBytes: fs.existsSync(pretokenised) ? fs.statSync(pretokenised).size : 0,
      gzipBytes: zlib.gzipSync(code, { level: 9 }).length,
      functions,
      problems,
    };
  });
}

function formatTable(reports: BundleReport[]): string {
  const rows = [['bundle', 'bytes', 'pretokenised', 'gzip', 'functions', 'check']];
  for (const r of reports) {
    rows.push([r.bundle, String(r.bytes), String(r.pretokenisedBytes), String(r.gzipBytes), String(r.functions),
      r.problems.length === 0 ? 'ok' : r.problems.length + (r.problems.length === 1 ? ' problem' : ' problems')]);
  }
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
    .join('  ')).join('\n');
}

async function main(dir: string): Promise<number> {
  const reports = reportBundles(dir);
  const budgets = await boardBudgets(dir, process.env.BUDGET !== 'off');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'report.json'), JSON.stringify({ bundles: reports, boards: budgets }, null, 2) + '\n');
  if (reports.length === 0) {
    console.log('bundle report: no bundles in ' + dir);
    return 0;
  }
  console.log(formatTable(reports));
  let failed = 0;
  if (budgets.length > 0) {
    console.log('\n' + formatBudgets(budgets));
    for (const budget of budgets) {
      for (const problem of budget.problems) {
        console.error(problem);
        failed++;
      }
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

if (require.main === module) {
  main(process.argv[2] || 'dist').then((status) => {
    process.exitCode = status;
  });
}
