/**
 * Expressions: what bare names mean where (LANGUAGE.md section 3), unknown names and fields with
 * "did you mean", functions and arity, type errors on known types, `secret()` placement,
 * `matches` patterns, constant names of `env`/`secret`, and let cycles.
 */
import { describe, expect, it } from 'vitest';
import { checkText, expectDiagnostics, lineOf, only } from '../../helpers/language-helpers.js';
import { SOURCES, withWhen, withWhere } from './checker-fixtures.js';

describe('conditions over desired, actual, key and diff', () => {
  const clean = [
    'desired.amount > 10 and actual.amount < 5',
    'desired.meta.a.b == 1 and desired.meta["odd key"] != null',
    'age(desired.at) > 2d',
    'desired.note matches "^a" and desired.note matches "(?i)^abc"',
    '"amount" in diff and changed("amount") and only("amount", "note") and changed("meta.labels.app")',
    'key.id == "x"',
    'desired == null or actual == null',
    'lower(desired.at) == "x" and upper(desired.note) == "Y" and trim(desired.note) == ""',
    'desired.amount + desired.count > 1 and desired.count * 2 > 3 and desired.amount / 2 > 1',
    'coalesce(desired.note, "x") == "y" and min(1, 2) > 0 and max([1, 2]) > 0 and len(desired.meta) > 0',
    'now() > desired.at and desired.at >= "2026-01-01T00:00:00Z"',
    '-desired.amount < 0 and abs(desired.amount) > round(desired.amount, 2)',
    'desired.amount == "x" and desired.ok != 1',
    'contains(desired.note, "x") and starts_with(desired.note, "a") and ends_with(desired.note, "z")',
    'desired.note + "x" == "yx" and desired.note in ["a", "b"] and "a" in desired.note',
    'not desired.ok and (desired.amount > 1 or desired.count < 2)',
    'env("STAGE") == "prod"',
  ];
  for (const condition of clean) {
    it(`accepts: ${condition}`, () => {
      expectDiagnostics(withWhen(condition), []);
    });
  }

  it('reports an unknown root with a quick fix', () => {
    const text = withWhen('desird.amount > 1');
    const d = only(expectDiagnostics(text, [{ code: 'unknown-name', line: lineOf(text, 'desird') }]), 'unknown-name');
    expect(d.message).toBe("unknown name 'desird'; did you mean 'desired'?");
    const start = text.indexOf('desird');
    expect(d.fixes).toEqual([{ title: "Change to 'desired'", start, end: start + 6, text: 'desired' }]);
  });

  it('reports a field the typed desired source does not have, replacing only the field name', () => {
    const text = withWhen('desired.amont > 1');
    const d = only(expectDiagnostics(text, [{ code: 'unknown-field' }]), 'unknown-field');
    expect(d.message).toBe("'amont' is not a field of source 'ledger'; did you mean 'amount'?");
    expect(d.fixes?.[0]).toMatchObject({ start: text.indexOf('amont'), end: text.indexOf('amont') + 5, text: 'amount' });
  });

  it('checks actual against the actual source and key against the key fields', () => {
    expectDiagnostics(withWhen('actual.note == "x"'), [{ code: 'unknown-field' }]);
    expectDiagnostics(withWhen('actual.extra_only == "x" and desired.extra_only == "x"'), [{ code: 'unknown-field' }]);
    expectDiagnostics(withWhen('key.idd == "x"'), [{ code: 'unknown-field' }]);
  });

  it('allows paths below json fields but not below other fields', () => {
    expectDiagnostics(withWhen('desired.meta.x.y == 1'), []);
    const [d] = expectDiagnostics(withWhen('desired.amount.cents == 1'), [{ code: 'unknown-field' }]);
    expect(d!.message).toContain("'amount.cents' is not a field of source 'ledger'");
  });

  it('lets anything through on untyped sources', () => {
    const text = `${SOURCES}policy p {
  desired loose
  actual loose
  remediate { on changed when desired.whatever.deep > actual.other => report }
}
`;
    expectDiagnostics(text, []);
  });

  it('reports record and bare field names in rule contexts', () => {
    expectDiagnostics(withWhen('amount > 1'), [{ code: 'unknown-name' }]);
    expectDiagnostics(withWhen('record.amount > 1'), [{ code: 'unknown-name' }]);
  });

  it('reports changed() and only() paths the desired source does not have, with a quick fix', () => {
    const text = withWhen('changed("amont")');
    const [d] = expectDiagnostics(text, [{ code: 'unknown-field' }]);
    expect(d!.fixes?.[0]?.text).toBe('"amount"');
  });
});

describe('types', () => {
  const mismatches: [string, string][] = [
    ['desired.amount > "x"', "'>' cannot compare a number with a string"],
    ['desired.note - 1 > 0', "'-' needs numbers, got a string"],
    ['desired.amount + desired.note == 1', "'+' cannot add a number and a string"],
    ['desired.ok + 1 == 1', "'+' cannot add a boolean and an integer"],
    ['desired.at < 5', "'<' cannot compare a datetime with an integer"],
    ['desired.amount in 5', "'in' looks in a list or a string, got an integer"],
    ['5 in desired.note', "'in' on a string looks for text, got an integer"],
    ['desired.amount matches "a"', "'matches' tests text, got a number"],
    ['-desired.note == 1', "'-' needs a number, got a string"],
    ['lower(desired.amount) == "x"', 'lower() needs a string as argument 1, got a number'],
    ['now() - desired.at > 0', "'-' needs numbers, got a datetime"],
    ['desired.ok > true', "'>' cannot compare a boolean with a boolean"],
    ['[1] + 1 == 2', "'+' cannot add a list and an integer"],
    ['desired.note matches 1', "'matches' needs a pattern string, got an integer"],
  ];
  for (const [condition, message] of mismatches) {
    it(`reports: ${condition}`, () => {
      const [d] = expectDiagnostics(withWhen(condition), [{ code: 'type-mismatch' }]);
      expect(d!.message).toBe(message);
    });
  }

  it('never reports on unknown, json or null operands', () => {
    expectDiagnostics(withWhen('desired.meta + 1 > desired.meta and null + 1 == null'), []);
    const loose = `${SOURCES}policy p {
  desired loose
  actual loose
  remediate { on changed when desired.a + 1 > actual.b and desired.c - actual.d > "x" => report }
}
`;
    expectDiagnostics(loose, []);
  });

  it('infers let types', () => {
    expectDiagnostics(withWhen('desired.amount > big', 'let big = 10000\n'), []);
    expectDiagnostics(withWhen('desired.amount > name', 'let name = "x"\n'), [{ code: 'type-mismatch' }]);
    expectDiagnostics(withWhen('desired.amount > twice', 'let base = 2\nlet twice = base * 2\n'), []);
  });
});

describe('functions', () => {
  it('reports an unknown function with a quick fix', () => {
    const text = withWhen('lowr(desired.note) == "x"');
    const [d] = expectDiagnostics(text, [{ code: 'unknown-function' }]);
    expect(d!.message).toBe("unknown function 'lowr'; did you mean 'lower'?");
    expect(d!.fixes?.[0]).toMatchObject({ start: text.indexOf('lowr'), end: text.indexOf('lowr') + 4, text: 'lower' });
  });

  it('reports calls of something that is not a function', () => {
    expectDiagnostics(withWhen('desired.note() == "x"'), [{ code: 'unknown-function' }]);
  });

  it('reports the wrong number of arguments', () => {
    const [d] = expectDiagnostics(withWhen('lower() == "x"'), [{ code: 'wrong-arity' }]);
    expect(d!.message).toBe('lower() takes 1 argument(s), got 0');
    expectDiagnostics(withWhen('round(1, 2, 3) == 1'), [{ code: 'wrong-arity' }]);
    expectDiagnostics(withWhen('now(1) > desired.at'), [{ code: 'wrong-arity' }]);
    expectDiagnostics(withWhen('only()'), [{ code: 'wrong-arity' }]);
  });

  it('reports named arguments of functions', () => {
    expectDiagnostics(withWhen('round(desired.amount, digits: 2) > 1'), [{ code: 'unknown-option' }]);
  });

  it('reports a function name used as a value', () => {
    const [d] = expectDiagnostics(withWhen('now > desired.at'), [{ code: 'unknown-name' }]);
    expect(d!.message).toContain('call it');
  });

  it('keeps changed() and only() to places where diff exists', () => {
    expectDiagnostics(withWhere('changed("amount")'), [{ code: 'function-not-available' }]);
  });

  it('needs constant names for env(), secret() and constant paths for changed()', () => {
    expectDiagnostics(withWhen('env(desired.note) == "x"'), [{ code: 'not-constant' }]);
    expectDiagnostics(withWhen('changed(desired.note)'), [{ code: 'not-constant' }]);
    expectDiagnostics(withWhen('env(stage) == "x"', 'let stage = "STAGE"\n'), []);
  });

  it('reports an invalid regular expression', () => {
    const [d] = expectDiagnostics(withWhen('desired.note matches "(["'), [{ code: 'invalid-regex' }]);
    expect(d!.message).toMatch(/^invalid regular expression "\(\[": /);
    expectDiagnostics(withWhen('desired.note matches pattern', 'let pattern = "a("\n'), [{ code: 'invalid-regex' }]);
  });
});

describe('what bare names mean in record contexts', () => {
  it('reads fields of the typed record in where, and reports unknown ones', () => {
    expectDiagnostics(withWhere('amount > 1 and note != "x" and meta.a == 1 and record["note"] == "x"'), []);
    const text = withWhere('amont > 1');
    const [d] = expectDiagnostics(text, [{ code: 'unknown-field', line: lineOf(text, 'where amont') }]);
    expect(d!.message).toBe("'amont' is not a field of source 'w'; did you mean 'amount'?");
    expectDiagnostics(withWhere('record["cost-center"] == "x"'), [{ code: 'unknown-field' }]);
  });

  it('lets a field shadow a let of the same name', () => {
    // in where, amount is the number field (no mismatch with 1); in when, the string let
    expectDiagnostics(withWhere('amount > 1', 'let amount = "x"\n'), []);
    expectDiagnostics(withWhen('amount > 1', 'let amount = "x"\n'), [{ code: 'type-mismatch' }]);
  });

  it('accepts any name of the raw record in select', () => {
    const text = `source s {
  from csv("s.csv")
  key id
  select { id = raw_id  total = a.b.c + other  label = upper(record["odd name"]) }
  where total > 1 and label != "x"
}
`;
    expectDiagnostics(text, []);
    expectDiagnostics(text.replace('where total > 1', 'where totl > 1'), [{ code: 'unknown-field' }]);
  });

  it('reads the record to write in map', () => {
    const text = `source s {
  from http("http://127.0.0.1/x")
  key id
  fields { id: string  amount: number }
  write {
    create POST "http://127.0.0.1/x"
    map { amount_cents = amont * 100 }
  }
}
`;
    expectDiagnostics(text, [{ code: 'unknown-field' }]);
    expectDiagnostics(text.replace('amont', 'amount'), []);
  });

  it('allows only lets and functions in let values', () => {
    expectDiagnostics('let a = desired.x\n', [{ code: 'unknown-name', line: 1 }]);
    expectDiagnostics('let a = now()\nlet b = lower("X")\n', []);
  });
});

describe('lets of imported modules', () => {
  const files = { '/ws/consts.recon': '# constants\nlet rate = 2\nlet secret_token = secret("T")\n' };

  it('are reached as alias.name', () => {
    expectDiagnostics(withWhen('desired.amount > consts.rate', 'import "./consts.recon"\n'), [], files);
  });

  it('report a misspelt name with a quick fix on the name', () => {
    const text = withWhen('desired.amount > consts.rat', 'import "./consts.recon"\n');
    const [d] = expectDiagnostics(text, [{ code: 'unknown-name' }], files);
    expect(d!.message).toBe("unknown name 'consts.rat'; did you mean 'rate'?");
    expect(d!.fixes?.[0]).toMatchObject({ start: text.indexOf('rat'), text: 'rate' });
  });

  it('report a module used as a value', () => {
    expectDiagnostics(withWhen('desired.amount > consts', 'import "./consts.recon"\n'), [{ code: 'unknown-name' }], files);
  });

  it('carry their secrets along', () => {
    expectDiagnostics(withWhen('desired.note == consts.secret_token', 'import "./consts.recon"\n'), [{ code: 'secret-not-allowed' }], files);
  });
});

describe('secret()', () => {
  it('is allowed in connector arguments and options, directly or through a let', () => {
    const text = `let token = secret("TOKEN")
let auth = "Bearer \${token}"
source s {
  from http("http://127.0.0.1/\${secret("PATH")}", headers: { Authorization: auth, X: "\${secret("X")}" })
  key id
}
source db {
  from postgres(secret("DATABASE_URL"), table: "t")
  key id
}
`;
    expectDiagnostics(text, []);
  });

  it('is not reported for a let that a declared field of the same name hides', () => {
    expectDiagnostics('let token = secret("T")\nsource s {\n  from csv("s.csv")\n  key id\n  fields {\n    id: string\n    token: string\n  }\n  where token != "x"\n}\n', []);
  });

  const placements: [string, string][] = [
    ['a condition', withWhen('desired.note == secret("X")')],
    ['a condition, through a let', withWhen('desired.note == auth', 'let token = secret("T")\nlet auth = "Bearer ${token}"\n')],
    ['a where', withWhere('note == secret("X")')],
    [
      'a ticket title',
      `${SOURCES}policy p {\n  desired ledger\n  actual bank\n  remediate { on missing => ticket "token \${secret("X")}" }\n}\n`,
    ],
    ['a test record', `${SOURCES}policy p {\n  desired ledger\n  actual bank\n}\ntest "t" {\n  policy p\n  desired [ { id: secret("X") } ]\n  actual []\n  expect no_drift\n}\n`],
    ['a group', 'group g = [secret("X")]\n'],
    ['a select line', 'source s {\n  from csv("s.csv")\n  key id\n  select { id = secret("X") }\n}\n'],
    // A bare name of an untyped record compiles to the field with the let as its fallback
    // ({"var": ["token", <let>]}), so the let's secret() is evaluated there: plan refused it,
    // with no position, after check had passed the file.
    ['a select line, through a let an untyped raw field may shadow', 'let token = secret("T")\nsource s {\n  from csv("s.csv")\n  key id\n  select {\n    id = id\n    t = token\n  }\n}\n'],
    ['an untyped where, through a let', 'let token = secret("T")\nsource s {\n  from csv("s.csv")\n  key id\n  where id != token\n}\n'],
    [
      'a write URL',
      'source s {\n  from http("http://127.0.0.1/x")\n  key id\n  write { create POST "http://127.0.0.1/${secret("X")}" }\n}\n',
    ],
  ];
  for (const [where, text] of placements) {
    it(`is reported in ${where}`, () => {
      const all = checkText(text);
      expect(all.filter((d) => d.code === 'secret-not-allowed')).toHaveLength(1);
      expect(all.filter((d) => d.code !== 'secret-not-allowed' && d.code !== 'not-constant')).toEqual([]);
    });
  }
});

describe('let cycles', () => {
  it('reports a cycle once, on the first let', () => {
    const text = 'let a = b + 1\nlet b = c\nlet c = a\n';
    const [d] = expectDiagnostics(text, [{ code: 'let-cycle', line: 1 }]);
    expect(d!.message).toBe("let 'a' depends on itself: a -> b -> c -> a");
  });

  it('reports a let that refers to itself', () => {
    expectDiagnostics('let a = a\n', [{ code: 'let-cycle', line: 1 }]);
  });

  it('does not loop when a cyclic let is used', () => {
    expectDiagnostics(withWhen('desired.amount > a', 'let a = b\nlet b = a\n'), [{ code: 'let-cycle', line: 1 }]);
  });
});
