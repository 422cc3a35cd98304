/**
 * Small shared helpers for the plan renderers: how a value, a key, an effect, a gate and a
 * source location are shown to a person.
 *
 * Why shared: the text, markdown, html, sarif and github views must agree on wording, so a
 * user who reads a PR comment recognises the item in the terminal and in the report.
 */
import type { IrPolicy } from '../../language/ir/ir-types.js';
import type { ChangePlan, Effect, FieldDelta, PlanItem, PolicyPlan } from '../plan/change-plan.js';
import { keyValueText } from '../plan/item-id.js';

/** A source location split into its parts (`file` relative to the workspace root). */
export interface SourcePosition {
  file: string;
  line: number;
  col: number;
}

/** Splits `file:line:col` (the file may itself hold colons); null when it is not one. */
export function parseLocation(at: string | null | undefined): SourcePosition | null {
  if (!at) return null;
  const match = /^(.*):(\d+):(\d+)$/.exec(at);
  if (!match) return null;
  return { file: match[1], line: Number(match[2]), col: Number(match[3]) };
}

/** The IR policy a policy plan was made from, if the plan's IR holds it. */
export function irPolicyOf(plan: ChangePlan, policy: PolicyPlan): IrPolicy | undefined {
  return plan.ir?.policies?.find((candidate) => candidate.name === policy.policy);
}

/**
 * Where an item points in the `.recon` source: the rule that decided it, else the policy, else
 * the compiled file's first line.
 */
export function itemPosition(plan: ChangePlan, policy: PolicyPlan, item: PlanItem): SourcePosition {
  return (
    parseLocation(item.reason.at) ??
    parseLocation(irPolicyOf(plan, policy)?.at) ?? { file: plan.ir?.file ?? 'unknown.recon', line: 1, col: 1 }
  );
}

/** True for items that count as drift (every action but `ignore`). */
export function isDriftItem(item: PlanItem): boolean {
  return item.action !== 'ignore';
}

/** Short, one-line text of a value; `undefined` (absent) is shown as `(absent)`. */
export function formatValue(value: unknown, maxLength = 80): string {
  let text: string;
  if (value === undefined) text = '(absent)';
  else if (value instanceof Date) text = value.toISOString();
  else if (typeof value === 'bigint') text = value.toString();
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  text = text.replace(/[\r\n\t]+/g, ' ');
  return text.length > maxLength ? text.slice(0, Math.max(1, maxLength - 1)) + '…' : text;
}

/**
 * How a field of an item is shown: `desired → actual` for a changed item, the one value that
 * exists for the others (the desired record's for missing, the actual one's for extra, the broken
 * record's for invalid). `wrap` lets a renderer colour or mark up each side.
 */
export function describeField(
  item: PlanItem,
  field: FieldDelta,
  maxLength = 80,
  wrap: { desired: (text: string) => string; actual: (text: string) => string; arrow: string } = {
    desired: (text) => text,
    actual: (text) => text,
    arrow: '→',
  },
): string {
  if (item.kind === 'missing' || (item.kind === 'invalid' && item.side !== 'actual')) {
    return wrap.desired(formatValue(field.desired, maxLength));
  }
  if (item.kind === 'extra' || item.kind === 'invalid') return wrap.actual(formatValue(field.actual, maxLength));
  return `${wrap.desired(formatValue(field.desired, maxLength))} ${wrap.arrow} ${wrap.actual(formatValue(field.actual, maxLength))}`;
}

/**
 * Text from the data (a key value, a field name, an interpolated `because`) made safe to print on
 * one line: control characters (C0, DEL, C1) are shown as escapes (`\n`, `\r`, `\t`, `\u001b`).
 *
 * Why: such text reaches a terminal, a markdown table row and a workflow log raw; a carriage
 * return or line feed in a key would break the row or line it stands in, and an escape sequence
 * would recolour or rewrite the terminal even with `--no-color` or off a TTY. Values already go
 * through `formatValue` (JSON), which escapes them the same way.
 */
export function printable(text: string): string {
  // most texts hold no control character: a test is cheaper than a replace on each
  if (!CONTROL_CHARACTER.test(text)) return text;
  return text.replace(CONTROL_CHARACTERS, (character) => {
    if (character === '\n') return '\\n';
    if (character === '\r') return '\\r';
    if (character === '\t') return '\\t';
    return '\\u' + character.charCodeAt(0).toString(16).padStart(4, '0');
  });
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * The key of an item as a person reads it: `t17`, `acme, 2026-11-01`, or `desired #4` for an
 * invalid record; control characters escaped (`printable`).
 */
export function itemKeyText(item: PlanItem): string {
  if (item.key && Object.keys(item.key).length > 0) {
    return printable(Object.values(item.key).map(keyValueText).join(', '));
  }
  if (item.kind === 'invalid') {
    const position = item.id.split('/').pop();
    return `${item.side ?? 'record'} #${position}`;
  }
  return printable(item.id);
}

/**
 * One line saying what apply would do: `PATCH http://…`, `update data/x.csv`, `ticket "…"`
 * (`printable`: a URL or statement can hold a key value as it was interpolated).
 */
export function describeEffect(effect: Effect): string {
  if (!effect) return '';
  switch (effect.kind) {
    case 'http':
      return printable(`${effect.method} ${effect.url}`);
    case 'sql':
      return printable(effect.statement);
    case 'exec':
      return effect.argv.map((part) => (/^[\w@%+=:,./-]+$/.test(part) ? part : JSON.stringify(part))).join(' ');
    case 'file':
      return `${effect.op} in ${effect.path} (${effect.connector})`;
    case 'ticket':
      return `ticket ${JSON.stringify(effect.title)}`;
    default:
      return '';
  }
}

/** The gate as words: `auto`, `needs approval (group)`, `blocked`, or empty for `none`. */
export function describeGate(item: PlanItem): string {
  switch (item.gate) {
    case 'auto':
      return 'auto';
    case 'approval':
      return item.approvers ? `needs approval from ${item.approvers}` : 'needs approval';
    case 'blocked':
      return 'blocked';
    default:
      return '';
  }
}

/** Why the item got its action: `rule 3 (file:31:5)`, or the decider's message for defaults (`printable`). */
export function describeReason(item: PlanItem): string {
  const parts: string[] = [];
  if (item.reason.rule !== null) parts.push(`rule ${item.reason.rule}${item.reason.at ? ` (${item.reason.at})` : ''}`);
  if (item.reason.message) parts.push(item.reason.message);
  if (parts.length === 0) parts.push('no remediation rule matched');
  return printable(parts.join('; '));
}

/** Counts of a policy plan's items by action, in a fixed order, zeros left out. */
export function actionCounts(policy: PolicyPlan): [string, number][] {
  const order = ['create', 'update', 'delete', 'ticket', 'report', 'ignore'];
  const counts = new Map<string, number>();
  for (const item of policy.items) counts.set(item.action, (counts.get(item.action) ?? 0) + 1);
  return order.filter((action) => counts.has(action)).map((action) => [action, counts.get(action) ?? 0]);
}

/** Short plan hash for headings: the first 12 hex digits. */
export function shortHash(hash: string): string {
  return hash.replace(/^sha256:/, '').slice(0, 12);
}
