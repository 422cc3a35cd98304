import { afterEach, describe, expect, it } from 'vitest';
import type { CompletionItem } from 'vscode-languageserver';
import { completion } from '../../../extension/server/features/completion.js';
import { hover } from '../../../extension/server/features/hover.js';
import { markAt, openFixture, type OpenedFixture } from '../../helpers/lsp-helpers.js';
import { SAMPLE, SAMPLE_DATA } from './fixtures.js';

let fixture: OpenedFixture | undefined;
afterEach(() => fixture?.ws.remove());

function itemsAt(marked: string): CompletionItem[] {
  fixture?.ws.remove();
  fixture = openFixture(marked, SAMPLE_DATA);
  return completion(fixture.analysis, fixture.offset);
}

function labels(marked: string): string[] {
  return itemsAt(marked).map((i) => i.label);
}

/** The sample's declarations, and then `tail` (with its `<|>`). */
const DECLS = SAMPLE.slice(0, SAMPLE.indexOf('# Every ledger entry'));
const inPolicy = (body: string) => `${DECLS}policy p {\n  desired ledger\n  actual gateway\n${body}\n}\n`;

const BUILTINS = ['len', 'lower', 'upper', 'trim', 'round', 'abs', 'min', 'max', 'contains', 'starts_with', 'ends_with', 'coalesce', 'now', 'age', 'env'];

describe('completion: keywords valid where the cursor is', () => {
  it('offers the top-level declarations at the top level', () => {
    expect(labels('<|>')).toEqual(['import', 'let', 'group', 'source', 'profile', 'policy', 'test']);
    expect(labels(`${DECLS}\npo<|>`)).toEqual(['import', 'let', 'group', 'source', 'profile', 'policy', 'test']);
  });

  it('offers source statements in a source block, policy statements in a policy block', () => {
    expect(labels('source s {\n  <|>\n}')).toEqual(['from', 'key', 'fields', 'select', 'where', 'write']);
    expect(labels('policy p {\n  <|>\n}')).toEqual(['description', 'owner', 'severity', 'mode', 'desired', 'actual', 'compare', 'remediate', 'limits', 'retry', 'rate', 'concurrency', 'schedule']);
    expect(labels('policy p {\n  desired a\n  <|>\n}')).toContain('remediate');
  });

  it('offers compare and remediate statements in their blocks, and test statements in a test', () => {
    expect(labels(inPolicy('  compare {\n    <|>\n  }'))).toEqual(['txn_id', 'amount', 'currency', 'status', 'default', 'use']);
    expect(labels(inPolicy('  remediate {\n    <|>\n  }'))).toEqual(['on']);
    expect(labels(inPolicy('  remediate {\n    on missing => create\n    <|>\n  }'))).toEqual(['on']);
    expect(labels(`${SAMPLE}test "t" {\n  <|>\n}\n`)).toEqual(['policy', 'desired', 'actual', 'expect']);
    expect(labels(inPolicy('  limits {\n    <|>\n  }'))).toEqual(['max_changes', 'max_ratio', 'max_deletes', 'on_exceed']);
    expect(labels(inPolicy('  limits {\n    on_exceed <|>\n  }'))).toEqual(['abort', 'approve']);
    expect(labels('source s {\n  from csv("a.csv")\n  write {\n    <|>\n  }\n}')).toEqual(['create', 'update', 'delete', 'map']);
  });

  it('offers what may follow inside a remediation rule', () => {
    expect(labels(inPolicy('  remediate {\n    on <|>\n  }'))).toEqual(['missing', 'extra', 'changed', 'invalid', 'any']);
    expect(labels(inPolicy('  remediate {\n    on missing <|>\n  }'))).toEqual(['when']);
    expect(labels(inPolicy('  remediate {\n    on missing => <|>\n  }'))).toEqual(['create', 'update', 'delete', 'ticket', 'ignore', 'report']);
    expect(labels(inPolicy('  remediate {\n    on missing => create <|>\n  }'))).toEqual(['requires', 'because', 'until']);
    expect(labels(inPolicy('  remediate {\n    on missing => create requires <|>\n  }'))).toEqual(['approval']);
    expect(labels(inPolicy('  remediate {\n    on missing => create requires approval from <|>\n  }'))).toEqual(['payments_leads']);
  });

  it('offers severities, modes and the expectations of tests', () => {
    expect(labels('policy p {\n  severity <|>\n}')).toEqual(['low', 'medium', 'high', 'critical']);
    expect(labels('policy p {\n  mode <|>\n}')).toEqual(['audit', 'enforce']);
    expect(labels(`${SAMPLE}test "t" {\n  policy settlement_parity\n  desired []\n  actual []\n  expect {\n    <|>\n  }\n}\n`)).toEqual([
      'missing', 'extra', 'changed', 'invalid', 'ignored', 'action',
    ]);
    expect(labels(`${SAMPLE}test "t" {\n  expect <|>\n}\n`)).toEqual(['no_drift']);
  });

  it('offers field types after a field name and its colon', () => {
    expect(labels('source s {\n  fields {\n    id: <|>\n  }\n}')).toEqual(['string', 'number', 'integer', 'bool', 'datetime', 'json']);
  });
});

describe('completion: names in scope', () => {
  it('offers the sources after desired and actual, imported ones qualified', () => {
    expect(labels(inPolicy('  desired <|>'))).toEqual(['ledger', 'gateway']);
    const items = itemsAt(`import "./shared.recon" as shared\n${DECLS}policy p {\n  actual <|>\n}\n`);
    expect(items.map((i) => i.label)).toEqual(['ledger', 'gateway']);
  });

  it('offers profiles after use, qualified names of imports, and only the module names after alias.', () => {
    expect(labels(inPolicy('  compare {\n    use <|>\n  }'))).toEqual(['cash', 'money.cents']);
    expect(labels(inPolicy('  compare {\n    use money.<|>\n  }'))).toEqual(['cents']);
  });

  it('offers the policies of the file after policy in a test', () => {
    expect(labels(`${SAMPLE}test "t" {\n  policy <|>\n}\n`)).toEqual(['settlement_parity']);
  });

  it('offers roots, lets, import aliases and the functions available in a condition', () => {
    const names = labels(inPolicy('  remediate {\n    on changed when <|>\n  }'));
    expect(names.slice(0, 6)).toEqual(['desired', 'actual', 'key', 'diff', 'big_payment', 'money']);
    expect(names).toEqual(expect.arrayContaining(['changed', 'only', ...BUILTINS, 'true', 'false', 'null', 'not']));
    expect(names).not.toContain('secret');
  });

  it('offers the fields of a where condition, and no changed()/only() there', () => {
    const names = labels(markAt(SAMPLE, '    status: string\n  }\n<|>}').replace('<|>', '  where <|>\n'));
    expect(names).toEqual(expect.arrayContaining(['txn_id', 'amount', 'currency', 'status', 'record', 'big_payment', ...BUILTINS]));
    expect(names).not.toContain('changed');
    expect(names).not.toContain('desired');
  });

  it('offers operators after a complete operand', () => {
    expect(labels(inPolicy('  remediate {\n    on missing when desired.amount <|>\n  }'))).toEqual(['and', 'or', 'in', 'matches', '=>']);
    expect(labels('let x = 1 <|>')).toEqual(['and', 'or', 'in', 'matches']);
  });

  it('offers lets and functions in a let, with secret() in connector arguments only', () => {
    expect(labels(`${DECLS}let x = <|>`)).toEqual(expect.arrayContaining(['big_payment', 'round', 'env']));
    expect(labels(`${DECLS}let x = <|>`)).not.toContain('secret');
    expect(labels('source s {\n  from http("http://x", headers: { Authorization: <|> })\n}')).toContain('secret');
  });
});

describe('completion: connectors and their options', () => {
  it('offers the connectors after from', () => {
    expect(labels('source s {\n  from <|>\n}')).toEqual(['csv', 'json', 'jsonl', 'yaml', 'inline', 'http', 'postgres', 'exec']);
    expect(labels('source s {\n  from ht<|>\n}')).toContain('http');
  });

  it('offers the options of the connector being called, not those already given', () => {
    const items = itemsAt('source s {\n  from csv("a.csv", <|>)\n}');
    expect(items.map((i) => i.label)).toEqual(['delimiter', 'header']);
    expect(items[0]!.textEdit).toMatchObject({ newText: 'delimiter: ' });
    expect(labels('source s {\n  from http("http://x", items: "data", <|>)\n}')).toEqual(['next', 'headers', 'timeout']);
    expect(labels('source s {\n  from http("http://x",\n            items: "data",\n            <|>)\n}')).toEqual(['next', 'headers', 'timeout']);
  });
});

describe('completion: field names of typed sources', () => {
  it('offers comparators after a compare path, normalizers after normalize, defaults after default', () => {
    expect(labels(inPolicy('  compare {\n    amount <|>\n  }'))).toEqual(['exact', 'ignore', 'ignore_case', 'within', 'unordered', 'normalize', 'by']);
    expect(labels(inPolicy('  compare { amount within 0.01  currency <|> }'))).toEqual(['exact', 'ignore', 'ignore_case', 'within', 'unordered', 'normalize', 'by']);
    expect(labels(inPolicy('  compare {\n    status normalize trim, <|>\n  }'))).toEqual(['trim', 'lower', 'upper', 'collapse_space', 'nfc', 'round', 'utc']);
    expect(labels(inPolicy('  compare {\n    default <|>\n  }'))).toEqual(['exact', 'ignore']);
    expect(labels(inPolicy('  compare {\n    amount unordered <|>\n  }'))).toEqual(['by']);
  });

  it('offers the fields of the desired or actual source after desired. and actual.', () => {
    const items = itemsAt(inPolicy('  remediate {\n    on missing when desired.<|>\n  }'));
    expect(items.map((i) => i.label)).toEqual(['txn_id', 'amount', 'currency', 'status']);
    expect(items.find((i) => i.label === 'amount')!.detail).toBe('number — ledger');
    expect(labels(inPolicy('  remediate {\n    on extra when actual.or<|> == "manual" => ignore\n  }'))).toEqual(['txn_id', 'amount', 'currency', 'status', 'origin']);
    expect(labels(inPolicy('  remediate {\n    on extra => ticket "Unexpected ${key.<|>}"\n  }'))).toEqual(['txn_id']);
  });

  it('offers the fields of a source after key, and in a by comparator the roots', () => {
    expect(labels('source s {\n  from csv("a.csv")\n  fields { id: string  amount: number }\n  key <|>\n}')).toEqual(['id', 'amount']);
    expect(labels(inPolicy('  compare {\n    amount by round(<|>\n  }'))).toContain('desired');
  });

  it('offers the side fields as keys of test records', () => {
    const text = `${SAMPLE}test "t" {\n  policy settlement_parity\n  desired [{ <|> }]\n}\n`;
    expect(labels(text)).toEqual(['txn_id', 'amount', 'currency', 'status']);
    const actual = `${SAMPLE}test "t" {\n  policy settlement_parity\n  desired []\n  actual [\n    {\n      <|>\n    }\n  ]\n}\n`;
    expect(labels(actual)).toEqual(['txn_id', 'amount', 'currency', 'status', 'origin']);
  });

  it('quotes field names that are not identifiers where a path stands', () => {
    const text = 'source s {\n  from csv("a.csv")\n  key id\n  fields { id: string  "cost-center": string }\n}\npolicy p {\n  desired s\n  actual s\n  compare {\n    <|>\n  }\n}\n';
    expect(labels(text)).toEqual(['id', '"cost-center"', 'default', 'use']);
  });
});

describe('completion: the rest', () => {
  it('offers the standard library modules in an import path', () => {
    const items = itemsAt('import "std/<|>"');
    expect(items.map((i) => i.label)).toContain('std/money');
    expect(items[0]!.textEdit).toMatchObject({ range: { start: { line: 0, character: 8 }, end: { line: 0, character: 12 } } });
  });

  it('offers the compared fields of the desired source in the path strings of changed() and only()', () => {
    expect(labels(inPolicy('  remediate {\n    on changed when changed("<|>") => update\n  }'))).toEqual(['amount', 'currency', 'status']);
    const items = itemsAt(inPolicy('  remediate {\n    on changed when only("amount", "cur<|>") => update\n  }'));
    expect(items.map((i) => i.label)).toEqual(['amount', 'currency', 'status']);
    const line = fixture!.text.split('\n').findIndex((l) => l.includes('only("amount"'));
    const at = fixture!.text.split('\n')[line]!.indexOf('cur');
    expect(items[1]!.textEdit).toMatchObject({ range: { start: { line, character: at }, end: { line, character: at + 3 } }, newText: 'currency' });
    // not in other strings, nor where changed() is not available
    expect(labels(inPolicy('  remediate {\n    on changed when lower("<|>") == "x" => update\n  }'))).toEqual([]);
  });

  it('offers the other .recon files of the workspace root in an import path, as the relative paths to write', () => {
    fixture?.ws.remove();
    const files = { 'shared/sources.recon': 'let a = 1\n', 'common.recon': 'let b = 2\n' };
    fixture = openFixture('import "./<|>"', files, 'policies/main.recon');
    const items = completion(fixture.analysis, fixture.offset);
    expect(items.filter((i) => i.detail === 'workspace module').map((i) => i.label)).toEqual(['../common.recon', '../shared/sources.recon']);
    expect(items.find((i) => i.label === '../common.recon')!.textEdit).toMatchObject({ range: { start: { line: 0, character: 8 }, end: { line: 0, character: 10 } }, newText: '../common.recon' });
    expect(items.map((i) => i.label)).toContain('std/money');
  });

  it('offers nothing in comments, strings and names being declared', () => {
    expect(labels('# a comment <|>')).toEqual([]);
    expect(labels('policy p {\n  description "some <|>"\n}')).toEqual([]);
    expect(labels('source <|>')).toEqual([]);
  });

  it('replaces the word being typed', () => {
    const items = itemsAt(inPolicy('  remediate {\n    on mis<|>\n  }'));
    const missing = items.find((i) => i.label === 'missing')!;
    const line = fixture!.text.split('\n').findIndex((l) => l.includes('on mis'));
    expect(missing.textEdit).toEqual({ range: { start: { line, character: 7 }, end: { line, character: 10 } }, newText: 'missing' });
  });

  it('answers completion and hover from the cached analysis when nothing changed', () => {
    fixture = openFixture(inPolicy('  remediate {\n    on missing when desired.<|>amount > 1 => create\n  }'), SAMPLE_DATA);
    const checks = fixture.store.checks;
    for (let i = 0; i < 5; i++) {
      const analysis = fixture.store.analysis(fixture.uri)!;
      expect(completion(analysis, fixture.offset).length).toBe(4);
      expect(hover(analysis, fixture.offset)).not.toBeNull();
    }
    expect(fixture.store.checks).toBe(checks);
  });
});

describe('completion: audit gaps', () => {
  it('never offers the let being defined, nor the lets that depend on it (a cycle)', () => {
    const names = labels(`${DECLS}let a = x + 1\nlet b = a\nlet x = <|>`);
    expect(names).toContain('big_payment');
    expect(names).not.toContain('x');
    expect(names).not.toContain('a');
    expect(names).not.toContain('b');
    // also inside a call or a list of the let's value
    expect(labels(`${DECLS}let x = max(1, <|>)`)).not.toContain('x');
    expect(labels(`${DECLS}let x = [1, <|>]`)).not.toContain('x');
    // other lets still see it
    expect(labels(`let x = 1\nlet y = <|>`)).toContain('x');
  });

  it('offers => after a complete when condition of a remediation rule', () => {
    expect(labels(inPolicy('  remediate {\n    on missing when desired.amount > 5 <|>\n  }'))).toEqual(['and', 'or', 'in', 'matches', '=>']);
    expect(labels(inPolicy('  remediate {\n    on missing when desired.amount > <|>\n  }'))).not.toContain('=>');
  });

  it('leaves out the keys a test record already has, written before or after the cursor', () => {
    const text = `${SAMPLE}test "t" {\n  policy settlement_parity\n  desired [ { txn_id: "t1", <|> } ]\n}\n`;
    expect(labels(text)).toEqual(['amount', 'currency', 'status']);
    const after = `${SAMPLE}test "t" {\n  policy settlement_parity\n  desired [ { "txn_id": "t1", <|>, status: "ok", meta: { amount: 1 } } ]\n}\n`;
    expect(labels(after)).toEqual(['amount', 'currency']);
  });

  it('offers the field names declared below after key, when the parser read the next block as the key', () => {
    const fields = 'source s {\n  from csv("a.csv")\n  key <|>\n  fields {\n    id: string\n    "cost-center": string\n  }\n}\n';
    expect(labels(fields)).toEqual(['id', '"cost-center"']);
    const select = 'source s {\n  from csv("a.csv")\n  key id, <|>\n  select {\n    id = record.ID\n    amount = record.Amount\n  }\n}\n';
    expect(labels(select)).toEqual(['amount']);
  });
});
