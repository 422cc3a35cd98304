import { describe, expect, it } from 'vitest';
import { compileOk } from '../../helpers/compile-helpers.js';
import { runTests } from '../../../runtime/plan/plan-runner.js';

const POLICY = `
source d { from inline([]) key id }
source a { from json("a.json") key id }
policy p {
  desired d
  actual a
  remediate {
    on extra => ignore because "tolerated for \${key.id} (\${actual.owner})"
    on missing => create because "plain text"
  }
}
test "because is interpolated" {
  policy p
  desired []
  actual [{ id: "x1", owner: "ops" }]
  expect { ignored 1 }
}
`;

describe('because', () => {
  it('compiles a plain text to a string and an interpolation to an expression', () => {
    const ir = compileOk(POLICY);
    const [extra, missing] = ir.policies[0]!.remediate;
    expect(missing!.because).toBe('plain text');
    expect(extra!.because).toEqual({ concat: ['tolerated for ', { var: 'key.id' }, ' (', { var: 'actual.owner' }, ')'] });
  });

  it('is evaluated per item when deciding', async () => {
    const ir = compileOk(POLICY);
    const [result] = await runTests(ir, { observedAt: '2026-11-26T00:00:00Z' });
    expect(result!.passed).toBe(true);
    const item = result!.plan!.items[0]!;
    expect(item.reason.because).toBe('tolerated for x1 (ops)');
  });
});
