/**
 * Checks of `policy` and `profile` declarations (LANGUAGE.md 2.2 and 2.3) except the `remediate`
 * block (remediation-checks.ts): statements given twice, the desired and actual sources and their
 * key arity, severity and mode, compare rules against the typed desired source, comparators and
 * normalizers, limits, retry, rate, concurrency and schedule ranges.
 *
 * Why ranges are checked here and not at run time: a `retry 0` or `max_ratio 0%` would silently
 * disable a safety mechanism; the user should hear about it before any plan is made.
 */
import type * as A from '../ast.js';
import { diagnostic } from '../diagnostics.js';
import type { Module } from '../program.js';
import { changeTo, type CheckContext } from './check-context.js';
import { didYouMean } from '../suggest.js';
import { constantScope, ruleScope, untypedRoots, type RuleRoots } from './expression-scope.js';
import { describeType, integerNotExact, numberTooLarge } from './expression-types.js';
import { checkRemediate } from './remediation-checks.js';
import { checkFieldPath } from './source-checks.js';
import { pathText, untypedRecord, type SourceShape } from './source-shape.js';
import {
  COMPARATOR_WORDS,
  COMPARE_DEFAULTS,
  LIMIT_NAMES,
  FIELD_TYPES,
  MODES,
  NAMED_COMPARATORS,
  NORMALIZERS,
  NORMALIZERS_WITH_ARGUMENT,
  ON_EXCEED,
  RATE_UNITS,
  SEVERITIES,
  isOneOf,
} from './vocabulary.js';

/** What the checks of one policy know about its sources. */
export interface PolicySides {
  /** The policy's name (for messages). */
  name: string;
  desired: SourceShape | null;
  actual: SourceShape | null;
  /** The module the actual source is declared in (its lets are in scope of its select lines). */
  actualModule: Module | null;
  /** The roots of its conditions, typed by the sources where they are typed. */
  roots: RuleRoots;
}

const POLICY_WORDS: Record<A.PolicyStmt['kind'], string> = {
  Description: 'description',
  Owner: 'owner',
  Severity: 'severity',
  Mode: 'mode',
  Desired: 'desired',
  Actual: 'actual',
  Compare: 'compare',
  Remediate: 'remediate',
  Limits: 'limits',
  Retry: 'retry',
  Rate: 'rate',
  Concurrency: 'concurrency',
  Schedule: 'schedule',
};

/** Checks one policy declaration of the context's module. */
export function checkPolicy(ctx: CheckContext, decl: A.PolicyDecl): void {
  const name = decl.name.text;
  const where = `policy '${name}'`;
  const seen = new Set<string>();
  for (const stmt of decl.statements) {
    const word = POLICY_WORDS[stmt.kind];
    if (seen.has(word)) ctx.report(diagnostic('duplicate-statement', stmt.start, stmt.start + word.length, { name: word, where }));
    seen.add(word);
  }
  const sides = policySides(ctx, decl);
  for (const stmt of decl.statements) {
    switch (stmt.kind) {
      case 'Description':
      case 'Owner':
        ctx.checkExpr(stmt.value, constantScope(ctx.module));
        break;
      case 'Severity':
        ctx.expectWord('unknown-severity', stmt.value, SEVERITIES);
        break;
      case 'Mode':
        ctx.expectWord('unknown-mode', stmt.value, MODES);
        break;
      case 'Compare':
        checkCompareItems(ctx, stmt.items, sides.desired, sides.actual, sides.roots, `the compare block of ${where}`);
        break;
      case 'Remediate':
        checkRemediate(ctx, stmt, sides);
        break;
      case 'Limits':
        checkLimits(ctx, stmt, where);
        break;
      case 'Retry':
        checkRetry(ctx, stmt);
        break;
      case 'Rate':
        if (!stmt.count.missing && !(stmt.count.value > 0)) {
          ctx.report(diagnostic('value-out-of-range', stmt.count.start, stmt.count.end, { detail: `rate must be above 0, got ${stmt.count.text}` }));
        }
        ctx.expectWord('unknown-rate-unit', stmt.unit, RATE_UNITS);
        break;
      case 'Concurrency':
        checkWholeNumber(ctx, stmt.value, 1, 1000, 'concurrency');
        break;
      case 'Schedule':
        if (!stmt.every.missing && !(stmt.every.value > 0)) {
          ctx.report(diagnostic('value-out-of-range', stmt.every.start, stmt.every.end, { detail: `schedule every needs a duration above 0, got ${stmt.every.text}` }));
        }
        break;
      case 'Desired':
      case 'Actual':
        break;
    }
  }
}

/** Resolves desired and actual, reports missing sides and key arity mismatches. */
function policySides(ctx: CheckContext, decl: A.PolicyDecl): PolicySides {
  const desiredStmt = decl.statements.find((s): s is Extract<A.PolicyStmt, { kind: 'Desired' }> => s.kind === 'Desired');
  const actualStmt = decl.statements.find((s): s is Extract<A.PolicyStmt, { kind: 'Actual' }> => s.kind === 'Actual');
  const desiredResolved = desiredStmt ? ctx.resolve(desiredStmt.source, 'source', 'unknown-source') : null;
  const actualResolved = actualStmt ? ctx.resolve(actualStmt.source, 'source', 'unknown-source') : null;
  if (!decl.name.missing) {
    if (!desiredStmt) ctx.report(diagnostic('missing-desired', decl.name.start, decl.name.end, { name: decl.name.text }));
    if (!actualStmt) ctx.report(diagnostic('missing-actual', decl.name.start, decl.name.end, { name: decl.name.text }));
  }
  const desired = desiredResolved ? ctx.shapeOf(desiredResolved) : null;
  const actual = actualResolved ? ctx.shapeOf(actualResolved) : null;
  if (desired?.key && actual?.key && desired.key.length !== actual.key.length && actualStmt) {
    ctx.report(
      diagnostic('key-arity-mismatch', actualStmt.source.start, actualStmt.source.end, {
        desired: desired.name,
        desiredArity: desired.key.length,
        actual: actual.name,
        actualArity: actual.key.length,
      }),
    );
  }
  if (desired?.key && actual?.key && actualStmt && isReordering(desired.key, actual.key)) {
    ctx.report(
      diagnostic('key-order-mismatch', actualStmt.source.start, actualStmt.source.end, {
        desired: desired.name,
        desiredKey: `(${desired.key.join(', ')})`,
        actual: actual.name,
        actualKey: `(${actual.key.join(', ')})`,
      }),
    );
  }
  if (desired && actual && actualStmt) checkKeyTypes(ctx, desired, actual, actualStmt.source);
  const key = desired?.key ? desired.keyRecord : actual?.key ? actual.keyRecord : untypedRecord('key');
  return {
    name: decl.name.text,
    desired,
    actual,
    actualModule: actualResolved?.module ?? null,
    roots: { desired: desired?.record ?? untypedRecord('desired'), actual: actual?.record ?? untypedRecord('actual'), key },
  };
}

/**
 * True when two key lists name the same fields in another order (`account, day` and
 * `day, account`). Why a warning: the diff pairs key parts by position, so such a policy compares
 * accounts with days and no record matches; keys with different names are a legitimate mapping
 * (`key id` on one side, `key txn_id` on the other) and are not reported.
 */
export function isReordering(desired: readonly string[], actual: readonly string[]): boolean {
  if (desired.length !== actual.length || desired.every((k, i) => k === actual[i])) return false;
  const sorted = (keys: readonly string[]) => [...keys].sort();
  const a = sorted(desired);
  const b = sorted(actual);
  return a.every((k, i) => k === b[i]) && new Set(a).size === a.length;
}

/**
 * Warns when both sources declare a key field's type, and the types differ: keys are joined
 * after coercing the actual key value to the desired source's type (the runtime's
 * `key-typing.ts`), which is rarely what was meant (`datetime` against `integer` matches
 * nothing; every actual record becomes invalid).
 */
function checkKeyTypes(ctx: CheckContext, desired: SourceShape, actual: SourceShape, at: { start: number; end: number }): void {
  if (!desired.key || !actual.key) return;
  const arity = Math.min(desired.key.length, actual.key.length);
  for (let k = 0; k < arity; k++) {
    const desiredField = desired.key[k]!;
    const actualField = actual.key[k]!;
    const desiredType = desired.keyRecord.fields?.get(desiredField) ?? 'unknown';
    const actualType = actual.keyRecord.fields?.get(actualField) ?? 'unknown';
    if (!isOneOf(FIELD_TYPES, desiredType) || !isOneOf(FIELD_TYPES, actualType) || desiredType === actualType) continue;
    ctx.report(
      diagnostic('key-type-mismatch', at.start, at.end, {
        desired: desired.name,
        desiredField,
        desiredType,
        actual: actual.name,
        actualField,
        actualType,
      }),
    );
  }
}

/** Checks one profile declaration: its rules, with nothing known about the sources. */
export function checkProfile(ctx: CheckContext, decl: A.ProfileDecl): void {
  checkCompareItems(ctx, decl.rules, null, null, untypedRoots(), `profile '${decl.name.text}'`);
}

/** Checks the items of a compare block (or a profile's rules). */
function checkCompareItems(
  ctx: CheckContext,
  items: readonly (A.CompareDefault | A.CompareUse | A.CompareRule)[],
  desired: SourceShape | null,
  actual: SourceShape | null,
  roots: RuleRoots,
  where: string,
): void {
  const paths = new Set<string>();
  let defaults = 0;
  for (const item of items) {
    switch (item.kind) {
      case 'CompareDefault':
        defaults++;
        if (defaults > 1) ctx.report(diagnostic('duplicate-statement', item.start, item.start + 'default'.length, { name: 'default', where }));
        ctx.expectWord('unknown-default', item.value, COMPARE_DEFAULTS);
        break;
      case 'CompareUse':
        ctx.resolve(item.profile, 'profile', 'unknown-profile');
        break;
      case 'CompareRule': {
        if (item.path.missing) break;
        const text = pathText(item.path);
        if (paths.has(text)) ctx.report(diagnostic('duplicate-statement', item.path.start, item.path.end, { name: text, where }));
        paths.add(text);
        if (desired) checkFieldPath(ctx, item.path, desired);
        checkComparator(ctx, item, desired, actual, roots);
        break;
      }
    }
  }
}

function checkComparator(ctx: CheckContext, rule: A.CompareRule, desired: SourceShape | null, actual: SourceShape | null, roots: RuleRoots): void {
  const comparator = rule.comparator;
  const head = rule.path.segments[0];
  const fieldName = head?.kind === 'field' ? head.name : null;
  const sideType = (shape: SourceShape | null) => (fieldName !== null && rule.path.segments.length === 1 ? shape?.record.fields?.get(fieldName) : undefined);
  const typedBy = sideType(desired) !== undefined && sideType(desired) !== 'unknown' ? desired : actual;
  const fieldType = sideType(typedBy);
  switch (comparator.kind) {
    case 'NamedComparator': {
      const name = comparator.name;
      if (name.missing || isOneOf(NAMED_COMPARATORS, name.text)) return;
      const { hint, suggestion } = didYouMean(name.text, COMPARATOR_WORDS);
      ctx.report(
        diagnostic('unknown-comparator', name.start, name.end, { name: name.text, hint }, suggestion && isOneOf(NAMED_COMPARATORS, suggestion) ? changeTo(name.start, name.end, suggestion) : undefined),
      );
      return;
    }
    case 'Within': {
      const value = comparator.value;
      if (!value.missing && !Number.isFinite(value.value)) {
        ctx.report(diagnostic('value-out-of-range', value.start, value.end, { detail: numberTooLarge(value.text) }));
        return;
      }
      const inexact = value.kind === 'Number' && !value.missing ? integerNotExact(value.text, value.value) : null;
      if (inexact) {
        ctx.report(diagnostic('value-out-of-range', value.start, value.end, { detail: inexact }));
        return;
      }
      if (value.missing || fieldType === undefined || fieldType === 'unknown' || fieldType === 'json') return;
      const isDuration = value.kind === 'Duration';
      const numeric = fieldType === 'number' || fieldType === 'integer';
      if (isDuration && fieldType !== 'datetime') {
        ctx.report(diagnostic('invalid-comparator', comparator.start, comparator.end, { detail: `within ${value.text} compares datetimes, but '${fieldName}' is ${describeType(fieldType)} in source '${typedBy!.name}'` }));
      } else if (!isDuration && !numeric) {
        ctx.report(diagnostic('invalid-comparator', comparator.start, comparator.end, { detail: `within ${value.text} compares numbers, but '${fieldName}' is ${describeType(fieldType)} in source '${typedBy!.name}'` }));
      }
      return;
    }
    case 'Normalize':
      for (const n of comparator.normalizers) checkNormalizer(ctx, n);
      return;
    case 'Unordered':
      return;
    case 'ByComparator':
      ctx.checkExpr(comparator.expr, ruleScope(ctx.module, roots));
      return;
  }
}

function checkNormalizer(ctx: CheckContext, n: A.Normalizer): void {
  if (!ctx.expectWord('unknown-normalizer', n.name, NORMALIZERS)) return;
  const takesArgument = NORMALIZERS_WITH_ARGUMENT.includes(n.name.text);
  if (takesArgument && !n.arg) {
    ctx.report(diagnostic('invalid-comparator', n.start, n.end, { detail: `normalizer '${n.name.text}' needs a number of decimals: ${n.name.text}(2)` }));
  } else if (!takesArgument && n.arg) {
    ctx.report(diagnostic('invalid-comparator', n.start, n.end, { detail: `normalizer '${n.name.text}' takes no argument` }));
  } else if (n.arg && !n.arg.missing && !(Number.isInteger(n.arg.value) && n.arg.value >= 0 && n.arg.value <= 20)) {
    ctx.report(diagnostic('value-out-of-range', n.arg.start, n.arg.end, { detail: `${n.name.text}(N) takes a whole number of decimals from 0 to 20, got ${n.arg.text}` }));
  }
}

// ---------------------------------------------------------------- limits and rates

function checkWholeNumber(ctx: CheckContext, value: A.NumberLiteral, min: number, max: number, what: string): void {
  if (value.missing) return;
  if (!Number.isInteger(value.value) || value.value < min || value.value > max) {
    const range = max === Infinity ? `a whole number of at least ${min}` : `a whole number from ${min} to ${max}`;
    ctx.report(diagnostic('value-out-of-range', value.start, value.end, { detail: `${what} takes ${range}, got ${value.text}` }));
  }
}

function checkRetry(ctx: CheckContext, stmt: Extract<A.PolicyStmt, { kind: 'Retry' }>): void {
  checkWholeNumber(ctx, stmt.attempts, 1, 100, 'retry');
  const backoff = stmt.backoff;
  if (backoff && !backoff.min.missing && !backoff.max.missing && backoff.min.value > backoff.max.value) {
    ctx.report(diagnostic('value-out-of-range', backoff.min.start, backoff.max.end, { detail: `backoff ${backoff.min.text}..${backoff.max.text}: the minimum is above the maximum` }));
  }
}

function checkLimits(ctx: CheckContext, stmt: Extract<A.PolicyStmt, { kind: 'Limits' }>, where: string): void {
  const seen = new Set<string>();
  for (const entry of stmt.entries) {
    if (!ctx.expectWord('unknown-limit', entry.name, LIMIT_NAMES)) continue;
    const name = entry.name.text;
    if (seen.has(name)) ctx.report(diagnostic('duplicate-statement', entry.name.start, entry.name.end, { name, where: `the limits of ${where}` }));
    seen.add(name);
    const value = entry.value;
    if (value.missing) continue;
    const out = (detail: string): void => ctx.report(diagnostic('value-out-of-range', value.start, value.end, { detail }));
    switch (name) {
      case 'max_changes':
      case 'max_deletes':
        if (value.kind !== 'Number' || !Number.isInteger(value.value) || value.value < 0) {
          out(`${name} takes a whole number of at least 0, got ${value.text}`);
        }
        break;
      case 'max_ratio':
        if (value.kind !== 'Percent') out(`max_ratio takes a percentage like 10%, got ${value.text}`);
        else if (!(value.value > 0 && value.value <= 1)) out(`max_ratio takes a percentage above 0% and at most 100%, got ${value.text}`);
        break;
      case 'on_exceed': {
        if (value.kind === 'Name' && isOneOf(ON_EXCEED, value.text)) break;
        const text = value.text;
        const { hint, suggestion } = value.kind === 'Name' ? didYouMean(text, ON_EXCEED) : { hint: '', suggestion: null };
        ctx.report(diagnostic('value-out-of-range', value.start, value.end, { detail: `on_exceed takes abort or approve, got '${text}'${hint}` }, suggestion ? changeTo(value.start, value.end, suggestion) : undefined));
        break;
      }
    }
  }
}
