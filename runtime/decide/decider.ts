/**
 * The decider: turns a policy's diff into decided plan items (LANGUAGE.md 2.3, RUNTIME.md 3).
 *
 * Why one function per policy: rules decide items one by one, but mode and limits look at the
 * whole policy, and both must be settled before anything is written to the plan. The decision is
 * a pure function of the policy, the diff and the run's `observed_at`, so plans are reproducible.
 */
import type { IrActionKind, IrDocument, IrPolicy, IrRemediationRule, IrSource } from '../../language/ir/ir-types.js';
import type { DiffItem, DiffResult } from '../diff/diff-result.js';
import { sha256OfCanonical } from '../plan/canonical-json.js';
import type { FieldDelta, Gate, PlanItem, PolicyPlan, PolicySummary } from '../plan/change-plan.js';
import { encodeIdPart, itemId } from '../plan/item-id.js';
import { flatConcat } from '../observe/flat-text.js';
import { keyObject } from '../diff/diff-items.js';
import { createDecideExpressions, type DecideExpressions } from './decide-expressions.js';
import { buildEffect } from './effect-builder.js';
import { checkLimits } from './limit-checker.js';

/** What the decider needs besides the policy and its diff. */
export interface DecideContext {
  /** The run's `observed_at`: `now()`, `age()` and `until` read it, never the clock. */
  observedAt: string;
  /** The IR the policy belongs to (for its sources). */
  ir: IrDocument;
  /** Variables for `env()` in conditions and `secret()` in connector options (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Apply `limits` (default true); `recon test` turns them off. */
  applyLimits?: boolean;
  /**
   * Build each acting item's `effect` (default true). `recon test` turns it off: a test checks
   * the rules with no I/O, and an effect reads the actual source's options — its `secret()`
   * headers — only to show them as `***`, warning about every secret the test run has not set.
   */
  effects?: boolean;
  /** Replaces the expression evaluator (tests of the decider alone); default: the runtime's evaluator. */
  expressions?: DecideExpressions;
}

/** The acting actions: the ones that write to the actual side and that limits count. */
export const ACTING_ACTIONS: ReadonlySet<IrActionKind> = new Set(['create', 'update', 'delete']);

/** The date part (`YYYY-MM-DD`, UTC) of an ISO instant, for `until`. */
export function observedDate(observedAt: string): string {
  const parsed = Date.parse(observedAt);
  if (Number.isFinite(parsed)) return new Date(parsed).toISOString().slice(0, 10);
  return observedAt.slice(0, 10);
}

/** True when a rule's `until` day has passed: after that day the rule no longer matches. */
export function ruleExpired(rule: IrRemediationRule, observedAt: string): boolean {
  return rule.until !== null && observedDate(observedAt) > rule.until;
}

/**
 * Decides every item of one policy's diff: action, gate, approvers, reason, effect and
 * precondition, then applies the policy's mode and limits.
 */
export function decidePolicy(policy: IrPolicy, diff: DiffResult, ctx: DecideContext): PolicyPlan {
  const decision = startPolicyDecision(policy, ctx);
  return decision.finish(diff.items.map((item) => decision.decide(item)), diff.summary);
}

/**
 * `decidePolicy` in two steps, for callers that decide items as they are made: `decide` one item
 * at a time (a pure function of the item), then `finish` the policy over all of them, in plan
 * order — mode and limits look at the whole policy.
 *
 * Why: the plan runner hands `decide` to the diff, which then releases each item's records as
 * soon as its plan item exists, so a large diff's records never all sit in memory at once.
 */
export interface PolicyDecision {
  decide(item: DiffItem): PlanItem;
  finish(items: PlanItem[], summary: PolicySummary): PolicyPlan;
}

export function startPolicyDecision(policy: IrPolicy, ctx: DecideContext): PolicyDecision {
  const expressions = ctx.expressions ?? createDecideExpressions({ observedAt: ctx.observedAt, env: ctx.env });
  const actualSource: IrSource | undefined = ctx.ir.sources.find((source) => source.name === policy.actual);
  const desiredSource: IrSource | undefined = ctx.ir.sources.find((source) => source.name === policy.desired);
  const rulesOf = (kind: DiffItem['kind']): IrRemediationRule[] =>
    policy.remediate.filter((rule) => rule.on === kind || (rule.on === 'any' && kind !== 'invalid'));
  const run: PolicyRun = {
    policy,
    actualSource,
    desiredSource,
    renamesKey: renamesKey(desiredSource, actualSource),
    expressions,
    ctx,
    rules: { missing: rulesOf('missing'), extra: rulesOf('extra'), changed: rulesOf('changed'), invalid: rulesOf('invalid') },
    idPrefixes: { missing: `${policy.name}/missing/`, extra: `${policy.name}/extra/`, changed: `${policy.name}/changed/` },
    sharedFields: new SharedFields(),
  };
  return {
    decide: (item) => decideItem(run, item),
    finish: (items, summary) => finishPolicy(policy, ctx, items, summary),
  };
}

/**
 * Applies the policy's mode and limits to its decided items, and makes the policy plan.
 *
 * `mode audit` blocks the acting items (create, update, delete) and keeps tickets: an audit records
 * differences for people to fix, and a ticket in the ticket sink is such a record, not a write to
 * the actual side. Limits exceeded with `on_exceed abort` block the tickets too: "nothing of that
 * policy is applied" (LANGUAGE.md 2.3), and a run whose counts are off (a source read empty, say)
 * must not open a ticket for every record. Limits still count only the acting items, and
 * `on_exceed approve` gates only them.
 */
function finishPolicy(policy: IrPolicy, ctx: DecideContext, items: PlanItem[], summary: PolicySummary): PolicyPlan {
  // One pass over the items for mode audit and the counts limits need (a large plan's items
  // are scattered over the heap: each pass is mostly cache misses); acting items are listed
  // only when the limits are exceeded.
  const audit = policy.mode === 'audit';
  let actingCount = 0;
  let deletes = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const action = item.action;
    const acting = ACTING_ACTIONS.has(action);
    if (acting) {
      actingCount++;
      if (action === 'delete') deletes++;
    }
    if (audit && acting) {
      item.gate = 'blocked';
      appendMessage(item, 'blocked: the policy is in mode audit (never acts)');
    }
  }

  let limits = { exceeded: false, reasons: [] as string[] };
  if (ctx.applyLimits !== false) {
    limits = checkLimits(policy.limits, { acting: actingCount, deletes, desired: summary.desired });
    if (limits.exceeded) {
      const abort = policy.limits.on_exceed === 'abort';
      const gated = items.filter((item) => ACTING_ACTIONS.has(item.action) || (abort && item.action === 'ticket'));
      for (const item of gated) {
        if (abort) {
          if (item.gate !== 'blocked') {
            item.gate = 'blocked';
            appendMessage(item, 'blocked: the policy exceeds its limits (on_exceed abort)');
          }
        } else if (item.gate === 'auto') {
          item.gate = 'approval';
          appendMessage(item, 'needs approval: the policy exceeds its limits (on_exceed approve)');
        }
      }
    }
  }

  return {
    policy: policy.name,
    mode: policy.mode,
    summary: { ...summary },
    limits,
    items,
  };
}

/** What stays the same for every item of one policy's run (looked up once, not per item). */
interface PolicyRun {
  policy: IrPolicy;
  actualSource: IrSource | undefined;
  desiredSource: IrSource | undefined;
  /** True when the two sources name their key fields differently (`renamesKey`). */
  renamesKey: boolean;
  expressions: DecideExpressions;
  ctx: DecideContext;
  /** The rules whose `on` can match an item of each kind (`any`: every kind but invalid), in order. */
  rules: Record<DiffItem['kind'], IrRemediationRule[]>;
  /** `policy/kind/` per kind: the start of every keyed item id. */
  idPrefixes: { missing: string; extra: string; changed: string };
  /** The fields shared by the items of this run (`SharedFields`). */
  sharedFields: SharedFields;
}

/**
 * The reason of an item no rule matched. One frozen object shared by all of them: a plan of a
 * large diff without rules has tens of thousands (a reason is replaced, never changed in place).
 */
const NO_RULE_MATCHED: PlanItem['reason'] = Object.freeze({
  rule: null,
  at: null,
  because: null,
  message: 'no remediation rule matched: report',
});

/**
 * The warnings of an item that has none and can get none (no rule to match): one frozen list
 * shared by all of them, never added to (a warning is only added while rules are matched).
 */
const NO_WARNINGS: readonly string[] = Object.freeze([]);

/**
 * The item's id (see `itemId`). Fast path for the common case, a single string key value: then
 * the id is `policy/kind/` and the encoded value, exactly what `itemId` gives.
 */
function idOf(run: PolicyRun, item: DiffItem): string {
  const keyValues = item.keyValues ?? (item.key ? Object.values(item.key) : null);
  if (keyValues !== null && keyValues.length === 1) {
    const value = keyValues[0];
    const prefix =
      item.kind === 'missing' ? run.idPrefixes.missing : item.kind === 'extra' ? run.idPrefixes.extra : item.kind === 'changed' ? run.idPrefixes.changed : null;
    // One flat string: `+` would make a pair that the plan hash flattens anyway (a copy of the
    // whole text, with the pair kept beside it as long as the plan lives).
    if (prefix !== null && typeof value === 'string') return flatConcat(prefix, encodeIdPart(value));
  }
  return itemId(run.policy.name, {
    kind: item.kind,
    keyValues,
    side: item.side,
    position: item.origin?.position ?? null,
  });
}

/**
 * True when the policy's sources name their key fields differently (desired `key txn`, actual
 * `key id`): LANGUAGE.md 2.3 pairs key fields by position and asks only for the same arity.
 */
function renamesKey(desired: IrSource | undefined, actual: IrSource | undefined): boolean {
  if (!desired || !actual || desired.key.length !== actual.key.length) return false;
  return desired.key.some((path, k) => path !== actual.key[k]);
}

/**
 * The `key` root of a policy's expressions (`when`, ticket titles, `because`): the key named by
 * the desired source, for every kind of item — as the checker types it, and as `by` rules see it.
 * Why: an extra item is keyed by the actual source's names (its plan item `key` stays so), and
 * with names that differ `key.txn` read null in a ticket title the checker had accepted, while
 * `key.id` was refused by the checker.
 */
function conditionKey(run: PolicyRun, item: DiffItem): Record<string, unknown> | null {
  if (!run.renamesKey || item.kind !== 'extra' || item.keyValues === null || run.desiredSource === undefined) return item.key ?? null;
  return keyObject(run.desiredSource, item.keyValues);
}

/**
 * `invalid desired record #N (FILE:LINE): REASON`. The file and line, when the record's source is
 * a file and its line is known, say where to fix it; a reason that starts with them already (a
 * row the connector could not read) is not located twice.
 */
function invalidMessage(run: PolicyRun, item: DiffItem): string {
  const reason = item.invalidReason ?? 'it broke its source rules';
  const source = item.side === 'desired' ? run.desiredSource : item.side === 'actual' ? run.actualSource : undefined;
  const path = source?.connector.path;
  const line = item.origin?.line;
  const at = path !== undefined && line !== undefined ? `${path}:${line}` : null;
  const located = at !== null && !reason.startsWith(`${at}:`) ? ` (${at})` : '';
  return `invalid ${[item.side, 'record'].filter(Boolean).join(' ')}${item.origin ? ` #${item.origin.position}` : ''}${located}: ${reason}`;
}

/** The rules that can match an item of this kind (none for a kind the IR does not know). */
function rulesFor(run: PolicyRun, kind: DiffItem['kind']): readonly IrRemediationRule[] {
  switch (kind) {
    case 'missing':
      return run.rules.missing;
    case 'extra':
      return run.rules.extra;
    case 'changed':
      return run.rules.changed;
    case 'invalid':
      return run.rules.invalid;
    default:
      return [];
  }
}

function decideItem(run: PolicyRun, item: DiffItem): PlanItem {
  const { policy, expressions, ctx } = run;
  const id = idOf(run, item);
  // the candidate rules (none for invalid items): only they add warnings
  const candidates = rulesFor(run, item.kind);
  const warnings: string[] =
    item.warnings && item.warnings.length > 0 ? [...item.warnings] : candidates.length === 0 || item.kind === 'invalid' ? (NO_WARNINGS as string[]) : [];
  const side = item.kind === 'invalid' ? item.side : null;
  const fields = itemFields(item, run.sharedFields);
  const precondition = item.actualRaw ? sha256OfCanonical(item.actualRaw) : null;

  if (item.kind === 'invalid') {
    return planItem(id, item, side, fields, precondition, 'report', 'none', null, {
      rule: null,
      at: null,
      because: null,
      message: invalidMessage(run, item),
    }, null, warnings);
  }

  // the condition data only when some rule can look at it (a policy without rules needs none)
  const data: Record<string, unknown> | null =
    candidates.length === 0
      ? null
      : {
          desired: item.desired ?? null,
          actual: item.actual ?? null,
          key: conditionKey(run, item),
          diff: [...item.diff],
        };
  const rule = data === null ? null : matchRule(candidates, data, expressions, ctx.observedAt, warnings);
  if (!rule || data === null) {
    return planItem(id, item, side, fields, precondition, 'report', 'none', null, NO_RULE_MATCHED, null, warnings);
  }

  let title: string | null = null;
  if (rule.action === 'ticket') {
    title = ticketTitle(policy, item, rule, data, expressions, warnings);
  }
  const because = rule.because === null ? null : shownText(rule.because, 'because text', rule, data, expressions, warnings);
  const gate: Gate =
    rule.action === 'ignore' || rule.action === 'report' ? 'none' : rule.approval.required ? 'approval' : 'auto';
  const built =
    ctx.effects === false
      ? { effect: null, warnings: [] }
      : buildEffect({
          action: rule.action,
          item,
          source: run.actualSource,
          desiredKey: run.desiredSource?.key,
          title,
          data,
          evaluateValue: (expr, values) => expressions.value(expr, values),
          evaluateShown: (expr, values) => expressions.shown(expr, values),
        });
  for (const warning of built.warnings) warnings.push(warning);
  return planItem(
    id,
    item,
    side,
    fields,
    precondition,
    rule.action,
    gate,
    gate === 'approval' ? rule.approval.group : null,
    { rule: rule.index, at: rule.at, because },
    built.effect,
    warnings,
  );
}

/**
 * The first of the rules whose kind matches (`PolicyRun.rules`), whose `until` has not
 * passed and whose `when` holds. A `when` that fails to evaluate does not hold and leaves a
 * warning; an expired exception that would still match leaves a warning too.
 */
function matchRule(
  candidates: readonly IrRemediationRule[],
  data: Record<string, unknown>,
  expressions: DecideExpressions,
  observedAt: string,
  warnings: string[],
): IrRemediationRule | null {
  for (const rule of candidates) {
    const expired = ruleExpired(rule, observedAt);
    let holds = true;
    if (rule.when !== null) {
      const result = expressions.condition(rule.when, data);
      if (result.warning) warnings.push(`rule ${rule.index} (${rule.at}): condition could not be evaluated, taken as false: ${result.warning}`);
      holds = result.value;
    }
    if (!holds) continue;
    if (expired) {
      warnings.push(`rule ${rule.index} (${rule.at}) expired after ${rule.until}: the exception no longer applies`);
      continue;
    }
    return rule;
  }
  return null;
}

/** A shown string (a `because` text): evaluated over the item, secrets as `***`, null on failure with a warning. */
function shownText(
  expr: NonNullable<IrRemediationRule['because']>,
  what: string,
  rule: IrRemediationRule,
  data: Record<string, unknown>,
  expressions: DecideExpressions,
  warnings: string[],
): string | null {
  if (typeof expr === 'string') return expr;
  const result = expressions.shown(expr, data);
  if (result.warning) warnings.push(`rule ${rule.index} (${rule.at}): ${what} could not be evaluated: ${result.warning}`);
  if (result.value === null || result.value === undefined) return null;
  return typeof result.value === 'string' ? result.value : JSON.stringify(result.value);
}

function ticketTitle(
  policy: IrPolicy,
  item: DiffItem,
  rule: IrRemediationRule,
  data: Record<string, unknown>,
  expressions: DecideExpressions,
  warnings: string[],
): string {
  const fallback = `${policy.name}: ${item.kind} ${Object.values(item.key ?? {}).map(String).join(', ')}`;
  if (rule.title === null) return fallback;
  const result = expressions.shown(rule.title, data);
  if (result.warning) {
    warnings.push(`rule ${rule.index} (${rule.at}): ticket title could not be evaluated: ${result.warning}`);
    if (result.value === null || result.value === undefined) return fallback;
  }
  if (result.value === null || result.value === undefined) return '';
  return typeof result.value === 'string' ? result.value : JSON.stringify(result.value);
}

/**
 * The fields an item shows: the differing ones for `changed`, and the whole record for the
 * others (desired values for missing, actual values for extra, the broken record's for invalid).
 * A whole record's fields of a value that repeats come from `shared`.
 */
function itemFields(item: DiffItem, shared: SharedFields): FieldDelta[] {
  if (item.kind === 'changed' || item.fields.length > 0) {
    // A list of the plan item's own, of the same field objects: nothing changes a field in
    // place (the fields of whole records are shared and frozen, `SharedFields`), and a copy of
    // each field was one more object per difference, made only to be copied by the collector.
    return item.fields.slice();
  }
  const record =
    item.kind === 'missing'
      ? item.desired
      : item.kind === 'extra'
        ? item.actual
        : item.side === 'actual'
          ? (item.actual ?? item.actualRaw)
          : (item.desired ?? item.desiredRaw);
  if (!record) return [];
  const onDesired = item.kind === 'missing' || (item.kind === 'invalid' && item.side !== 'actual');
  // The record's own members in `Object.keys` order (`for...in` lists them so, then inherited
  // enumerable ones, which the check leaves out), gathered in a list kept from item to item,
  // then copied at their exact size (a list grown by `push` keeps room for more, in every plan
  // item). Why not `Object.keys` and `Object.values`: two lists per item, garbage at once.
  const gathered = GATHERED;
  let position = 0;
  let count = 0;
  for (const path in record) {
    if (!hasOwn.call(record, path)) continue;
    const value = record[path];
    if (value !== undefined) gathered[count++] = shared.field(position, path, value, onDesired);
    position++;
  }
  const fields = gathered.slice(0, count);
  // the fields are the plan item's: the gathering list does not keep them
  gathered.fill(NO_FIELD, 0, count);
  return fields;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** Where `itemFields` gathers a whole record's fields (a list that keeps its room). */
const GATHERED: FieldDelta[] = [];

/** Stands in for a field `GATHERED` no longer holds. */
const NO_FIELD: FieldDelta = Object.freeze({ path: '', desired: null, actual: null });

/** Distinct values of one field (per side and position) worth sharing; a field with more stops being shared. */
const MAX_SHARED_VALUES = 256;
/** Strings longer than this are not shared (long texts seldom repeat). */
const MAX_SHARED_LENGTH = 64;
/** Members of a record from this position on are not shared (records that wide are rare). */
const MAX_SHARED_POSITIONS = 256;

/** The shared fields of one position of one side's records: its path and the field of each value. */
interface SharedSlot {
  path: string;
  /** The field of each value met, while `open`. */
  fields: Map<unknown, FieldDelta>;
  /** False once the position has shown more than `MAX_SHARED_VALUES` values (no more sharing). */
  open: boolean;
}

/**
 * One frozen `FieldDelta` per distinct plain value (string, number, boolean, null) of a field of
 * the whole records that missing and extra items show, shared by every item that shows it.
 *
 * Why: a missing or extra item shows its whole record, one field object per member, and the
 * values of many members repeat from record to record (codes, states, flags, small counts). At
 * 1M records a side, 20,000 such items held 200,000 field objects of 48 bytes, all kept until
 * the plan is written and each copied by the young-generation collector on the way; shared,
 * the fields of repeating values are made once. Values are told apart as `Map` keys are
 * (SameValueZero: `'1'` and `1`, `''` and `null`, differently normalised strings all stay
 * apart); -0 is never shared (it would meet 0). A position whose values keep changing (ids,
 * amounts, instants) stops being looked up once it has shown `MAX_SHARED_VALUES` of them.
 * Shared fields are frozen: nothing changes a plan item's fields in place, and a mistake that
 * tried would fail instead of changing every item that shares one.
 *
 * Why `field` is written as it is: a position may stop sharing, or a value may be too long to
 * share, late in a large diff, once `field` has long been optimised. Every way through it makes
 * the field by one call of `sideField`, and a slot's state is a flag beside a map that stays, so
 * that neither meets the optimised code with a call or a value it has not seen (which throws the
 * code away: a slot's map once became null there).
 */
export class SharedFields {
  private readonly desired: (SharedSlot | undefined)[] = [];
  private readonly actual: (SharedSlot | undefined)[] = [];

  /** The field of `value` at `path`, the `position`th member of its record, on the desired side or the actual one. */
  field(position: number, path: string, value: unknown, onDesired: boolean): FieldDelta {
    const shareable =
      position < MAX_SHARED_POSITIONS &&
      (value === null ||
        typeof value === 'boolean' ||
        (typeof value === 'string' && value.length <= MAX_SHARED_LENGTH) ||
        (typeof value === 'number' && !Object.is(value, -0)));
    const slot = shareable ? this.slotOf(position, path, onDesired) : null;
    const fields = slot !== null && slot.open && slot.path === path ? slot.fields : null;
    if (fields !== null) {
      const known = fields.get(value);
      if (known !== undefined) return known;
    }
    const field = sideField(path, value, onDesired);
    if (fields === null) return field;
    Object.freeze(field);
    // a closed slot keeps its map: the fields in it are the items' anyway
    const open = fields.size < MAX_SHARED_VALUES;
    if (open) fields.set(value, field);
    slot!.open = open;
    return field;
  }

  /** The slot of a position of one side, made when first asked for (with the path it is made for). */
  private slotOf(position: number, path: string, onDesired: boolean): SharedSlot {
    const slots = onDesired ? this.desired : this.actual;
    let slot = slots[position];
    if (slot === undefined) {
      slot = { path, fields: new Map(), open: true };
      slots[position] = slot;
    }
    return slot;
  }
}

/** A whole record's field: its value on one side, null on the other. */
function sideField(path: string, value: unknown, onDesired: boolean): FieldDelta {
  return onDesired ? { path, desired: value, actual: null } : { path, desired: null, actual: value };
}

/** The decided item, its members in the documented order (RUNTIME.md section 3). */
function planItem(
  id: string,
  item: DiffItem,
  side: PlanItem['side'],
  fields: FieldDelta[],
  precondition: string | null,
  action: PlanItem['action'],
  gate: Gate,
  approvers: string | null,
  reason: PlanItem['reason'],
  effect: PlanItem['effect'],
  warnings: string[],
): PlanItem {
  const decided: PlanItem = {
    id,
    kind: item.kind,
    key: item.key,
    side,
    fields,
    action,
    gate,
    approvers,
    reason,
    precondition,
    effect,
  };
  if (warnings.length > 0) decided.warnings = [...new Set(warnings)];
  return decided;
}

function appendMessage(item: PlanItem, message: string): void {
  item.reason = { ...item.reason, message: item.reason.message ? `${item.reason.message}; ${message}` : message };
}
