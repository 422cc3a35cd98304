/**
 * `recon plan --format sarif|github` run as a workflow runs it — from the repository's top, on a
 * policy in a folder below — must locate results at the repository path of the `.recon` file;
 * and `compile` / `plan` given a folder say so in one line.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, makeTempDir, removeTempDir, runCli, STACK_TRACE_LINE } from '../helpers/run-cli.js';

const POLICY = `source d { from json("data/d.json") key id }
source a { from json("data/a.json") key id }
policy s {
  mode enforce
  desired d
  actual a
  remediate { on missing => create }
}
`;

interface SarifLog {
  runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[];
}

let repo: string;

beforeAll(async () => {
  await ensureCliBuilt();
  // a repository without recon.json: each policy folder is its own workspace root
  repo = makeTempDir();
  for (const folder of ['policies', 'odd #1 dir']) {
    mkdirSync(join(repo, folder, 'data'), { recursive: true });
    writeFileSync(join(repo, folder, 'data', 'd.json'), '[{"id":"t1"}]');
    writeFileSync(join(repo, folder, 'data', 'a.json'), '[]');
  }
  writeFileSync(join(repo, 'policies', 'settlement.recon'), POLICY);
  writeFileSync(join(repo, 'odd #1 dir', 'a b.recon'), POLICY);
});

afterAll(() => removeTempDir(repo));

describe('recon plan locations for GitHub', () => {
  it('github: file= is the path from the current folder, not from the workspace root', async () => {
    const r = await runCli(['plan', 'policies/settlement.recon', '--format', 'github'], { cwd: repo });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('::warning file=policies/settlement.recon,line=7,col=15,');
    // run from inside the workspace root, the path is the file's own
    const inside = await runCli(['plan', 'settlement.recon', '--format', 'github'], { cwd: join(repo, 'policies') });
    expect(inside.stdout).toContain('::warning file=settlement.recon,line=7,col=15,');
  });

  it('sarif: the artifact uri is that path too, percent-encoded as a relative URI reference', async () => {
    const r = await runCli(['plan', 'policies/settlement.recon', '--format', 'sarif'], { cwd: repo });
    const sarif = JSON.parse(r.stdout) as SarifLog;
    expect(sarif.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri).toBe('policies/settlement.recon');
    const odd = await runCli(['plan', 'odd #1 dir/a b.recon', '--format', 'sarif'], { cwd: repo });
    const oddSarif = JSON.parse(odd.stdout) as SarifLog;
    const uri = oddSarif.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri;
    expect(uri).toBe('odd%20%231%20dir/a%20b.recon');
    expect(decodeURIComponent(uri)).toBe('odd #1 dir/a b.recon');
  });
});

describe('a folder where a FILE is expected', () => {
  for (const command of ['compile', 'plan']) {
    it(`${command}: one line saying it is a folder, exit 1`, async () => {
      const r = await runCli([command, 'policies'], { cwd: repo });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe('error: policies: is a folder; give one .recon file\n');
      expect(r.stderr).not.toMatch(STACK_TRACE_LINE);
    });
  }
});
