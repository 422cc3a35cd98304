import { describe, expect, it } from 'vitest';
import { IrValidationError, isValidIr, loadIr, validateIr } from '../../../language/ir/ir-validate.js';
import type { IrDocument } from '../../../language/ir/ir-types.js';
import { validIr } from './valid-ir.js';

/** The error `validateIr` throws for `value` (fails the test when it throws none). */
function rejection(value: unknown): IrValidationError {
  try {
    validateIr(value);
  } catch (error) {
    expect(error).toBeInstanceOf(IrValidationError);
    return error as IrValidationError;
  }
  throw new Error('expected validateIr to reject the value');
}

/** Untyped JSON, so a test can break any part of the document in one line. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type LooseJson = Record<string, any>;

/** The valid IR, changed by `edit` (which gets it as loose JSON to break it freely). */
function broken(edit: (ir: LooseJson) => void): unknown {
  const ir = validIr() as unknown as LooseJson;
  edit(ir);
  return ir;
}

describe('validateIr on a valid document', () => {
  it('accepts the full hand-written IR', () => {
    const ir: unknown = validIr();
    expect(() => validateIr(ir)).not.toThrow();
    expect(isValidIr(ir)).toBe(true);
  });

  it('accepts the document after a JSON round trip', () => {
    const json = JSON.stringify(validIr(), null, 2);
    const loaded: IrDocument = loadIr(json, 'out/settlements.ir.json');
    expect(loaded).toEqual(validIr());
  });

  it('accepts an empty document', () => {
    expect(isValidIr({ version: 1, file: 'a.recon', sources: [], groups: [], policies: [], tests: [] })).toBe(true);
  });
});

describe('validateIr on broken documents', () => {
  it('rejects a wrong version, naming the found and the supported version', () => {
    const error = rejection(broken((ir) => (ir.version = 2)));
    expect(error.message).toBe(
      'IR version 2 found, but this Recon supports IR version 1 only; compile the .recon file again with this Recon',
    );
    expect(error.issues).toEqual([{ path: 'version', message: error.message }]);
  });

  it('rejects a document without version', () => {
    const error = rejection(broken((ir) => delete ir.version));
    expect(error.message).toBe('the IR has no version; this Recon supports IR version 1');
  });

  it('rejects a value that is not an object', () => {
    expect(rejection([1, 2]).message).toBe('an IR must be a JSON object, found a list');
    expect(rejection(null).message).toBe('an IR must be a JSON object, found null');
  });

  it('rejects an unknown comparator kind, naming the path and the allowed kinds', () => {
    const error = rejection(broken((ir) => (ir.policies[0].compare.rules[3].comparator = { kind: 'fuzzy' })));
    expect(error.issues).toEqual([
      {
        path: 'policies[0].compare.rules[3].comparator.kind',
        message: 'must be one of "exact", "ignore", "ignore_case", "within", "unordered", "normalize", "by" (found "fuzzy")',
      },
    ]);
    expect(error.message).toBe(
      'invalid IR: policies[0].compare.rules[3].comparator.kind: must be one of "exact", "ignore", "ignore_case", ' +
        '"within", "unordered", "normalize", "by" (found "fuzzy")',
    );
  });

  it('rejects a comparator without kind', () => {
    const error = rejection(broken((ir) => (ir.policies[0].compare.rules[0].comparator = {})));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.path).toBe('policies[0].compare.rules[0].comparator.kind');
    expect(error.issues[0]?.message).toMatch(/^is missing \(required\); one of "exact"/);
  });

  it('checks the fields of the comparator branch its kind selects', () => {
    const error = rejection(broken((ir) => (ir.policies[0].compare.rules[6].comparator = { kind: 'unordered', by: 3 })));
    expect(error.issues).toEqual([
      { path: 'policies[0].compare.rules[6].comparator.by', message: 'must be a string or null, found the number 3' },
    ]);
  });

  it('rejects `within` with none or with two of absolute, relative, duration_ms', () => {
    const none = rejection(broken((ir) => (ir.policies[0].compare.rules[3].comparator = { kind: 'within' })));
    expect(none.issues).toEqual([
      {
        path: 'policies[0].compare.rules[3].comparator',
        message: 'must have exactly one of "absolute", "relative", "duration_ms" (found none)',
      },
    ]);
    const two = rejection(
      broken((ir) => (ir.policies[0].compare.rules[3].comparator = { kind: 'within', absolute: 1, duration_ms: 5 })),
    );
    expect(two.issues).toEqual([
      {
        path: 'policies[0].compare.rules[3].comparator',
        message: 'must have only one of "absolute", "relative", "duration_ms" (found "absolute", "duration_ms")',
      },
    ]);
  });

  it('rejects an unknown normalizer and a round without digits', () => {
    const error = rejection(
      broken((ir) => {
        const normalizers = ir.policies[0].compare.rules[8].comparator.normalizers;
        normalizers[0] = { name: 'squash' };
        normalizers[6] = { name: 'round' };
      }),
    );
    expect(error.issues.map((i) => i.path)).toEqual([
      'policies[0].compare.rules[8].comparator.normalizers[0].name',
      'policies[0].compare.rules[8].comparator.normalizers[6].digits',
    ]);
    expect(error.issues[1]?.message).toBe('is missing (required)');
  });

  it('rejects an unknown operation in a nested expression', () => {
    const error = rejection(
      broken((ir) => (ir.policies[0].remediate[4].when = { and: [{ '>': [{ eval: ['1+1'] }, 1] }, true] })),
    );
    expect(error.issues).toEqual([
      { path: 'policies[0].remediate[4].when.and[0][">"][0]', message: 'unknown operation "eval"' },
    ]);
  });

  it('rejects a prototype-reaching operation name', () => {
    const error = rejection(broken((ir) => (ir.sources[0].where.expr = JSON.parse('{"__proto__": [1]}'))));
    expect(error.issues).toEqual([{ path: 'sources[0].where.expr', message: 'unknown operation "__proto__"' }]);
  });

  it('rejects an expression object with two keys or none', () => {
    const two = rejection(broken((ir) => (ir.sources[0].select[0].expr = { var: 'id', get: ['x', 1] })));
    expect(two.issues).toEqual([
      {
        path: 'sources[0].select[0].expr',
        message: 'an operation must be an object with exactly one key, the operation name (found 2 keys)',
      },
    ]);
    const none = rejection(broken((ir) => (ir.sources[0].select[0].expr = {})));
    expect(none.issues[0]?.message).toMatch(/found 0 keys/);
  });

  it('rejects an extra property, listing the known ones', () => {
    const error = rejection(broken((ir) => (ir.sources[0].connector.optoins = [])));
    expect(error.issues).toEqual([
      { path: 'sources[0].connector.optoins', message: 'is not a known property (known: kind, path, args, options, at)' },
    ]);
  });

  it('rejects extra properties at the root and deep inside', () => {
    const error = rejection(
      broken((ir) => {
        ir.comment = 'hi';
        ir.tests[1].expect.actions[0].approval = true;
      }),
    );
    expect(error.issues.map((i) => i.path)).toEqual(['comment', 'tests[1].expect.actions[0].approval']);
    expect(error.message).toMatch(/^invalid IR \(2 problems\): comment: is not a known property/);
  });

  it('rejects a bad `at`', () => {
    const error = rejection(broken((ir) => (ir.policies[0].limits = { ...ir.policies[0].limits, extra: 1 })));
    expect(error.issues[0]?.path).toBe('policies[0].limits.extra');
    const bad = rejection(broken((ir) => (ir.groups[0].at = 'policies/settlements.recon:20')));
    expect(bad.issues).toEqual([
      { path: 'groups[0].at', message: 'must be a location "file:line:col" (found "policies/settlements.recon:20")' },
    ]);
    const missing = rejection(broken((ir) => delete ir.sources[1].connector.at));
    expect(missing.issues).toEqual([{ path: 'sources[1].connector.at', message: 'is missing (required)' }]);
  });

  it('rejects a missing required property', () => {
    const error = rejection(broken((ir) => delete ir.policies[1].rate));
    expect(error.issues).toEqual([{ path: 'policies[1].rate', message: 'is missing (required)' }]);
  });

  it('rejects enum values outside their closed sets', () => {
    const error = rejection(
      broken((ir) => {
        ir.policies[0].severity = 'urgent';
        ir.policies[0].remediate[0].on = 'gone';
        ir.policies[0].remediate[0].action = 'fix';
        ir.sources[0].fields[0].type = 'text';
        ir.tests[1].expect.counts[0].kind = 'any';
      }),
    );
    expect(error.issues.map((i) => i.path)).toEqual([
      'sources[0].fields[0].type',
      'policies[0].severity',
      'policies[0].remediate[0].on',
      'policies[0].remediate[0].action',
      'tests[1].expect.counts[0].kind',
    ]);
    expect(error.issues[1]?.message).toBe('must be one of "low", "medium", "high", "critical" (found "urgent")');
  });

  it('rejects a write op with neither or both of http and exec', () => {
    const neither = rejection(broken((ir) => delete ir.sources[0].write.ops[0].http));
    expect(neither.issues).toEqual([
      { path: 'sources[0].write.ops[0]', message: 'must have exactly one of "http", "exec" (found none)' },
    ]);
    const both = rejection(broken((ir) => (ir.sources[0].write.ops[1].http = { method: 'PUT', url: 'x' })));
    expect(both.issues).toEqual([
      { path: 'sources[0].write.ops[1]', message: 'must have only one of "http", "exec" (found "http", "exec")' },
    ]);
  });

  it('requires `path` exactly for file connectors', () => {
    const missing = rejection(broken((ir) => delete ir.sources[0].connector.path));
    expect(missing.issues).toEqual([
      {
        path: 'sources[0].connector.path',
        message: 'is missing (required) (file connectors csv, json, jsonl, yaml need it)',
      },
    ]);
    const extra = rejection(broken((ir) => (ir.sources[1].connector.path = 'data/x.json')));
    expect(extra.issues).toEqual([
      { path: 'sources[1].connector.path', message: 'is only allowed for file connectors (csv, json, jsonl, yaml)' },
    ]);
  });

  it('rejects paths that leave the workspace root or are absolute', () => {
    for (const path of ['../secrets.csv', '/etc/passwd', 'data/../../x.csv', 'C:/data/x.csv', 'data\\x.csv', 'a//b.csv', '']) {
      const error = rejection(broken((ir) => (ir.sources[0].connector.path = path)));
      expect(error.issues).toEqual([
        {
          path: 'sources[0].connector.path',
          message: `must be a path relative to the workspace root (forward slashes, no "..", not absolute) (found ${JSON.stringify(path)})`,
        },
      ]);
    }
    expect(isValidIr(broken((ir) => (ir.sources[0].connector.path = 'data/..hidden/x..csv')))).toBe(true);
  });

  it('rejects wrong types with the type found', () => {
    const error = rejection(
      broken((ir) => {
        ir.policies[0].concurrency = 2.5;
        ir.policies[0].retry.attempts = '3';
        ir.sources[0].writable = 'yes';
      }),
    );
    expect(error.issues).toEqual([
      { path: 'sources[0].writable', message: 'must be true or false, found the string "yes"' },
      { path: 'policies[0].retry.attempts', message: 'must be an integer, found the string "3"' },
      { path: 'policies[0].concurrency', message: 'must be an integer, found the number 2.5' },
    ]);
  });

  it('rejects out-of-range numbers and bad dates', () => {
    const error = rejection(
      broken((ir) => {
        ir.policies[0].remediate[0].index = 0;
        ir.policies[0].remediate[1].until = '31.12.2030';
        ir.tests[1].expect.counts[0].count = -1;
      }),
    );
    expect(error.issues).toEqual([
      { path: 'policies[0].remediate[0].index', message: 'must be >= 1 (found 0)' },
      { path: 'policies[0].remediate[1].until', message: 'must be a date "YYYY-MM-DD" (found "31.12.2030")' },
      { path: 'tests[1].expect.counts[0].count', message: 'must be >= 0 (found -1)' },
    ]);
  });

  it('rejects a test expectation mixing the two forms', () => {
    const extra = rejection(broken((ir) => (ir.tests[0].expect.counts = [])));
    expect(extra.issues).toEqual([
      { path: 'tests[0].expect.counts', message: 'is not a known property (known: no_drift)' },
    ]);
    const missing = rejection(broken((ir) => (ir.tests[1].expect = { no_drift: false })));
    expect(missing.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'tests[1].expect.counts: is missing (required)',
      'tests[1].expect.actions: is missing (required)',
    ]);
    const noFlag = rejection(broken((ir) => delete ir.tests[1].expect.no_drift));
    expect(noFlag.issues).toEqual([{ path: 'tests[1].expect.no_drift', message: 'is missing (required)' }]);
  });

  it('rejects test keys that are not strings, numbers or lists of them', () => {
    const error = rejection(
      broken((ir) => {
        ir.tests[1].expect.actions[0].key = { id: 1 };
        ir.tests[1].expect.actions[2].key = ['a', null];
      }),
    );
    expect(error.issues).toEqual([
      { path: 'tests[1].expect.actions[0].key', message: 'must be a string, a number or a list, found an object' },
      { path: 'tests[1].expect.actions[2].key[1]', message: 'must be a string or a number, found null' },
    ]);
  });

  it('cuts a long list of problems short', () => {
    const error = rejection(
      broken((ir) => {
        for (let i = 0; i < 25; i++) ir[`junk${i}`] = i;
      }),
    );
    expect(error.issues).toHaveLength(25);
    expect(error.message).toMatch(/^invalid IR \(25 problems\): junk0: /);
    expect(error.message).toMatch(/; and 5 more$/);
    expect(error.message).not.toContain('\n');
  });

  it('puts the origin in front of the message', () => {
    expect(() => validateIr(broken((ir) => (ir.file = 7)), 'out/a.ir.json')).toThrow(
      /^out\/a\.ir\.json: invalid IR: file: must be a string, found the number 7$/,
    );
  });

  it('gives the same verdict from isValidIr', () => {
    expect(isValidIr(broken((ir) => (ir.groups[0].members = 'bob')))).toBe(false);
  });
});

describe('loadIr', () => {
  it('parses and validates a JSON text, tolerating a byte-order mark', () => {
    const ir = loadIr(`\uFEFF${JSON.stringify(validIr())}`);
    expect(ir.policies[0]?.name).toBe('settlements');
  });

  it('says clearly when the text is not JSON', () => {
    let error: unknown;
    try {
      loadIr('{"version": 1,', 'out/a.ir.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IrValidationError);
    expect((error as Error).message).toMatch(/^out\/a\.ir\.json: the IR is not valid JSON \(.+\)$/);
    expect((error as IrValidationError).issues[0]?.path).toBe('(document)');
  });

  it('names the found and the supported version', () => {
    const json = JSON.stringify({ ...validIr(), version: '2.0' });
    expect(() => loadIr(json, 'x.ir.json')).toThrow(
      'x.ir.json: IR version "2.0" found, but this Recon supports IR version 1 only; compile the .recon file again with this Recon',
    );
  });

  it('reports schema errors of the loaded value', () => {
    const json = JSON.stringify(broken((ir) => (ir.policies[0].mode = 'apply')));
    expect(() => loadIr(json)).toThrow(
      'invalid IR: policies[0].mode: must be one of "audit", "enforce" (found "apply")',
    );
  });
});
