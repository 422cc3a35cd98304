/**
 * Writes one page per diagnostic code into docs/diagnostics/ from the registry
 * (language/diagnostic-codes.ts), plus an index. Run: `npx tsx scripts/generate-diagnostic-docs.ts`.
 * A test fails when the pages and the registry disagree, so the docs cannot drift.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIAGNOSTIC_CODES, type DiagnosticCode } from '../language/diagnostic-codes.js';

/** The Markdown page of one code. */
export function diagnosticPage(code: DiagnosticCode): string {
  const entry = DIAGNOSTIC_CODES[code];
  const message = entry.message.replace(/\{(\w+)\}/g, '‹$1›');
  return [
    `# \`${code}\``,
    '',
    `Severity: **${entry.severity}**`,
    '',
    `Message: ${message}`,
    '',
    entry.docs,
    '',
    `Reported by \`recon check\`, \`recon compile\`, \`recon plan\` and the language server with the code \`${code}\`.`,
    '',
  ].join('\n');
}

/** The index page listing every code. */
export function diagnosticIndex(): string {
  const rows = (Object.keys(DIAGNOSTIC_CODES) as DiagnosticCode[]).map(
    (code) => `| [\`${code}\`](${code}.md) | ${DIAGNOSTIC_CODES[code].severity} | ${DIAGNOSTIC_CODES[code].docs.replace(/\|/g, '\\|')} |`,
  );
  return ['# Diagnostic codes', '', 'Every diagnostic Recon reports has a stable code; each links here.', '', '| code | severity | meaning |', '|---|---|---|', ...rows, ''].join('\n');
}

export function writeDiagnosticDocs(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const file of readdirSync(dir)) if (file.endsWith('.md')) rmSync(join(dir, file));
  for (const code of Object.keys(DIAGNOSTIC_CODES) as DiagnosticCode[]) writeFileSync(join(dir, `${code}.md`), diagnosticPage(code));
  writeFileSync(join(dir, 'README.md'), diagnosticIndex());
}

if (import.meta.url === `file://${process.argv[1]}`) writeDiagnosticDocs(join(import.meta.dirname, '..', 'docs', 'diagnostics'));
