/**
 * The GitHub Actions view of a change plan: workflow commands that become annotations.
 *
 * Why: in a workflow log, `::warning file=…,line=…,col=…::message` puts each drift item on the
 * `.recon` line of the rule that decided it, in the pull request's diff; blocked items (audit
 * mode, exceeded limits) are `::error` so they stand out.
 */
import type { ChangePlan, PlanItem, PolicyPlan } from '../plan/change-plan.js';
import { describeGate, irPolicyOf, isDriftItem, itemKeyText, itemPosition, parseLocation, printable } from './plan-presentation.js';

export interface GithubRenderOptions {
  /** Prefixed to every file when the workspace root is not the repository root, e.g. `infra/`. */
  pathPrefix?: string;
}

/** Escapes a workflow command's message (`%`, CR, LF), as @actions/core does. */
export function escapeCommandData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a workflow command's property value: the message escapes plus `:` and `,`. */
export function escapeCommandProperty(text: string): string {
  return escapeCommandData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** One line per drift item, one `::error` per policy over its limits, and a `::notice` summary. */
export function renderGithub(plan: ChangePlan, options: GithubRenderOptions = {}): string {
  const prefix = options.pathPrefix ? options.pathPrefix.replace(/\\/g, '/').replace(/\/?$/, '/') : '';
  const lines: string[] = [];
  for (const policy of plan.policies) {
    if (policy.limits.exceeded) {
      const at = parseLocation(irPolicyOf(plan, policy)?.at);
      lines.push(
        command(
          'error',
          at ? { file: prefix + at.file, line: at.line, col: at.col } : {},
          `${policy.policy}: limits exceeded`,
          `${policy.policy}: limits exceeded — ${policy.limits.reasons.join('; ')}`,
        ),
      );
    }
    for (const item of policy.items) {
      if (!isDriftItem(item)) continue;
      const position = itemPosition(plan, policy, item);
      lines.push(
        command(
          item.gate === 'blocked' ? 'error' : 'warning',
          { file: prefix + position.file, line: position.line, col: position.col },
          `${policy.policy}: ${item.kind} ${itemKeyText(item)}`,
          message(policy, item),
        ),
      );
    }
  }
  lines.push(command('notice', {}, 'recon plan', summary(plan)));
  return lines.join('\n') + '\n';
}

function command(
  level: 'warning' | 'error' | 'notice',
  where: { file?: string; line?: number; col?: number },
  title: string,
  text: string,
): string {
  const properties: string[] = [];
  if (where.file !== undefined) properties.push(`file=${escapeCommandProperty(where.file)}`);
  if (where.line !== undefined) properties.push(`line=${where.line}`);
  if (where.col !== undefined) properties.push(`col=${where.col}`);
  properties.push(`title=${escapeCommandProperty(title)}`);
  return `::${level} ${properties.join(',')}::${escapeCommandData(text)}`;
}

function message(policy: PolicyPlan, item: PlanItem): string {
  const parts = [`${item.kind} ${itemKeyText(item)}: ${item.action}`];
  const gate = describeGate(item);
  if (gate && gate !== 'auto') parts[0] += ` (${gate})`;
  if (item.kind === 'changed' && item.fields.length > 0) parts.push(`fields ${item.fields.map((field) => field.path).join(', ')}`);
  if (item.reason.because) parts.push(`because ${printable(item.reason.because)}`);
  if (item.reason.message) parts.push(item.reason.message);
  return `${policy.policy}: ${parts.join('; ')}`;
}

function summary(plan: ChangePlan): string {
  const parts = plan.policies.map((policy) => {
    const s = policy.summary;
    return `${policy.policy}: ${s.missing} missing, ${s.extra} extra, ${s.changed} changed, ${s.invalid} invalid${policy.limits.exceeded ? ' (limits exceeded)' : ''}`;
  });
  return `${plan.drift ? 'Drift found' : 'No drift'} — ${parts.join(' · ') || 'no policies'}`;
}
