import * as fs from 'fs';
import * as path from 'path';

export interface BundleSize {
  bundle: string;
  /** Minified (terser) bundle bytes, and gzipped. */
  bytes: number;
  gzipBytes: number;
  functions: number;
  /** Interpreter variables the code takes when loaded from flash (about 6 per function, ESPRUINO.md). */
  estimatedVariables: number;
}

/** Bundle sizes per board from the build's report (dist/report.json, written by tools/bundle-report). */
export function readBundleSizes(distDir: string): BundleSize[] {
  const file = path.join(distDir, 'report.json');
  if (!fs.existsSync(file)) return [];
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as { bundles: BundleSize[] };
  return report.bundles.map((b) => ({
    bundle: b.bundle, bytes: b.bytes, gzipBytes: b.gzipBytes, functions: b.functions, estimatedVariables: b.estimatedVariables,
  }));
}
