import { afterEach, describe, expect, it } from 'vitest';
import { DriftPreviewer, type PreviewOptions } from '../../../extension/server/features/drift-preview.js';
import { PreviewWorkerPool } from '../../../extension/server/preview-worker-pool.js';
import { openFixture, type OpenedFixture } from '../../helpers/lsp-helpers.js';
import { SAMPLE, SAMPLE_DATA } from './fixtures.js';

let fixture: OpenedFixture | undefined;
let pool: PreviewWorkerPool | undefined;
afterEach(() => {
  pool?.dispose();
  fixture?.ws.remove();
});

const OPTIONS: PreviewOptions = { trusted: false, timeBudgetMs: 20_000, recordCap: 100_000, observedAt: '2026-01-15T12:00:00Z' };

function previewer(options: ConstructorParameters<typeof PreviewWorkerPool>[0] = {}): DriftPreviewer {
  fixture = openFixture(SAMPLE + '<|>', SAMPLE_DATA);
  pool = new PreviewWorkerPool(options);
  return new DriftPreviewer(fixture.store, pool);
}

async function waitFor(probe: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!probe()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('preview worker pool', () => {
  it('reuses a warm worker for the next preview', async () => {
    const p = previewer();
    const run = () => p.preview(fixture!.analysis, { uri: fixture!.uri, policy: 'settlement_parity' }, OPTIONS);
    const first = await run();
    expect(first.status).toBe('ok');
    expect(pool!.size).toBe(1);
    const second = await run();
    expect(second.status).toBe('ok');
    expect(second.policies[0]!.items.map((i) => i.id)).toEqual(first.policies[0]!.items.map((i) => i.id));
    expect(pool!.started).toBe(1);
  });

  it('terminates the worker of a cancelled preview and starts a fresh one next time', async () => {
    const p = previewer();
    const controller = new AbortController();
    const pending = p.preview(fixture!.analysis, { uri: fixture!.uri, policy: 'settlement_parity' }, { ...OPTIONS, signal: controller.signal });
    controller.abort();
    expect((await pending).status).toBe('cancelled');
    expect(pool!.size).toBe(0);
    const next = await p.preview(fixture!.analysis, { uri: fixture!.uri, policy: 'settlement_parity' }, OPTIONS);
    expect(next.status).toBe('ok');
    expect(pool!.started).toBe(2);
  });

  it('runs two previews at once in two workers, and keeps only one idle', async () => {
    const p = previewer();
    const [a, b] = await Promise.all([
      p.preview(fixture!.analysis, { uri: fixture!.uri, policy: 'settlement_parity' }, OPTIONS),
      p.preview(fixture!.analysis, { uri: fixture!.uri }, OPTIONS),
    ]);
    expect([a.status, b.status]).toEqual(['ok', 'ok']);
    expect(pool!.started).toBe(2);
    expect(pool!.size).toBe(1);
  });

  it('stops an idle worker after the idle time', async () => {
    const p = previewer({ idleMs: 50 });
    expect((await p.preview(fixture!.analysis, { uri: fixture!.uri, policy: 'settlement_parity' }, OPTIONS)).status).toBe('ok');
    await waitFor(() => pool!.size === 0);
    expect(pool!.size).toBe(0);
  });
});

describe('preview worker pool: prewarming', () => {
  it('starts one idle worker ahead, which the first preview then uses', async () => {
    const p = previewer();
    p.prewarm();
    p.prewarm();
    expect(pool!.started).toBe(1);
    expect(pool!.size).toBe(1);
    expect((await p.preview(fixture!.analysis, { uri: fixture!.uri, policy: 'settlement_parity' }, OPTIONS)).status).toBe('ok');
    expect(pool!.started).toBe(1);
  });
});
