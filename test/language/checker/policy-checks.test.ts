/**
 * Policies and profiles (LANGUAGE.md 2.2, 2.3): sides and key arity, severity and mode, compare
 * rules against the typed desired source, comparators and normalizers, limits, retry, rate,
 * concurrency and schedule ranges.
 */
import { describe, expect, it } from 'vitest';
import { expectDiagnostics, lineOf } from '../../helpers/language-helpers.js';
import { SOURCES, withPolicy } from './checker-fixtures.js';

describe('desired and actual', () => {
  it('are required', () => {
    const text = `${SOURCES}policy p {\n  severity low\n}\n`;
    const [a, b] = expectDiagnostics(text, [
      { code: 'missing-desired', line: lineOf(text, 'policy p') },
      { code: 'missing-actual', line: lineOf(text, 'policy p') },
    ]);
    expect(a!.message).toBe("policy 'p' has no 'desired' source");
    expect(b!.message).toBe("policy 'p' has no 'actual' source");
  });

  it('must name sources, with a quick fix', () => {
    const text = `${SOURCES}policy p {\n  desired ledgr\n  actual bank\n}\n`;
    const [d] = expectDiagnostics(text, [{ code: 'unknown-source', line: lineOf(text, 'ledgr') }]);
    expect(d!.message).toBe("unknown source 'ledgr'; did you mean 'ledger'?");
    expect(d!.fixes?.[0]).toMatchObject({ start: text.indexOf('ledgr'), end: text.indexOf('ledgr') + 5, text: 'ledger' });
  });

  it('may name sources of imported modules, and reports unknown aliases', () => {
    const files = { '/ws/shared.recon': 'source rates {\n  from csv("rates.csv")\n  key id\n}\n' };
    expectDiagnostics(`import "./shared.recon" as src\n${SOURCES}policy p {\n  desired src.rates\n  actual bank\n}\n`, [], files);
    const text = `import "./shared.recon" as src\n${SOURCES}policy p {\n  desired sr.rates\n  actual bank\n}\n`;
    const [d] = expectDiagnostics(text, [{ code: 'unknown-module', line: lineOf(text, 'sr.rates') }], files);
    expect(d!.fixes?.[0]).toMatchObject({ text: 'src' });
    const misspelt = `import "./shared.recon" as src\n${SOURCES}policy p {\n  desired src.rate\n  actual bank\n}\n`;
    const [e] = expectDiagnostics(misspelt, [{ code: 'unknown-source' }], files);
    expect(e!.message).toBe("unknown source 'src.rate'; did you mean 'src.rates'?");
  });

  it('do not repeat an import error', () => {
    const text = `import "./nowhere.recon" as src\n${SOURCES}policy p {\n  desired src.rates\n  actual bank\n}\n`;
    expectDiagnostics(text, [{ code: 'import-not-found', line: 1 }]);
  });

  it('must have the same key arity', () => {
    const text = `${SOURCES}source daily {\n  from csv("d.csv")\n  key account, day\n}\npolicy p {\n  desired ledger\n  actual daily\n}\n`;
    const [d] = expectDiagnostics(text, [{ code: 'key-arity-mismatch', line: lineOf(text, 'actual daily') }]);
    expect(d!.message).toBe("desired 'ledger' has 1 key field(s) but actual 'daily' has 2");
  });

  it('warn when the key fields are the same names in another order (keys are paired by position)', () => {
    const sources = `source byAcct {\n  from csv("a.csv")\n  key acct, day\n}\nsource byDay {\n  from csv("d.csv")\n  key day, acct\n}\n`;
    const text = `${sources}policy p {\n  desired byAcct\n  actual byDay\n}\n`;
    const [d] = expectDiagnostics(text, [{ code: 'key-order-mismatch', line: lineOf(text, 'actual byDay') }]);
    expect(d!.severity).toBe('warning');
    expect(d!.message).toBe(
      "desired 'byAcct' is keyed by (acct, day) but actual 'byDay' by (day, acct): keys are matched by position, so records would not match; list the key fields in the same order",
    );
    // same order, or other names (a legitimate mapping): nothing
    expectDiagnostics(`${sources}policy p {\n  desired byAcct\n  actual byAcct\n}\n`, []);
    const other = `${sources}source renamed {\n  from csv("r.csv")\n  key day_of, account\n}\npolicy p {\n  desired byAcct\n  actual renamed\n}\n`;
    expectDiagnostics(other, []);
  });

  it('warn when both declare a key field with different types (keys are matched as the desired type)', () => {
    const numbered = `source numbered {\n  from csv("n.csv")\n  key id\n  fields { id: integer }\n}\n`;
    const text = `${SOURCES}${numbered}policy p {\n  desired ledger\n  actual numbered\n}\n`;
    const [d] = expectDiagnostics(text, [{ code: 'key-type-mismatch', line: lineOf(text, 'actual numbered') }]);
    expect(d!.severity).toBe('warning');
    expect(d!.message).toBe(
      "key field 'id' of desired 'ledger' is declared string, but 'id' of actual 'numbered' is declared integer: actual keys are coerced to string to match",
    );
    // one side typed (the other coerced to it), or the same type on both: nothing to say
    expectDiagnostics(`${SOURCES}${numbered}policy p {\n  desired loose\n  actual numbered\n}\n`, []);
    expectDiagnostics(`${SOURCES}policy p {\n  desired ledger\n  actual bank\n}\n`, []);
  });

  it('are given once', () => {
    const text = withPolicy('  desired bank');
    const [d] = expectDiagnostics(text, [{ code: 'duplicate-statement', line: lineOf(text, '  desired bank') }]);
    expect(d!.message).toBe("'desired' is given more than once in policy 'p'");
  });
});

describe('severity, mode and other statements', () => {
  it('accepts every severity and mode', () => {
    for (const severity of ['low', 'medium', 'high', 'critical']) expectDiagnostics(withPolicy(`  severity ${severity}\n  mode audit`), []);
    expectDiagnostics(withPolicy('  mode enforce\n  description "d ${1 + 1}"\n  owner "o@example.com"\n  schedule every 15m'), []);
  });

  it('reports an unknown severity or mode with a quick fix', () => {
    const text = withPolicy('  severity hgh\n  mode enforced');
    const [s, m] = expectDiagnostics(text, [
      { code: 'unknown-severity', line: lineOf(text, 'hgh') },
      { code: 'unknown-mode', line: lineOf(text, 'enforced') },
    ]);
    expect(s!.message).toBe("unknown severity 'hgh'; did you mean 'high'?");
    expect(s!.fixes?.[0]).toMatchObject({ start: text.indexOf('hgh'), text: 'high' });
    expect(m!.fixes?.[0]).toMatchObject({ text: 'enforce' });
  });

  it('reports a statement given twice', () => {
    expectDiagnostics(withPolicy('  severity low\n  severity high'), [{ code: 'duplicate-statement' }]);
    expectDiagnostics(withPolicy('  retry 3\n  retry 4'), [{ code: 'duplicate-statement' }]);
  });
});

describe('compare', () => {
  it('accepts every comparator on fields of the right type', () => {
    const body = `  compare {
    default ignore
    amount within 0.01
    count within 10%
    at within 2m
    note normalize trim, lower, upper, collapse_space, nfc, utc, round(2)
    meta unordered by sku
    meta.tags unordered
    ok exact
    id ignore_case
    extra_only ignore
    amount by round(desired.amount, 2) == round(actual.amount, 2)
  }`;
    // extra_only is not a field of the typed desired source
    const text = withPolicy(body);
    expectDiagnostics(text, [{ code: 'unknown-field', line: lineOf(text, 'extra_only ignore') }, { code: 'duplicate-statement', line: lineOf(text, 'amount by') }]);
  });

  it('reports a compare rule on a field the typed desired source does not have, with a quick fix', () => {
    const text = withPolicy('  compare {\n    amont exact\n  }');
    const [d] = expectDiagnostics(text, [{ code: 'unknown-field', line: lineOf(text, 'amont') }]);
    expect(d!.message).toBe("'amont' is not a field of source 'ledger'; did you mean 'amount'?");
    expect(d!.fixes?.[0]).toMatchObject({ start: text.indexOf('amont'), end: text.indexOf('amont') + 5, text: 'amount' });
  });

  it('allows paths below json fields only', () => {
    expectDiagnostics(withPolicy('  compare {\n    meta.labels.app exact\n    meta["cost-center"] exact\n  }'), []);
    expectDiagnostics(withPolicy('  compare {\n    note.x exact\n  }'), [{ code: 'unknown-field' }]);
  });

  it('lets anything through when the desired source is untyped', () => {
    const text = `${SOURCES}policy p {\n  desired loose\n  actual bank\n  compare { whatever.deep within 1 }\n}\n`;
    expectDiagnostics(text, []);
  });

  it('reports an unknown comparator, normalizer or default with a quick fix', () => {
    const text = withPolicy('  compare {\n    default exat\n    amount exct\n    note normalize trimm\n  }');
    const [a, b, c] = expectDiagnostics(text, [
      { code: 'unknown-default', line: lineOf(text, 'exat') },
      { code: 'unknown-comparator', line: lineOf(text, 'exct') },
      { code: 'unknown-normalizer', line: lineOf(text, 'trimm') },
    ]);
    expect(a!.fixes?.[0]).toMatchObject({ text: 'exact' });
    expect(b!.message).toBe("unknown comparator 'exct'; did you mean 'exact'?");
    expect(b!.fixes?.[0]).toMatchObject({ start: text.indexOf('exct'), text: 'exact' });
    expect(c!.fixes?.[0]).toMatchObject({ text: 'trim' });
  });

  it('checks by expressions against the typed sides', () => {
    const text = withPolicy('  compare {\n    amount by round(desired.amount, 2) == round(actual.amont, 2)\n  }');
    const [d] = expectDiagnostics(text, [{ code: 'unknown-field', line: lineOf(text, 'actual.amont') }]);
    expect(d!.message).toBe("'amont' is not a field of source 'bank'; did you mean 'amount'?");
    expectDiagnostics(withPolicy('  compare {\n    amount by desired.amount > "x"\n  }'), [{ code: 'type-mismatch' }]);
  });

  it('reports a comparator that does not fit the field type', () => {
    const [a] = expectDiagnostics(withPolicy('  compare {\n    amount within 2m\n  }'), [{ code: 'invalid-comparator' }]);
    expect(a!.message).toBe("within 2m compares datetimes, but 'amount' is a number in source 'ledger'");
    expectDiagnostics(withPolicy('  compare {\n    at within 0.5\n  }'), [{ code: 'invalid-comparator' }]);
    expectDiagnostics(withPolicy('  compare {\n    note within 10%\n  }'), [{ code: 'invalid-comparator' }]);
    expectDiagnostics(withPolicy('  compare {\n    meta within 2m\n  }'), []);
  });

  it('reports normalizer arguments', () => {
    expectDiagnostics(withPolicy('  compare {\n    amount normalize round\n  }'), [{ code: 'invalid-comparator' }]);
    expectDiagnostics(withPolicy('  compare {\n    note normalize trim(2)\n  }'), [{ code: 'invalid-comparator' }]);
    expectDiagnostics(withPolicy('  compare {\n    amount normalize round(2.5)\n  }'), [{ code: 'value-out-of-range' }]);
    expectDiagnostics(withPolicy('  compare {\n    amount normalize round(21)\n  }'), [{ code: 'value-out-of-range' }]);
  });

  it('reports a rule or default given twice', () => {
    expectDiagnostics(withPolicy('  compare {\n    default ignore\n    default exact\n  }'), [{ code: 'duplicate-statement' }]);
    expectDiagnostics(withPolicy('  compare {\n    amount exact\n    amount ignore\n  }'), [{ code: 'duplicate-statement' }]);
  });

  it('resolves profiles, local and imported, with a quick fix', () => {
    const prelude = 'import "std/money"\nprofile cash {\n  amount within 0.005\n}\n';
    expectDiagnostics(withPolicy('  compare {\n    use cash\n    use money.cents\n  }', prelude), []);
    const text = withPolicy('  compare {\n    use csh\n    use money.cent\n  }', prelude);
    const [a, b] = expectDiagnostics(text, [
      { code: 'unknown-profile', line: lineOf(text, 'use csh') },
      { code: 'unknown-profile', line: lineOf(text, 'money.cent\n') },
    ]);
    expect(a!.fixes?.[0]).toMatchObject({ text: 'cash' });
    expect(b!.fixes?.[0]).toMatchObject({ start: text.indexOf('money.cent\n'), text: 'money.cents' });
  });

  it('checks profiles on their own', () => {
    const text = 'profile p {\n  amount within 1\n  a.b ignore\n  c by desired.c == actual.c\n  d exat\n}\n';
    expectDiagnostics(text, [{ code: 'unknown-comparator', line: 5 }]);
    expectDiagnostics('profile p {\n  a exact\n  a ignore\n}\n', [{ code: 'duplicate-statement', line: 3 }]);
  });
});

describe('limits, retry, rate, concurrency, schedule', () => {
  it('accepts values in range', () => {
    const body = '  limits {\n    max_changes 0\n    max_ratio 100%\n    max_deletes 5\n    on_exceed approve\n  }\n  retry 100 backoff 1s..1s\n  rate 0.5/h\n  concurrency 1000';
    expectDiagnostics(withPolicy(body), []);
    expectDiagnostics(withPolicy('  retry 1\n  rate 20/s\n  concurrency 1\n  limits { on_exceed abort }'), []);
  });

  const outOfRange: [string, string][] = [
    ['  limits { max_changes 1.5 }', 'max_changes takes a whole number of at least 0, got 1.5'],
    ['  limits { max_deletes 10% }', 'max_deletes takes a whole number of at least 0, got 10%'],
    ['  limits { max_ratio 0% }', 'max_ratio takes a percentage above 0% and at most 100%, got 0%'],
    ['  limits { max_ratio 101% }', 'max_ratio takes a percentage above 0% and at most 100%, got 101%'],
    ['  limits { max_ratio 0.1 }', 'max_ratio takes a percentage like 10%, got 0.1'],
    ['  limits { on_exceed abrt }', "on_exceed takes abort or approve, got 'abrt'; did you mean 'abort'?"],
    ['  limits { on_exceed 3 }', "on_exceed takes abort or approve, got '3'"],
    ['  retry 0', 'retry takes a whole number from 1 to 100, got 0'],
    ['  retry 101', 'retry takes a whole number from 1 to 100, got 101'],
    ['  retry 2.5', 'retry takes a whole number from 1 to 100, got 2.5'],
    ['  retry 3 backoff 10s..200ms', 'backoff 10s..200ms: the minimum is above the maximum'],
    ['  rate 0/s', 'rate must be above 0, got 0'],
    ['  concurrency 0', 'concurrency takes a whole number from 1 to 1000, got 0'],
    ['  concurrency 1001', 'concurrency takes a whole number from 1 to 1000, got 1001'],
    ['  schedule every 0s', 'schedule every needs a duration above 0, got 0s'],
  ];
  for (const [body, message] of outOfRange) {
    it(`reports${body}`, () => {
      const [d] = expectDiagnostics(withPolicy(body), [{ code: 'value-out-of-range' }]);
      expect(d!.message).toBe(message);
    });
  }

  it('reports an unknown limit or rate unit with a quick fix', () => {
    const text = withPolicy('  limits { max_delets 3 }\n  rate 5/x');
    const [a, b] = expectDiagnostics(text, [
      { code: 'unknown-limit', line: lineOf(text, 'max_delets') },
      { code: 'unknown-rate-unit', line: lineOf(text, '5/x') },
    ]);
    expect(a!.fixes?.[0]).toMatchObject({ text: 'max_deletes' });
    expect(b!.message).toBe("unknown rate unit 'x'; did you mean 's'?");
  });

  it('reports a limit given twice', () => {
    expectDiagnostics(withPolicy('  limits {\n    max_changes 1\n    max_changes 2\n  }'), [{ code: 'duplicate-statement' }]);
  });
});
