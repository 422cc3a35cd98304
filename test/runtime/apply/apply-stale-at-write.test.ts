/**
 * Stale evidence caught by the file writer itself (RUNTIME.md 4: an item whose actual record no
 * longer matches its `precondition` is skipped as `stale`, never applied on stale evidence).
 *
 * The runner compares preconditions when it re-observes a saved plan, but a file can change
 * after that — or, for `apply FILE`, after the plan read it — and before the file writer reads
 * it to edit. Another process edits the file exactly in that window here: the writer, opened
 * through the real services, finds the record no longer the one the plan saw and must neither
 * overwrite nor delete it; a record the other process added is kept, and the other items are
 * applied.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DiskModuleHost } from '../../../language/module-host.js';
import { compileFile } from '../../../language/pipeline.js';
import type { IrDocument } from '../../../language/ir/ir-types.js';
import { runApply, type ApplyRunOptions } from '../../../runtime/apply/apply-runner.js';
import { defaultApplyServices } from '../../../runtime/apply/default-services.js';
import { runPlan } from '../../../runtime/plan/plan-runner.js';
import { readAuditLog } from '../../../runtime/state/audit-log.js';
import { csvText, jsonlText, makeWorkspace, readJsonl, removeTempDir } from '../../helpers/cli-helpers.js';
import { accountsPolicy } from '../../cli/apply-fixtures.js';
import { servicesWrappingSessions } from './wrapped-writers.js';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) removeTempDir(dir);
});

function setUp(): { dir: string; ir: IrDocument; actual: string } {
  const dir = makeWorkspace({
    'accounts.recon': accountsPolicy(),
    'data/desired.csv': csvText(['id', 'name', 'amount'], [
      ['a1', 'Alpha', 10],
      ['a2', 'Beta', 20],
      ['a3', 'Gamma', 30],
    ]),
    'data/actual.jsonl': jsonlText([
      { id: 'a1', name: 'Alpha', amount: 11 },
      { id: 'a3', name: 'Gamma', amount: 99 },
      { id: 'x9', name: 'Extra', amount: 1 },
    ]),
  });
  made.push(dir);
  const compiled = compileFile(join(dir, 'accounts.recon'), new DiskModuleHost());
  if (!compiled.ir) throw new Error(compiled.diagnostics.map((d) => d.message).join('\n'));
  return { dir, ir: compiled.ir, actual: join(dir, 'data/actual.jsonl') };
}

/** The real services, but another process edits the actual file just before the writer reads it. */
function servicesEditingFirst(actual: string, edit: (text: string) => string): ApplyRunOptions['services'] {
  const services = defaultApplyServices();
  return {
    ...services,
    createWriter: (source, context) => {
      const real = services.createWriter(source, context);
      return {
        staged: real.staged,
        async open() {
          writeFileSync(actual, edit(readFileSync(actual, 'utf8')));
          return real.open();
        },
      };
    },
  };
}

const otherProcess = (text: string): string =>
  text.replace('"amount":99', '"amount":77').replace('"name":"Extra"', '"name":"Extra, renamed"') + '{"id":"a9","name":"Added","amount":9}\n';

describe('a record changed after the plan read it and before the writer did', () => {
  for (const input of ['file', 'plan'] as const) {
    it(`is stale, not overwritten or deleted; an added record is kept (apply ${input === 'file' ? 'FILE' : 'PLAN.json'})`, async () => {
      const { dir, ir, actual } = setUp();
      const options: ApplyRunOptions = {
        workspaceRoot: dir,
        stateDir: join(dir, '.recon'),
        services: servicesEditingFirst(actual, otherProcess),
        actor: 'tester',
        env: {},
      };
      const result =
        input === 'file' ? await runApply({ kind: 'file', ir }, options) : await runApply({ kind: 'plan', plan: await runPlan(ir, { workspaceRoot: dir, env: {} }) }, options);
      const outcomes = Object.fromEntries(result.policies[0]!.items.map((item) => [item.id, item.outcome]));
      expect(outcomes).toEqual({
        'accounts/changed/a1': 'applied',
        'accounts/missing/a2': 'applied',
        'accounts/changed/a3': 'stale',
        'accounts/extra/x9': 'stale',
      });
      expect(result.policies[0]!.items.find((item) => item.id === 'accounts/changed/a3')!.error).toContain('changed since the plan was made');
      expect(result.status).toBe('drift');
      expect(readJsonl(actual)).toEqual([
        { id: 'a1', name: 'Alpha', amount: 10 },
        { id: 'a3', name: 'Gamma', amount: 77 },
        { id: 'x9', name: 'Extra, renamed', amount: 1 },
        { id: 'a9', name: 'Added', amount: 9 },
        { id: 'a2', name: 'Beta', amount: 20 },
      ]);
      const events = readAuditLog(join(dir, '.recon', 'audit.jsonl')).records;
      expect(events.filter((r) => r.event === 'stale').map((r) => r.item).sort()).toEqual(['accounts/changed/a3', 'accounts/extra/x9']);
      expect(events.filter((r) => r.event === 'applied').map((r) => r.item).sort()).toEqual(['accounts/changed/a1', 'accounts/missing/a2']);
    });
  }
});

describe('a file changed while apply edits it', () => {
  it('is not overwritten; the actions fail at once, without retrying a commit that cannot succeed', async () => {
    const { dir, ir, actual } = setUp();
    let commits = 0;
    const editing = servicesWrappingSessions({
      async commit(session) {
        commits++;
        if (commits === 1) writeFileSync(actual, readFileSync(actual, 'utf8') + '{"id":"a9","name":"Added","amount":9}\n');
        return session.commit();
      },
    });
    const before = readFileSync(actual, 'utf8');
    const result = await runApply({ kind: 'file', ir }, { workspaceRoot: dir, stateDir: join(dir, '.recon'), services: editing, actor: 'tester', env: {} });
    expect(commits).toBe(1);
    const items = result.policies[0]!.items;
    expect(items.map((item) => item.outcome)).toEqual(['failed', 'failed', 'failed', 'failed']);
    expect(items[0]!.error).toBe('commit failed: source live: data/actual.jsonl changed while recon was applying; nothing was written (apply again to re-read it)');
    expect(readFileSync(actual, 'utf8')).toBe(before + '{"id":"a9","name":"Added","amount":9}\n');
  });
});
