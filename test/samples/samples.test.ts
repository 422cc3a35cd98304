/**
 * The samples as shipped (ARCHITECTURE.md convention 7). Every folder of `samples/` is a use case
 * with a README.md and a recon.json; every folder that keeps an expected change plan
 * (`expected-plan.json`) is planned in-process — the language pipeline, then `runPlan` with a fixed
 * `observedAt` and no environment variables — and the plan, minus `observed_at` (which the plan
 * hash leaves out), must equal the snapshot byte for byte. A sample's data is made by its
 * `generate-data.mjs`, which must reproduce the committed files exactly.
 *
 * The plan is made from the one `.recon` file at the top of the sample's folder (variants that
 * need a live system live in subfolders). `UPDATE_SNAPSHOTS=1 npx vitest run test/samples`
 * rewrites the snapshots after an intended change (for a new sample, create an empty
 * `expected-plan.json` first); review the diff before committing it.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiskModuleHost } from '../../language/module-host.js';
import { compileFile } from '../../language/pipeline.js';
import { runPlan } from '../../runtime/plan/plan-runner.js';
import { REPO_ROOT } from '../helpers/run-cli.js';

const SAMPLES = join(REPO_ROOT, 'samples');
/** The instant every snapshot is planned at (rules that read the clock see this). */
const OBSERVED_AT = '2026-11-26T12:00:00Z';
const UPDATE = process.env.UPDATE_SNAPSHOTS === '1';

const folders = readdirSync(SAMPLES)
  .filter((name) => statSync(join(SAMPLES, name)).isDirectory())
  .sort();
const withSnapshot = folders.filter((name) => existsSync(join(SAMPLES, name, 'expected-plan.json')));
const withGenerator = folders.filter((name) => existsSync(join(SAMPLES, name, 'generate-data.mjs')));

/** The sample's entry file: the one `.recon` file at the top of its folder. */
function entryFile(folder: string): string {
  const files = readdirSync(join(SAMPLES, folder), { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.recon'))
    .map((entry) => entry.name);
  if (files.length !== 1) throw new Error(`samples/${folder}: expected one .recon file at the top of the folder, found ${files.length}: ${files.join(', ')}`);
  return join(SAMPLES, folder, files[0]!);
}

/** Every file below `dir`, as paths relative to it. */
function filesBelow(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesBelow(path).map((f) => join(entry.name, f)));
    else out.push(entry.name);
  }
  return out.sort();
}

describe('samples', () => {
  it('each folder is a documented use case with a workspace root', () => {
    expect(folders.length).toBeGreaterThan(0);
    for (const folder of folders) {
      expect(existsSync(join(SAMPLES, folder, 'README.md')), `samples/${folder}/README.md`).toBe(true);
      expect(existsSync(join(SAMPLES, folder, 'recon.json')), `samples/${folder}/recon.json`).toBe(true);
    }
  });

  it('the samples that run on their own files keep their expected plan', () => {
    expect(withSnapshot).toEqual(
      expect.arrayContaining(['cdn-cache', 'cloud-tag-compliance', 'ecommerce-inventory', 'feature-flags', 'kubernetes-deployments', 'payment-settlement']),
    );
  });

  describe.each(withSnapshot)('samples/%s', (folder) => {
    it('plans exactly the expected change plan', async () => {
      const entry = entryFile(folder);
      const compiled = compileFile(entry, new DiskModuleHost(join(REPO_ROOT, 'stdlib')), undefined, { today: OBSERVED_AT.slice(0, 10) });
      expect(compiled.diagnostics.map((d) => `${d.severity} ${d.code}: ${d.message}`)).toEqual([]);
      expect(compiled.ir).not.toBeNull();
      const plan = await runPlan(compiled.ir!, { workspaceRoot: compiled.program.workspaceRoot, observedAt: OBSERVED_AT, env: {} });
      expect(plan.observed_at).toBe(OBSERVED_AT);
      const { observed_at: _observedAt, ...hashed } = plan;
      const text = JSON.stringify(hashed, null, 2) + '\n';
      const snapshot = join(SAMPLES, folder, 'expected-plan.json');
      if (UPDATE) writeFileSync(snapshot, text);
      expect(text).toBe(readFileSync(snapshot, 'utf8'));
      // the sample shows something: drift of more than one kind of action
      expect(plan.drift).toBe(true);
      expect(new Set(plan.policies.flatMap((p) => p.items.map((i) => i.action))).size).toBeGreaterThan(1);
    });
  });

  describe.each(withGenerator)('samples/%s/generate-data.mjs', (folder) => {
    it('reproduces the committed data exactly', () => {
      const sample = join(SAMPLES, folder);
      // inside the repository, so that a generator's imports (the `yaml` package) resolve
      const scratch = join(REPO_ROOT, 'test-artifacts', 'sample-data', folder);
      rmSync(scratch, { recursive: true, force: true });
      mkdirSync(scratch, { recursive: true });
      cpSync(join(sample, 'generate-data.mjs'), join(scratch, 'generate-data.mjs'));
      for (const entry of readdirSync(sample, { withFileTypes: true })) {
        if (entry.isDirectory() && !entry.name.startsWith('.')) mkdirSync(join(scratch, entry.name));
      }
      execFileSync(process.execPath, ['generate-data.mjs'], { cwd: scratch, stdio: 'pipe' });
      const generated = filesBelow(scratch).filter((f) => f !== 'generate-data.mjs');
      expect(generated.length).toBeGreaterThan(0);
      for (const file of generated) {
        expect(readFileSync(join(scratch, file), 'utf8'), `${relative(REPO_ROOT, join(sample, file))} differs from what generate-data.mjs makes`).toBe(
          readFileSync(join(sample, file), 'utf8'),
        );
      }
      rmSync(scratch, { recursive: true, force: true });
    });
  });
});
