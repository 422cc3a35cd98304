import type { CstNode, IToken } from 'chevrotain';
import { describe, expect, it } from 'vitest';
import { lex } from '../../language/lexer.js';
import { grammarRuleNames, parseTokens } from '../../language/parser.js';
import { allTokenTypes } from '../../language/tokens.js';
import { generateReconFile } from '../../bench/language-bench.js';

function eachNode(node: CstNode, visit: (node: CstNode) => void): void {
  visit(node);
  for (const list of Object.values(node.children)) {
    for (const item of list ?? []) if (!('tokenType' in item)) eachNode(item as CstNode, visit);
  }
}

describe('the CST the parser builds', () => {
  const text = `${generateReconFile(200)}\nsource odd {\n  from json("x.json")\n  key tags["cost-center"], items[0].sku\n}\n`;
  const { cst } = parseTokens(lex(text).tokens);

  it('keeps children in plain objects, not hash tables (the parser replaces Chevrotain node creation)', () => {
    let count = 0;
    eachNode(cst, (node) => {
      count++;
      expect(Object.getPrototypeOf(node.children)).toBe(Object.prototype);
    });
    expect(count).toBeGreaterThan(100);
  });

  it('uses no child key that Object.prototype also has (plain objects would inherit it)', () => {
    const keys = new Set<string>([...grammarRuleNames(), ...allTokenTypes.map((t) => t.name)]);
    eachNode(cst, (node) => Object.keys(node.children).forEach((k) => keys.add(k)));
    expect(keys.has('indexString')).toBe(true);
    expect([...keys].filter((k) => k in Object.prototype)).toEqual([]);
  });

  it('gives every node the offsets of its real tokens', () => {
    eachNode(cst, (node) => {
      const tokens: IToken[] = [];
      eachToken(node, tokens);
      if (tokens.length === 0) return;
      expect(node.location?.startOffset).toBe(Math.min(...tokens.map((t) => t.startOffset)));
      expect(node.location?.endOffset).toBe(Math.max(...tokens.map((t) => t.endOffset!)));
    });
  });
});

function eachToken(node: CstNode, into: IToken[]): void {
  for (const list of Object.values(node.children)) {
    for (const item of list ?? []) {
      if ('tokenType' in item) into.push(item as IToken);
      else eachToken(item as CstNode, into);
    }
  }
}
