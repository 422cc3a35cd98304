import { describe, expect, it } from 'vitest';
import { generateReconFile, runLanguageBench } from '../../bench/language-bench.js';
import { MemoryModuleHost } from '../../language/module-host.js';
import { compileFile } from '../../language/pipeline.js';

describe('the language benchmark', () => {
  it('generates a file of the asked number of lines that compiles clean', () => {
    const text = generateReconFile(500);
    const lines = text.split('\n').length;
    expect(lines).toBeGreaterThanOrEqual(500);
    expect(lines).toBeLessThan(600);
    const result = compileFile('/bench/big.recon', new MemoryModuleHost({ '/bench/recon.json': '{}', '/bench/big.recon': text }));
    expect(result.diagnostics).toEqual([]);
    expect(result.ir?.policies.length).toBe(7);
  });

  it('measures every figure it reports', () => {
    const result = runLanguageBench({ lines: 300, rounds: 2, print: false });
    for (const key of ['lexMs', 'lexParseMs', 'jsonMs', 'parseFileMs', 'frontEndMs', 'lexParseMBs', 'jsonMBs', 'ratio'] as const) {
      expect(Number.isFinite(result[key]) && result[key] > 0, key).toBe(true);
    }
    expect(result.ratio).toBeCloseTo(result.lexParseMBs / result.jsonMBs, 10);
    expect(result.lines).toBeGreaterThanOrEqual(300);
  });
});
