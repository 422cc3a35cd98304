/**
 * The chaos-testing hook RECON_FAULT_INJECTION (runtime/apply/fault-injection.ts): read only when
 * set, strict about its syntax, reproducible with a seed, and failing before the real writer acts.
 */
import { describe, expect, it } from 'vitest';
import { describeFaultSpec, faultSpecFromEnv, parseFaultSpec, withFaultInjection } from '../../../runtime/apply/fault-injection.js';
import { WriteError, type WriteAction, type Writer } from '../../../runtime/write/writer.js';

function countingWriter() {
  const performed: string[] = [];
  const writer: Writer = {
    staged: true,
    async open() {
      return {
        perform: async (action: WriteAction) => void performed.push(action.item.id),
        commit: async () => [],
        close: async () => undefined,
      };
    },
  };
  return { writer, performed };
}

const action = (id: string) => ({ item: { id }, effect: { kind: 'ticket', title: id }, idempotencyKey: id }) as unknown as WriteAction;

describe('RECON_FAULT_INJECTION', () => {
  it('is off unless set, and parses write, commit, latency and seed', () => {
    expect(faultSpecFromEnv({})).toBeNull();
    expect(faultSpecFromEnv({ RECON_FAULT_INJECTION: ' ' })).toBeNull();
    expect(parseFaultSpec('write:0.3,commit:0.05,latency:20ms,seed:7')).toEqual({ write: 0.3, commit: 0.05, latencyMs: 20, seed: 7 });
    expect(describeFaultSpec(parseFaultSpec('write:0.3,seed:7'))).toBe('30% of writes fail, seed 7');
    expect(() => parseFaultSpec('write:1.5')).toThrow('not a probability');
    expect(() => parseFaultSpec('wrte:0.3')).toThrow('cannot read "wrte:0.3"');
  });

  it('fails about the given share of performs transiently, before the real writer sees them, the same way for the same seed', async () => {
    const runOnce = async () => {
      const { writer, performed } = countingWriter();
      const session = await withFaultInjection(writer, parseFaultSpec('write:0.3,seed:3')).open();
      const failed: string[] = [];
      for (let i = 0; i < 1000; i++) {
        try {
          await session.perform(action(`i${i}`));
        } catch (error) {
          expect(error).toBeInstanceOf(WriteError);
          expect((error as WriteError).transient).toBe(true);
          failed.push(`i${i}`);
        }
      }
      return { failed, performed };
    };
    const first = await runOnce();
    expect(first.failed.length).toBeGreaterThan(250);
    expect(first.failed.length).toBeLessThan(350);
    expect(first.performed.length + first.failed.length).toBe(1000);
    expect(first.performed.some((id) => first.failed.includes(id))).toBe(false);
    expect((await runOnce()).failed).toEqual(first.failed);
  });
});
