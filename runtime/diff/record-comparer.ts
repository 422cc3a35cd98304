/**
 * Compares one desired record with one actual record under a policy's `compare` block.
 *
 * Why a prepared object: the rules are resolved once per policy (profile rules overridden by the
 * policy's own, paths parsed into a tree, field types looked up), then applied to every pair.
 *
 * Which fields are compared (LANGUAGE.md 2.3): with `default exact`, every field of the desired
 * record except the key — its source's declared `fields`, else its `select` names, else the
 * fields the record has — plus every field a rule names; with `default ignore`, only the fields
 * rules name. A field only the actual side has is compared only when a rule names it. A profile's
 * rule on a field that a typed desired source does not declare is left out (`appliesTo`).
 *
 * Nested rules: a rule on `metadata.labels.app` applies to that path only. When a field has rules
 * below it, the comparison descends into it: the names of both sides are compared with the
 * field's own comparator (exact by default; nothing under `ignore` but the paths rules name), and
 * the named paths with their rules. Key fields are never compared (the join matched them).
 *
 * Types: a top-level field declared by either source (the desired source's declaration first) is
 * coerced on both sides before comparing; a value that cannot be coerced is unequal to anything.
 */
import type { IrComparator, IrCompareRule, IrFieldType, IrPolicy, IrSource } from '../../language/ir/ir-types.js';
import type { EvaluationContext } from '../expressions/expression-evaluator.js';
import { isPlainObject, ownValue } from '../expressions/own-properties.js';
import type { FieldDelta } from '../plan/change-plan.js';
import { compareMatched, compareWith, UNCOERCIBLE, unionKeys, type ComparisonScope } from './comparators.js';
import { childPath, indexPath, parsePath, type PathSegment } from './field-path.js';
import { coerceForCompare } from './value-coercion.js';
import { UnreadableWithin, type UnreadableNotes } from './within-unreadable.js';

interface RuleNode {
  comparator: IrComparator | null;
  children: Map<PathSegment, RuleNode>;
}

/** How one top-level field is compared, prepared once. */
interface FieldPlan {
  name: string;
  node: RuleNode | undefined;
  comparator: IrComparator;
  type: IrFieldType | null;
  /** The side did not declare the type the field is compared as: its value is coerced. */
  coerceDesired: boolean;
  coerceActual: boolean;
  /** No rules below it and not `by`: equal values are equal without looking further. */
  simple: boolean;
  /** The field's own value in a plain object (see `ownReader`). */
  read: (record: Record<string, unknown>) => unknown;
  /** `exact`, simple and not coerced: two different scalars are reported as they are. */
  plainExact: boolean;
}

/**
 * Reads field `name` of plain objects as `ownValue` does. A name no object inherits is read
 * directly, by a function of its own so that its property cache sees only this field (the
 * records of one source share one shape); a name `Object.prototype` has is checked to be own.
 */
function ownReader(name: string): (record: Record<string, unknown>) => unknown {
  if (!(name in Object.prototype)) {
    try {
      return new Function('record', `return record[${JSON.stringify(name)}];`) as (record: Record<string, unknown>) => unknown;
    } catch {
      // Code generation is not allowed: the general read below.
    }
  }
  return (record) => (hasOwn.call(record, name) ? record[name] : undefined);
}

/** The element at index 0 of `RecordComparer.found`, never reported. */
const EQUAL_STAND_IN: FieldDelta = Object.freeze({ path: '', desired: null, actual: null });

const EXACT: IrComparator = { kind: 'exact' };
const hasOwn = Object.prototype.hasOwnProperty;
const IGNORE: IrComparator = { kind: 'ignore' };

/**
 * The outcome of comparing two equal records without warnings, shared by all of them (frozen:
 * callers only read it).
 */
const EQUAL: RecordComparison = Object.freeze({ fields: Object.freeze([]) as unknown as FieldDelta[], warnings: Object.freeze([]) as unknown as string[] });

/** The warnings of a comparison without any (no `by` rule): one frozen list shared by all of them. */
const NO_WARNINGS = EQUAL.warnings;

/** The outcome of comparing two records. */
export interface RecordComparison {
  /** The differing paths with their values, in field order. */
  fields: FieldDelta[];
  /** Run-time errors of `by` rules (they count as unequal). */
  warnings: string[];
  /**
   * Values `within` rules could not read as their kind on this pair (the pair differs there):
   * carried to the changed item (`DiffItem.unreadable`) for the policy's warning. Absent: none.
   */
  unreadable?: UnreadableNotes;
}

/**
 * The effective rules of a policy: one per path, a rule written in the policy overriding a
 * profile's rule for the same path, and a later rule overriding an earlier one.
 */
/** Whether some rule is `by EXPR` (not reflexive: the fast path must not skip pairs). */
export function hasByRule(rules: readonly IrCompareRule[]): boolean {
  return rules.some((rule) => rule.comparator.kind === 'by');
}

export function effectiveRules(policy: IrPolicy): IrCompareRule[] {
  const byPath = new Map<string, IrCompareRule>();
  for (const rule of policy.compare.rules) {
    const previous = byPath.get(rule.path);
    if (previous && previous.profile === null && rule.profile !== null) continue;
    byPath.delete(rule.path);
    byPath.set(rule.path, rule);
  }
  return [...byPath.values()];
}

/** Compares desired and actual records of one policy. */
export class RecordComparer {
  private readonly root: RuleNode = { comparator: null, children: new Map() };
  private readonly defaultComparator: IrComparator;
  /** Top-level fields compared for every record, or null when they come from each record. */
  private readonly baseFields: string[] | null;
  private readonly keyFields: Set<string>;
  private readonly desiredTypes = new Map<string, IrFieldType>();
  private readonly actualTypes = new Map<string, IrFieldType>();
  /** The plan of every top-level field met so far. */
  private readonly plans = new Map<string, FieldPlan>();
  /** The fields compared for every record (base fields and rule names), or null when dynamic. */
  private readonly staticPlans: FieldPlan[] | null;
  /** Rule names compared on top of each record's own fields, when the base is dynamic. */
  private readonly rulePlans: FieldPlan[];
  /** Whether some rule is `by EXPR` (not reflexive: the fast path must not skip pairs). */
  readonly hasByRule: boolean;
  /** The scope handed to comparators when no rule is `by` (only `within` reads it: `unreadable`). */
  private readonly unusedScope: ComparisonScope;
  /**
   * Collects the values `within` rules could not read as their kind on the pair being compared
   * (`RecordComparison.unreadable`), when some rule is `within`; else undefined.
   */
  private readonly unreadable: UnreadableWithin | undefined;
  /**
   * Where `compare` collects the differences, reused from pair to pair: a stand-in at index 0,
   * the differences after it (see `compare`).
   */
  private readonly found: FieldDelta[] = [EQUAL_STAND_IN];

  constructor(
    policy: IrPolicy,
    private readonly desiredSource: IrSource,
    actualSource: IrSource,
    private readonly evaluation: EvaluationContext,
  ) {
    this.defaultComparator = policy.compare.default === 'ignore' ? IGNORE : EXACT;
    const rules = effectiveRules(policy);
    this.hasByRule = hasByRule(rules);
    const withinRules: IrCompareRule[] = [];
    const declared = desiredSource.fields ? new Set(desiredSource.fields.map((f) => f.name)) : null;
    for (const rule of rules) {
      const segments = parsePath(rule.path);
      if (!appliesTo(rule, segments, declared)) continue;
      if (rule.comparator.kind === 'within') {
        // A comparator object of its own per rule: `within` warnings name the rule by the
        // comparator that met the value, and two rules may share one object (`WITHIN_5` in tests).
        const own = { ...rule.comparator };
        withinRules.push({ ...rule, comparator: own });
        this.addRule(segments, own);
      } else {
        this.addRule(segments, rule.comparator);
      }
    }
    this.unreadable = withinRules.length > 0 ? new UnreadableWithin(withinRules) : undefined;
    this.unusedScope = { desiredRecord: null, actualRecord: null, key: null, evaluation, warnings: [], unreadable: this.unreadable };
    this.keyFields = new Set(desiredSource.key);
    for (const key of desiredSource.key) {
      const segments = parsePath(key);
      if (segments.length > 1) this.addRule(segments, IGNORE, false);
    }
    for (const f of actualSource.fields ?? []) this.actualTypes.set(f.name, f.type);
    for (const f of desiredSource.fields ?? []) this.desiredTypes.set(f.name, f.type);
    this.baseFields = desiredSource.fields
      ? desiredSource.fields.map((f) => f.name)
      : desiredSource.select
        ? desiredSource.select.map((s) => s.name)
        : null;
    this.rulePlans = this.plansOf([...this.root.children.keys()].filter((k): k is string => typeof k === 'string'));
    this.staticPlans =
      this.baseFields === null
        ? null
        : this.plansOf([...(this.defaultComparator.kind === 'ignore' ? [] : this.baseFields), ...this.rulePlans.map((p) => p.name)]);
  }

  /** The plans of these top-level fields, without repeats, key fields and ignored fields. */
  private plansOf(names: readonly string[]): FieldPlan[] {
    const plans: FieldPlan[] = [];
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name)) continue;
      seen.add(name);
      const plan = this.planOf(name);
      if (plan !== null) plans.push(plan);
    }
    return plans;
  }

  /** How one top-level field is compared; null when it never is (a key, or ignored). */
  private planOf(name: string): FieldPlan | null {
    const cached = this.plans.get(name);
    if (cached !== undefined) return cached;
    if (this.keyFields.has(name)) return null;
    const node = this.root.children.get(name);
    const comparator = node?.comparator ?? this.defaultComparator;
    if (comparator.kind === 'ignore' && (!node || node.children.size === 0)) return null;
    const desiredType = this.desiredTypes.get(name) ?? null;
    const actualType = this.actualTypes.get(name) ?? null;
    const type = desiredType ?? actualType;
    const plan: FieldPlan = {
      name,
      node,
      comparator,
      type,
      coerceDesired: type !== null && desiredType !== type,
      coerceActual: type !== null && actualType !== type,
      simple: (!node || node.children.size === 0) && comparator.kind !== 'by',
      read: ownReader(name),
      plainExact: false,
    };
    plan.plainExact = plan.simple && comparator.kind === 'exact' && !plan.coerceDesired && !plan.coerceActual;
    this.plans.set(name, plan);
    return plan;
  }

  private addRule(segments: PathSegment[], comparator: IrComparator, override = true): void {
    let node = this.root;
    for (const segment of segments) {
      let child = node.children.get(segment);
      if (!child) {
        child = { comparator: null, children: new Map() };
        node.children.set(segment, child);
      }
      node = child;
    }
    if (override || node.comparator === null) node.comparator = comparator;
  }

  /** The type a top-level field is compared as (the desired source's declaration first), or null. */
  typeOf(field: string): IrFieldType | null {
    return this.desiredTypes.get(field) ?? this.actualTypes.get(field) ?? null;
  }

  /**
   * Every top-level field that may take part in a comparison, given the fields desired records
   * can have (`recordFields`, used when the desired source declares neither `fields` nor
   * `select`). Key fields and fields whose whole value is ignored are left out. The fast path
   * fingerprints exactly these.
   */
  comparedTopLevelFields(recordFields: readonly string[]): string[] {
    const names: string[] = [];
    const seen = new Set<string>();
    const add = (name: string) => {
      if (seen.has(name) || this.keyFields.has(name)) return;
      seen.add(name);
      const node = this.root.children.get(name);
      const comparator = node?.comparator ?? this.defaultComparator;
      if (comparator.kind === 'ignore' && (!node || node.children.size === 0)) return;
      names.push(name);
    };
    if (this.defaultComparator.kind !== 'ignore') for (const name of this.baseFields ?? recordFields) add(name);
    for (const segment of this.root.children.keys()) if (typeof segment === 'string') add(segment);
    return names;
  }

  /** Compares two presented records of one key. */
  compare(
    desired: Record<string, unknown>,
    actual: Record<string, unknown>,
    key: Record<string, unknown> | null,
  ): RecordComparison {
    // The differences go to a list kept from pair to pair, after a stand-in at index 0: a list
    // emptied to length 0 drops its storage, one left one element long keeps it. Most pairs the
    // diff compares differ in few fields or none, and a new list per pair (and its storage,
    // grown by the first `push`) was garbage for every one of them; the result is a copy.
    const fields = this.found;
    if (fields.length !== 1) fields.length = 1;
    let scope: ComparisonScope | null = null;
    const plans = this.staticPlans ?? this.dynamicPlans(desired);
    // `ownValue` of each field, with the plain-object check done once per record.
    const desiredPlain = isPlainObject(desired);
    const actualPlain = isPlainObject(actual);
    for (let p = 0; p < plans.length; p++) {
      const plan = plans[p];
      const name = plan.name;
      const rawD = desiredPlain ? plan.read(desired) : ownValue(desired, name);
      const rawA = actualPlain ? plan.read(actual) : ownValue(actual, name);
      // Equal values need no coercion and pass every comparator but `by`.
      if (plan.simple && (rawD === rawA || ((rawD === null || rawD === undefined) && (rawA === null || rawA === undefined)))) {
        if (!plan.coerceDesired && !plan.coerceActual) continue;
      }
      // Different scalars under `exact`: what `compareExact` reports, without its general steps.
      if (plan.plainExact && typeof rawD === typeof rawA && (typeof rawD === 'number' || typeof rawD === 'boolean' || (typeof rawD === 'string' && plan.type === 'string'))) {
        fields.push({ path: name, desired: rawD, actual: rawA });
        continue;
      }
      // Only `by` rules read the scope (and add warnings to it), and `within` its `unreadable`.
      scope ??= this.hasByRule
        ? { desiredRecord: desired, actualRecord: actual, key, evaluation: this.evaluation, warnings: [], unreadable: this.unreadable }
        : this.unusedScope;
      let d: unknown = rawD;
      let a: unknown = rawA;
      if (plan.coerceDesired) {
        const c = coerceForCompare(rawD, plan.type);
        d = c.ok ? c.value : UNCOERCIBLE;
      }
      if (plan.coerceActual) {
        const c = coerceForCompare(rawA, plan.type);
        a = c.ok ? c.value : UNCOERCIBLE;
      }
      if (plan.node === undefined || plan.node.children.size === 0) compareWith(plan.comparator, d, a, plan.type, name, fields, scope, rawD, rawA);
      else this.compareNode(plan.node, this.defaultComparator, d, a, plan.type, name, fields, scope, rawD, rawA);
    }
    const warnings = this.hasByRule && scope !== null ? scope.warnings : null;
    // Most pairs the diff compares are equal: one shared, frozen result for all of them (a
    // `within` notes a value only with a difference, so there are no notes then).
    if (fields.length === 1 && (warnings === null || warnings.length === 0)) return EQUAL;
    // the differences after the stand-in, in a list of their own and of their exact size
    const differences = fields.slice(1);
    fields.length = 1;
    const comparison: RecordComparison = { fields: differences, warnings: warnings === null || warnings.length === 0 ? NO_WARNINGS : warnings };
    const unreadable = this.unreadable === undefined ? undefined : this.unreadable.take();
    if (unreadable !== undefined) comparison.unreadable = unreadable;
    return comparison;
  }

  /** Whether some rule is `within`: only then can a comparison carry `unreadable` notes. */
  get hasWithinRule(): boolean {
    return this.unreadable !== undefined;
  }

  /** The fields compared for a record of an untyped, select-less desired source. */
  private dynamicPlans(desired: Record<string, unknown>): FieldPlan[] {
    const plans: FieldPlan[] = [];
    if (this.defaultComparator.kind !== 'ignore') {
      for (const name of Object.keys(desired)) {
        const plan = this.planOf(name);
        if (plan !== null) plans.push(plan);
      }
    }
    for (const plan of this.rulePlans) {
      if (this.defaultComparator.kind === 'ignore' || !Object.prototype.hasOwnProperty.call(desired, plan.name)) plans.push(plan);
    }
    return plans;
  }

  private compareNode(
    node: RuleNode | undefined,
    inherited: IrComparator,
    desired: unknown,
    actual: unknown,
    type: IrFieldType | null,
    path: string,
    out: FieldDelta[],
    scope: ComparisonScope,
    shownDesired: unknown,
    shownActual: unknown,
  ): void {
    const comparator = node?.comparator ?? inherited;
    if (!node || node.children.size === 0) {
      compareWith(comparator, desired, actual, type, path, out, scope, shownDesired, shownActual);
      return;
    }
    if (comparator.kind === 'unordered') {
      this.compareUnordered(node, comparator, desired, actual, type, path, out, scope, shownDesired, shownActual);
      return;
    }
    const containers = sameContainerKind(desired, actual);
    if (!containers && comparator.kind !== 'ignore') {
      compareWith(comparator, desired, actual, type, path, out, scope, shownDesired, shownActual);
      return;
    }
    // Descend: the names of both sides under the node's comparator, and the named paths.
    const below = comparator.kind === 'ignore' ? IGNORE : comparator;
    const names: PathSegment[] = [];
    if (below.kind !== 'ignore' && containers) {
      if (Array.isArray(desired) || Array.isArray(actual)) {
        const length = Math.max(Array.isArray(desired) ? desired.length : 0, Array.isArray(actual) ? actual.length : 0);
        for (let i = 0; i < length; i++) names.push(i);
      } else {
        names.push(...unionKeys(asObject(desired), asObject(actual)));
      }
    }
    for (const segment of node.children.keys()) {
      if (!names.includes(segment)) names.push(segment);
    }
    for (const segment of names) {
      const d = ownValue(desired, segment);
      const a = ownValue(actual, segment);
      const childPathText = typeof segment === 'number' ? indexPath(path, segment) : childPath(path, segment);
      this.compareNode(node.children.get(segment), below, d, a, null, childPathText, out, scope, d, a);
    }
  }

  /**
   * A list compared `unordered` that has rules below it (`containers unordered by name` and
   * `containers.resources ignore`). Why not descend like other fields: descending pairs the
   * elements by position, so a reordered list was reported element by element as changed.
   * Under `unordered by`, elements are paired on the match field and each pair is compared
   * exactly but for the named rules below the list (applied inside every element); under
   * plain `unordered` the lists are compared as multisets, the rules below them aside.
   */
  private compareUnordered(
    node: RuleNode,
    comparator: Extract<IrComparator, { kind: 'unordered' }>,
    desired: unknown,
    actual: unknown,
    type: IrFieldType | null,
    path: string,
    out: FieldDelta[],
    scope: ComparisonScope,
    shownDesired: unknown,
    shownActual: unknown,
  ): void {
    if (comparator.by === null || !Array.isArray(desired) || !Array.isArray(actual)) {
      compareWith(comparator, desired, actual, type, path, out, scope, shownDesired, shownActual);
      return;
    }
    const inside = elementRules(node);
    compareMatched(comparator.by, desired, actual, path, out, (d, a, elementPath, found) =>
      this.compareNode(inside, EXACT, d, a, null, elementPath, found, scope, d, a),
    );
  }
}

/**
 * The rules that apply inside each element of a list compared `unordered by`: the named
 * children of the list's node (`containers.resources`), not its indexes, which mean nothing when
 * order does not count.
 */
function elementRules(node: RuleNode): RuleNode {
  const children = new Map<PathSegment, RuleNode>();
  for (const [segment, child] of node.children) if (typeof segment === 'string') children.set(segment, child);
  return { comparator: null, children };
}

/**
 * Whether a rule takes part in the comparison. A profile's rule whose field a typed desired
 * source does not declare does not: a rule on such a field is an error when written in the
 * policy (LANGUAGE.md 2.3: with a typed desired source a rule's path must be one of its fields),
 * but the checker lets a profile's rules through, because a profile (`money.cents`: `amount`
 * and `currency`) is written for many sources. Applied, such a rule compared a field the desired
 * side cannot hold — `currency: null → "EUR"` on every record, and `update` would clear it.
 */
function appliesTo(rule: IrCompareRule, segments: readonly PathSegment[], declared: ReadonlySet<string> | null): boolean {
  if (rule.profile === null || declared === null) return true;
  const head = segments[0];
  return typeof head === 'string' && declared.has(head);
}

/** Both sides are absent, objects or lists, and not an object against a list. */
function sameContainerKind(a: unknown, b: unknown): boolean {
  const ka = containerKind(a);
  const kb = containerKind(b);
  if (ka === 'scalar' || kb === 'scalar') return false;
  return ka === 'null' || kb === 'null' || ka === kb;
}

function containerKind(value: unknown): 'null' | 'object' | 'list' | 'scalar' {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'list';
  return isPlainObject(value) ? 'object' : 'scalar';
}

function asObject(value: unknown): Record<string, unknown> {
  return isPlainObject(value) ? value : {};
}
