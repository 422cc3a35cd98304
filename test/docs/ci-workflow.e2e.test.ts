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
}

function planSteps(): Step[] {
  const document = parseDocument(readFileSync(WORKFLOW, 'utf8'));
  expect(document.errors.map((error) => error.message)).toEqual([]);
  return (document.toJS() as { jobs: { plan: { steps: Step[] } } }).jobs.plan.steps;
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
