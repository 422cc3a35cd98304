/**
 * The terminal view of a change plan (`recon plan`, default format).
 *
 * Why this layout: a reviewer scans one summary line per policy, then the items grouped by kind
 * with what would happen (action), who must let it through (gate), why (rule and `because`) and
 * the field values desired → actual. Colour only helps; everything is readable without it.
 */
import pc from 'picocolors';
import type { IrDiffKind } from '../../language/ir/ir-types.js';
import type { ChangePlan, PlanItem, PolicyPlan } from '../plan/change-plan.js';
import {
  actionCounts,
  describeEffect,
  describeField,
  describeGate,
  describeReason,
  isDriftItem,
  itemKeyText,
  printable,
  shortHash,
} from './plan-presentation.js';

export interface TextRenderOptions {
  /** Use ANSI colours (the dispatcher decides from TTY, `NO_COLOR` and `--no-color`). Default false. */
  color?: boolean;
  /** Items shown per kind and policy before "… and N more"; 0 shows all. Default 100. */
  maxItemsPerKind?: number;
  /** Fields shown per item before "… N more fields". Default 12. */
  maxFieldsPerItem?: number;
}

const KINDS: readonly IrDiffKind[] = ['missing', 'extra', 'changed', 'invalid'];
const KIND_MARK: Record<IrDiffKind, string> = { missing: '+', extra: '-', changed: '~', invalid: '!' };

/** Renders the plan for a terminal; ends with a newline. */
export function renderText(plan: ChangePlan, options: TextRenderOptions = {}): string {
  const c = pc.createColors(options.color ?? false);
  const maxItems = options.maxItemsPerKind ?? 100;
  const maxFields = options.maxFieldsPerItem ?? 12;
  const lines: string[] = [];

  const driftItems = plan.policies.reduce((sum, policy) => sum + policy.items.filter(isDriftItem).length, 0);
  const driftPolicies = plan.policies.filter((policy) => policy.items.some(isDriftItem)).length;
  lines.push(`${c.bold('Recon plan')} ${c.dim(shortHash(plan.plan_hash))}  observed ${plan.observed_at}`);
  if (plan.drift) {
    lines.push(
      c.yellow(`Drift: ${plural(driftItems, 'item')} in ${driftPolicies} of ${plural(plan.policies.length, 'policy', 'policies')} (fields shown desired → actual).`),
    );
  } else {
    lines.push(c.green(`No drift in ${plural(plan.policies.length, 'policy', 'policies')}.`));
  }
  const exceeded = plan.policies.filter((policy) => policy.limits.exceeded);
  if (exceeded.length > 0) {
    lines.push(c.red(`Limits exceeded in ${exceeded.map((policy) => policy.policy).join(', ')}.`));
  }

  for (const policy of plan.policies) {
    lines.push('');
    renderPolicy(policy, lines, c, maxItems, maxFields);
  }
  return lines.join('\n') + '\n';
}

type Colors = ReturnType<typeof pc.createColors>;

function renderPolicy(policy: PolicyPlan, lines: string[], c: Colors, maxItems: number, maxFields: number): void {
  const s = policy.summary;
  const drifting = policy.items.some(isDriftItem);
  const mark = policy.limits.exceeded ? c.red('✖') : drifting ? c.yellow('●') : c.green('✓');
  const mode = policy.mode === 'audit' ? c.cyan('audit (never acts)') : 'enforce';
  lines.push(`${mark} ${c.bold(policy.policy)}  ${mode}`);
  lines.push(
    `  desired ${s.desired}  actual ${s.actual}  unchanged ${s.unchanged}  ` +
      `${count(c, 'missing', s.missing)}  ${count(c, 'extra', s.extra)}  ${count(c, 'changed', s.changed)}  ${count(c, 'invalid', s.invalid)}`,
  );
  const actions = actionCounts(policy);
  if (actions.length > 0) lines.push(`  actions: ${actions.map(([action, n]) => `${n} ${action}`).join(', ')}`);
  if (policy.limits.exceeded) {
    const blocked = policy.items.some((item) => item.gate === 'blocked');
    lines.push(c.red(`  limits exceeded${blocked ? ': every acting item is blocked' : ': every acting item needs approval'}`));
    for (const reason of policy.limits.reasons) lines.push(c.red(`    ${printable(reason)}`));
  }
  for (const warning of policy.warnings ?? []) lines.push(c.yellow(`  warning: ${printable(warning)}`));
  const flapping = policy.items.filter((item) => item.flapping);
  if (flapping.length > 0) {
    // Said once per policy too: the items themselves may be past the per-kind cut-off.
    const named = flapping.slice(0, 5).map((item) => itemKeyText(item)).join(', ');
    const more = flapping.length > 5 ? ` and ${flapping.length - 5} more` : '';
    lines.push(
      c.red(`  warning: ${plural(flapping.length, 'item')} flapping (${named}${more}): corrected 3+ times in the last ten runs — two writers are fighting over ${flapping.length === 1 ? 'it' : 'them'}`),
    );
  }
  if (policy.items.length === 0) {
    lines.push(c.green('  no drift'));
    return;
  }
  for (const kind of KINDS) {
    const items = policy.items.filter((item) => item.kind === kind);
    if (items.length === 0) continue;
    lines.push('');
    lines.push(`  ${c.bold(kind)} (${items.length})`);
    const shown = maxItems > 0 ? items.slice(0, maxItems) : items;
    for (const item of shown) renderItem(item, lines, c, maxFields);
    if (shown.length < items.length) {
      lines.push(c.dim(`    … and ${items.length - shown.length} more ${kind} items (see --format json)`));
    }
  }
}

function renderItem(item: PlanItem, lines: string[], c: Colors, maxFields: number): void {
  const gate = describeGate(item);
  const gateText =
    item.gate === 'blocked' ? c.red(gate) : item.gate === 'approval' ? c.yellow(gate) : gate ? c.dim(gate) : '';
  const action = item.action === 'ignore' ? c.dim(item.action) : item.action === 'report' ? c.yellow(item.action) : c.bold(item.action);
  lines.push(`    ${kindMark(c, item.kind)} ${item.kind === 'invalid' ? itemKeyText(item) : c.bold(itemKeyText(item))}  ${action}${gateText ? `  ${gateText}` : ''}`);
  lines.push(c.dim(`        ${describeReason(item)}`));
  if (item.reason.because) lines.push(`        because ${printable(item.reason.because)}`);
  if (item.flapping) lines.push(c.red('        flapping: corrected 3+ times in the last ten runs — two writers are fighting over it'));
  for (const warning of item.warnings ?? []) lines.push(c.yellow(`        warning: ${printable(warning)}`));
  const fields = item.fields.slice(0, maxFields);
  const width = Math.min(24, Math.max(0, ...fields.map((field) => printable(field.path).length)));
  for (const field of fields) {
    const shown =
      item.kind === 'changed'
        ? describeField(item, field, 80, { desired: c.green, actual: c.red, arrow: c.dim('→') })
        : describeField(item, field, 80);
    lines.push(`        ${printable(field.path).padEnd(width)}  ${shown}`);
  }
  if (item.fields.length > fields.length) lines.push(c.dim(`        … ${item.fields.length - fields.length} more fields`));
  const effect = describeEffect(item.effect);
  if (effect) lines.push(c.cyan(`        effect: ${effect}`));
}

function kindMark(c: Colors, kind: IrDiffKind): string {
  const mark = KIND_MARK[kind];
  return kind === 'missing' ? c.green(mark) : kind === 'extra' ? c.red(mark) : kind === 'changed' ? c.yellow(mark) : c.magenta(mark);
}

function count(c: Colors, label: string, n: number): string {
  return n > 0 ? c.bold(`${label} ${n}`) : c.dim(`${label} ${n}`);
}

function plural(n: number, singular: string, pluralForm = singular + 's'): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}
