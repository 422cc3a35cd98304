/**
 * `runPlan`'s progress events (`onProgress`, what the command line's bar shows) on the CSV fast
 * path: the plan runner hands its callback to the fast path, which reports each side's records
 * as it scans, ending at the same counts the generic path's reader reports.
 *
 * Why the trace: it is the only outside sign of the path a plan took (tracing is decided when
 * the modules load, so they are loaded here after setting it, by dynamic imports).
 */
import { describe, expect, it } from 'vitest';
import { captureStderr } from '../../helpers/stderr-capture.js';
import type { IrDocument } from '../../../language/ir/ir-types.js';

process.env.RECON_DIFF_TRACE = '1';
const { runPlan } = await import('../../../runtime/plan/plan-runner.js');
const { OBSERVED_AT, policy, source, workspace } = await import('../diff/diff-fixture.js');

const trace = captureStderr();

type Side = 'desired' | 'actual';
interface Event {
  policy: string;
  side: Side;
  records: number;
}

/** `count` rows of ≈ 12 bytes, a few invalid: 400,000 a side pass the fast path's 8 MiB. */
function rows(count: number, shift: number): string {
  const lines = ['id,amount'];
  for (let i = 0; i < count; i++) lines.push(`k${i + shift},${i % 50_000 === 7 ? 'abc' : i % 97}`);
  return lines.join('\n') + '\n';
}

const fields = { id: 'string', amount: 'number' } as const;
const ir: IrDocument = {
  version: 1,
  file: 'test.recon',
  sources: [source('desired', { kind: 'csv', path: 'desired.csv', fields }), source('actual', { kind: 'csv', path: 'actual.csv', fields })],
  groups: [],
  policies: [policy()],
  tests: [],
};

const counts = (events: Event[], side: Side) => events.filter((event) => event.side === side).map((event) => event.records);

describe('progress of runPlan on the CSV fast path', () => {
  it('reports both sides as the fast path scans them, ending at the records the generic path counts', async () => {
    const ws = workspace({ 'desired.csv': rows(400_000, 0), 'actual.csv': rows(399_995, 5) });
    try {
      const fastEvents: Event[] = [];
      const fast = await runPlan(ir, { workspaceRoot: ws.root, observedAt: OBSERVED_AT, env: {}, onProgress: (event) => fastEvents.push(event) });
      expect(trace.lines.filter((line) => line.includes('diff path:'))).toEqual([expect.stringContaining('diff path: fast')]);
      const summary = fast.policies[0]!.summary;
      expect(summary).toMatchObject({ desired: 400_000, actual: 399_995 });
      expect(summary.invalid).toBeGreaterThan(0);
      for (const side of ['desired', 'actual'] as const) {
        const seen = counts(fastEvents, side);
        // interim reports, then the side's records
        expect(seen.length).toBeGreaterThan(1);
        for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
        expect(seen.at(-1)).toBe(summary[side]);
      }
      expect(new Set(fastEvents.map((event) => event.policy))).toEqual(new Set(['parity']));

      // A record cap turns the fast path off: the generic path's reader counts the same records.
      trace.clear();
      const genericEvents: Event[] = [];
      await runPlan(ir, {
        workspaceRoot: ws.root,
        observedAt: OBSERVED_AT,
        env: {},
        maxRecordsPerSource: 10_000_000,
        onProgress: (event) => genericEvents.push(event),
      });
      expect(trace.lines.filter((line) => line.includes('diff path:'))).toEqual([expect.stringContaining('diff path: generic')]);
      for (const side of ['desired', 'actual'] as const) expect(counts(genericEvents, side).at(-1)).toBe(summary[side]);
    } finally {
      ws.cleanup();
    }
  }, 120_000);
});
