import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { codeLenses } from '../../../extension/server/features/code-lens.js';
import { DriftPreviewer, type DriftPreviewResult, type PreviewOptions } from '../../../extension/server/features/drift-preview.js';
import { TestRunner } from '../../../extension/server/features/run-test.js';
import { openFixture, type OpenedFixture } from '../../helpers/lsp-helpers.js';
import { SAMPLE, SAMPLE_DATA } from './fixtures.js';

let fixture: OpenedFixture | undefined;
afterEach(() => fixture?.ws.remove());

const OPTIONS: PreviewOptions = { trusted: false, timeBudgetMs: 20_000, recordCap: 100_000, observedAt: '2026-01-15T12:00:00Z' };

function open(text: string = SAMPLE + '<|>', files: Record<string, string> = SAMPLE_DATA): OpenedFixture {
  fixture?.ws.remove();
  fixture = openFixture(text, files);
  return fixture;
}

async function preview(policy: string | undefined, options: Partial<PreviewOptions> = {}): Promise<DriftPreviewResult> {
  const previewer = new DriftPreviewer(fixture!.store);
  return previewer.preview(fixture!.store.analysis(fixture!.uri)!, { uri: fixture!.uri, ...(policy ? { policy } : {}) }, { ...OPTIONS, ...options });
}

/** The 0-based line of the `nth` line of the fixture containing `needle`. */
function lineOf(needle: string): number {
  return fixture!.text.split('\n').findIndex((l) => l.includes(needle));
}

describe('drift preview', () => {
  it('runs observe + diff + decide on real files and returns the counts and the items, each linked to its rule', async () => {
    open();
    const result = await preview('settlement_parity');
    expect(result.status).toBe('ok');
    expect(result.message).toBeNull();
    expect(result.drift).toBe(true);
    expect(result.observedAt).toBe('2026-01-15T12:00:00Z');
    const policy = result.policies[0]!;
    expect(policy.summary).toEqual({ desired: 4, actual: 4, unchanged: 1, missing: 2, extra: 2, changed: 1, invalid: 0 });
    expect(policy.title).toBe('Drift: 2 missing · 2 extra · 1 changed');
    expect(policy.actions).toEqual({ create: 2, ignore: 1, ticket: 1, update: 1 });
    expect(policy.items.map((i) => [i.id, i.action, i.gate, i.reasonLocation?.range.start.line])).toEqual([
      ['settlement_parity/missing/t3', 'create', 'approval', lineOf('on missing when desired.amount')],
      ['settlement_parity/missing/t4', 'create', 'auto', lineOf('on missing => create')],
      ['settlement_parity/extra/t5', 'ignore', 'none', lineOf('on extra when actual.origin')],
      ['settlement_parity/extra/t6', 'ticket', 'auto', lineOf('on extra => ticket')],
      ['settlement_parity/changed/t2', 'update', 'auto', lineOf('on changed => update')],
    ]);
    expect(policy.items[0]!.reasonLocation).toEqual({ uri: fixture!.uri, range: { start: { line: lineOf('on missing when'), character: 4 }, end: { line: lineOf('on missing when'), character: 4 } } });
    expect(policy.items[4]!.fields).toEqual([{ path: 'amount', desired: 20, actual: 21 }]);
    expect(policy.location?.range.start.line).toBe(lineOf('policy settlement_parity'));
  });

  it('never applies anything: the actual side is untouched', async () => {
    open();
    const before = { text: readFileSync(fixture!.ws.path('data/gateway.csv'), 'utf8'), mtime: statSync(fixture!.ws.path('data/gateway.csv')).mtimeMs };
    const result = await preview(undefined);
    expect(result.status).toBe('ok');
    expect(readFileSync(fixture!.ws.path('data/gateway.csv'), 'utf8')).toBe(before.text);
    expect(statSync(fixture!.ws.path('data/gateway.csv')).mtimeMs).toBe(before.mtime);
    expect(existsSync(fixture!.ws.path('.recon'))).toBe(false);
  });

  it('previews the unsaved buffer', async () => {
    open();
    fixture!.store.change(fixture!.uri, [{ text: fixture!.text.replace('on changed => update', 'on changed => ignore because "edited"') }], 2);
    const result = await preview('settlement_parity');
    expect(result.policies[0]!.items.find((i) => i.kind === 'changed')!.action).toBe('ignore');
  });

  it('renders the plan for a virtual document when asked', async () => {
    open();
    const previewer = new DriftPreviewer(fixture!.store);
    const result = await previewer.preview(fixture!.analysis, { uri: fixture!.uri, render: 'markdown' }, OPTIONS);
    expect(result.rendered).toContain('settlement_parity');
    expect(result.rendered).toContain('t3');
  });

  it('stops reading a source at the record cap and says so', async () => {
    open();
    const result = await preview('settlement_parity', { recordCap: 2 });
    const policy = result.policies[0]!;
    expect(policy.truncated.sort()).toEqual(['gateway', 'ledger']);
    expect(policy.summary!.desired).toBe(2);
    expect(policy.summary!.actual).toBe(2);
    expect(policy.title).toMatch(/\(record cap reached\)$/);
    expect(policy.warnings.filter((w) => w.includes('reading stopped at the cap')).length).toBe(2);
  });

  it('gives up at the time budget, and can be cancelled', async () => {
    open();
    const timedOut = await preview('settlement_parity', { timeBudgetMs: 1 });
    expect(timedOut.status).toBe('timeout');
    expect(timedOut.message).toMatch(/ran out of its time budget/);
    const controller = new AbortController();
    const pending = preview('settlement_parity', { signal: controller.signal });
    controller.abort();
    const cancelled = await pending;
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.policies).toEqual([]);
  });

  it('does not run exec or http sources in an untrusted workspace', async () => {
    const marker = 'ran.txt';
    const text = `${SAMPLE}
source tool {
  from exec("node", ["-e", "require('fs').writeFileSync('${marker}', 'x'); console.log('[]')"])
  key txn_id
}

policy via_tool {
  desired ledger
  actual tool
}
<|>`;
    open(text);
    const untrusted = await preview(undefined);
    expect(untrusted.status).toBe('ok');
    const skipped = untrusted.policies.find((p) => p.policy === 'via_tool')!;
    expect(skipped.skipped).toMatch(/reads the exec source 'tool': previews never run exec, http or postgres sources in an untrusted workspace/);
    expect(skipped.items).toEqual([]);
    expect(untrusted.policies.find((p) => p.policy === 'settlement_parity')!.items).toHaveLength(5);
    const only = await preview('via_tool');
    expect(only.status).toBe('untrusted');
    expect(existsSync(fixture!.ws.path(marker))).toBe(false);
    const trusted = await preview('via_tool', { trusted: true });
    expect(trusted.status).not.toBe('untrusted');
    expect(trusted.policies.every((p) => p.skipped === null)).toBe(true);
  });

  it('does not connect to a postgres source in an untrusted workspace (its secrets would go to a host the files chose)', async () => {
    const connections: string[] = [];
    const listener = createServer((socket) => {
      socket.on('data', (chunk) => connections.push(chunk.toString('latin1')));
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as AddressInfo).port;
    process.env.RECON_PREVIEW_TEST_PW = 'pw-s3cr3t';
    try {
      open(`${SAMPLE}
source db {
  from postgres("postgres://app:\${secret("RECON_PREVIEW_TEST_PW")}@127.0.0.1:${port}/sales", table: "settlements")
  key txn_id
}

policy via_db {
  desired ledger
  actual db
}
<|>`);
      const only = await preview('via_db');
      expect(only.status).toBe('untrusted');
      expect(only.policies[0]!.skipped).toBe(
        "policy 'via_db' reads the postgres source 'db': previews never run exec, http or postgres sources in an untrusted workspace (trust the workspace to preview it)",
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(connections).toEqual([]);
    } finally {
      delete process.env.RECON_PREVIEW_TEST_PW;
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
  });

  it('says why a file that does not compile cannot be previewed', async () => {
    open('policy p {\n  desired nowhere\n  actual nowhere\n}\n<|>');
    const result = await preview(undefined);
    expect(result.status).toBe('invalid');
    expect(result.message).toMatch(/main\.recon:2:11: unknown source 'nowhere' \[unknown-source\]$/);
  });

  it('shows the last counts in the code lens of the same document version', async () => {
    open();
    const previewer = new DriftPreviewer(fixture!.store);
    const tests = new TestRunner(fixture!.store);
    const titles = () => codeLenses(fixture!.store.analysis(fixture!.uri)!, previewer, tests).map((l) => l.command!.title);
    expect(titles()).toEqual(['Preview drift', 'Run test']);
    await previewer.preview(fixture!.analysis, { uri: fixture!.uri, policy: 'settlement_parity' }, OPTIONS);
    await tests.run(fixture!.analysis, { uri: fixture!.uri });
    expect(titles()).toEqual(['Preview drift · Drift: 2 missing · 2 extra · 1 changed', 'Run test · passed']);
    fixture!.store.change(fixture!.uri, [{ text: fixture!.text + '\n' }], 2);
    expect(titles()).toEqual(['Preview drift', 'Run test']);
    const lens = codeLenses(fixture!.store.analysis(fixture!.uri)!, previewer, tests);
    expect(lens[0]!.command).toMatchObject({ command: 'recon.previewDrift', arguments: [{ uri: fixture!.uri, policy: 'settlement_parity' }] });
    expect(lens[1]!.command).toMatchObject({ command: 'recon.runTests', arguments: [{ uri: fixture!.uri, test: 'rounding is not drift' }] });
    expect(lens[0]!.range.start.line).toBe(lineOf('policy settlement_parity'));
  });
});

describe('run test', () => {
  it('runs the tests of the buffer and reports each with its location', async () => {
    open(SAMPLE.replace('expect no_drift', 'expect {\n    changed 1\n  }') + '<|>');
    const runner = new TestRunner(fixture!.store);
    const result = await runner.run(fixture!.analysis, { uri: fixture!.uri });
    expect(result).toMatchObject({ status: 'ok', passed: 0, failed: 1 });
    expect(result.results[0]!.failures).toEqual([expect.stringMatching(/changed/)]);
    expect(result.results[0]!.location?.range.start.line).toBe(lineOf('test "rounding is not drift"'));
    const unknown = await runner.run(fixture!.analysis, { uri: fixture!.uri, test: 'nope' });
    expect(unknown).toMatchObject({ status: 'error', message: 'unknown test "nope"' });
  });
});
