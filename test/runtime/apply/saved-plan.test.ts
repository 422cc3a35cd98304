/**
 * Loading a saved plan for approve/apply (runtime/apply/saved-plan.ts): the JSON round trip keeps
 * the hash, and any edit of what the plan would do is refused.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DiskModuleHost } from '../../../language/module-host.js';
import { compileFile } from '../../../language/pipeline.js';
import { isPlanPath, loadSavedPlan, SavedPlanError } from '../../../runtime/apply/saved-plan.js';
import { runPlan } from '../../../runtime/plan/plan-runner.js';
import { accountsWorkspace } from '../../cli/apply-fixtures.js';
import { removeTempDir } from '../../helpers/cli-helpers.js';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) removeTempDir(dir);
});

async function savedPlan(): Promise<{ dir: string; file: string; json: Record<string, unknown> }> {
  const dir = accountsWorkspace();
  made.push(dir);
  const ir = compileFile(join(dir, 'accounts.recon'), new DiskModuleHost()).ir!;
  const plan = await runPlan(ir, { workspaceRoot: dir, env: {} });
  const file = join(dir, 'plan.json');
  writeFileSync(file, JSON.stringify(plan, null, 2));
  return { dir, file, json: JSON.parse(JSON.stringify(plan)) };
}

describe('loadSavedPlan', () => {
  it('loads a plan written by `recon plan -o` with its hash intact', async () => {
    const { file, json } = await savedPlan();
    const plan = loadSavedPlan(file);
    expect(plan.plan_hash).toBe(json.plan_hash);
    expect(plan.policies[0]!.items.map((item) => item.id)).toContain('accounts/missing/a2');
    expect(isPlanPath(file)).toBe(true);
    expect(isPlanPath('accounts.recon')).toBe(false);
  });

  it('refuses a plan whose effects were edited after it was made', async () => {
    const { file, json } = await savedPlan();
    const policies = json.policies as { items: { effect: { record: Record<string, unknown> } | null }[] }[];
    const edited = policies[0]!.items.find((item) => item.effect !== null)!;
    edited.effect!.record = { ...edited.effect!.record, amount: 1_000_000 };
    writeFileSync(file, JSON.stringify(json));
    expect(() => loadSavedPlan(file)).toThrow(SavedPlanError);
    expect(() => loadSavedPlan(file)).toThrow('the plan was changed after it was made');
  });

  it('refuses a plan whose IR is not a valid IR, and files that are not plans', async () => {
    const { file, json } = await savedPlan();
    (json.ir as { policies: { mode: string }[] }).policies[0]!.mode = 'sometimes';
    writeFileSync(file, JSON.stringify(json));
    expect(() => loadSavedPlan(file)).toThrow(/ir.*mode/);
    writeFileSync(file, '[1, 2]');
    expect(() => loadSavedPlan(file)).toThrow('not a change plan');
    writeFileSync(file, '{"version": 1');
    expect(() => loadSavedPlan(file)).toThrow('not valid JSON');
    expect(() => loadSavedPlan(join(file, '..', 'nope.json'))).toThrow('no such file');
  });
});
