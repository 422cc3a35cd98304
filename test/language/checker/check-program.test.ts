/**
 * `checkProgram` as a phase: every module once, diagnostics appended with their file, no
 * repetition of what loading reported, and the default `today`.
 */
import { describe, expect, it } from 'vitest';
import { checkProgram } from '../../../language/checker/check-program.js';
import { MemoryModuleHost } from '../../../language/module-host.js';
import { loadProgram } from '../../../language/program.js';
import { checkProgramText, checkText, expectDiagnostics } from '../../helpers/language-helpers.js';

describe('checkProgram', () => {
  it('checks every module of the program exactly once, with the file of each diagnostic', () => {
    const files = {
      '/ws/a.recon': 'import "./c.recon"\nlet a = 1\n',
      '/ws/b.recon': 'import "./c.recon"\nlet b = 2\n',
      '/ws/c.recon': '# shared\nlet c = nope\n',
    };
    const all = expectDiagnostics('import "./a.recon"\nimport "./b.recon"\nlet x = zz\n', [
      { code: 'unknown-name', line: 3 },
      { code: 'unknown-name', line: 2, file: '/ws/c.recon' },
    ], files);
    expect(all.every((d) => typeof d.file === 'string')).toBe(true);
  });

  it('appends after the diagnostics of loading and does not repeat them', () => {
    const program = checkProgramText('import "./missing.recon"\nlet = 1\nlet a = b\n');
    const codes = program.entry.diagnostics.map((d) => d.code);
    expect(codes).toEqual(['syntax-error', 'import-not-found', 'unknown-name']);
  });

  it('does not repeat import cycles or duplicate names', () => {
    const files = { '/ws/a.recon': 'import "./main.recon"\n' };
    expectDiagnostics('import "./a.recon"\nlet x = 1\nlet x = 2\n', [
      { code: 'import-cycle', file: '/ws/a.recon' },
      { code: 'duplicate-name', line: 3 },
    ], files);
  });

  it('compares until dates with today in UTC by default', () => {
    const host = new MemoryModuleHost({
      '/ws/main.recon': `source s {\n  from csv("s.csv")\n  key id\n}\npolicy p {\n  desired s\n  actual s\n  remediate {\n    on extra => ignore until "2000-01-01"\n    on missing => ignore until "2999-01-01"\n  }\n}\n`,
    });
    const program = loadProgram('/ws/main.recon', host);
    checkProgram(program);
    expect(program.entry.diagnostics.map((d) => [d.code, d.file])).toEqual([['until-expired', '/ws/main.recon']]);
  });

  it('reports nothing for an empty file', () => {
    expect(checkText('')).toEqual([]);
    expect(checkText('# only a comment\n')).toEqual([]);
  });

  it('does not cascade from declarations that error recovery invented', () => {
    const all = checkText('source s { from csv("a.csv") key }\npolicy p { remediate { on missing => } }\n');
    expect(all.filter((d) => d.code !== 'syntax-error').map((d) => d.code)).toEqual(['missing-desired', 'missing-actual']);
  });
});
