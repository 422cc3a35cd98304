import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CstNode, IToken } from 'chevrotain';
import { describe, expect, it } from 'vitest';
import type * as A from '../../language/ast.js';
import { lex } from '../../language/lexer.js';
import { parseFile } from '../../language/parse-file.js';
import { grammarRuleNames, parseTokens } from '../../language/parser.js';
import { LineMap } from '../../language/source-position.js';

const SPEC_DIR = join(import.meta.dirname, '../fixtures/language/spec');
const specExamples = readdirSync(SPEC_DIR)
  .filter((f) => f.endsWith('.recon'))
  .map((f) => ({ name: f, text: readFileSync(join(SPEC_DIR, f), 'utf8') }));

/** The write-map fragment of LANGUAGE.md 2.1 is a block of a source; parse it inside one. */
function asFile(example: { name: string; text: string }): string {
  return example.name.includes('fragment') ? `source s {\n  from json("x.json")\n  key id\n${example.text}}\n` : example.text;
}

function syntaxCodes(text: string): string[] {
  return parseFile(text).diagnostics.map((d) => d.code);
}

function collectRuleNames(node: CstNode, into: Set<string>): void {
  into.add(node.name);
  for (const list of Object.values(node.children)) {
    for (const item of list ?? []) if (!('tokenType' in item)) collectRuleNames(item as CstNode, into);
  }
}

describe('the examples of LANGUAGE.md', () => {
  it.each(specExamples)('$name parses without a diagnostic', (example) => {
    const parsed = parseFile(asFile(example));
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.ast.declarations.length).toBeGreaterThan(0);
  });

  it('exercise every rule of the grammar (section 6)', () => {
    const seen = new Set<string>();
    const extra = `test "t" { policy p desired [] actual [] expect no_drift }\nlet x = not (a or b) and -c[0] % 2 in [1, 2,] or d matches "^x" or {a: 1}.a\nsource s { from http("u") key a write { create exec("p", ["x"]) } }\n`;
    for (const example of [...specExamples.map(asFile), extra]) {
      const { tokens } = lex(example);
      collectRuleNames(parseTokens(tokens).cst, seen);
    }
    const missing = grammarRuleNames().filter((r) => !seen.has(r));
    expect(missing).toEqual([]);
  });
});

describe('lexical structure', () => {
  it('reads durations, percentages and numbers as values', () => {
    const parsed = parseFile('let a = 250ms\nlet b = 1.5h\nlet c = 10%\nlet d = 1e6\nlet e = 2d\n');
    const values = parsed.ast.declarations.map((d) => ((d as A.LetDecl).value as A.NumberLiteral).value);
    expect(values).toEqual([250, 5_400_000, 0.1, 1_000_000, 172_800_000]);
  });

  it('reports a number followed by other letters, with its range', () => {
    const text = 'policy p { schedule every 2min }';
    const parsed = parseFile(text);
    expect(parsed.diagnostics.map((d) => d.code)).toEqual(['syntax-bad-number']);
    const d = parsed.diagnostics[0]!;
    expect(text.slice(d.start, d.end)).toBe('2min');
  });

  it('keeps modulo with a space apart from percentages', () => {
    const parsed = parseFile('let a = 10 % 3');
    const value = (parsed.ast.declarations[0] as A.LetDecl).value as A.BinaryExpr;
    expect(value.kind).toBe('Binary');
    expect(value.operator).toBe('%');
  });

  it('decodes JSON escapes and a literal $${', () => {
    const parsed = parseFile('let a = "tab\\tquote\\" $${x} \\u00e9"');
    const value = (parsed.ast.declarations[0] as A.LetDecl).value as A.StringLiteral;
    expect(value.parts).toEqual(['tab\tquote" ${x} é']);
  });

  it('tracks nesting inside interpolations: strings and objects within', () => {
    const text = 'let a = "Bearer ${secret("TOKEN")} and ${ {k: "v}"}.k } end"';
    const parsed = parseFile(text);
    expect(parsed.diagnostics).toEqual([]);
    const value = (parsed.ast.declarations[0] as A.LetDecl).value as A.StringLiteral;
    expect(value.parts.length).toBe(5);
    expect(value.parts[0]).toBe('Bearer ');
    expect((value.parts[1] as A.CallExpr).kind).toBe('Call');
    expect(value.parts[2]).toBe(' and ');
    expect((value.parts[3] as A.MemberExpr).kind).toBe('Member');
    expect(value.parts[4]).toBe(' end');
  });

  it('reports an unterminated string and an invalid escape, then goes on', () => {
    const text = 'let a = "abc\nlet b = "x\\qy"\nlet c = 1';
    const parsed = parseFile(text);
    expect(parsed.diagnostics.map((d) => d.code)).toEqual(['syntax-unterminated-string', 'syntax-bad-escape']);
    expect(parsed.ast.declarations.map((d) => (d as A.LetDecl).name.text)).toEqual(['a', 'b', 'c']);
  });

  it('lets contextual keywords serve as names, and reserved words not', () => {
    const parsed = parseFile('source s {\n  from csv("a.csv")\n  key key\n  fields { status: string, key: string, from: string }\n  where key != "x"\n}\n');
    expect(parsed.diagnostics).toEqual([]);
    expect(syntaxCodes('source s { from csv("a.csv") key in }')).toContain('syntax-error');
  });

  it('reads documentation comments directly above a declaration', () => {
    const parsed = parseFile('# not doc\n\n# Line one\n# line two\nlet a = 1 # trailing\nlet b = 2\n');
    const [a, b] = parsed.ast.declarations as A.LetDecl[];
    expect(a!.doc).toBe('Line one\nline two');
    expect(b!.doc).toBeNull();
    expect(parsed.ast.comments.map((c) => c.text)).toEqual(['# not doc', '# Line one', '# line two', '# trailing']);
  });
});

describe('expressions', () => {
  function expr(text: string): A.Expr {
    const parsed = parseFile(`let x = ${text}`);
    expect(parsed.diagnostics).toEqual([]);
    return (parsed.ast.declarations[0] as A.LetDecl).value;
  }
  function shape(e: A.Expr): unknown {
    switch (e.kind) {
      case 'Binary':
        return [e.operator, shape(e.left), shape(e.right)];
      case 'Unary':
        return [e.operator, shape(e.operand)];
      case 'NameRef':
        return e.name.text;
      case 'Number':
        return e.value;
      case 'Member':
        return ['.', shape(e.object), e.property.text];
      case 'Index':
        return ['[]', shape(e.object), shape(e.index)];
      case 'Call':
        return ['call', shape(e.callee), ...e.args.map((a) => (a.name ? [a.name.text, shape(a.value)] : shape(a.value)))];
      case 'Paren':
        return shape(e.expr);
      case 'String':
        return e.parts.map((p) => (typeof p === 'string' ? p : shape(p)));
      default:
        return e.kind;
    }
  }

  it('follows the stated precedence, lowest first: or, and, not, comparison, +-, */%, unary, postfix', () => {
    expect(shape(expr('a or b and not c == d + e * -f.g'))).toEqual([
      'or',
      'a',
      ['and', 'b', ['not', ['==', 'c', ['+', 'd', ['*', 'e', ['-', ['.', 'f', 'g']]]]]]],
    ]);
  });

  it('associates arithmetic to the left', () => {
    expect(shape(expr('a - b - c'))).toEqual(['-', ['-', 'a', 'b'], 'c']);
    expect(shape(expr('a / b % c'))).toEqual(['%', ['/', 'a', 'b'], 'c']);
  });

  it('chains postfix member, index and call', () => {
    expect(shape(expr('f(1, name: x)[0].y'))).toEqual(['.', ['[]', ['call', 'f', 1, ['name', 'x']], 0], 'y']);
  });

  it('reads in and matches as comparisons', () => {
    expect(shape(expr('a in b and c matches "^x"'))).toEqual(['and', ['in', 'a', 'b'], ['matches', 'c', ['^x']]]);
  });

  it('allows trailing commas in lists, objects and arguments', () => {
    const list = expr('[1, 2,]') as A.ListLiteral;
    expect(list.elements.length).toBe(2);
    const object = expr('{ a: 1, "odd key": 2, }') as A.ObjectLiteral;
    expect(object.entries.map((e) => (e.key.kind === 'Name' ? e.key.text : e.key.parts[0]))).toEqual(['a', 'odd key']);
    expect((expr('f(1, 2,)') as A.CallExpr).args.length).toBe(2);
  });
});

describe('paths', () => {
  it('reads dotted, quoted and indexed paths', () => {
    const parsed = parseFile('profile p {\n  metadata.labels.app exact\n  tags["cost-center"] ignore\n  items[0].sku exact\n  "default" ignore\n}\n');
    expect(parsed.diagnostics).toEqual([]);
    const rules = (parsed.ast.declarations[0] as A.ProfileDecl).rules;
    const segments = rules.map((r) => r.path.segments.map((s) => (s.kind === 'field' ? s.name : `[${JSON.stringify(s.value)}]`)).join(' '));
    expect(segments).toEqual(['metadata labels app', 'tags ["cost-center"]', 'items [0] sku', 'default']);
  });

  it('reads `default` unquoted in a compare block as the statement, so a field of that name is quoted', () => {
    const parsed = parseFile('policy p { compare { default ignore  "default" exact } }');
    expect(parsed.diagnostics).toEqual([]);
    const compare = (parsed.ast.declarations[0] as A.PolicyDecl).statements[0] as Extract<A.PolicyStmt, { kind: 'Compare' }>;
    expect(compare.items.map((i) => i.kind)).toEqual(['CompareDefault', 'CompareRule']);
  });
});

describe('syntax errors', () => {
  it('reports several errors in one file, each at a precise range, and keeps the rest', () => {
    const text = [
      'source a {',
      '  from csv("x.csv"',
      '  key id',
      '}',
      'policy p {',
      '  desired a',
      '  actual = b',
      '}',
      'let ok = 1',
    ].join('\n');
    const parsed = parseFile(text);
    const map = new LineMap(text);
    const located = parsed.diagnostics.map((d) => ({ code: d.code, line: map.lineColumn(d.start).line, text: text.slice(d.start, d.end) }));
    expect(located).toEqual([
      { code: 'syntax-error', line: 3, text: 'key' },
      { code: 'syntax-error', line: 7, text: '=' },
    ]);
    expect(parsed.diagnostics[0]!.message).toBe("expected ')' but found 'key'");
    expect(parsed.ast.declarations.map((d) => d.kind)).toEqual(['Source', 'Policy', 'Let']);
  });

  it('points at the end of the file when input stops early', () => {
    const text = 'let x = 1 +';
    const parsed = parseFile(text);
    expect(parsed.diagnostics).toHaveLength(1);
    expect(parsed.diagnostics[0]!.start).toBe(text.length);
    expect(parsed.diagnostics[0]!.message).toContain('end of file');
  });

  it('reports an unexpected top-level word with what was expected', () => {
    const parsed = parseFile('polcy p { }');
    expect(parsed.diagnostics[0]!.code).toBe('syntax-error');
    expect(parsed.diagnostics[0]!.message).toContain("'polcy'");
  });

  it('marks what recovery invented as missing, never with NaN offsets', () => {
    const parsed = parseFile('policy { desired }\nsource { key }');
    const visit = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value === 'object') {
        const node = value as { start?: number; end?: number };
        if ('start' in node) {
          expect(Number.isFinite(node.start)).toBe(true);
          expect(Number.isFinite(node.end)).toBe(true);
        }
        Object.values(value).forEach(visit);
      }
    };
    visit(parsed.ast);
    const policy = parsed.ast.declarations[0] as A.PolicyDecl;
    expect(policy.name.missing).toBe(true);
  });

  it('gives recovered tokens no NaN positions in the token stream it exposes', () => {
    const { tokens } = lex('let x = "a');
    expect(tokens.every((t: IToken) => Number.isFinite(t.startOffset))).toBe(true);
  });
});
