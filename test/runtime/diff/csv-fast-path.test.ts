/**
 * The CSV fast path gives exactly the generic path's result: property tests over small generated
 * CSV files (quotes, escapes, line breaks in values, CRLF, BOM, blank lines, bad values,
 * duplicate keys, column orders, select renames, typed and untyped sources, many rules), with
 * the files split into many byte ranges; files whose actual rows mostly copy desired ones (so
 * that many pairs are equal and skip type checks); plus a few runs on real worker threads.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IrComparator, IrDocument, IrFieldType, IrPolicy, IrSource } from '../../../language/ir/ir-types.js';
import { startPolicyDecision } from '../../../runtime/decide/decider.js';
import { diffSources, type DiffPathReport } from '../../../runtime/diff/diff-sources.js';
import type { DiffResult } from '../../../runtime/diff/diff-result.js';
import { csvCell, OBSERVED_AT, policy, source, workspace } from './diff-fixture.js';

const COLUMNS = ['id', 'amount', 'currency', 'status', 'booked_at', 'qty', 'flag'] as const;
type Column = (typeof COLUMNS)[number];
type Row = Record<Column, string>;

const TYPES: Record<Column, IrFieldType> = {
  id: 'string',
  amount: 'number',
  currency: 'string',
  status: 'string',
  booked_at: 'datetime',
  qty: 'integer',
  flag: 'bool',
};

const rowArbitrary: fc.Arbitrary<Row> = fc.record({
  id: fc.constantFrom('k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'ké', 'a,b', 'q"t', 'x\ny', ''),
  amount: fc.constantFrom('10', '10.0', '10.004', '10.02', '1e1', ' 10', '-0', 'abc', ''),
  currency: fc.constantFrom('EUR', 'eur', 'USD', ''),
  status: fc.constantFrom('ok', 'ok ', 'o  k', 'a,b', 'say "hi"', 'line\nbreak', 'tab\there', ''),
  booked_at: fc.constantFrom(
    '2024-01-01T00:00:00Z',
    '2024-01-01T00:01:00Z',
    '2024-01-01T01:00:00+01:00',
    '2024-01-01',
    '2024-01-01 00:00:00Z',
    '2024-01-01T00:00:00.000001Z',
    '2024-02-30T00:00:00Z',
    'nope',
    '',
  ),
  qty: fc.constantFrom('1', '01', '1.5', '2', '-3', ''),
  flag: fc.constantFrom('true', 'false', 'TRUE', '1', 'yes', 'maybe', ''),
});

interface FileFormat {
  crlf: boolean;
  bom: boolean;
  blankLines: boolean;
  quoteAll: boolean;
  trailingNewline: boolean;
  order: Column[];
}

const formatArbitrary: fc.Arbitrary<FileFormat> = fc.record({
  crlf: fc.boolean(),
  bom: fc.boolean(),
  blankLines: fc.boolean(),
  quoteAll: fc.boolean(),
  trailingNewline: fc.boolean(),
  order: fc.shuffledSubarray([...COLUMNS], { minLength: COLUMNS.length, maxLength: COLUMNS.length }),
});

function writeCsv(rows: Row[], format: FileFormat, names: (c: Column) => string = (c) => c): Buffer {
  const eol = format.crlf ? '\r\n' : '\n';
  const lines = [format.order.map((c) => csvCell(names(c))).join(',')];
  rows.forEach((row, i) => {
    if (format.blankLines && i % 3 === 1) lines.push('');
    lines.push(format.order.map((c) => csvCell(row[c], format.quoteAll && row[c] !== '')).join(','));
  });
  const text = lines.join(eol) + (format.trailingNewline ? eol : '');
  return Buffer.from((format.bom ? '\ufeff' : '') + text, 'utf8');
}

const comparatorArbitraries: Record<string, fc.Arbitrary<IrComparator>> = {
  amount: fc.constantFrom<IrComparator>(
    { kind: 'exact' },
    { kind: 'within', absolute: 0.005 },
    { kind: 'within', relative: 0.01 },
    { kind: 'ignore' },
    { kind: 'normalize', normalizers: [{ name: 'round', digits: 1 }] },
  ),
  currency: fc.constantFrom<IrComparator>({ kind: 'exact' }, { kind: 'ignore_case' }, { kind: 'normalize', normalizers: [{ name: 'upper' }] }),
  status: fc.constantFrom<IrComparator>(
    { kind: 'exact' },
    { kind: 'normalize', normalizers: [{ name: 'trim' }, { name: 'collapse_space' }] },
    { kind: 'ignore' },
  ),
  booked_at: fc.constantFrom<IrComparator>({ kind: 'exact' }, { kind: 'within', duration_ms: 120000 }, { kind: 'normalize', normalizers: [{ name: 'utc' }] }),
};

const caseArbitrary = fc.record({
  desired: fc.array(rowArbitrary, { maxLength: 25 }),
  actual: fc.array(rowArbitrary, { maxLength: 25 }),
  desiredFormat: formatArbitrary,
  actualFormat: formatArbitrary,
  desiredTyped: fc.boolean(),
  actualTyped: fc.boolean(),
  actualSelect: fc.boolean(),
  rules: fc.record(comparatorArbitraries, { requiredKeys: [] }),
  defaultIgnore: fc.boolean(),
  minRangeBytes: fc.integer({ min: 1, max: 400 }),
  eager: fc.boolean(),
});

type Case = typeof caseArbitrary extends fc.Arbitrary<infer T> ? T : never;

function sources(c: Case): { d: IrSource; a: IrSource } {
  const typed = (on: boolean, rename?: (col: Column) => string) => (on ? Object.fromEntries(COLUMNS.map((col) => [rename ? col : col, TYPES[col]])) : null);
  const d = source('desired', { kind: 'csv', path: 'desired.csv', fields: typed(c.desiredTyped) });
  const a = source('actual', {
    kind: 'csv',
    path: 'actual.csv',
    fields: typed(c.actualTyped),
    select: c.actualSelect ? Object.fromEntries(COLUMNS.map((col) => [col, `raw_${col}`])) : null,
  });
  return { d, a };
}

async function bothPaths(
  p: IrPolicy,
  d: IrSource,
  a: IrSource,
  root: string,
  fast: { workers: number; minRangeBytes: number; eager?: boolean },
): Promise<{ generic: DiffResult; fast: DiffResult; report: DiffPathReport | null }> {
  const ctx = { observedAt: OBSERVED_AT, env: {}, workspaceRoot: root, trusted: true };
  const generic = await diffSources(p, d, a, { ...ctx, fastPath: { enabled: false } });
  let report: DiffPathReport | null = null;
  const fastResult = await diffSources(p, d, a, {
    ...ctx,
    fastPath: { minBytes: 0, workers: fast.workers, minRangeBytes: fast.minRangeBytes, eager: fast.eager, report: (r) => (report = r) },
  });
  return { generic, fast: fastResult, report };
}

describe('the CSV fast path', () => {
  it('gives the generic path result on generated files', async () => {
    let fastRuns = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(caseArbitrary, async (c) => {
        const { d, a } = sources(c);
        const p = policy(c.rules as Record<string, IrComparator>, c.defaultIgnore ? "ignore" : "exact");
        const ws = workspace({
          'desired.csv': writeCsv(c.desired, c.desiredFormat),
          'actual.csv': writeCsv(c.actual, c.actualFormat, c.actualSelect ? (col) => `raw_${col}` : undefined),
        });
        try {
          const result = await bothPaths(p, d, a, ws.root, { workers: 0, minRangeBytes: c.minRangeBytes, eager: c.eager });
          runs++;
          if (result.report?.path === 'fast') fastRuns++;
          expect(result.fast).toEqual(result.generic);
          // Deciding items as the diff makes them: the same plan items, in the same order
          const decision = startPolicyDecision(p, { observedAt: OBSERVED_AT, ir: { sources: [d, a] } as unknown as IrDocument, env: {} });
          const decidedRun = await diffSources(p, d, a, {
            observedAt: OBSERVED_AT,
            env: {},
            workspaceRoot: ws.root,
            trusted: true,
            fastPath: { minBytes: 0, workers: 0, minRangeBytes: c.minRangeBytes, eager: c.eager },
            decide: decision.decide,
          });
          const expected = result.generic.items.map((item) => decision.decide(item));
          expect(decidedRun.decided ?? decidedRun.items.map((item) => decision.decide(item))).toEqual(expected);
          expect(decidedRun.summary).toEqual(result.generic.summary);
          if (decidedRun.decided) {
            expect(decidedRun.items.every((item) => item.desiredRaw === null && item.actualRaw === null && item.desired === null && item.actual === null)).toBe(true);
            expect(decidedRun.items.map((item) => [item.kind, item.key, item.side, item.origin])).toEqual(result.generic.items.map((item) => [item.kind, item.key, item.side, item.origin]));
          }
        } finally {
          ws.cleanup();
        }
      }),
      { numRuns: 300 },
    );
    // Most generated files are well formed: the property must mostly exercise the fast path.
    expect(fastRuns).toBeGreaterThan(runs / 2);
  }, 120_000);

  it('runs on worker threads with the same result, keys repeated across ranges included', async () => {
    const rows: string[] = ['id,amount,currency,status'];
    for (let i = 0; i < 3000; i++) rows.push(`t${i % 2900},${i === 1500 ? 'abc' : i === 1600 ? '1e1' : (i % 97) + 0.5},EUR,"ok, fine"`);
    const actualRows: string[] = ['status,currency,amount,id'];
    for (let i = 0; i < 3000; i++) {
      const id = i < 2990 ? i : i + 5000;
      actualRows.push(`"ok, fine",${i % 50 === 0 ? 'usd' : 'EUR'},${(i % 97) + 0.5 + (i % 40 === 0 ? 1 : 0)},t${id}`);
    }
    actualRows.push('"ok, fine",EUR,1,t10');
    const ws = workspace({ 'desired.csv': rows.join('\n') + '\n', 'actual.csv': actualRows.join('\r\n') });
    try {
      const d = source('desired', { kind: 'csv', path: 'desired.csv', fields: { id: 'string', amount: 'number', currency: 'string', status: 'string' } });
      const a = source('actual', { kind: 'csv', path: 'actual.csv' });
      const p = policy({ currency: { kind: 'ignore_case' } });
      for (const eager of [false, true]) {
        const result = await bothPaths(p, d, a, ws.root, { workers: 2, minRangeBytes: 1000, eager });
        expect(result.report).toEqual({ path: 'fast', reason: null });
        expect(result.fast).toEqual(result.generic);
        expect(result.fast.summary.invalid).toBeGreaterThan(0);
        expect(result.fast.summary.changed).toBeGreaterThan(0);
      }
      const result = await bothPaths(p, d, a, ws.root, { workers: 2, minRangeBytes: 1000 });
      expect(result.fast).toEqual(result.generic);
      expect(result.fast.summary.invalid).toBeGreaterThan(0);
      expect(result.fast.summary.changed).toBeGreaterThan(0);
    } finally {
      ws.cleanup();
    }
  }, 60_000);

  it('gives the generic path result when most actual rows copy desired ones (vouched type checks)', async () => {
    // Actual rows equal to their desired row skip the checks of the columns both sides type
    // alike (`ScanPlan.vouched`): copies of valid, invalid ('abc') and unchecked-but-valid
    // ('1e1') values, repeated keys, and columns typed on one side only, or differently (which
    // the fast path declines when the column is compared).
    const typesArbitrary = fc.record(
      Object.fromEntries(COLUMNS.filter((col) => col !== 'id').map((col) => [col, fc.constantFrom<IrFieldType | null>(TYPES[col], 'string', 'number', 'integer', null)])),
    ) as fc.Arbitrary<Record<Exclude<Column, 'id'>, IrFieldType | null>>;
    const actualTypeArbitrary = fc.constantFrom('same', 'same', 'same', 'same', 'none', 'other');
    const copyArbitrary = fc.record({
      desired: fc.array(rowArbitrary, { minLength: 1, maxLength: 30 }),
      changes: fc.array(fc.option(rowArbitrary, { freq: 3 }), { maxLength: 35 }),
      desiredTypes: typesArbitrary,
      actualTypes: fc.tuple(typesArbitrary, fc.record(Object.fromEntries(COLUMNS.filter((col) => col !== 'id').map((col) => [col, actualTypeArbitrary])))),
      order: fc.shuffledSubarray([...COLUMNS], { minLength: COLUMNS.length, maxLength: COLUMNS.length }),
      minRangeBytes: fc.integer({ min: 1, max: 400 }),
      workers: fc.constantFrom(0, 0, 0, 0, 0, 0, 0, 0, 0, 2),
    });
    const plain: FileFormat = { crlf: false, bom: false, blankLines: false, quoteAll: false, trailingNewline: true, order: [...COLUMNS] };
    let vouchable = 0;
    await fc.assert(
      fc.asyncProperty(copyArbitrary, async (c) => {
        // Each actual row copies a desired row (cycling), or is another row (a change).
        const actual = c.changes.map((change, i) => change ?? { ...c.desired[i % c.desired.length] });
        const fields = (types: Record<string, IrFieldType | null>) =>
          Object.fromEntries([['id', 'string' as IrFieldType], ...Object.entries(types).filter(([, type]) => type !== null)]) as Record<string, IrFieldType>;
        // Per column: the desired type, none, or another drawn type.
        const [others, how] = c.actualTypes;
        const actualTypes = Object.fromEntries(
          Object.entries(c.desiredTypes).map(([col, type]) => [col, how[col] === 'same' ? type : how[col] === 'none' ? null : others[col as keyof typeof others]]),
        );
        const d = source('desired', { kind: 'csv', path: 'desired.csv', fields: fields(c.desiredTypes) });
        const a = source('actual', { kind: 'csv', path: 'actual.csv', fields: fields(actualTypes) });
        const ws = workspace({ 'desired.csv': writeCsv(c.desired, plain), 'actual.csv': writeCsv(actual, { ...plain, order: c.order }) });
        try {
          const result = await bothPaths(policy({ currency: { kind: 'ignore_case' } }), d, a, ws.root, { workers: c.workers, minRangeBytes: c.minRangeBytes });
          expect(result.fast).toEqual(result.generic);
          if (result.report?.path === 'fast' && Object.entries(c.desiredTypes).some(([col, type]) => type !== null && type !== 'string' && actualTypes[col] === type)) vouchable++;
        } finally {
          ws.cleanup();
        }
      }),
      { numRuns: 150 },
    );
    // Most runs take the fast path with a column both sides type alike.
    expect(vouchable).toBeGreaterThan(50);
  }, 120_000);

  it('falls back to the generic path on a malformed row, with the same result', async () => {
    const ws = workspace({ 'desired.csv': 'id,amount\n1,2\n2,3,4\n3,"x"y\n', 'actual.csv': 'id,amount\n1,2\n' });
    try {
      const d = source('desired', { kind: 'csv', path: 'desired.csv' });
      const a = source('actual', { kind: 'csv', path: 'actual.csv' });
      const result = await bothPaths(policy(), d, a, ws.root, { workers: 0, minRangeBytes: 4 });
      expect(result.report?.path).toBe('generic');
      expect(result.report?.reason).toMatch(/field/);
      expect(result.fast).toEqual(result.generic);
      expect(result.fast.summary.invalid).toBe(2);
    } finally {
      ws.cleanup();
    }
  });

  it('leaves a file of bare carriage-return line ends to the generic path, which refuses it', async () => {
    const ws = workspace({ 'desired.csv': 'id,amount\r1,2\r2,3\n', 'actual.csv': 'id,amount\n1,2\n' });
    try {
      const d = source('desired', { kind: 'csv', path: 'desired.csv' });
      const a = source('actual', { kind: 'csv', path: 'actual.csv' });
      const reports: DiffPathReport[] = [];
      const run = diffSources(policy(), d, a, {
        observedAt: OBSERVED_AT,
        env: {},
        workspaceRoot: ws.root,
        trusted: true,
        fastPath: { minBytes: 0, workers: 0, report: (r) => reports.push(r) },
      });
      await expect(run).rejects.toThrow(/desired\.csv:1: the header row holds a carriage return that does not end a line/);
      expect(reports).toEqual([{ path: 'generic', reason: 'source desired: the first row holds a carriage return that does not end a line' }]);
    } finally {
      ws.cleanup();
    }
  });

  it('restarts with one range when a range boundary falls inside a quoted line break', async () => {
    const value = 'a\n'.repeat(50);
    const rows = ['id,note'];
    for (let i = 0; i < 40; i++) rows.push(`k${i},"${value}"`);
    const ws = workspace({ 'desired.csv': rows.join('\n'), 'actual.csv': rows.slice(0, 30).join('\n') });
    try {
      const d = source('desired', { kind: 'csv', path: 'desired.csv' });
      const a = source('actual', { kind: 'csv', path: 'actual.csv' });
      const result = await bothPaths(policy(), d, a, ws.root, { workers: 0, minRangeBytes: 300 });
      expect(result.report?.path).toBe('fast');
      expect(result.fast).toEqual(result.generic);
      expect(result.fast.summary.missing).toBe(11);
    } finally {
      ws.cleanup();
    }
  });

  it('is not taken for by rules, where, computed selects or json fields', async () => {
    const ws = workspace({ 'desired.csv': 'id,a\n1,2\n', 'actual.csv': 'id,a\n1,2\n' });
    try {
      const d = source('desired', { kind: 'csv', path: 'desired.csv' });
      const a = source('actual', { kind: 'csv', path: 'actual.csv' });
      const byRule = policy({ a: { kind: 'by', expr: true } });
      const result = await bothPaths(byRule, d, a, ws.root, { workers: 0, minRangeBytes: 1 });
      expect(result.report?.path).toBe('generic');
      expect(result.report?.reason).toMatch(/by EXPR/);
      const json = source('actual', { kind: 'csv', path: 'actual.csv', fields: { id: 'string', a: 'json' } });
      const second = await bothPaths(policy(), d, json, ws.root, { workers: 0, minRangeBytes: 1 });
      expect(second.report?.reason).toMatch(/json/);
      const computed: IrSource = { ...a, select: [{ name: 'id', expr: { var: 'id' }, reads: ['id'], plainPath: 'id', at: 'x:1:1' }, { name: 'a', expr: { upper: [{ var: 'a' }] }, reads: ['a'], plainPath: null, at: 'x:1:1' }] };
      const third = await bothPaths(policy(), d, computed, ws.root, { workers: 0, minRangeBytes: 1 });
      expect(third.report?.reason).toMatch(/not a plain path/);
      expect(third.fast).toEqual(third.generic);
      // Equal bytes, unequal values: a datetime is canonicalised on the side that declares it.
      writeFileSync(path.join(ws.root, 'desired.csv'), 'id,a\n1,2024-01-01T00:00:00Z\n');
      writeFileSync(path.join(ws.root, 'actual.csv'), 'id,a\n1,2024-01-01T00:00:00Z\n');
      const asString = source('desired', { kind: 'csv', path: 'desired.csv', fields: { id: 'string', a: 'string' } });
      const asDatetime = source('actual', { kind: 'csv', path: 'actual.csv', fields: { id: 'string', a: 'datetime' } });
      const mixed = await bothPaths(policy(), asString, asDatetime, ws.root, { workers: 0, minRangeBytes: 1 });
      expect(mixed.report?.reason).toMatch(/declared string on one side and datetime/);
      expect(mixed.fast).toEqual(mixed.generic);
      expect(mixed.generic.summary.changed).toBe(1);
      // Not compared: no matter.
      const ignored = await bothPaths(policy({ a: { kind: 'ignore' } }), asString, asDatetime, ws.root, { workers: 0, minRangeBytes: 1 });
      expect(ignored.report?.path).toBe('fast');
      expect(ignored.fast).toEqual(ignored.generic);
    } finally {
      ws.cleanup();
    }
  });
});

describe('the CSV fast path with a composite key', () => {
  it('takes non-ASCII key components (each checked as UTF-8 on its own) and gives the generic result', async () => {
    const header = 'id,region,amount\n';
    const desired = header + 'Zo\u00eb,Malm\u00f6,1\nZo\u00eb,G\u00f6teborg,2\n"\u00dcn ""q""",\u20ac,3\nplain,ascii,4\ngone,\u00e5,5\n';
    const actual = header + 'plain,ascii,4\n"\u00dcn ""q""",\u20ac,30\nZo\u00eb,Malm\u00f6,1\nZo\u00eb,G\u00f6teborg,2\nnew,\u00e5,6\n';
    const ws = workspace({ 'desired.csv': desired, 'actual.csv': actual });
    try {
      const d = source('desired', { kind: 'csv', path: 'desired.csv', key: ['id', 'region'], fields: { id: 'string', region: 'string', amount: 'number' } });
      const a = source('actual', { kind: 'csv', path: 'actual.csv', key: ['id', 'region'], fields: { id: 'string', region: 'string', amount: 'number' } });
      const result = await bothPaths(policy({}, 'exact'), d, a, ws.root, { workers: 0, minRangeBytes: 16 });
      expect(result.report?.path).toBe('fast');
      expect(result.fast).toEqual(result.generic);
      expect(result.generic.items.map((item) => [item.kind, item.key])).toEqual([
        ['missing', { id: 'gone', region: '\u00e5' }],
        ['extra', { id: 'new', region: '\u00e5' }],
        ['changed', { id: '\u00dcn "q"', region: '\u20ac' }],
      ]);
    } finally {
      ws.cleanup();
    }
  });
});
