/**
 * The extension's TextMate grammar, run by the same engine VS Code uses (vscode-textmate with the
 * Oniguruma regex engine compiled to wasm), so a scope asserted here is the scope the editor shows.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import type * as Oniguruma from 'vscode-oniguruma';
import type * as TextMate from 'vscode-textmate';

const require = createRequire(import.meta.url);
// Both packages are CommonJS bundles whose named exports Node's ESM loader cannot see: require them.
const oniguruma = require('vscode-oniguruma') as typeof Oniguruma;
const textmate = require('vscode-textmate') as typeof TextMate;
const GRAMMAR_PATH = new URL('../../extension/syntaxes/recon.tmLanguage.json', import.meta.url);

interface Token {
  line: number;
  text: string;
  scopes: string[];
}

let grammar: TextMate.IGrammar;

beforeAll(async () => {
  const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text: string) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName: string) =>
      scopeName === 'source.recon' ? textmate.parseRawGrammar(readFileSync(GRAMMAR_PATH, 'utf8'), GRAMMAR_PATH.pathname) : null,
  });
  const loaded = await registry.loadGrammar('source.recon');
  if (!loaded) throw new Error('grammar source.recon did not load');
  grammar = loaded;
});

/** Tokenizes a whole text line by line, carrying the rule stack as the editor does. */
function tokenize(source: string): Token[] {
  let stack = textmate.INITIAL;
  const tokens: Token[] = [];
  source.split('\n').forEach((text, line) => {
    const result = grammar.tokenizeLine(text, stack);
    for (const t of result.tokens) tokens.push({ line, text: text.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    stack = result.ruleStack;
  });
  return tokens;
}

/** The scopes of the `nth` token whose text (trimmed) is exactly `text`. */
function scopesOf(tokens: Token[], text: string, nth = 0): string[] {
  const found = tokens.filter((t) => t.text.trim() === text)[nth];
  if (!found) throw new Error(`no token ${JSON.stringify(text)} (#${nth}) in:\n${tokens.map((t) => `${JSON.stringify(t.text)} ${t.scopes.join(' ')}`).join('\n')}`);
  return found.scopes;
}

const SAMPLE = `# Every ledger entry must be settled.
import "./shared/sources.recon" as src
let big_payment = 10000
group leads = ["alice@example.com"]

source gateway {
  from http("http://127.0.0.1:8080/s", items: "data",
            headers: { Authorization: "Bearer \${secret("GATEWAY_TOKEN")}" })
  key txn_id
  fields {
    txn_id: string
    key: string
  }
  select {
    amount = amount_cents / 100
  }
  where status != "voided"
  write {
    update PATCH "http://127.0.0.1:8080/s/\${key.txn_id}"
    map {
      amount_cents = round(amount * 100, 0)
    }
  }
}

profile cash {
  amount within 0.005
  currency normalize trim, lower
}

policy settlement_parity {
  severity high
  desired ledger
  actual  gateway
  compare {
    default exact
    use cash
    booked_at within 2m
    lines unordered by sku
    total by round(desired.total, 2) == round(actual.total, 2)
  }
  remediate {
    on missing when desired.amount > big_payment => create requires approval from leads
    on extra => ticket "Unexpected \${key.txn_id} (\${upper("x")})" because "literal $\${x}"
  }
  limits {
    max_ratio 10%
    on_exceed abort
  }
  retry 3 backoff 200ms..10s
  rate 20/s
  schedule every 15m
}

test "tolerated rounding" {
  policy settlement_parity
  desired [ { txn_id: "t1", amount: 10.00 } ]
  actual  []
  expect {
    missing 1
    action create on "t1" requires approval
  }
}
`;

describe('recon.tmLanguage.json', () => {
  it('scopes a comment, with its # as punctuation', () => {
    const tokens = tokenize(SAMPLE);
    expect(tokens[0]!.scopes).toContain('comment.line.number-sign.recon');
    expect(tokens[0]!.scopes).toContain('punctuation.definition.comment.recon');
    expect(scopesOf(tokens, 'Every ledger entry must be settled.')).toContain('comment.line.number-sign.recon');
  });

  it('scopes keywords by context: a statement keyword, but not a field of the same name', () => {
    const tokens = tokenize(SAMPLE);
    expect(scopesOf(tokens, 'import')).toContain('keyword.control.import.recon');
    expect(scopesOf(tokens, 'from')).toContain('keyword.other.from.recon');
    expect(scopesOf(tokens, 'where')).toContain('keyword.other.where.recon');
    // `key txn_id` is the statement; `key: string` inside `fields` is a field named key
    const keys = tokens.filter((t) => t.text.trim() === 'key');
    expect(keys[0]!.scopes).toContain('keyword.other.key.recon');
    expect(keys[1]!.scopes).toContain('variable.other.property.recon');
    expect(keys[1]!.scopes.join(' ')).not.toMatch(/keyword/);
    expect(scopesOf(tokens, 'when')).toContain('keyword.control.when.recon');
    expect(scopesOf(tokens, 'create')).toContain('keyword.other.action.recon');
    expect(scopesOf(tokens, 'within')).toContain('keyword.other.comparator.recon');
    expect(scopesOf(tokens, 'lines')).toContain('variable.other.property.recon');
    expect(scopesOf(tokens, 'unordered')).toContain('keyword.other.comparator.recon');
    expect(scopesOf(tokens, 'sku')).toContain('variable.other.property.recon');
    expect(scopesOf(tokens, 'every')).toContain('keyword.other.every.recon');
    expect(scopesOf(tokens, 'abort')).toContain('constant.language.limit.recon');
    expect(scopesOf(tokens, 'missing', 1)).toContain('keyword.other.count.recon');
    expect(scopesOf(tokens, 'string')).toContain('support.type.primitive.recon');
    expect(scopesOf(tokens, 'http')).toContain('support.function.connector.recon');
    expect(scopesOf(tokens, 'PATCH')).toContain('constant.language.http-method.recon');
    expect(scopesOf(tokens, 'trim')).toContain('support.function.normalizer.recon');
    expect(scopesOf(tokens, 'high')).toContain('constant.language.severity.recon');
  });

  it('scopes a string with an interpolation that holds a nested string', () => {
    const line = tokenize(SAMPLE).filter((t) => t.line === 7);
    const open = line.find((t) => t.text === '${')!;
    expect(open.scopes).toContain('punctuation.section.interpolation.begin.recon');
    expect(open.scopes).toContain('string.quoted.double.recon');
    const secret = line.find((t) => t.text === 'secret')!;
    expect(secret.scopes).toContain('meta.interpolation.recon');
    expect(secret.scopes).toContain('support.function.builtin.recon');
    const nested = line.find((t) => t.text === 'GATEWAY_TOKEN')!;
    // the nested string sits inside the interpolation, inside the outer string
    const strings = nested.scopes.filter((s) => s === 'string.quoted.double.recon');
    expect(strings).toHaveLength(2);
    expect(nested.scopes.indexOf('meta.interpolation.recon')).toBeGreaterThan(nested.scopes.indexOf('string.quoted.double.recon'));
    // after the nested string's closing quote, the interpolation and then the outer string close on the same line
    const close = line.find((t) => t.text === '}' && t.scopes.includes('punctuation.section.interpolation.end.recon'));
    expect(close).toBeDefined();
    const afterString = line[line.length - 1]!;
    expect(afterString.text.trim()).toBe(')');
    expect(afterString.scopes).not.toContain('string.quoted.double.recon');
    // and the next line is code again, not string
    expect(scopesOf(tokenize(SAMPLE), 'txn_id')).not.toContain('string.quoted.double.recon');
  });

  it('keeps $${ literal and closes interpolations that nest strings with parentheses', () => {
    const tokens = tokenize(SAMPLE);
    const escaped = tokens.find((t) => t.text === '$${')!;
    expect(escaped.scopes).toContain('constant.character.escape.dollar.recon');
    expect(escaped.scopes).not.toContain('meta.interpolation.recon');
    const upper = tokens.find((t) => t.text === 'upper')!;
    expect(upper.scopes).toContain('meta.interpolation.recon');
    expect(scopesOf(tokens, 'because')).toContain('keyword.other.because.recon');
  });

  it('scopes numbers, durations and percentages', () => {
    const tokens = tokenize(SAMPLE);
    expect(scopesOf(tokens, '2')).toContain('constant.numeric.duration.recon');
    const twoMinutes = tokens.findIndex((t) => t.text === '2');
    expect(tokens[twoMinutes + 1]!.text).toBe('m');
    expect(tokens[twoMinutes + 1]!.scopes).toContain('keyword.other.unit.recon');
    expect(scopesOf(tokens, '200')).toContain('constant.numeric.duration.recon');
    expect(scopesOf(tokens, '..')).toContain('keyword.operator.range.recon');
    const tenPercent = tokens.findIndex((t) => t.text === '%');
    expect(tokens[tenPercent - 1]!.text).toBe('10');
    expect(tokens[tenPercent - 1]!.scopes).toContain('constant.numeric.percentage.recon');
    expect(scopesOf(tokens, '%')).toContain('constant.numeric.percentage.recon');
    expect(scopesOf(tokens, '0.005')).toContain('constant.numeric.recon');
    expect(scopesOf(tokens, '10000')).toContain('constant.numeric.recon');
    // `2min` is a lexical error in the language; `a % b` is modulo
    const bad = tokenize('let x = 2min + a % b');
    expect(scopesOf(bad, '2min')).toContain('invalid.illegal.numeric.recon');
    expect(scopesOf(bad, '%')).toContain('keyword.operator.arithmetic.recon');
    expect(scopesOf(tokenize('let e = 1e6'), '1e6')).toContain('constant.numeric.recon');
  });

  it("scopes declarations' names", () => {
    const tokens = tokenize(SAMPLE);
    expect(scopesOf(tokens, 'gateway')).toContain('entity.name.type.source.recon');
    expect(scopesOf(tokens, 'source')).toContain('storage.type.source.recon');
    expect(scopesOf(tokens, 'cash')).toContain('entity.name.type.profile.recon');
    expect(scopesOf(tokens, 'settlement_parity')).toContain('entity.name.function.policy.recon');
    expect(scopesOf(tokens, 'big_payment')).toContain('entity.name.variable.let.recon');
    expect(scopesOf(tokens, 'leads')).toContain('entity.name.variable.group.recon');
    expect(scopesOf(tokens, 'src')).toContain('entity.name.namespace.recon');
    expect(scopesOf(tokens, '"tolerated rounding"')).toContain('entity.name.function.test.recon');
    // references to declarations
    expect(scopesOf(tokens, 'ledger')).toContain('entity.name.type.source.recon');
    expect(scopesOf(tokens, 'cash', 1)).toContain('entity.name.type.profile.recon');
    expect(scopesOf(tokens, 'leads', 1)).toContain('entity.name.variable.group.recon');
  });

  it('scopes operators, roots and member access in expressions', () => {
    const tokens = tokenize(SAMPLE);
    expect(scopesOf(tokens, '!=')).toContain('keyword.operator.comparison.recon');
    expect(scopesOf(tokens, '==')).toContain('keyword.operator.comparison.recon');
    expect(scopesOf(tokens, '>')).toContain('keyword.operator.comparison.recon');
    expect(scopesOf(tokens, '=>')).toContain('keyword.operator.arrow.recon');
    expect(scopesOf(tokens, '*')).toContain('keyword.operator.arithmetic.recon');
    expect(scopesOf(tokens, 'desired', 1)).toContain('variable.language.recon');
    expect(scopesOf(tokens, 'amount', 3)).toContain('variable.other.property.recon');
    const logic = tokenize('let ok = not a and b or "x" in diff');
    expect(scopesOf(logic, 'not')).toContain('keyword.operator.logical.recon');
    expect(scopesOf(logic, 'in')).toContain('keyword.operator.word.recon');
  });

  it('ends a declaration at the next one even when its block is not typed yet', () => {
    const tokens = tokenize('source half\npolicy p {\n  desired half\n}');
    expect(scopesOf(tokens, 'p')).toContain('entity.name.function.policy.recon');
    expect(scopesOf(tokens, 'half', 1)).toContain('entity.name.type.source.recon');
  });
});
