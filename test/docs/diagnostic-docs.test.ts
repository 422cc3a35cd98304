import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES, diagnosticDocsPath, type DiagnosticCode } from '../../language/diagnostic-codes.js';
import { diagnosticIndex, diagnosticPage } from '../../scripts/generate-diagnostic-docs.js';

const ROOT = join(import.meta.dirname, '../..');
const codes = Object.keys(DIAGNOSTIC_CODES) as DiagnosticCode[];

describe('one documentation page per diagnostic code', () => {
  it.each(codes)('%s has its page, in sync with the registry', (code) => {
    const page = readFileSync(join(ROOT, diagnosticDocsPath(code)), 'utf8');
    expect(page).toBe(diagnosticPage(code));
  });

  it('has no page for a code that no longer exists, and an index of all', () => {
    const pages = readdirSync(join(ROOT, 'docs/diagnostics')).filter((f) => f !== 'README.md');
    expect(pages.sort()).toEqual(codes.map((c) => `${c}.md`).sort());
    expect(readFileSync(join(ROOT, 'docs/diagnostics/README.md'), 'utf8')).toBe(diagnosticIndex());
  });

  it('uses kebab-case codes', () => {
    for (const code of codes) expect(code).toMatch(/^[a-z]+(-[a-z]+)*$/);
  });
});
