/**
 * The sample GitHub Actions workflow (docs/examples/github-actions.yml, docs/ci.md): it is valid
 * YAML, and it reads a plan's exit code 4 the way RUNTIME.md means it — "a limit was exceeded",
 * which blocks the change only under `on_exceed abort`; under `on_exceed approve` the items wait
 * for approval, and the plan must still be posted and kept for the approvers.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { cliTestFolders, csvText, makeWorkspace, runCli } from '../helpers/cli-helpers.js';

const ROOT = join(import.meta.dirname, '../..');
const WORKFLOW = join(ROOT, 'docs/examples/github-actions.yml');

interface Step {
  name?: string;
  id?: string;
  if?: string;
  run?: string;
  uses?: string;
  with?: Record<string, string>;
}

function jobSteps(): Record<string, Step[]> {
  const document = parseDocument(readFileSync(WORKFLOW, 'utf8'));
  expect(document.errors.map((error) => error.message)).toEqual([]);
  const jobs = (document.toJS() as { jobs: Record<string, { steps: Step[] }> }).jobs;
  return Object.fromEntries(Object.entries(jobs).map(([name, job]) => [name, job.steps]));
}

function planSteps(): Step[] {
  return jobSteps().plan!;
}

const keep = cliTestFolders();

function policy(onExceed: 'abort' | 'approve'): string {
  return `source wanted {
  from csv("desired.csv")
  key id
  fields {
    id: string
  }
}

source live {
  from csv("actual.csv")
  key id
  fields {
    id: string
  }
}

policy accounts {
  mode enforce
  desired wanted
  actual live
  remediate {
    on missing => create
  }
  limits {
    max_changes 1
    on_exceed ${onExceed}
  }
}
`;
}

const hasJq = spawnSync('jq', ['--version']).status === 0;

describe('the sample CI workflow', () => {
  it('is valid YAML and fails the plan step at once on exit 1 only', () => {
    const steps = planSteps();
    const plan = steps.find((step) => step.id === 'plan');
    expect(plan?.run).toContain('if [ "$code" = 1 ]; then exit 1; fi');
    expect(plan?.run).not.toMatch(/"\$code" = 4/);
    // the comment and the artifact come after the plan step and before the exit-4 judgement
    const judge = steps.findIndex((step) => step.if === "steps.plan.outputs.code == '4'");
    expect(judge).toBeGreaterThan(steps.findIndex((step) => step.uses?.startsWith('actions/upload-artifact')));
    expect(judge).toBeGreaterThan(steps.findIndex((step) => step.uses?.startsWith('marocchino/sticky-pull-request-comment')));
  });

  it('installs Recon from the repository, never the unrelated `recon` of the npm registry', () => {
    // package.json is private: Recon is not on the registry, where the name `recon` is another
    // author's package — `npm install --global recon` would run that, with the job's secrets.
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))).toMatchObject({ name: 'recon', private: true });
    for (const [job, steps] of Object.entries(jobSteps())) {
      const runs = steps.map((step) => step.run ?? '');
      expect(runs.filter((run) => /\bnpm (install|i|add)\b[^\n]*\brecon\b/.test(run)), job).toEqual([]);
      const firstRecon = runs.findIndex((run) => /^\s*recon /m.test(run));
      expect(firstRecon, job).toBeGreaterThan(0);
      expect(runs.slice(0, firstRecon).join('\n'), job).toMatch(/\bnpm ci\b/);
      expect(runs.slice(0, firstRecon).join('\n'), job).toContain('node_modules/.bin" >> "$GITHUB_PATH"');
    }
  });

  it('the apply job restores the state directory before apply and saves it after, whatever apply did', () => {
    // docs/ci.md: the audit log must outlive the job, or a crashed apply cannot resume.
    const steps = jobSteps().apply!;
    const apply = steps.findIndex((step) => /^\s*recon apply /m.test(step.run ?? ''));
    const restore = steps.findIndex((step) => step.uses?.startsWith('actions/cache/restore'));
    const save = steps.findIndex((step) => step.uses?.startsWith('actions/cache/save'));
    expect(apply).toBeGreaterThan(0);
    expect(restore).toBeGreaterThan(-1);
    expect(restore).toBeLessThan(apply);
    expect(save).toBeGreaterThan(apply);
    expect(steps[save]!.if).toBe('always()');
    const stateDir = /--state-dir (\S+)/.exec(steps[apply]!.run!)?.[1];
    expect(stateDir).toBe('.recon');
    expect(steps[restore]!.with).toMatchObject({ path: stateDir, 'restore-keys': 'recon-state-' });
    expect(steps[save]!.with).toMatchObject({ path: stateDir, key: steps[restore]!.with!.key });
    // a re-run of the job keeps its run_id: a cache key cannot be saved twice, so the attempt is in it
    expect(steps[save]!.with!.key).toContain('${{ github.run_attempt }}');
  });

  it.skipIf(!hasJq)('on exit 4, fails only when a limit with on_exceed abort was exceeded', async () => {
    const judge = planSteps().find((step) => step.if === "steps.plan.outputs.code == '4'");
    const filter = /jq -r '([\s\S]*?)' plan\.json/.exec(judge?.run ?? '')?.[1];
    expect(filter).toBeDefined();
    const blocked: Record<string, string> = {};
    for (const onExceed of ['abort', 'approve'] as const) {
      const dir = makeWorkspace({ 'a.recon': policy(onExceed), 'desired.csv': csvText(['id'], [['a'], ['b'], ['c']]), 'actual.csv': 'id\n' });
      keep(dir);
      expect((await runCli(['plan', 'a.recon', '-o', 'plan.json'], { cwd: dir })).code).toBe(4);
      const jq = spawnSync('jq', ['-r', filter!, 'plan.json'], { cwd: dir, encoding: 'utf8' });
      expect(jq.status).toBe(0);
      blocked[onExceed] = jq.stdout.trim();
    }
    expect(blocked).toEqual({ abort: 'accounts', approve: '' });
  });
});
