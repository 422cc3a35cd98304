import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readApplyHistory } from '../../../runtime/apply/apply-history.js';
import { AuditLog, type AuditRecord } from '../../../runtime/state/audit-log.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'recon-apply-history-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function entry(ts: string, policy: string, item: string, event: AuditRecord['event'], planHash = 'sha256:a'): AuditRecord {
  return { ts, run_id: `run-${ts}`, command: 'watch', policy, plan_hash: planHash, item, event, attempt: null, actor: null, error: null };
}

describe('readApplyHistory', () => {
  it('counts earlier applies of this plan hash per policy and item, and dates each drift from its first planned event since it last converged', () => {
    const log = AuditLog.inStateDir(dir, false);
    log.appendMany([
      entry('2026-01-01T00:00:00.000Z', 'p', 'p/changed/a', 'planned'),
      entry('2026-01-01T00:00:01.000Z', 'p', 'p/changed/a', 'applied'),
      entry('2026-01-01T00:00:02.000Z', 'p', 'p/changed/a', 'converged'),
      entry('2026-01-02T00:00:00.000Z', 'p', 'p/changed/a', 'planned'),
      entry('2026-01-03T00:00:00.000Z', 'p', 'p/changed/a', 'planned'),
      entry('2026-01-03T00:00:01.000Z', 'p', 'p/changed/a', 'applied'),
      entry('2026-01-03T00:00:02.000Z', 'p', 'p/changed/a', 'applied', 'sha256:other'),
      entry('2026-01-03T00:00:03.000Z', 'q', 'p/changed/a', 'applied'),
      entry('2026-01-04T00:00:00.000Z', 'p', 'p/extra/b', 'planned'),
      { ...entry('2026-01-04T00:00:00.000Z', 'p', 'x', 'planned'), item: null },
    ]);
    log.close();
    const history = readApplyHistory(AuditLog.inStateDir(dir).path, 'sha256:a');
    expect([...history.appliedBefore('p')]).toEqual([['p/changed/a', 2]]);
    expect([...history.appliedBefore('q')]).toEqual([['p/changed/a', 1]]);
    expect(history.appliedBefore('none').size).toBe(0);
    expect(history.driftStartedAt('p', 'p/changed/a')).toBe(Date.parse('2026-01-02T00:00:00.000Z'));
    expect(history.driftStartedAt('p', 'p/extra/b')).toBe(Date.parse('2026-01-04T00:00:00.000Z'));
    expect(history.driftStartedAt('q', 'p/extra/b')).toBeUndefined();
  });
});
