/**
 * An action whose answer was lost (RUNTIME.md 4: "an item whose actual record already is what
 * the action would make it counts as done"; "create of a key that now exists becomes an update
 * check"): the first attempt took effect but failed transiently, and the retry, to a server that
 * does not honour `Idempotency-Key`, is answered 409 Conflict. The apply checks the key and
 * counts the item done instead of leaving drift that is not there. Through the real apply runner
 * and http writer, against a loopback server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runApply } from '../../../runtime/apply/apply-runner.js';
import { defaultApplyServices } from '../../../runtime/apply/default-services.js';
import { readAuditLog } from '../../../runtime/state/audit-log.js';
import { compileOk } from '../../helpers/compile-helpers.js';
import { TestHttpServer } from '../../helpers/test-http-server.js';

const RECON = `
source directory {
  from inline([{ id: "u1", name: "Anna" }, { id: "u2", name: "Ben" }])
  key id
}
source users {
  from http("\${env("API")}/users", items: "data", next: "links.next")
  key id
  write {
    create POST "\${env("API")}/users"
  }
}
policy identity {
  mode enforce
  desired directory
  actual users
  remediate {
    on missing => create
  }
  retry 3 backoff 10ms..20ms
}
`;

describe('a create whose answer was lost', () => {
  let server: TestHttpServer;
  let dir: string;
  beforeEach(async () => {
    server = await TestHttpServer.start({ records: [{ id: 'u1', name: 'Anna' }] });
    dir = mkdtempSync(join(tmpdir(), 'recon-lost-answer-'));
  });
  afterEach(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const apply = () =>
    runApply({ kind: 'file', ir: compileOk(RECON) }, { workspaceRoot: dir, stateDir: join(dir, '.recon'), services: defaultApplyServices(), actor: 'tester', env: { API: server.url } });

  it('is done when the retry is refused with 409 but the record is there as planned', async () => {
    server.addFault({ method: 'POST', status: 502, afterApply: true });
    server.addFault({ method: 'POST', status: 409 });
    const result = await apply();
    const item = result.policies[0]!.items[0]!;
    expect(server.applied.map((change) => change.id)).toEqual(['u2']);
    expect([item.outcome, item.verified, item.attempts]).toEqual(['done', 'converged', 2]);
    expect(item.error).toContain('409');
    expect(result.status).toBe('converged');
    const events = readAuditLog(join(dir, '.recon', 'audit.jsonl')).records.filter((r) => r.item === 'identity/missing/u2').map((r) => r.event);
    expect(events).toEqual(['planned', 'retried', 'failed', 'converged']);
  });

  it('stays failed when the key is not what the plan wanted', async () => {
    server.addFault({ method: 'POST', status: 409, times: 3 });
    const result = await apply();
    const item = result.policies[0]!.items[0]!;
    expect([item.outcome, item.verified]).toEqual(['failed', null]);
    expect(result.status).toBe('drift');
  });
});
