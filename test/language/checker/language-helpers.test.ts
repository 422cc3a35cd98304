/**
 * The strict diagnostics helper itself: it must fail on a missing, an extra or a misplaced
 * diagnostic, or the checker tests prove nothing.
 */
import { describe, expect, it } from 'vitest';
import { checkText, expectDiagnostics, lineOf, MAIN_FILE } from '../../helpers/language-helpers.js';

const BROKEN = 'let a = b\nlet c = d\n';

describe('expectDiagnostics', () => {
  it('passes on the exact set, in any order', () => {
    expectDiagnostics(BROKEN, [{ code: 'unknown-name', line: 2 }, { code: 'unknown-name', line: 1 }]);
  });

  it('fails on a missing diagnostic', () => {
    expect(() => expectDiagnostics(BROKEN, [{ code: 'unknown-name' }, { code: 'unknown-name' }, { code: 'let-cycle' }])).toThrow(/missing: +let-cycle/);
  });

  it('fails on an extra diagnostic (strict count)', () => {
    expect(() => expectDiagnostics(BROKEN, [{ code: 'unknown-name' }])).toThrow(/unexpected: unknown-name/);
  });

  it('fails on a wrong line or file', () => {
    expect(() => expectDiagnostics(BROKEN, [{ code: 'unknown-name', line: 1 }, { code: 'unknown-name', line: 3 }])).toThrow(/missing/);
    expect(() => expectDiagnostics(BROKEN, [{ code: 'unknown-name' }, { code: 'unknown-name', file: '/ws/other.recon' }])).toThrow(/missing/);
  });
});

describe('checkText', () => {
  it('returns the diagnostics of every module with file and line', () => {
    const all = checkText('import "./b.recon"\nlet x = 1\n', { '/ws/b.recon': '\nlet y = z\n' });
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ code: 'unknown-name', file: '/ws/b.recon', line: 2 });
  });

  it('finds lines of text', () => {
    expect(lineOf('a\nb\nc', 'c')).toBe(3);
    expect(MAIN_FILE).toBe('/ws/main.recon');
  });
});
