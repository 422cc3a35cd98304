/**
 * The interactive approval prompt of `recon apply` on a terminal: lists the items waiting for
 * approval and asks the person at the keyboard whether to approve those they may approve.
 *
 * Why only on a TTY, never in CI: an unattended run must never block on input — it exits 3
 * (waiting for approval) instead. The prompt is offered only when stdin and stdout are both
 * terminals and neither `CI` nor `RECON_NO_PROMPT` is set. Group membership is enforced exactly
 * as for `recon approve`; the approvals are bound to the plan hash and signed when
 * `RECON_APPROVAL_KEY` is set.
 */
import { createInterface } from 'node:readline/promises';
import { approvalRefusal, createApprovals, type ApprovalRecord } from '../apply/approvals.js';
import type { ChangePlan, PlanItem } from '../plan/change-plan.js';
import type { CliOutput } from './cli-output.js';

/** Whether a prompt may be shown: both ends are terminals and this is not CI. */
export function canPrompt(output: CliOutput, env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return output.isTty && process.stdin.isTTY === true && !env.CI && !env.RECON_NO_PROMPT;
}

/** Asks `actor` to approve the waiting items they may approve; returns the approvals given (maybe none). */
export async function promptForApprovals(
  plan: ChangePlan,
  waiting: readonly PlanItem[],
  actor: string | null,
  key: string | null,
  output: CliOutput,
): Promise<ApprovalRecord[]> {
  if (!actor) return [];
  const allowed = waiting.filter((item) => approvalRefusal(plan.ir, item, actor) === null);
  if (allowed.length === 0) {
    output.err(`${waiting.length} item${waiting.length === 1 ? ' waits' : 's wait'} for approval; ${actor} may approve none of them (recon approve PLAN.json --by WHO)\n`);
    return [];
  }
  output.err(`${allowed.length} item${allowed.length === 1 ? ' waits' : 's wait'} for your approval (${actor}):\n`);
  for (const item of allowed.slice(0, 20)) output.err(`  ${item.id}  ${item.action}${item.approvers ? `  (group ${item.approvers})` : ''}\n`);
  if (allowed.length > 20) output.err(`  … and ${allowed.length - 20} more\n`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  // End of input (Ctrl-D, a closed terminal) is a "no", never a hang.
  const closed = new Promise<string>((done) => rl.once('close', () => done('')));
  try {
    const question = rl.question(`Approve ${allowed.length === 1 ? 'it' : `all ${allowed.length}`} as ${actor}? [y/N] `).catch(() => '');
    const answer = (await Promise.race([question, closed])).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') {
      output.err('not approved: those items keep waiting\n');
      return [];
    }
  } finally {
    rl.close();
  }
  return createApprovals(plan, actor, { items: allowed.map((item) => item.id), key });
}
