/**
 * `recon approve PLAN.json --by WHO [--item ID]... [-o APPROVALS.json]`: record approvals bound to
 * that plan's hash (RUNTIME.md 2, 4).
 *
 * Without `--item`, approves every item with gate `approval` that WHO may approve, and says on
 * stderr how many waiting items it left to others and which group must approve them (exit 0:
 * what WHO may approve was approved). Exit 1 when WHO may not approve an item named (or any
 * waiting item), or an item is unknown. With `-o`, the approvals are appended to the file
 * (created when absent); without it they are printed as an approvals document. With `RECON_APPROVAL_KEY` set, each record is HMAC-signed. Every approval
 * given is also recorded in the audit log (`approved`, actor WHO).
 *
 * `-o` holds the approvals file's lock (`APPROVALS.json.lock`, `apply/approvals-lock.ts`) from
 * before the audit record until the file is replaced: reviewers' jobs approving into one file at
 * once take turns instead of the last one's copy dropping the others' approvals. A live holder is
 * waited for up to `--lock-timeout` (default 5 s), then exit 1 naming it; when the lock cannot be
 * had, nothing is recorded (no audit record of an approval that is not in the file).
 */
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ApprovalsLockError, DEFAULT_APPROVALS_LOCK_TIMEOUT_MS, withApprovalsLock } from '../../apply/approvals-lock.js';
import { ApprovalError, appendApprovals, approvalKey, createApprovals, itemsLeftToOthers, type ApprovalsDocument } from '../../apply/approvals.js';
import { loadSavedPlan, SavedPlanError } from '../../apply/saved-plan.js';
import type { ChangePlan } from '../../plan/change-plan.js';
import { AuditLog } from '../../state/audit-log.js';
import { newRunId } from '../../state/plan-recording.js';
import { resolveStateDir } from '../../state/state-dir.js';
import { parseCommandArgs, parseDurationFlag } from '../cli-args.js';
import { CliError } from '../cli-error.js';
import type { CliOutput } from '../cli-output.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { workspaceRootFromCwd } from './apply-command.js';

export async function runApproveCommand(args: string[], output: CliOutput): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('approve', args, {
    by: { type: 'string' },
    item: { type: 'string', multiple: true },
    output: { type: 'string', short: 'o' },
    'lock-timeout': { type: 'string' },
  });
  if (positionals.length !== 1) throw new CliError('recon approve: expected exactly one PLAN.json (made by `recon plan -o PLAN.json`)');
  if (typeof values.by !== 'string' || values.by.trim() === '') throw new CliError('recon approve: --by WHO is required (who approves)');
  const lockTimeoutMs =
    typeof values['lock-timeout'] === 'string' ? parseDurationFlag('approve', 'lock-timeout', values['lock-timeout']) : DEFAULT_APPROVALS_LOCK_TIMEOUT_MS;
  let plan: ChangePlan;
  try {
    plan = loadSavedPlan(positionals[0]!);
  } catch (error) {
    if (error instanceof SavedPlanError) throw new CliError(`recon approve: ${error.message}`);
    throw error;
  }
  const items = Array.isArray(values.item) ? (values.item as string[]) : undefined;
  let records;
  try {
    records = createApprovals(plan, values.by, { items, key: approvalKey(process.env) });
  } catch (error) {
    if (error instanceof ApprovalError) throw new CliError(`recon approve: ${error.message}`);
    throw error;
  }
  if (records.length === 0) {
    output.err('recon approve: no item of this plan waits for approval; nothing recorded\n');
    return EXIT.ok;
  }

  const stateDir = resolveStateDir(workspaceRootFromCwd(values.root as string | undefined), values['state-dir'] as string | undefined);
  const runId = newRunId();
  const recordInAuditLog = (): void => {
    const log = AuditLog.inStateDir(stateDir);
    try {
      log.appendMany(
        records.map((record) => ({
          ts: record.approved_at,
          run_id: runId,
          command: 'approve',
          policy: record.item.split('/')[0] ?? null,
          plan_hash: record.plan_hash,
          item: record.item,
          event: 'approved' as const,
          attempt: null,
          actor: record.approver,
          error: null,
          detail: { signed: record.signature !== undefined },
        })),
      );
    } finally {
      log.close();
    }
  };

  let document: ApprovalsDocument | null = null;
  const approvalsPath = values.output;
  if (typeof approvalsPath === 'string') {
    // Said before the lock is taken: otherwise the failure names the lock's temporary file.
    const folder = dirname(approvalsPath);
    if (!isDirectory(folder)) throw new CliError(`recon approve: cannot write ${approvalsPath}: the folder ${folder} does not exist`);
    try {
      document = await withApprovalsLock(
        approvalsPath,
        () => {
          recordInAuditLog();
          return appendApprovals(approvalsPath, records);
        },
        { lockTimeoutMs },
      );
    } catch (error) {
      if (error instanceof ApprovalsLockError) {
        throw new CliError(`recon approve: ${error.message}; approvals to one file are recorded one at a time (wait longer with --lock-timeout)`);
      }
      throw error;
    }
  } else {
    recordInAuditLog();
  }

  if (items === undefined) {
    const left = itemsLeftToOthers(plan, values.by);
    const count = [...left.values()].reduce((sum, n) => sum + n, 0);
    if (count > 0) {
      const groups = [...left].map(([group, n]) => `${n} need${n === 1 ? 's' : ''} approval from ${group}`).join(', ');
      output.err(`recon approve: skipped ${count} waiting item${count === 1 ? '' : 's'} ${records[0]!.approver} may not approve (${groups})\n`);
    }
  }

  if (document !== null) {
    output.out(
      `approved ${records.length} item${records.length === 1 ? '' : 's'} of plan ${plan.plan_hash.replace(/^sha256:/, '').slice(0, 12)} as ${records[0]!.approver}` +
        ` -> ${values.output} (${document.approvals.length} approval${document.approvals.length === 1 ? '' : 's'} in the file)\n`,
    );
    for (const record of records) output.out(`  ${record.item}\n`);
  } else {
    output.out(JSON.stringify({ version: 1, approvals: records }, null, 2) + '\n');
  }
  return EXIT.ok;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
