/**
 * `test` declarations (LANGUAGE.md 2.4): the policy they name, their records, and their
 * expectations, misspellings included.
 */
import { describe, expect, it } from 'vitest';
import { expectDiagnostics, lineOf } from '../../helpers/language-helpers.js';
import { SOURCES } from './checker-fixtures.js';

const POLICY = `${SOURCES}source daily {
  from csv("daily.csv")
  key account, day
}
policy p {
  desired ledger
  actual bank
}
policy d {
  desired daily
  actual daily
}
`;

function testBlock(body: string, policy = 'p'): string {
  return `${POLICY}test "t" {
  policy ${policy}
${body}
}
`;
}

const NO_RECORDS = '  desired []\n  actual []';

describe('the policy of a test', () => {
  it('must be declared, with a quick fix', () => {
    const text = testBlock(`${NO_RECORDS}\n  expect no_drift`, 'pp');
    const [d] = expectDiagnostics(text, [{ code: 'unknown-policy', line: lineOf(text, 'policy pp') }]);
    expect(d!.message).toBe("unknown policy 'pp'; did you mean 'p'?");
    expect(d!.fixes?.[0]).toMatchObject({ start: text.indexOf('pp'), end: text.indexOf('pp') + 2, text: 'p' });
  });
});

describe('records', () => {
  it('accepts constant objects with fields of the typed sources', () => {
    const text = `let big = 20000\n${testBlock('  desired [ { id: "t1", amount: big, note: "a ${1}", meta: { x: [1, -2] } } ]\n  actual [ { id: "t1", amount: 10.004, extra_only: "x" } ]\n  expect no_drift')}`;
    expectDiagnostics(text, []);
  });

  it('reports a field the typed source does not have, with a quick fix', () => {
    const text = testBlock('  desired [ { id: "t1", amout: 1 } ]\n  actual [ { id: "t1", note: "x" } ]\n  expect no_drift');
    const [a, b] = expectDiagnostics(text, [{ code: 'unknown-field' }, { code: 'unknown-field' }]);
    expect(a!.message).toBe("'amout' is not a field of source 'ledger'; did you mean 'amount'?");
    expect(a!.fixes?.[0]).toMatchObject({ start: text.indexOf('amout'), text: 'amount' });
    expect(b!.message).toBe("'note' is not a field of source 'bank'");
  });

  it('accepts any field on untyped sources', () => {
    expectDiagnostics(testBlock('  desired [ { account: "a", day: "d", anything: 1 } ]\n  actual []\n  expect no_drift', 'd'), []);
  });

  it('must be constant objects', () => {
    expectDiagnostics(testBlock('  desired [ { id: "t1", at: now() } ]\n  actual []\n  expect no_drift'), [{ code: 'not-constant' }]);
    expectDiagnostics(testBlock('  desired [ 1 ]\n  actual []\n  expect no_drift'), [{ code: 'type-mismatch' }]);
    expectDiagnostics(testBlock('  desired [ { id: who } ]\n  actual []\n  expect no_drift'), [{ code: 'unknown-name' }]);
  });
});

describe('expectations', () => {
  it('accepts counts and actions', () => {
    const body = `${NO_RECORDS}
  expect {
    missing 1
    extra 0
    changed 2
    invalid 0
    ignored 3
    action create on "t2" requires approval
    action ticket on 42
    action ignore on "t3"
  }`;
    expectDiagnostics(testBlock(body), []);
    expectDiagnostics(testBlock(`${NO_RECORDS}\n  expect {\n    action report on ["acme", "2026-11-01"]\n  }`, 'd'), []);
  });

  it('reports expect no_drif with a quick fix', () => {
    const text = testBlock(`${NO_RECORDS}\n  expect no_drif`);
    const [d] = expectDiagnostics(text, [{ code: 'unknown-expectation', line: lineOf(text, 'no_drif') }]);
    expect(d!.message).toBe("unknown expectation 'no_drif'; did you mean 'no_drift'?");
    expect(d!.fixes?.[0]).toMatchObject({ start: text.indexOf('no_drif'), end: text.indexOf('no_drif') + 7, text: 'no_drift' });
  });

  it('reports expect { mising 1 } with a quick fix', () => {
    const text = testBlock(`${NO_RECORDS}\n  expect {\n    mising 1\n  }`);
    const [d] = expectDiagnostics(text, [{ code: 'unknown-expectation', line: lineOf(text, 'mising') }]);
    expect(d!.message).toBe("unknown expectation 'mising'; did you mean 'missing'?");
    expect(d!.fixes?.[0]).toMatchObject({ start: text.indexOf('mising'), text: 'missing' });
  });

  it('needs the word action before an action, and a known action', () => {
    const text = testBlock(`${NO_RECORDS}\n  expect {\n    acton creat on "t2"\n  }`);
    const [w, a] = expectDiagnostics(text, [{ code: 'unknown-expectation' }, { code: 'unknown-action' }]);
    expect(w!.fixes?.[0]).toMatchObject({ start: text.indexOf('acton'), text: 'action' });
    expect(a!.fixes?.[0]).toMatchObject({ start: text.indexOf('creat'), text: 'create' });
    expectDiagnostics(testBlock(`${NO_RECORDS}\n  expect {\n    action 1\n  }`), [{ code: 'unknown-expectation' }]);
  });

  it('reports counts that are not whole numbers, and counts given twice', () => {
    expectDiagnostics(testBlock(`${NO_RECORDS}\n  expect {\n    missing 1.5\n  }`), [{ code: 'value-out-of-range' }]);
    expectDiagnostics(testBlock(`${NO_RECORDS}\n  expect {\n    missing 1\n    missing 2\n  }`), [{ code: 'duplicate-statement' }]);
  });

  it('checks the key arity against the policy', () => {
    const text = testBlock(`${NO_RECORDS}\n  expect {\n    action report on "acme"\n  }`, 'd');
    const [d] = expectDiagnostics(text, [{ code: 'test-key-arity' }]);
    expect(d!.message).toBe(`the key "acme" has 1 part(s), but policy 'd' is keyed by 2 field(s)`);
    expectDiagnostics(testBlock(`${NO_RECORDS}\n  expect {\n    action report on ["a", "b"]\n  }`), [{ code: 'test-key-arity' }]);
    expectDiagnostics(testBlock(`${NO_RECORDS}\n  expect {\n    action report on ["a", true]\n  }`, 'd'), [{ code: 'type-mismatch' }]);
  });
});
