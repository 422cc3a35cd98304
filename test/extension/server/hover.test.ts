import { afterEach, describe, expect, it } from 'vitest';
import { hover } from '../../../extension/server/features/hover.js';
import { markAt, openFixture, type OpenedFixture } from '../../helpers/lsp-helpers.js';
import { SAMPLE, SAMPLE_DATA } from './fixtures.js';

let fixture: OpenedFixture | undefined;
afterEach(() => fixture?.ws.remove());

/** The hover text at the `<|>` of `marked` (a file with the sample's data beside it), or null. */
function hoverText(marked: string, files: Record<string, string> = SAMPLE_DATA): string | null {
  fixture?.ws.remove();
  fixture = openFixture(marked, files);
  const result = hover(fixture.analysis, fixture.offset);
  if (!result) return null;
  const contents = result.contents as { kind: string; value: string };
  expect(contents.kind).toBe('markdown');
  return contents.value;
}

describe('hover', () => {
  it('explains keywords', () => {
    expect(hoverText(markAt(SAMPLE, 're<|>mediate {'))).toMatch(/remediate \{ on KIND .*Rules tried in order/s);
    expect(hoverText(markAt(SAMPLE, 'w<|>hen desired'))).toMatch(/The condition under which the rule decides/);
    expect(hoverText(markAt(SAMPLE, 'mo<|>de enforce'))).toMatch(/`audit` \(the default\) never acts/);
  });

  it('explains comparators, normalizers, actions, kinds and modes', () => {
    expect(hoverText(markAt(SAMPLE, 'currency ignore_<|>case'))).toBe('**comparator** `ignore_case` — Text compared without regard to case.');
    expect(hoverText(markAt(SAMPLE, 'amount wi<|>thin'))).toMatch(/Equal when the difference is at most/);
    expect(hoverText(markAt(SAMPLE, 'normalize tr<|>im'))).toMatch(/\*\*normalizer\*\* `trim`/);
    expect(hoverText(markAt(SAMPLE, '=> ti<|>cket'))).toMatch(/\*\*action\*\* `ticket` — Open a ticket/);
    expect(hoverText(markAt(SAMPLE, 'on mis<|>sing =>'))).toMatch(/\*\*kind\*\* `missing` — The key is in desired but not in actual/);
    expect(hoverText(markAt(SAMPLE, 'mode enf<|>orce'))).toMatch(/\*\*mode\*\* `enforce`/);
    expect(hoverText(markAt(SAMPLE, 'expect no_d<|>rift'))).toMatch(/\*\*expectation\*\* `no_drift`/);
  });

  it('shows connectors with their options, and a connector option', () => {
    const csv = hoverText(markAt(SAMPLE, 'from c<|>sv("data/gateway.csv"'))!;
    expect(csv).toContain('csv(path, delimiter: ..., header: ...)');
    expect(csv).toContain('**connector** — A CSV file');
    expect(csv).toMatch(/`delimiter` \(a string\): The field separator/);
    expect(hoverText(markAt(SAMPLE, 'delim<|>iter: ","'))).toMatch(/\*\*option\*\* of `csv\(\)` — The field separator/);
  });

  it('shows built-in functions with their signature', () => {
    const text = `policy p {\n  desired a\n  actual b\n  remediate {\n    on changed when on<|>ly("amount") => update\n  }\n}\n`;
    const value = hoverText(text)!;
    expect(value).toContain('only("path", ...)');
    expect(value).toContain('True when those fields differ and no other does.');
    expect(value).toContain('Only in remediation rules');
    expect(hoverText(`let x = rou<|>nd(1.234, 2)`)).toContain('round(x, n)');
  });

  it('shows a source with its doc comment, key and fields, wherever it is named', () => {
    const declared = hoverText(markAt(SAMPLE, 'source led<|>ger'))!;
    const referenced = hoverText(markAt(SAMPLE, 'desired led<|>ger'))!;
    expect(referenced).toBe(declared);
    expect(declared).toContain('**source** `ledger` — key `txn_id`');
    expect(declared).toContain('The ledger of record.');
    expect(declared).toContain('Fields: `txn_id` string · `amount` number · `currency` string · `status` string');
  });

  it('shows fields of typed sources with their type, after desired./actual. and in compare rules', () => {
    expect(hoverText(markAt(SAMPLE, 'desired.am<|>ount'))).toMatch(/amount: number[\s\S]*\*\*field\*\* of source `ledger` \(line 13\)/);
    expect(hoverText(markAt(SAMPLE, 'actual.or<|>igin'))).toMatch(/origin: string[\s\S]*of source `gateway`/);
    expect(hoverText(markAt(SAMPLE, 'key.txn<|>_id'))).toMatch(/txn_id: string[\s\S]*Part of the key/);
    expect(hoverText(markAt(SAMPLE, '    sta<|>tus normalize'))).toMatch(/status: string[\s\S]*of source `ledger`/);
    expect(hoverText(markAt(SAMPLE, 'desired [{ txn_id: "t1", amo<|>unt'))).toMatch(/amount: number[\s\S]*of source `ledger`/);
  });

  it('shows roots with the source they stand for', () => {
    expect(hoverText(markAt(SAMPLE, 'when des<|>ired.amount'))).toMatch(/\*\*desired\*\* — The desired record[\s\S]*A record of source `ledger`: `txn_id` string/);
  });

  it('shows lets with their value and type, groups, policies, tests and profiles', () => {
    expect(hoverText(markAt(SAMPLE, '> big_pay<|>ment'))).toMatch(/let big_payment = 10000[\s\S]*\*\*let\*\* `big_payment`: an integer/);
    expect(hoverText(markAt(SAMPLE, 'from payments_<|>leads'))).toMatch(/group payments_leads = \["alice@example.com"\][\s\S]*1 member\(s\)/);
    const policy = hoverText(markAt(SAMPLE, 'policy settlement_<|>parity {'))!;
    expect(policy).toContain('**policy** `settlement_parity` — desired `ledger`, actual `gateway`, mode enforce');
    expect(policy).toContain('_Gateway settlements match the ledger_');
    expect(policy).toContain('Every ledger entry is settled at the gateway.');
    expect(hoverText(markAt(SAMPLE, 'use ca<|>sh'))).toMatch(/\*\*profile\*\* `cash` — 2 rule\(s\)[\s\S]*`amount within 0.005`/);
  });

  it('shows imported declarations and modules, with their doc comments and where they live', () => {
    const text = `import "std/money"\npolicy p {\n  desired a\n  actual b\n  compare {\n    use money.ce<|>nts\n  }\n}\n`;
    const value = hoverText(text)!;
    expect(value).toContain('**profile** `cents`');
    expect(value).toContain('Amounts equal to the half cent');
    expect(value).toContain('Declared in `std/money`');
    expect(hoverText(`import "std/mo<|>ney"\n`)).toMatch(/\*\*module\*\* `money`[\s\S]*Loaded from `std\/money`[\s\S]*profiles: `cents`/);
    expect(hoverText(`import "std/money"\npolicy p {\n  compare {\n    use mon<|>ey.cents\n  }\n}\n`)).toMatch(/\*\*module\*\* `money`/);
  });

  it('has nothing to say in comments and white space', () => {
    expect(hoverText(markAt(SAMPLE, '# The led<|>ger'))).toBeNull();
    expect(hoverText('let a = 1\n<|>\nlet b = 2\n')).toBeNull();
  });
});
