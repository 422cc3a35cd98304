/**
 * The markdown view of a change plan, made for a pull-request comment.
 *
 * Why this shape: a reviewer wants one table that says which policies drift and how much, and
 * the items folded away (`<details>`) until asked for. Effects are summarised (method and URL,
 * file and operation) and never show headers or bodies, so nothing secret-derived is printed even
 * if a value slipped through redaction; everything user-controlled is escaped so a record cannot
 * inject markdown or HTML into the comment.
 */
import type { ChangePlan, PlanItem, PolicyPlan } from '../plan/change-plan.js';
import {
  actionCounts,
  describeEffect,
  describeField,
  describeGate,
  describeReason,
  isDriftItem,
  itemKeyText,
  shortHash,
} from './plan-presentation.js';

export interface MarkdownRenderOptions {
  /** Items listed per policy before "… and N more" (GitHub comments are limited to 65536 characters). Default 100. */
  maxItemsPerPolicy?: number;
  /** Fields listed per item. Default 6. */
  maxFieldsPerItem?: number;
}

/** Renders the plan as GitHub-flavoured markdown, ending with a newline. */
export function renderMarkdown(plan: ChangePlan, options: MarkdownRenderOptions = {}): string {
  const maxItems = options.maxItemsPerPolicy ?? 100;
  const maxFields = options.maxFieldsPerItem ?? 6;
  const out: string[] = [];
  const driftCount = plan.policies.reduce((sum, policy) => sum + policy.items.filter(isDriftItem).length, 0);
  out.push(`## Recon plan: ${plan.drift ? `drift found (${driftCount} item${driftCount === 1 ? '' : 's'})` : 'no drift'}`);
  out.push('');
  out.push(`Plan \`${shortHash(plan.plan_hash)}\` · observed ${escapeMd(plan.observed_at)} · from ${code(plan.ir?.file ?? '')}`);
  out.push('');
  out.push('| policy | mode | desired | actual | unchanged | missing | extra | changed | invalid | actions | limits |');
  out.push('|---|---|--:|--:|--:|--:|--:|--:|--:|---|---|');
  for (const policy of plan.policies) {
    const s = policy.summary;
    const actions = actionCounts(policy)
      .map(([action, n]) => `${n} ${action}`)
      .join(', ');
    const limits = policy.limits.exceeded ? `⛔ exceeded` : 'ok';
    out.push(
      `| ${policy.items.some(isDriftItem) ? '⚠️' : '✅'} ${code(policy.policy)} | ${policy.mode} | ${s.desired} | ${s.actual} | ${s.unchanged} | ${s.missing} | ${s.extra} | ${s.changed} | ${s.invalid} | ${escapeCell(actions) || '—'} | ${limits} |`,
    );
  }
  for (const policy of plan.policies) {
    if (policy.items.length === 0 && !policy.limits.exceeded && !policy.warnings?.length) continue;
    out.push('');
    renderPolicyDetails(policy, out, maxItems, maxFields);
  }
  return out.join('\n') + '\n';
}

function renderPolicyDetails(policy: PolicyPlan, out: string[], maxItems: number, maxFields: number): void {
  const s = policy.summary;
  const counts = (['missing', 'extra', 'changed', 'invalid'] as const)
    .filter((kind) => s[kind] > 0)
    .map((kind) => `${s[kind]} ${kind}`)
    .join(', ');
  out.push('<details>');
  out.push(`<summary><b>${escapeHtml(policy.policy)}</b>: ${escapeHtml(counts || 'no differences')}</summary>`);
  out.push('');
  if (policy.limits.exceeded) {
    out.push(`**Limits exceeded** — ${policy.items.some((item) => item.gate === 'blocked') ? 'every acting item is blocked' : 'every acting item needs approval'}:`);
    for (const reason of policy.limits.reasons) out.push(`- ${escapeMd(reason)}`);
    out.push('');
  }
  for (const warning of policy.warnings ?? []) out.push(`- ⚠️ ${escapeMd(warning)}`);
  if (policy.warnings?.length) out.push('');
  if (policy.items.length > 0) {
    out.push('| item | kind | action | gate | fields (changed: desired → actual) | reason |');
    out.push('|---|---|---|---|---|---|');
    const shown = maxItems > 0 ? policy.items.slice(0, maxItems) : policy.items;
    for (const item of shown) out.push(itemRow(item, maxFields));
    if (shown.length < policy.items.length) {
      out.push('');
      out.push(`… and ${policy.items.length - shown.length} more items (see the JSON plan).`);
    }
  }
  out.push('');
  out.push('</details>');
}

function itemRow(item: PlanItem, maxFields: number): string {
  const fields = item.fields
    .slice(0, maxFields)
    .map((field) => `${code(field.path)}: ${describeField(item, field, 40, { desired: escapeCell, actual: escapeCell, arrow: '→' })}`);
  if (item.fields.length > maxFields) fields.push(`… ${item.fields.length - maxFields} more`);
  const reason = [escapeCell(describeReason(item))];
  if (item.reason.because) reason.push(`_${escapeCell(item.reason.because)}_`);
  for (const warning of item.warnings ?? []) reason.push(`⚠️ ${escapeCell(warning)}`);
  const effect = describeEffect(item.effect);
  const action = effect ? `**${item.action}**<br>${escapeCell(effect)}` : `**${item.action}**`;
  return `| ${code(itemKeyText(item))} | ${item.kind} | ${action} | ${escapeCell(describeGate(item)) || '—'} | ${fields.join('<br>') || '—'} | ${reason.join('<br>')} |`;
}

/** Escapes HTML special characters (the comment is rendered as HTML-enabled markdown). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Escapes text for a markdown paragraph: HTML and the inline markup characters. */
export function escapeMd(text: string): string {
  return escapeHtml(text).replace(/([\\`*_[\]|~#])/g, '\\$1').replace(/\r?\n/g, ' ');
}

/** Escapes text for a table cell: like `escapeMd`, pipes included. */
function escapeCell(text: string): string {
  return escapeMd(text);
}

/**
 * Text shown as code: an HTML `<code>` element whose content is escaped like any other text, so
 * record values reach the comment through one escaping path and never become markup.
 */
function code(text: string): string {
  return `<code>${escapeMd(text)}</code>`;
}
