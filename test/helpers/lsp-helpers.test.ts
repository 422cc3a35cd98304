import { describe, expect, it } from 'vitest';
import { applyTextEdits, cursor, markAt } from './lsp-helpers.js';

describe('cursor markers', () => {
  it('removes the markers and tells their offsets and LSP positions', () => {
    const c = cursor('let a = <|>1\nlet b = 2<|>\n');
    expect(c.text).toBe('let a = 1\nlet b = 2\n');
    expect(c.offset).toBe(8);
    expect(c.position).toEqual({ line: 0, character: 8 });
    expect(c.offsets).toEqual([8, 19]);
    expect(c.positions).toEqual([{ line: 0, character: 8 }, { line: 1, character: 9 }]);
    expect(() => cursor('no marker')).toThrow(/no <\|> marker/);
  });

  it('places a marker by a snippet of the text', () => {
    expect(markAt('a.b a.b', 'a.<|>b', 1)).toBe('a.b a.<|>b');
    expect(() => markAt('abc', 'x<|>')).toThrow(/not found/);
  });

  it('applies LSP edits in any order', () => {
    const edits = [
      { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, newText: 'X' },
      { range: { start: { line: 1, character: 2 }, end: { line: 1, character: 2 } }, newText: '!' },
    ];
    expect(applyTextEdits('ab\ncd\n', edits)).toBe('Xb\ncd!\n');
  });
});
