import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlanItem } from '../../../runtime/plan/change-plan.js';
import { APPEND_BATCH_LINES, AuditLog, readAuditLog } from '../../../runtime/state/audit-log.js';
import { METRICS_FILE } from '../../../runtime/state/metrics-file.js';
import { plannedRecord, recordPlan, recordPlannedEvents } from '../../../runtime/state/plan-recording.js';
import { renderFixturePlan } from '../render/render-fixture.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'recon-recording-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('recording a dry run', () => {
  it('writes one planned line per item, each exactly JSON.stringify of its record, in plan order', () => {
    const plan = renderFixturePlan();
    // ids and members that need escaping, a second policy, and an item whose members are not text
    const items = plan.policies[0]!.items;
    items[0] = { ...items[0]!, id: 'p/changed/é"\\\n😀\ud800' };
    items[1] = { ...items[1]!, kind: undefined as unknown as PlanItem['kind'] };
    for (const actor of [null, 'ci "bot"']) {
      const runId = `run-${actor === null ? 1 : 2}`;
      const before = Date.now();
      recordPlannedEvents(dir, plan, { command: 'plan', runId, actor });
      const lines = readFileSync(AuditLog.inStateDir(dir).path, 'utf8').split('\n').filter((line) => line.includes(`"run_id":"${runId}"`));
      const expected = plan.policies.flatMap((policy) => policy.items.map((item) => ({ policy: policy.policy, item })));
      expect(lines).toHaveLength(expected.length);
      const ts = (JSON.parse(lines[0]!) as { ts: string }).ts;
      expect(Date.parse(ts)).toBeGreaterThanOrEqual(before - 1000);
      lines.forEach((line, i) => {
        expect(line).toBe(JSON.stringify(plannedRecord(plan, expected[i]!.policy, expected[i]!.item, ts, { command: 'plan', runId, actor })));
      });
    }
    expect(readAuditLog(AuditLog.inStateDir(dir).path).skippedLines).toBe(0);
  });

  it('writes the same lines across many batches, whatever the ids, kinds, actions and gates', () => {
    const plan = renderFixturePlan();
    const template = plan.policies[0]!.items[0]!;
    const kinds = ['missing', 'extra', 'changed', 'invalid'] as const;
    const actions = ['create', 'update', 'delete', 'report', 'ignore'] as const;
    const gates = ['auto', 'approval', 'blocked', 'none'] as const;
    const odd = ['é', '"', '\\', '\n', '\u007f', '😀', '\ud800', 'a'.repeat(3000) + 'ü'];
    plan.policies[0]!.items = Array.from({ length: APPEND_BATCH_LINES * 2 + 333 }, (_, i) => ({
      ...template,
      id: i % 97 === 0 ? `p/x/${odd[(i / 97) % odd.length]}${i}` : `p/changed/k${i}`,
      kind: kinds[i % kinds.length]!,
      action: actions[i % actions.length]!,
      gate: gates[(i >> 3) % gates.length]!,
    }));
    // a torn last line left by a killed run: the batch starts on a fresh line
    const path = AuditLog.inStateDir(dir).path;
    writeFileSync(path, '{"ts":"2026-11-26T12:00:0');
    const options = { command: 'plan', runId: 'many', actor: 'ü "bot"' };
    recordPlannedEvents(dir, plan, options);
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines[0]).toBe('{"ts":"2026-11-26T12:00:0');
    expect(lines.at(-1)).toBe('');
    const written = lines.slice(1, -1);
    const ts = (JSON.parse(written[0]!) as { ts: string }).ts;
    const expected = plan.policies.flatMap((policy) => policy.items.map((item) => JSON.stringify(plannedRecord(plan, policy.policy, item, ts, options))));
    expect(written).toEqual(expected);
  });

  it('recordPlan writes the planned events and the metrics', async () => {
    const plan = renderFixturePlan();
    await recordPlan(dir, plan, { command: 'plan', runId: 'r1', durationSeconds: 1.23456 });
    const records = readAuditLog(AuditLog.inStateDir(dir).path).records;
    expect(records.map((r) => r.item)).toEqual(plan.policies.flatMap((p) => p.items.map((i) => i.id)));
    expect(records.every((r) => r.event === 'planned' && r.plan_hash === plan.plan_hash && r.run_id === 'r1')).toBe(true);
    const metrics = readFileSync(join(dir, METRICS_FILE), 'utf8');
    expect(metrics).toContain(`recon_run_duration_seconds{policy="${plan.policies[0]!.policy}"} 1.235`);
    expect(metrics).toMatch(/recon_reconcile_total\{outcome="drift",policy="[^"]+"\} 1/);
  });
});
