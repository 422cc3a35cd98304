/**
 * How `recon apply` and `recon watch` show an apply: a short text summary for people, and a JSON
 * document for scripts (`--format json`).
 *
 * Why its own shape rather than the plan's: the plan says what would be done; this says what was
 * done — per item the outcome (applied, done, stale, waiting, blocked, failed, ...) and whether
 * verification found it converged. The JSON keys below are stable: CI scripts read them.
 */
import type { ApplyResult, ItemOutcome, ItemResult, PolicyApplyResult, PolicyApplyStatus } from './apply-runner.js';

/** Colour functions (identity when colour is off). */
export interface SummaryColors {
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const STATUS_TEXT: Record<PolicyApplyStatus, string> = {
  no_drift: 'no drift',
  converged: 'converged',
  drift: 'drift remains',
  waiting_approval: 'waiting for approval',
  limit_exceeded: 'limit exceeded: nothing applied',
};

const OUTCOME_ORDER: ItemOutcome[] = ['applied', 'done', 'ticket', 'waiting', 'blocked', 'stale', 'failed', 'not_started', 'report', 'ignored'];

const OUTCOME_LABEL: Record<ItemOutcome, string> = {
  applied: 'applied',
  done: 'already done',
  ticket: 'tickets',
  waiting: 'waiting for approval',
  blocked: 'blocked',
  stale: 'stale',
  failed: 'failed',
  not_started: 'not started',
  report: 'report only',
  ignored: 'ignored',
};

/** Items listed per outcome in the text summary before "and N more". */
const LISTED = 10;

function statusColor(status: PolicyApplyStatus, colors: SummaryColors): (text: string) => string {
  if (status === 'converged' || status === 'no_drift') return colors.green;
  if (status === 'drift' || status === 'limit_exceeded') return colors.red;
  return colors.yellow;
}

function itemLine(item: ItemResult, colors: SummaryColors): string {
  const parts = [`    ${item.id}`, item.action];
  if (item.outcome === 'waiting') parts.push(colors.dim('needs an approval'));
  if (item.attempts > 1) parts.push(colors.dim(`${item.attempts} attempts`));
  if (item.error) parts.push(colors.dim(item.error));
  return parts.join('  ');
}

function policyText(result: PolicyApplyResult, colors: SummaryColors): string[] {
  const lines = [`${colors.bold(`● ${result.policy}`)}  ${result.mode}  ${statusColor(result.status, colors)(STATUS_TEXT[result.status])}`];
  const counts = OUTCOME_ORDER.filter((outcome) => (result.counts[outcome] ?? 0) > 0).map((outcome) => `${OUTCOME_LABEL[outcome]} ${result.counts[outcome]}`);
  lines.push(`  ${counts.length > 0 ? counts.join(', ') : 'nothing to do'}`);
  const verified = result.items.filter((item) => item.verified !== null);
  if (verified.length > 0) {
    const converged = verified.filter((item) => item.verified === 'converged').length;
    const not = verified.length - converged;
    lines.push(`  verified: ${converged} converged${not > 0 ? colors.red(`, ${not} not converged`) : ''}${result.retries > 0 ? `; ${result.retries} retried attempts` : ''}${result.recovered > 0 ? `; ${result.recovered} recovered from an interrupted run` : ''}`);
  }
  if (result.limits.exceeded) for (const reason of result.limits.reasons) lines.push(`  ${colors.red('limit')}: ${reason}`);
  const groups: [string, ItemResult[]][] = [
    ['failed', result.items.filter((item) => item.outcome === 'failed')],
    ['not converged', result.items.filter((item) => item.verified === 'not_converged')],
    ['stale (the actual record changed since the plan; not applied)', result.items.filter((item) => item.outcome === 'stale')],
    ['waiting for approval', result.items.filter((item) => item.outcome === 'waiting')],
  ];
  for (const [title, items] of groups) {
    if (items.length === 0) continue;
    lines.push(`  ${title} (${items.length}):`);
    for (const item of items.slice(0, LISTED)) lines.push(itemLine(item, colors));
    if (items.length > LISTED) lines.push(colors.dim(`    … and ${items.length - LISTED} more`));
  }
  return lines;
}

/** The text summary of an apply. */
export function renderApplyText(result: ApplyResult, colors: SummaryColors): string {
  const lines = [`Recon apply ${result.plan.plan_hash.replace(/^sha256:/, '').slice(0, 12)}  run ${result.runId}`];
  for (const policy of result.policies) lines.push(...policyText(policy, colors));
  const flapping = result.plan.policies.flatMap((policy) => policy.items.filter((item) => item.flapping));
  if (flapping.length > 0) {
    lines.push(colors.yellow(`warning: ${flapping.length} item${flapping.length === 1 ? ' was' : 's were'} corrected 3 or more times in the last 10 runs: another writer keeps changing ${flapping.length === 1 ? 'it' : 'them'} back (flapping)`));
    for (const item of flapping.slice(0, LISTED)) lines.push(colors.yellow(`    ${item.id}`));
  }
  if (result.rejectedApprovals.length > 0) {
    const other = result.rejectedApprovals.filter((entry) => entry.reason.startsWith('it is for another plan'));
    if (other.length > 0) lines.push(colors.yellow(`${other.length} approval${other.length === 1 ? ' is' : 's are'} for another plan and ${other.length === 1 ? 'was' : 'were'} not used`));
    for (const entry of result.rejectedApprovals.filter((e) => !other.includes(e))) {
      lines.push(colors.yellow(`approval of ${entry.record.item} by ${entry.record.approver} refused: ${entry.reason}`));
    }
  }
  if (result.interrupted) lines.push(colors.yellow('stopped: the actions in flight finished; the rest were not started'));
  lines.push(`Result: ${statusColor(result.status, colors)(STATUS_TEXT[result.status])}`);
  return lines.join('\n') + '\n';
}

/** The JSON document of an apply (`--format json`); `exitCode` is the command's exit code. */
export function applyResultJson(result: ApplyResult, exitCode: number): unknown {
  return {
    version: 1,
    run_id: result.runId,
    plan_hash: result.plan.plan_hash,
    status: result.status,
    exit_code: exitCode,
    interrupted: result.interrupted,
    rejected_approvals: result.rejectedApprovals.map((entry) => ({ item: entry.record.item, approver: entry.record.approver, plan_hash: entry.record.plan_hash, reason: entry.reason })),
    policies: result.policies.map((policy) => ({
      policy: policy.policy,
      mode: policy.mode,
      status: policy.status,
      limits: policy.limits,
      counts: policy.counts,
      retries: policy.retries,
      recovered: policy.recovered,
      duration_seconds: Number(policy.durationSeconds.toFixed(3)),
      items: policy.items.map((item) => ({
        id: item.id,
        kind: item.kind,
        action: item.action,
        gate: item.gate,
        outcome: item.outcome,
        verified: item.verified,
        attempts: item.attempts,
        error: item.error,
        approved_by: item.approvedBy,
      })),
    })),
  };
}
