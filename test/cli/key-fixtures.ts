/**
 * What the key tests through the built CLI (`key-matching.e2e.test.ts`, `key-names.e2e.test.ts`)
 * share: remediation rules that act on every kind, and `recon plan --format json` of a workspace.
 */
import { expect } from 'vitest';
import { runCli } from '../helpers/cli-helpers.js';

/** A policy's body lines: mode enforce, and a create, update or delete for every kind. */
export const RULES = `  mode enforce
  remediate {
    on missing => create
    on changed => update
    on extra => delete
  }`;

/** The members of a plan item these tests read. */
export interface PlanItemJson {
  id: string;
  kind: string;
  action: string;
  key: Record<string, unknown> | null;
  effect: Record<string, unknown> | null;
  reason: { message?: string };
}

export interface PlanJson {
  policies: { summary: Record<string, number>; warnings?: string[]; items: PlanItemJson[] }[];
}

/** `recon plan p.recon --format json` in `dir` (with `env`), which must print nothing on stderr. */
export async function planJson(dir: string, env: Record<string, string> = {}): Promise<PlanJson> {
  const result = await runCli(['plan', 'p.recon', '--format', 'json'], { cwd: dir, env });
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as PlanJson;
}
