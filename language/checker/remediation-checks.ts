/**
 * Checks of a policy's `remediate` block (LANGUAGE.md 2.3): kinds and actions, which action fits
 * which kind, rules that can never fire, approval groups, `until` dates, and whether the actual
 * source can be written by `create`/`update`/`delete` at all.
 *
 * Why: remediation is where a policy acts on a real system; a rule that silently never fires, an
 * exception that expired, or a write the connector cannot perform must be caught before `apply`.
 */
import type * as A from '../ast.js';
import { diagnostic } from '../diagnostics.js';
import type { Module } from '../program.js';
import { connectorSpec } from './builtin-functions.js';
import type { CheckContext } from './check-context.js';
import { ruleScope } from './expression-scope.js';
import type { PolicySides } from './policy-checks.js';
import { uncoveredComputedFields } from './select-coverage.js';
import type { SourceShape } from './source-shape.js';
import { ACTION_KIND, ACTIONS, ANY_COVERS, GATEABLE_ACTIONS, RULE_KINDS, WRITING_ACTIONS, isOneOf } from './vocabulary.js';

/** `YYYY-MM-DD` that is a real calendar date. */
export function isCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * Why a source cannot be written by `action`, as the `{detail}` of `source-not-writable`, or null
 * when it can: inline sources never; http and exec sources only with a matching `write { }`
 * operation; postgres only with a `table`; csv, json, jsonl and yaml always.
 */
export function whyNotWritable(shape: SourceShape, action: 'create' | 'update' | 'delete'): string | null {
  const spec = shape.connector ? connectorSpec(shape.connector) : undefined;
  if (!spec) return null;
  if (spec.writes === 'none') return `: ${spec.name} sources are read-only`;
  if (spec.writes === 'write-block') {
    const has = shape.decl.statements.some((s) => s.kind === 'Write' && s.items.some((i) => i.kind === 'WriteOp' && i.op.text === action));
    return has ? null : `: it has no '${action}' operation in write { }`;
  }
  if (spec.name === 'postgres') {
    const from = shape.decl.statements.find((s): s is A.FromStmt => s.kind === 'From');
    const options = from?.call.args.filter((a) => a.name !== null).map((a) => a.name!.text) ?? [];
    if (options.includes('query') && !options.includes('table')) return ': a postgres source read by query has no table to write';
  }
  return null;
}

/**
 * Whether a group declares no members (`group g = []`). Why: approval from such a group can never
 * be given (`recon approve` accepts only members), so an action gated by it would wait forever.
 */
export function isEmptyGroup(decl: A.GroupDecl): boolean {
  return !decl.members.missing && decl.members.elements.length === 0;
}

/** Checks the rules of a `remediate` block. */
export function checkRemediate(ctx: CheckContext, stmt: Extract<A.PolicyStmt, { kind: 'Remediate' }>, sides: PolicySides): void {
  const scope = ruleScope(ctx.module, sides.roots);
  /** The unconditional rule that already matches every item of a kind. */
  const covered = new Map<string, A.RemediationRule>();
  for (const rule of stmt.rules) {
    const kindKnown = ctx.expectWord('unknown-kind', rule.on, RULE_KINDS);
    const actionKnown = ctx.expectWord('unknown-action', rule.action, ACTIONS);
    if (rule.when) ctx.checkExpr(rule.when, scope);
    if (rule.title) ctx.checkExpr(rule.title, scope);
    if (rule.because) ctx.checkExpr(rule.because, scope);
    const kind = rule.on.text;
    const action = rule.action.text;

    if (kindKnown) {
      const kinds = kind === 'any' ? ANY_COVERS : [kind];
      const coveringRules = kinds.map((k) => covered.get(k));
      if (coveringRules.every((r) => r !== undefined)) {
        const last = coveringRules.reduce((a, b) => (b!.start > a!.start ? b : a))!;
        ctx.report(diagnostic('unreachable-rule', rule.start, rule.end, { line: ctx.line(last.start), kind }));
      }
      if (!rule.when && !rule.until) for (const k of kinds) if (!covered.has(k)) covered.set(k, rule);
    }

    if (actionKnown) {
      if (action === 'ticket' && !rule.title) ctx.report(diagnostic('ticket-needs-title', rule.action.start, rule.action.end, {}));
      if (action !== 'ticket' && rule.title) ctx.report(diagnostic('title-without-ticket', rule.title.start, rule.title.end, { action }));
      if (kindKnown && isOneOf(WRITING_ACTIONS, action)) {
        const fits = ACTION_KIND[action as 'create' | 'update' | 'delete'];
        if (kind !== fits) ctx.report(diagnostic('action-not-applicable', rule.action.start, rule.action.end, { action, kind: kind === 'any' ? "'any'" : kind }));
      }
      if (rule.approval && !isOneOf(GATEABLE_ACTIONS, action)) {
        ctx.report(diagnostic('approval-without-action', rule.approval.start, rule.approval.end, { action }));
      }
      // The decider gives every invalid item `report` whatever the rules say (LANGUAGE.md 2.3):
      // say so rather than let a ticket or an exception look as if it were in force. Writing
      // actions already get `action-not-applicable`.
      if (kindKnown && kind === 'invalid' && action !== 'report' && !isOneOf(WRITING_ACTIONS, action)) {
        ctx.report(diagnostic('invalid-always-reported', rule.action.start, rule.action.end, { action }));
      }
      if (isOneOf(WRITING_ACTIONS, action) && sides.actual) checkWritable(ctx, rule, action as 'create' | 'update' | 'delete', sides.actual, sides.actualModule);
    }

    if (rule.approval?.group) {
      const group = ctx.resolve(rule.approval.group, 'group', 'unknown-group');
      if (group && isEmptyGroup(group.decl) && actionKnown && isOneOf(GATEABLE_ACTIONS, action)) {
        const ref = rule.approval.group;
        ctx.report(diagnostic('approval-from-empty-group', ref.start, ref.end, { name: group.qualifiedName, action }));
      }
    }
    if (rule.until) checkUntil(ctx, rule, actionKnown ? action : null);
  }
}

function checkUntil(ctx: CheckContext, rule: A.RemediationRule, action: string | null): void {
  const until = rule.until!;
  if (until.missing) return;
  const text = until.parts.every((p) => typeof p === 'string') ? until.parts.join('') : null;
  if (text === null || !isCalendarDate(text)) {
    ctx.report(diagnostic('invalid-date', until.start, until.end, { text: text ?? ctx.text(until).slice(1, -1) }));
    return;
  }
  if (action !== null && action !== 'ignore') {
    ctx.report(diagnostic('until-without-ignore', until.start, until.end, {}));
    return;
  }
  if (text < ctx.facts.today) ctx.report(diagnostic('until-expired', until.start, until.end, { date: text }));
}

function checkWritable(ctx: CheckContext, rule: A.RemediationRule, action: 'create' | 'update' | 'delete', actual: SourceShape, actualModule: Module | null): void {
  const detail = whyNotWritable(actual, action);
  if (detail !== null) {
    ctx.report(diagnostic('source-not-writable', rule.action.start, rule.action.end, { action, source: actual.name, detail }));
    return;
  }
  if (!actualModule) return;
  for (const field of uncoveredComputedFields(actual.decl, actualModule)) {
    ctx.report(diagnostic('uncovered-computed-field', rule.action.start, rule.action.end, { action, source: actual.name, field: field.name }));
  }
}
