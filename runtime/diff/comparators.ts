/**
 * The comparators of compare rules (LANGUAGE.md 2.3): given one field's two values, report the
 * paths that differ.
 *
 * Why comparators report paths rather than a boolean: the plan names what differs as precisely
 * as the rule allows — `metadata.labels.app` rather than `metadata`, the list element
 * `containers[name=web].image` for `unordered by name` — so `changed("...")` and `only("...")` in
 * conditions can be specific.
 *
 * Shared semantics:
 * - Values arrive coerced (`value-coercion.ts`): absent is null, a declared type has been applied
 *   to both sides. A side that could not be coerced is passed as `UNCOERCIBLE` and is unequal to
 *   anything.
 * - Every comparator but `by` accepts two exactly equal values (so a record always equals
 *   itself; the fast path of the diff engine relies on it), then applies its tolerance.
 * - `exact`: null-safe, numbers and instants by value; objects are compared field by field (a
 *   null field equals an absent one) and lists of equal length element by element, reporting the
 *   deepest differing paths; lists of different lengths are reported whole.
 * - `ignore_case`: like `normalize lower`.
 * - `within N` (absolute) and `within P%` (relative to the desired value): numbers, or text that
 *   reads as a decimal number, decided exactly on the values' decimals (`within-tolerance.ts`),
 *   so that `0.3` and `0.295` are within `0.005` and `5e13` and `5e13 + 0.05` are not within
 *   `0.01`.
 * - `within DURATION`: datetimes (instants or ISO text), whatever their zones, to the nanosecond.
 * - `within` and a value it cannot read as its kind (`"2024-05-01T10:00:00Z"` under `within 5`,
 *   `12` under `within 2m`, text that does not coerce to the declared type): the pair differs,
 *   unless the values are equal, and the comparator notes it in `scope.unreadable`, so that the
 *   policy warns once per rule (`within-unreadable.ts`) instead of reporting drift silently.
 * - `unordered`: two lists are equal when they hold the same elements the same number of times.
 * - `unordered by FIELD`: list elements are matched on FIELD (in order of appearance when a value
 *   repeats), each pair compared exactly; an element without a partner is reported at
 *   `list[FIELD=VALUE]` with null on the other side. FIELD is a path (`unordered by meta.name`)
 *   read as the read pipeline reads paths (`readPath`), so a nested match field pairs elements.
 * - `normalize F, ...`: normalizers on both sides, then exact.
 * - `by EXPR`: the expression decides over the whole records `desired` and `actual` (and `key`);
 *   true means equal. An expression that fails at run time counts as unequal, with a warning.
 */
import type { IrComparator, IrFieldType, IrNormalizer } from '../../language/ir/ir-types.js';
import { evaluateCondition, type EvaluationContext } from '../expressions/expression-evaluator.js';
import { isPlainObject, ownValue } from '../expressions/own-properties.js';
import { readPath } from '../observe/field-path.js';
import type { FieldDelta } from '../plan/change-plan.js';
import { childPath, indexPath, matchPath } from './field-path.js';
import { applyNormalizers } from './normalizers.js';
import { Instant, parseInstant, toInstant, toNumber, valuesEqual } from './value-coercion.js';
import { withinAbsolute, withinDuration, withinRelative } from './within-tolerance.js';
import { readsAsWithinKind, type UnreadableWithin } from './within-unreadable.js';

/** Marks a value that could not be coerced to the field's declared type. */
export const UNCOERCIBLE: unique symbol = Symbol('uncoercible');

/** What a comparator may need beyond the two values. */
export interface ComparisonScope {
  /** The whole presented records and the key, for `by` rules. */
  desiredRecord: Record<string, unknown> | null;
  actualRecord: Record<string, unknown> | null;
  key: Record<string, unknown> | null;
  evaluation: EvaluationContext;
  /** Run-time errors of `by` expressions are appended here. */
  warnings: string[];
  /**
   * Where `within` notes a value it could not read as its kind (the pair then differs): the
   * policy warns about it (`within-unreadable.ts`). Absent: not collected.
   */
  unreadable?: UnreadableWithin;
}

/**
 * One difference to report: the path, and the values to show for it (the record's own values at
 * the top level, so a datetime is shown as written rather than as an internal instant).
 */
function report(out: FieldDelta[], path: string, desired: unknown, actual: unknown): void {
  out.push({ path, desired: shown(desired), actual: shown(actual) });
}

function shown(value: unknown): unknown {
  if (value === undefined || value === UNCOERCIBLE) return null;
  if (value instanceof Instant) return value.toISOString();
  return value;
}

/**
 * Compares exactly and reports the deepest differing paths. `shownDesired`/`shownActual` are what
 * the report shows when the difference is at `path` itself.
 */
export function compareExact(
  desired: unknown,
  actual: unknown,
  type: IrFieldType | null,
  path: string,
  out: FieldDelta[],
  shownDesired: unknown = desired,
  shownActual: unknown = actual,
): void {
  if (desired === UNCOERCIBLE || actual === UNCOERCIBLE) {
    report(out, path, shownDesired, shownActual);
    return;
  }
  if (valuesEqual(desired, actual, type)) return;
  if (isPlainObject(desired) && isPlainObject(actual)) {
    const before = out.length;
    for (const name of unionKeys(desired, actual)) {
      compareExact(ownValue(desired, name), ownValue(actual, name), null, childPath(path, name), out);
    }
    if (out.length === before) report(out, path, shownDesired, shownActual);
    return;
  }
  if (Array.isArray(desired) && Array.isArray(actual) && desired.length === actual.length) {
    const before = out.length;
    for (let i = 0; i < desired.length; i++) compareExact(desired[i], actual[i], null, indexPath(path, i), out);
    if (out.length === before) report(out, path, shownDesired, shownActual);
    return;
  }
  report(out, path, shownDesired, shownActual);
}

/** The field names of two objects: the first one's in order, then those only the second has. */
export function unionKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = Object.keys(a);
  for (const k of Object.keys(b)) if (!Object.prototype.hasOwnProperty.call(a, k)) keys.push(k);
  return keys;
}

const LOWER: readonly IrNormalizer[] = [{ name: 'lower' }];

/**
 * Applies one comparator to one field's coerced values, appending the differences to `out`.
 * `shownDesired`/`shownActual` are the record's own values at `path`.
 */
export function compareWith(
  comparator: IrComparator,
  desired: unknown,
  actual: unknown,
  type: IrFieldType | null,
  path: string,
  out: FieldDelta[],
  scope: ComparisonScope,
  shownDesired: unknown = desired,
  shownActual: unknown = actual,
): void {
  switch (comparator.kind) {
    case 'ignore':
      return;
    case 'exact':
      compareExact(desired, actual, type, path, out, shownDesired, shownActual);
      return;
    case 'ignore_case':
    case 'normalize': {
      if (desired === UNCOERCIBLE || actual === UNCOERCIBLE) {
        report(out, path, shownDesired, shownActual);
        return;
      }
      if (valuesEqual(desired, actual, type)) return;
      const normalizers = comparator.kind === 'ignore_case' ? LOWER : comparator.normalizers;
      const nd = applyNormalizers(desired, normalizers);
      const na = applyNormalizers(actual, normalizers);
      if (!valuesEqual(nd, na, type)) report(out, path, shownDesired, shownActual);
      return;
    }
    case 'within': {
      if (desired === UNCOERCIBLE || actual === UNCOERCIBLE) {
        report(out, path, shownDesired, shownActual);
        noteUnreadable(comparator, desired, actual, path, scope, shownDesired, shownActual);
        return;
      }
      // Two texts as instants: whatever `valuesEqual` finds equal (the same text, or the same
      // zoned instant) is within any duration, so the tolerance alone decides (one reading each).
      if (typeof desired === 'string' && typeof actual === 'string' && 'duration_ms' in comparator) {
        if (desired !== actual && !withinEqual(comparator, desired, actual)) {
          report(out, path, shownDesired, shownActual);
          noteUnreadable(comparator, desired, actual, path, scope, shownDesired, shownActual);
        }
        return;
      }
      if (valuesEqual(desired, actual, type)) return;
      if (!withinEqual(comparator, desired, actual)) {
        report(out, path, shownDesired, shownActual);
        noteUnreadable(comparator, desired, actual, path, scope, shownDesired, shownActual);
      }
      return;
    }
    case 'unordered': {
      if (desired === UNCOERCIBLE || actual === UNCOERCIBLE) {
        report(out, path, shownDesired, shownActual);
        return;
      }
      if (valuesEqual(desired, actual, type)) return;
      if (!Array.isArray(desired) || !Array.isArray(actual)) {
        report(out, path, shownDesired, shownActual);
        return;
      }
      if (comparator.by === null) {
        if (!sameMultiset(desired, actual)) report(out, path, shownDesired, shownActual);
      } else {
        compareMatched(comparator.by, desired, actual, path, out);
      }
      return;
    }
    case 'by': {
      const result = evaluateCondition(
        comparator.expr,
        { desired: scope.desiredRecord, actual: scope.actualRecord, key: scope.key, diff: [] },
        scope.evaluation,
      );
      if (result.warning !== null) scope.warnings.push(`${path}: the "by" rule could not be evaluated: ${result.warning}`);
      if (!result.value) report(out, path, shownDesired, shownActual);
      return;
    }
  }
}

/**
 * After `within` found a pair of values unequal: when neither is absent and one of them is not
 * of the comparator's kind (or could not be coerced to the declared type), notes it for the
 * policy's warning (`within-unreadable.ts`). Runs on differing pairs only, so equal data pays
 * nothing for it. A pair with an absent side differs whatever the values are: not noted.
 */
function noteUnreadable(
  comparator: Extract<IrComparator, { kind: 'within' }>,
  desired: unknown,
  actual: unknown,
  path: string,
  scope: ComparisonScope,
  shownDesired: unknown,
  shownActual: unknown,
): void {
  const unreadable = scope.unreadable;
  if (unreadable === undefined) return;
  if (desired === null || desired === undefined || actual === null || actual === undefined) return;
  if (desired === UNCOERCIBLE || !readsAsWithinKind(comparator, desired)) unreadable.note(comparator, path, 'desired', shownDesired);
  else if (actual === UNCOERCIBLE || !readsAsWithinKind(comparator, actual)) unreadable.note(comparator, path, 'actual', shownActual);
}

function withinEqual(comparator: Extract<IrComparator, { kind: 'within' }>, desired: unknown, actual: unknown): boolean {
  if (desired === null || desired === undefined || actual === null || actual === undefined) return false;
  if ('duration_ms' in comparator) {
    const d = toInstant(desired);
    const a = toInstant(actual);
    if (d === null || a === null) return false;
    return withinDuration(d, a, comparator.duration_ms);
  }
  const d = toNumber(desired);
  const a = toNumber(actual);
  if (d === null || a === null) return false;
  return 'absolute' in comparator ? withinAbsolute(d, a, comparator.absolute) : withinRelative(d, a, comparator.relative);
}

/**
 * A text that identifies a value up to exact equality: object fields sorted and null fields
 * dropped, ISO instants as instants, numbers by value.
 */
export function canonicalKey(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Instant) return `@${value.epochSeconds}.${value.nanos}`;
  if (typeof value === 'string') {
    const instant = parseInstant(value, true);
    return instant === null ? JSON.stringify(value) : `@${instant.epochSeconds}.${instant.nanos}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(canonicalKey).join(',')}]`;
  if (isPlainObject(value)) {
    const parts: string[] = [];
    for (const k of Object.keys(value).sort()) {
      const v = value[k];
      if (v !== null && v !== undefined) parts.push(`${JSON.stringify(k)}:${canonicalKey(v)}`);
    }
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(value) ?? String(value);
}

function sameMultiset(desired: readonly unknown[], actual: readonly unknown[]): boolean {
  if (desired.length !== actual.length) return false;
  const counts = new Map<string, number>();
  for (const element of desired) {
    const k = canonicalKey(element);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  for (const element of actual) {
    const k = canonicalKey(element);
    const n = counts.get(k);
    if (!n) return false;
    counts.set(k, n - 1);
  }
  return true;
}

/** Compares one pair of list elements matched by `unordered by`, at the element's path. */
export type ElementComparer = (desired: unknown, actual: unknown, path: string, out: FieldDelta[]) => void;

const compareElementsExactly: ElementComparer = (desired, actual, path, out) => compareExact(desired, actual, null, path, out);

/**
 * `unordered by FIELD`: pairs elements on FIELD, compares pairs (exactly, unless the caller
 * passes the rules below the list: `record-comparer.ts`), reports per element.
 * FIELD is read with `readPath`: the IR keeps it as path text (`meta.name`), and reading it as
 * one literal name found nothing in nested objects, so every element was paired by position.
 */
export function compareMatched(
  field: string,
  desired: readonly unknown[],
  actual: readonly unknown[],
  path: string,
  out: FieldDelta[],
  comparePair: ElementComparer = compareElementsExactly,
): void {
  const pool = new Map<string, unknown[]>();
  for (const element of actual) {
    const k = canonicalKey(readPath(element, field));
    const list = pool.get(k);
    if (list) list.push(element);
    else pool.set(k, [element]);
  }
  for (const element of desired) {
    const matchValue = readPath(element, field);
    const k = canonicalKey(matchValue);
    const candidates = pool.get(k);
    const partner = candidates && candidates.length > 0 ? candidates.shift() : undefined;
    const elementPath = matchPath(path, field, matchValue ?? null);
    if (partner === undefined) report(out, elementPath, element, null);
    else comparePair(element, partner, elementPath, out);
  }
  for (const element of actual) {
    const matchValue = readPath(element, field);
    const candidates = pool.get(canonicalKey(matchValue));
    if (candidates && candidates.includes(element)) {
      candidates.splice(candidates.indexOf(element), 1);
      report(out, matchPath(path, field, matchValue ?? null), null, element);
    }
  }
}
