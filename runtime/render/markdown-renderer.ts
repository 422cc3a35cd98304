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
  /** Items listed per policy before "… and N more". Default 100. */
  maxItemsPerPolicy?: number;
  /** Fields listed per item. Default 6. */
  maxFieldsPerItem?: number;
  /**
   * The size the whole comment stays within, in characters (UTF-16 code units, as GitHub counts
   * them); item rows past it are left out and counted in "… and N more". Default 60000: GitHub
   * refuses a comment body over 65536 characters, and a workflow often adds a header of its own.
   * 0: no bound.
   */
  maxChars?: number;
}

/** The default of `MarkdownRenderOptions.maxChars`. */
export const MARKDOWN_MAX_CHARS = 60000;

/** Characters kept per policy for its "… and N more items" line, which is written last. */
const MORE_LINE_RESERVE = 80;

/**
 * Renders the plan as GitHub-flavoured markdown, ending with a newline.
 *
 * The summary table and every policy's details (limits, warnings, table head) always show; the
 * item rows then share what is left of `maxChars`, taken in turns (one row of each policy per
 * round), so one policy with thousands of items cannot crowd out the others and the comment
 * stays postable however big the plan.
 */
export function renderMarkdown(plan: ChangePlan, options: MarkdownRenderOptions = {}): string {
  const maxItems = options.maxItemsPerPolicy ?? 100;
  const maxFields = options.maxFieldsPerItem ?? 6;
  const maxChars = options.maxChars ?? MARKDOWN_MAX_CHARS;
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
  const details = plan.policies
    .filter((policy) => policy.items.length > 0 || policy.limits.exceeded || (policy.warnings?.length ?? 0) > 0)
    .map((policy) => ({ policy, head: policyDetailsHead(policy), rows: [] as string[] }));
  // what is always written: the summary, each policy's head and tail (the "more" line reserved)
  let left = linesLength(out) + 1;
  for (const { head } of details) left += 1 + linesLength(head) + 1 + MORE_LINE_RESERVE + '\n\n</details>'.length;
  left = maxChars > 0 ? maxChars - left : Infinity;
  // item rows in turns, each policy until its next row does not fit (rows stay a prefix of its items)
  let open = details.filter(({ policy }) => policy.items.length > 0);
  while (open.length > 0) {
    open = open.filter((detail) => {
      const next = detail.rows.length;
      if (next >= detail.policy.items.length || (maxItems > 0 && next >= maxItems)) return false;
      const row = itemRow(detail.policy.items[next]!, maxFields);
      if (row.length + 1 > left) return false;
      left -= row.length + 1;
      detail.rows.push(row);
      return true;
    });
  }
  for (const { policy, head, rows } of details) {
    out.push('');
    out.push(...head);
    out.push(...rows);
    if (rows.length < policy.items.length) {
      out.push('');
      out.push(`… and ${policy.items.length - rows.length} more items (see the JSON plan).`);
    }
    out.push('');
    out.push('</details>');
  }
  return out.join('\n') + '\n';
}

/** The characters of `lines` joined by newlines, the newline after the last included. */
function linesLength(lines: readonly string[]): number {
  let length = 0;
  for (const line of lines) length += line.length + 1;
  return length;
}

/** A policy's details up to its item rows: the fold, limits, warnings and the item table's head. */
function policyDetailsHead(policy: PolicyPlan): string[] {
  const out: string[] = [];
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
  }
  return out;
}

function itemRow(item: PlanItem, maxFields: number): string {
  const fields = item.fields
    .slice(0, maxFields)
    // values as code: GitHub turns `@name` and `#12` in plain text into mentions and links, and a
    // record's value must not notify people when the plan is posted
    .map((field) => `${code(field.path)}: ${describeField(item, field, 40, { desired: code, actual: code, arrow: '→' })}`);
  if (item.fields.length > maxFields) fields.push(`… ${item.fields.length - maxFields} more`);
  const reason = [escapeCell(describeReason(item))];
  if (item.reason.because) reason.push(`_${escapeCell(item.reason.because)}_`);
  for (const warning of item.warnings ?? []) reason.push(`⚠️ ${escapeCell(warning)}`);
  const effect = describeEffect(item.effect);
  const action = effect ? `**${item.action}**<br>${code(effect)}` : `**${item.action}**`;
  return `| ${code(itemKeyText(item))} | ${item.kind} | ${action} | ${escapeCell(describeGate(item)) || '—'} | ${fields.join('<br>') || '—'} | ${reason.join('<br>')} |`;
}

/** Escapes HTML special characters (the comment is rendered as HTML-enabled markdown). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Escapes text for a markdown paragraph: HTML and the inline markup characters; line breaks
 * (LF, CRLF and a lone CR, which markdown also reads as a line ending) become spaces, so a
 * value cannot end the table row it stands in.
 */
export function escapeMd(text: string): string {
  return escapeHtml(text).replace(/([\\`*_[\]|~#])/g, '\\$1').replace(/[\r\n]+/g, ' ');
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
