/**
 * `recon plan` says when `recon apply` could not write the policy's actual source: a YAML file of
 * several documents (as `kubectl get -o yaml` or `kustomize build` write) reads as one list of
 * records, but its writer refuses it. The warning is in the plan (so in the PR comment), the file
 * is left as it was, and a plan whose items write nothing there has no such warning.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliTestFolders, makeWorkspace, runCli } from '../helpers/cli-helpers.js';

const MANIFESTS = `name: web
replicas: 2
---
name: api
replicas: 3
`;

function policy(rules: string): string {
  return `source git {
  from json("desired.json")
  key name
}
source cluster {
  from yaml("cluster.yaml")
  key name
}
policy deployments {
  mode enforce
  desired git
  actual cluster
  remediate {
${rules}
  }
}
`;
}

interface PlanJson {
  policies: { warnings?: string[]; items: { id: string; action: string; effect: { kind: string } | null }[] }[];
}

describe('recon plan of remediation that writes to a YAML file of several documents', () => {
  const keep = cliTestFolders();

  function workspace(rules: string): string {
    const dir = makeWorkspace({
      'desired.json': JSON.stringify([{ name: 'web', replicas: 2 }, { name: 'api', replicas: 4 }]),
      'cluster.yaml': MANIFESTS,
      'p.recon': policy(rules),
    });
    keep(dir);
    return dir;
  }

  it('warns that apply will fail the items that write there, and touches nothing', async () => {
    const dir = workspace('    on changed => update');
    const before = statSync(join(dir, 'cluster.yaml')).mtimeMs;
    const result = await runCli(['plan', 'p.recon', '--format', 'json'], { cwd: dir });
    expect(result.code).toBe(2);
    const plan = JSON.parse(result.stdout) as PlanJson;
    expect(plan.policies[0]!.items.map((item) => `${item.id} ${item.action} ${item.effect?.kind}`)).toEqual(['deployments/changed/api update file']);
    expect(plan.policies[0]!.warnings).toEqual([
      'source cluster: cluster.yaml holds several YAML documents (separated by ---): recon reads them as one list of records but cannot rewrite such a file; keep the records in one document for recon to write them (recon apply will fail the 1 item that writes to it)',
    ]);
    expect(readFileSync(join(dir, 'cluster.yaml'), 'utf8')).toBe(MANIFESTS);
    expect(statSync(join(dir, 'cluster.yaml')).mtimeMs).toBe(before);
    // the text view shows the warning too
    const text = await runCli(['plan', 'p.recon', '--format', 'text', '--no-color'], { cwd: dir });
    expect(text.stdout).toContain('holds several YAML documents');
  });

  it('says nothing when no item would write there', async () => {
    const dir = workspace('    on changed => ticket "replicas of ${key.name}"');
    const result = await runCli(['plan', 'p.recon', '--format', 'json'], { cwd: dir });
    const plan = JSON.parse(result.stdout) as PlanJson;
    expect(plan.policies[0]!.items.map((item) => item.action)).toEqual(['ticket']);
    expect(plan.policies[0]!.warnings).toBeUndefined();
  });
});
