import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes, in `dir`, two CSV files just big enough for the CSV fast path (80,000 rows a side,
 * ≈ 4.6 MB each, above its 8 MiB threshold together; 10 keys only on each side), `recon.json`,
 * and one `.recon` file per entry of `files` (file name → the type the desired side declares
 * for its `memo` column; the actual side declares `string`). Each file's one policy, in audit
 * mode, is named after the file. Why shared: end-to-end tests of the fast path's worker threads
 * need files that take it, and the CLI run on them.
 */
export function writeFastPathFixture(dir: string, files: Record<string, string>): void {
  const rows = (n: number, shift: number) => {
    const lines = ['id,amount,memo'];
    for (let i = 0; i < n; i++) lines.push(`K${String(i + shift).padStart(8, '0')},${(i % 997) + 0.25},${'memo text '.repeat(4)}`);
    return lines.join('\n') + '\n';
  };
  writeFileSync(join(dir, 'desired.csv'), rows(80_000, 0));
  writeFileSync(join(dir, 'actual.csv'), rows(80_000, 10));
  writeFileSync(join(dir, 'recon.json'), '{}\n');
  for (const [file, memo] of Object.entries(files)) {
    const policy = file.replace(/\.recon$/, '');
    writeFileSync(
      join(dir, file),
      `source a {\n  from csv("desired.csv")\n  key id\n  fields { id: string  amount: number  memo: ${memo} }\n}\nsource b {\n  from csv("actual.csv")\n  key id\n  fields { id: string  amount: number  memo: string }\n}\npolicy ${policy} {\n  mode audit\n  desired a\n  actual b\n}\n`,
    );
  }
}
