/**
 * The intermediate plan (IR): the contract between the language layer and the runtime.
 *
 * Why it exists: the runtime never imports the parser, so everything it needs to observe, diff
 * and decide is spelled out here as plain JSON. The same shape is described by the JSON Schema in
 * `ir-schema.ts`; `validateIr` checks every IR written or loaded against it.
 *
 * Conventions:
 * - Every node that can fail at run time carries `at`: `"file:line:col"` (file relative to the
 *   workspace root, 1-based line and column), so runtime errors point back into the `.recon` file.
 * - Expressions are JsonLogic (`IrExpr`); the operations they may use are listed in
 *   `IR_OPERATIONS` with their meaning, and the runtime implements exactly those.
 * - Object keys that carry meaning in order (record fields, select lines) are arrays, so the IR is
 *   byte-identical for the same input.
 */

/** Bumped whenever the IR changes incompatibly; the runtime refuses other versions. */
export const IR_VERSION = 1 as const;

/** `"file:line:col"`, the file relative to the workspace root. */
export type IrLocation = string;

/**
 * A JsonLogic expression. Literal JSON values (string, number, boolean, null) stand for
 * themselves; an array is a list whose elements are evaluated; an object with one key is an
 * operation `{ op: [args...] }` from `IR_OPERATIONS`.
 */
export type IrExpr = string | number | boolean | null | IrExpr[] | { [operation: string]: IrExpr[] | IrExpr };

/**
 * Every operation an IR expression may use, and what it means. The runtime registers exactly
 * these (and nothing that reaches object methods or prototypes).
 */
export const IR_OPERATIONS = {
  var: 'own-property path lookup in the evaluation data: {"var": "a.b"} or {"var": ["a.b", default]} (default when absent)',
  get: 'own-property lookup by computed name or list index: {"get": [value, nameOrIndex]}',
  object: 'an object literal from alternating names and values: {"object": ["k1", v1, "k2", v2]}',
  concat: 'string interpolation: the text of every argument joined (null as "")',
  or: 'logical or (short-circuit), returns a boolean',
  and: 'logical and (short-circuit), returns a boolean',
  '!': 'logical not',
  '===': 'strict, null-safe equality (numbers and datetimes as values, lists and objects deeply)',
  '!==': 'negation of ===',
  '<': 'less than; false when a side is null or the types differ',
  '<=': 'less or equal; false when a side is null or the types differ',
  '>': 'greater than; false when a side is null or the types differ',
  '>=': 'greater or equal; false when a side is null or the types differ',
  in: 'membership: an element of a list, or a substring of a string',
  matches: 'regular-expression test: {"matches": [text, pattern]}',
  '+': 'addition of numbers, or concatenation when both sides are strings',
  '-': 'subtraction, or negation with one argument',
  '*': 'multiplication',
  '/': 'division',
  '%': 'remainder',
  changed: 'changed(path): the path, or a path below it, is in diff: {"changed": [{"var": "diff"}, "path"]}',
  only: 'only(paths...): those paths differ and no other does: {"only": [{"var": "diff"}, "p1", ...]}',
  len: 'length of a string, list or object',
  lower: 'lower-case a string',
  upper: 'upper-case a string',
  trim: 'trim white space',
  round: 'round(x, n): round to n decimals (half away from zero)',
  abs: 'absolute value',
  min: 'smallest argument (or element of one list argument)',
  max: 'largest argument (or element of one list argument)',
  contains: 'contains(haystack, needle): substring or list element',
  starts_with: 'starts_with(text, prefix)',
  ends_with: 'ends_with(text, suffix)',
  coalesce: 'the first argument that is not null',
  now: "the run's observed_at as an ISO 8601 instant",
  age: 'age(datetime): milliseconds from the instant to now()',
  env: 'env(name): an environment variable, null when unset',
  secret: 'secret(name): an environment variable whose value is never shown',
} as const;

export type IrOperation = keyof typeof IR_OPERATIONS;

/** Field types a source may declare. */
export type IrFieldType = 'string' | 'number' | 'integer' | 'bool' | 'datetime' | 'json';

/** Connectors of language version 1. */
export type IrConnectorKind = 'csv' | 'json' | 'jsonl' | 'yaml' | 'inline' | 'http' | 'postgres' | 'exec';

/** Connectors that read and write files inside the workspace. */
export const FILE_CONNECTORS: readonly IrConnectorKind[] = ['csv', 'json', 'jsonl', 'yaml'];

export interface IrConnector {
  kind: IrConnectorKind;
  /**
   * For file connectors: the file, relative to the workspace root (forward slashes, never
   * leaving the root). Absent for other connectors.
   */
  path?: string;
  /** Positional arguments after the path (file connectors) or all of them (others). */
  args: IrExpr[];
  /** Named options, in source order. */
  options: { name: string; value: IrExpr; at: IrLocation }[];
  at: IrLocation;
}

export interface IrSelectLine {
  /** The field of the presented record. */
  name: string;
  /** Over the raw record. */
  expr: IrExpr;
  /** Raw paths the expression reads (plain path selects read exactly one). */
  reads: string[];
  /** True when `expr` is a plain path: the field is written back to that path. */
  plainPath: string | null;
  at: IrLocation;
}

export interface IrWriteOp {
  op: 'create' | 'update' | 'delete';
  /** `METHOD "url"` (http) */
  http?: { method: string; url: IrExpr };
  /** `exec("program", ["args"])` */
  exec?: { command: IrExpr; args: IrExpr[] };
  at: IrLocation;
}

export interface IrMapLine {
  /** Raw path to write. */
  path: string;
  /** Over the record to write. */
  expr: IrExpr;
  at: IrLocation;
}

export interface IrSource {
  /** Qualified name: `ledger`, or `money.rates` for a source of an imported module. */
  name: string;
  connector: IrConnector;
  /** Key field paths, in order. */
  key: string[];
  /** Declared fields in order, or null when the source is untyped. */
  fields: { name: string; type: IrFieldType }[] | null;
  select: IrSelectLine[] | null;
  where: { expr: IrExpr; at: IrLocation } | null;
  write: { ops: IrWriteOp[]; map: IrMapLine[]; at: IrLocation } | null;
  /** Whether remediation may write to it (native writer, or a `write` block). */
  writable: boolean;
  /** The documentation comment above the declaration, if any. */
  doc: string | null;
  at: IrLocation;
}

export type IrNormalizer =
  | { name: 'trim' | 'lower' | 'upper' | 'collapse_space' | 'nfc' | 'utc' }
  | { name: 'round'; digits: number };

export type IrComparator =
  | { kind: 'exact' }
  | { kind: 'ignore' }
  | { kind: 'ignore_case' }
  | { kind: 'within'; absolute: number }
  | { kind: 'within'; relative: number }
  | { kind: 'within'; duration_ms: number }
  | { kind: 'unordered'; by: string | null }
  | { kind: 'normalize'; normalizers: IrNormalizer[] }
  /** Custom equality over `desired` and `actual` (the two field values' records). */
  | { kind: 'by'; expr: IrExpr };

export interface IrCompareRule {
  path: string;
  comparator: IrComparator;
  /** The profile the rule came from (`cash`, `money.cents`), or null when written in the policy. */
  profile: string | null;
  at: IrLocation;
}

export type IrDiffKind = 'missing' | 'extra' | 'changed' | 'invalid';
export type IrActionKind = 'create' | 'update' | 'delete' | 'ticket' | 'ignore' | 'report';

export interface IrRemediationRule {
  /** 1-based position in the policy's `remediate` block (the plan's `reason.rule`). */
  index: number;
  on: IrDiffKind | 'any';
  when: IrExpr | null;
  action: IrActionKind;
  /** For `ticket`: the title, an expression (interpolation over desired/actual/key/diff). */
  title: IrExpr | null;
  approval: { required: boolean; group: string | null };
  /** Shown with the decision: a string, or an interpolation over desired/actual/key/diff. */
  because: IrExpr | null;
  /** `YYYY-MM-DD`: after that day the rule no longer matches. */
  until: string | null;
  at: IrLocation;
}

export interface IrLimits {
  max_changes: number | null;
  /** A fraction: 10% is 0.1. */
  max_ratio: number | null;
  max_deletes: number | null;
  on_exceed: 'abort' | 'approve';
}

export interface IrPolicy {
  name: string;
  description: string | null;
  owner: string | null;
  severity: 'low' | 'medium' | 'high' | 'critical';
  mode: 'audit' | 'enforce';
  /** Qualified source names. */
  desired: string;
  actual: string;
  compare: { default: 'exact' | 'ignore'; rules: IrCompareRule[] };
  remediate: IrRemediationRule[];
  limits: IrLimits;
  retry: { attempts: number; backoff_min_ms: number; backoff_max_ms: number };
  /** Actions per second against the actual side, or null for no limit. */
  rate: { count: number; per: 's' | 'm' | 'h'; per_second: number } | null;
  concurrency: number;
  schedule_ms: number | null;
  doc: string | null;
  at: IrLocation;
}

export type IrTestKey = string | number | (string | number)[];

export interface IrTest {
  name: string;
  policy: string;
  desired: unknown[];
  actual: unknown[];
  expect:
    | { no_drift: true }
    | {
        no_drift: false;
        counts: { kind: 'missing' | 'extra' | 'changed' | 'invalid' | 'ignored'; count: number; at: IrLocation }[];
        actions: { action: IrActionKind; key: IrTestKey; requires_approval: boolean; at: IrLocation }[];
      };
  at: IrLocation;
}

export interface IrGroup {
  name: string;
  members: string[];
  at: IrLocation;
}

/** The whole compiled file: everything `plan`, `approve`, `apply` and `test` need. */
export interface IrDocument {
  version: typeof IR_VERSION;
  /** The compiled file, relative to the workspace root. */
  file: string;
  /** Every source referenced by a policy of `file` (imported ones included), by qualified name order. */
  sources: IrSource[];
  groups: IrGroup[];
  /** The policies declared in `file`, in declaration order. */
  policies: IrPolicy[];
  /** The tests declared in `file`, in declaration order. */
  tests: IrTest[];
}
