/**
 * "Preview drift" (RUNTIME.md section 6): the custom request `recon/previewDrift` runs observe +
 * diff + decide for one policy (or every policy) of a file, as `recon plan` would, and returns
 * the counts (for the code lens title) and the items (for a preview panel), each item's reason
 * linked to the remediation rule that decided it.
 *
 * Guarantees, in this order of importance:
 * - it never applies anything: the worker imports only the read side of the runtime;
 * - in an untrusted workspace it never runs `exec`, `http` or `postgres` sources: such policies
 *   are skipped before the worker starts, and the connectors themselves refuse (`trusted: false`).
 *   `postgres` too, although RUNTIME.md 6 names only the other two: connecting sends a user,
 *   a database, a query and possibly the password, built from the environment's secrets, to a
 *   host the untrusted files chose — the same leak an `http` GET with a secret header would be;
 * - it runs in a worker thread, within a time budget (default 10 s) and a record cap per source,
 *   both from the settings; cancelling the request or running out of time stops the worker at
 *   once, and the policies finished by then are returned (`status: 'timeout'`).
 */
import type { Location } from 'vscode-languageserver';
import type { IrDocument, IrPolicy } from '../../../language/ir/ir-types.js';
import type { ChangePlan, FieldDelta, PlanItem, PolicyPlan, PolicySummary } from '../../../runtime/plan/change-plan.js';
import { renderPlan } from '../../../runtime/render/render-plan.js';
import { buildChangePlan } from '../../../runtime/plan/plan-builder.js';
import type { DocumentAnalysis } from '../document-analysis.js';
import type { DocumentStore } from '../document-store.js';
import { compileForRun, irLocation } from '../run-support.js';
import type { PreviewJob, PreviewMessage } from '../drift-preview-worker.js';
import { PreviewWorkerPool, type PreviewRun } from '../preview-worker-pool.js';

/** The method of the custom request. */
export const PREVIEW_DRIFT_METHOD = 'recon/previewDrift';

export interface DriftPreviewParams {
  /** The `.recon` file (its current buffer is previewed, saved or not). */
  uri: string;
  /** One policy; default: every policy of the file. */
  policy?: string;
  /** Also render the plan as `markdown` or `text` into `rendered` (for a virtual document). */
  render?: 'markdown' | 'text';
}

/** One drift item, as the plan has it, plus where its deciding rule is. */
export interface PreviewItem {
  id: string;
  kind: PlanItem['kind'];
  key: PlanItem['key'];
  side: PlanItem['side'];
  fields: FieldDelta[];
  action: PlanItem['action'];
  gate: PlanItem['gate'];
  approvers: string | null;
  reason: PlanItem['reason'];
  /** The remediation rule that decided the item (`reason.at`), or null (no rule: report). */
  reasonLocation: Location | null;
  effect: PlanItem['effect'];
  warnings?: string[];
}

export interface PreviewPolicy {
  policy: string;
  mode: 'audit' | 'enforce';
  /** Why the policy was not previewed (untrusted workspace), else null. */
  skipped: string | null;
  summary: PolicySummary | null;
  /** Items by action: how many create, update, delete, ticket, ignore, report. */
  actions: Record<string, number>;
  limits: { exceeded: boolean; reasons: string[] } | null;
  warnings: string[];
  /** Sources whose reading stopped at the record cap: the counts cover the records read. */
  truncated: string[];
  /** The code lens title: `Drift: 2 missing · 1 changed`, `No drift`. */
  title: string;
  items: PreviewItem[];
  /** Where the policy is declared. */
  location: Location | null;
}

export interface DriftPreviewResult {
  uri: string;
  /**
   * `ok`: every requested policy ran (or was skipped for trust); `timeout`: the budget ran out
   * (the policies finished by then are included); `cancelled`; `invalid`: the file does not
   * compile; `untrusted`: every requested policy needs trust; `error`: reading failed.
   */
  status: 'ok' | 'timeout' | 'cancelled' | 'invalid' | 'untrusted' | 'error';
  /** One line saying what went wrong, or null. */
  message: string | null;
  /** The run's instant. */
  observedAt: string | null;
  /** True when some policy has an item whose action is not `ignore`. */
  drift: boolean;
  trusted: boolean;
  timeBudgetMs: number;
  recordCap: number;
  elapsedMs: number;
  policies: PreviewPolicy[];
  /** The whole plan rendered (when asked and complete). */
  rendered?: string;
}

export interface PreviewOptions {
  trusted: boolean;
  timeBudgetMs: number;
  recordCap: number;
  /** Cancels the preview (the request's cancellation). */
  signal?: AbortSignal;
  /** Pins the run's instant (tests). */
  observedAt?: string;
}

/** Connectors that reach beyond the workspace's files: previews run them only in a trusted workspace. */
const NEEDS_TRUST = new Set(['http', 'exec', 'postgres']);

/** Why a policy cannot be previewed in an untrusted workspace, or null. */
function untrustedReason(ir: IrDocument, policy: IrPolicy): string | null {
  for (const name of [policy.desired, policy.actual]) {
    const source = ir.sources.find((s) => s.name === name);
    if (source && NEEDS_TRUST.has(source.connector.kind)) {
      return `policy '${policy.name}' reads the ${source.connector.kind} source '${source.name}': previews never run exec, http or postgres sources in an untrusted workspace (trust the workspace to preview it)`;
    }
  }
  return null;
}

/** Counts for a code lens title. */
export function previewTitle(summary: PolicySummary, truncated: boolean): string {
  const parts = (['missing', 'extra', 'changed', 'invalid'] as const).filter((k) => summary[k] > 0).map((k) => `${summary[k]} ${k}`);
  const capped = truncated ? ' (record cap reached)' : '';
  return parts.length === 0 ? `No drift${capped}` : `Drift: ${parts.join(' · ')}${capped}`;
}

function actionCounts(items: readonly PlanItem[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[item.action] = (counts[item.action] ?? 0) + 1;
  return counts;
}

/** Runs drift previews and remembers the last result of each policy for the code lenses. */
export class DriftPreviewer {
  private readonly running = new Map<string, AbortController>();
  private readonly lastTitles = new Map<string, { version: number | null; titles: Map<string, string> }>();

  constructor(
    private readonly store: DocumentStore,
    /** The worker threads previews run in (kept warm between previews). */
    private readonly workers: PreviewWorkerPool = new PreviewWorkerPool(),
  ) {}

  /** Starts a preview worker ahead of the first preview (see `PreviewWorkerPool.prewarm`). */
  prewarm(): void {
    this.workers.prewarm();
  }

  /** Stops the preview workers (server shutdown). */
  dispose(): void {
    for (const controller of this.running.values()) controller.abort();
    this.workers.dispose();
  }

  /** The title of the last preview of a policy, while the document is still at that version. */
  lastTitle(uri: string, version: number | null, policy: string): string | null {
    const last = this.lastTitles.get(uri);
    return last && last.version === version ? (last.titles.get(policy) ?? null) : null;
  }

  /** Previews the policies of `analysis` (see the file comment). Never throws. */
  async preview(analysis: DocumentAnalysis, params: DriftPreviewParams, options: PreviewOptions): Promise<DriftPreviewResult> {
    const started = performance.now();
    const base = { uri: params.uri, trusted: options.trusted, timeBudgetMs: options.timeBudgetMs, recordCap: options.recordCap };
    const fail = (status: DriftPreviewResult['status'], message: string): DriftPreviewResult => ({
      ...base,
      status,
      message,
      observedAt: null,
      drift: false,
      elapsedMs: Math.round(performance.now() - started),
      policies: [],
    });
    const compiled = compileForRun(this.store, analysis);
    if (!compiled.ir) return fail('invalid', compiled.message);
    const { ir, workspaceRoot } = compiled;
    const selected = params.policy === undefined ? ir.policies : ir.policies.filter((p) => p.name === params.policy);
    if (selected.length === 0) {
      return fail('error', params.policy === undefined ? 'the file declares no policy' : `unknown policy '${params.policy}'`);
    }
    const skipped = new Map<string, string>();
    if (!options.trusted) {
      for (const policy of selected) {
        const reason = untrustedReason(ir, policy);
        if (reason) skipped.set(policy.name, reason);
      }
    }
    const locate = (at: string | null | undefined) => irLocation(at, workspaceRoot, this.store);
    const skippedEntries: PreviewPolicy[] = selected
      .filter((p) => skipped.has(p.name))
      .map((p) => ({
        policy: p.name,
        mode: p.mode,
        skipped: skipped.get(p.name)!,
        summary: null,
        actions: {},
        limits: null,
        warnings: [],
        truncated: [],
        title: 'Preview needs a trusted workspace',
        items: [],
        location: locate(p.at),
      }));
    const toRun = selected.filter((p) => !skipped.has(p.name));
    if (toRun.length === 0) {
      return { ...fail('untrusted', skippedEntries[0]!.skipped!), policies: skippedEntries };
    }

    const key = `${params.uri}#${params.policy ?? '*'}`;
    this.running.get(key)?.abort();
    const controller = new AbortController();
    this.running.set(key, controller);
    const job: PreviewJob = {
      ir,
      workspaceRoot,
      ...(params.policy !== undefined ? { policy: params.policy } : {}),
      skip: [...skipped.keys()],
      trusted: options.trusted,
      recordCap: options.recordCap,
      ...(options.observedAt ? { observedAt: options.observedAt } : {}),
      withPlan: params.render !== undefined,
    };
    const outcome = await this.runJob(job, options, controller);
    if (this.running.get(key) === controller) this.running.delete(key);

    const policyAt = new Map(ir.policies.map((p) => [p.name, p.at]));
    const entries: PreviewPolicy[] = outcome.policies.map(({ plan, truncated }) => ({
      policy: plan.policy,
      mode: plan.mode,
      skipped: null,
      summary: plan.summary,
      actions: actionCounts(plan.items),
      limits: plan.limits,
      warnings: plan.warnings ?? [],
      truncated,
      title: previewTitle(plan.summary, truncated.length > 0),
      items: plan.items.map((item) => ({
        id: item.id,
        kind: item.kind,
        key: item.key,
        side: item.side,
        fields: item.fields,
        action: item.action,
        gate: item.gate,
        approvers: item.approvers,
        reason: item.reason,
        reasonLocation: locate(item.reason.at),
        effect: item.effect,
        ...(item.warnings ? { warnings: item.warnings } : {}),
      })),
      location: locate(policyAt.get(plan.policy)),
    }));
    const policies = [...entries, ...skippedEntries].sort((a, b) => selected.findIndex((p) => p.name === a.policy) - selected.findIndex((p) => p.name === b.policy));
    this.remember(analysis, entries);
    const result: DriftPreviewResult = {
      ...base,
      status: outcome.status,
      message: outcome.message,
      observedAt: outcome.observedAt ?? options.observedAt ?? null,
      drift: entries.some((e) => e.items.some((i) => i.action !== 'ignore')),
      elapsedMs: Math.round(performance.now() - started),
      policies,
    };
    if (params.render && outcome.status === 'ok') {
      const plan = outcome.plan ?? buildChangePlan(ir, outcome.policies.map((p) => p.plan), options.observedAt ?? new Date().toISOString());
      result.rendered = renderPlan(plan, params.render, { noColor: true });
    }
    return result;
  }

  private remember(analysis: DocumentAnalysis, entries: readonly PreviewPolicy[]): void {
    let last = this.lastTitles.get(analysis.uri);
    if (!last || last.version !== analysis.version) {
      last = { version: analysis.version, titles: new Map() };
      this.lastTitles.set(analysis.uri, last);
    }
    for (const entry of entries) last.titles.set(entry.policy, entry.title);
  }

  /** Runs the job in a worker (or, when no worker script exists, in this thread), within the budget. */
  private runJob(
    job: PreviewJob,
    options: PreviewOptions,
    controller: AbortController,
  ): Promise<{
    status: DriftPreviewResult['status'];
    message: string | null;
    policies: { plan: PolicyPlan; truncated: string[] }[];
    plan: ChangePlan | null;
    observedAt: string | null;
  }> {
    return new Promise((resolve) => {
      const policies: { plan: PolicyPlan; truncated: string[] }[] = [];
      let settled = false;
      let run: PreviewRun | null = null;
      const inProcess = new AbortController();
      let observedAt: string | null = null;
      const finish = (status: DriftPreviewResult['status'], message: string | null, plan: ChangePlan | null = null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onCancel);
        controller.signal.removeEventListener('abort', onCancel);
        // after `done` or `error` the worker is back in the pool already: cancel is then a no-op
        run?.cancel();
        inProcess.abort();
        resolve({ status, message, policies, plan, observedAt });
      };
      const onCancel = (): void => finish('cancelled', 'the preview was cancelled');
      const timer = setTimeout(
        () => finish('timeout', `the preview ran out of its time budget (${Math.round(options.timeBudgetMs / 100) / 10} s); the policies finished by then are shown`),
        options.timeBudgetMs,
      );
      if (options.signal?.aborted || controller.signal.aborted) {
        onCancel();
        return;
      }
      options.signal?.addEventListener('abort', onCancel);
      controller.signal.addEventListener('abort', onCancel);
      const onMessage = (message: PreviewMessage): void => {
        if (message.type === 'policy') policies.push({ plan: message.plan, truncated: message.truncated });
        else if (message.type === 'done') {
          observedAt = message.observedAt;
          finish('ok', null, message.plan);
        }
        else finish('error', message.at && !message.message.startsWith(message.at) ? `${message.at}: ${message.message}` : message.message);
      };
      if (!this.workers.available) {
        void import('../drift-preview-worker.js').then((m) => m.runPreviewJob(job, onMessage, inProcess.signal));
        return;
      }
      try {
        run = this.workers.run(job, onMessage);
      } catch (error) {
        finish('error', `could not start the preview worker: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
  }
}
