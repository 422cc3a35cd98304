/**
 * Hand-built IR for the decider, plan and renderer tests.
 *
 * Why by hand: these tests pin the runtime's behaviour for exact IR shapes (rule order, `until`,
 * limits), independent of the compiler; the shapes follow `language/ir/ir-types.ts`.
 */
import type {
  IrDocument,
  IrExpr,
  IrLimits,
  IrPolicy,
  IrRemediationRule,
  IrSource,
} from '../../../language/ir/ir-types.js';
import type { DiffItem, DiffResult } from '../../../runtime/diff/diff-result.js';

export const FILE = 'payments.recon';

/** A remediation rule; `index` and `at` follow the position in the list given to `policy`. */
export function rule(partial: Partial<IrRemediationRule> & Pick<IrRemediationRule, 'on' | 'action'>): Omit<IrRemediationRule, 'index' | 'at'> {
  return {
    on: partial.on,
    when: partial.when ?? null,
    action: partial.action,
    title: partial.title ?? null,
    approval: partial.approval ?? { required: false, group: null },
    because: partial.because ?? null,
    until: partial.until ?? null,
  };
}

export const NO_LIMITS: IrLimits = { max_changes: null, max_ratio: null, max_deletes: null, on_exceed: 'abort' };

export function policy(
  rules: Omit<IrRemediationRule, 'index' | 'at'>[],
  overrides: Partial<IrPolicy> = {},
): IrPolicy {
  return {
    name: 'settlement_parity',
    description: null,
    owner: null,
    severity: 'high',
    mode: 'enforce',
    desired: 'ledger',
    actual: 'gateway',
    compare: { default: 'exact', rules: [] },
    remediate: rules.map((r, i) => ({ ...r, index: i + 1, at: `${FILE}:${30 + i}:5` })),
    limits: NO_LIMITS,
    retry: { attempts: 3, backoff_min_ms: 200, backoff_max_ms: 10000 },
    rate: null,
    concurrency: 8,
    schedule_ms: null,
    doc: null,
    at: `${FILE}:20:1`,
    ...overrides,
  };
}

export const LEDGER: IrSource = {
  name: 'ledger',
  connector: { kind: 'csv', path: 'data/ledger.csv', args: [], options: [], at: `${FILE}:2:3` },
  key: ['txn_id'],
  fields: [
    { name: 'txn_id', type: 'string' },
    { name: 'amount', type: 'number' },
    { name: 'currency', type: 'string' },
    { name: 'status', type: 'string' },
  ],
  select: null,
  where: null,
  write: null,
  writable: true,
  doc: null,
  at: `${FILE}:1:1`,
};

/** An http source with a secret header, a computed amount covered by `map`, and write ops. */
export const GATEWAY: IrSource = {
  name: 'gateway',
  connector: {
    kind: 'http',
    args: ['http://127.0.0.1:8080/settlements'],
    options: [
      {
        name: 'headers',
        value: { object: ['Authorization', { concat: ['Bearer ', { secret: ['GATEWAY_TOKEN'] }] }] },
        at: `${FILE}:9:13`,
      },
    ],
    at: `${FILE}:9:3`,
  },
  key: ['txn_id'],
  fields: null,
  select: [
    { name: 'txn_id', expr: { var: 'id' }, reads: ['id'], plainPath: 'id', at: `${FILE}:11:5` },
    { name: 'amount', expr: { '/': [{ var: 'amount_cents' }, 100] }, reads: ['amount_cents'], plainPath: null, at: `${FILE}:12:5` },
    { name: 'currency', expr: { upper: [{ var: 'currency' }] }, reads: ['currency'], plainPath: null, at: `${FILE}:13:5` },
    { name: 'status', expr: { var: 'status' }, reads: ['status'], plainPath: 'status', at: `${FILE}:14:5` },
  ],
  where: null,
  write: {
    ops: [
      { op: 'create', http: { method: 'POST', url: 'http://127.0.0.1:8080/settlements' }, at: `${FILE}:16:5` },
      {
        op: 'update',
        http: { method: 'PATCH', url: { concat: ['http://127.0.0.1:8080/settlements/', { var: 'key.txn_id' }] } },
        at: `${FILE}:17:5`,
      },
      {
        op: 'delete',
        http: { method: 'DELETE', url: { concat: ['http://127.0.0.1:8080/settlements/', { var: 'key.txn_id' }] } },
        at: `${FILE}:18:5`,
      },
    ],
    map: [{ path: 'amount_cents', expr: { round: [{ '*': [{ var: 'amount' }, 100] }, 0] }, at: `${FILE}:19:7` }],
    at: `${FILE}:15:3`,
  },
  writable: true,
  doc: null,
  at: `${FILE}:8:1`,
};

/** A csv actual side, for file effects. */
export const BOOKS: IrSource = {
  ...LEDGER,
  name: 'books',
  connector: { kind: 'csv', path: 'data/books.csv', args: [], options: [], at: `${FILE}:5:3` },
  at: `${FILE}:4:1`,
};

export function ir(policies: IrPolicy[], sources: IrSource[] = [LEDGER, GATEWAY, BOOKS]): IrDocument {
  return {
    version: 1,
    file: FILE,
    sources,
    groups: [{ name: 'payments_leads', members: ['alice@example.com'], at: `${FILE}:3:1` }],
    policies,
    tests: [],
  };
}

type Rec = Record<string, unknown>;

export function missing(desired: Rec): DiffItem {
  return item('missing', desired, null);
}
export function extra(actual: Rec, actualRaw?: Rec): DiffItem {
  return item('extra', null, actual, actualRaw);
}
export function changed(desired: Rec, actual: Rec, paths: string[], actualRaw?: Rec): DiffItem {
  const base = item('changed', desired, actual, actualRaw);
  base.fields = paths.map((path) => ({ path, desired: desired[path], actual: actual[path] }));
  base.diff = paths;
  return base;
}
export function invalid(side: 'desired' | 'actual', position: number, record: Rec | null, reason: string): DiffItem {
  return {
    kind: 'invalid',
    key: null,
    keyValues: null,
    desired: side === 'desired' ? record : null,
    actual: side === 'actual' ? record : null,
    desiredRaw: side === 'desired' ? record : null,
    actualRaw: side === 'actual' ? record : null,
    fields: [],
    diff: [],
    side,
    origin: { position },
    invalidReason: reason,
  };
}

function item(kind: 'missing' | 'extra' | 'changed', desired: Rec | null, actual: Rec | null, actualRaw?: Rec): DiffItem {
  const record = (desired ?? actual) as Rec;
  return {
    kind,
    key: { txn_id: record.txn_id },
    keyValues: [record.txn_id],
    desired,
    actual,
    desiredRaw: desired ? { ...desired } : null,
    actualRaw: actual ? (actualRaw ?? { id: actual.txn_id, amount_cents: Math.round(Number(actual.amount) * 100), currency: actual.currency, status: actual.status }) : null,
    fields: [],
    diff: [],
    side: null,
    origin: null,
    invalidReason: null,
  };
}

/** A diff result whose summary counts the items; `desired` defaults to the records on the desired side. */
export function diffOf(items: DiffItem[], desired?: number): DiffResult {
  const count = (kind: string) => items.filter((i) => i.kind === kind).length;
  const desiredCount = desired ?? items.filter((i) => i.desired && i.kind !== 'invalid').length;
  return {
    summary: {
      desired: desiredCount,
      actual: items.filter((i) => i.actual && i.kind !== 'invalid').length,
      unchanged: 0,
      missing: count('missing'),
      extra: count('extra'),
      changed: count('changed'),
      invalid: count('invalid'),
    },
    items,
  };
}

export type { IrExpr };
