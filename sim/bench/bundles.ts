import * as fs from 'fs';
import * as path from 'path';

import { BundleReport } from '../../tools/bundle-report';
import { BoardBudget } from '../../tools/board-budget';

/** What the build measured (dist/report.json, written by tools/bundle-report): every bundle's size, and each board's budget on its interpreter. */
export interface BuildReport {
  bundles: BundleReport[];
  boards: BoardBudget[];
}

export function readBuildReport(distDir: string): BuildReport {
  const file = path.join(distDir, 'report.json');
  if (!fs.existsSync(file)) return { bundles: [], boards: [] };
  return JSON.parse(fs.readFileSync(file, 'utf8')) as BuildReport;
}
