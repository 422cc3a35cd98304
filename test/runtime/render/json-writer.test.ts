import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChangePlan } from '../../../runtime/plan/change-plan.js';
import { renderJson, writeJson } from '../../../runtime/render/json-renderer.js';
import { renderFixturePlan } from './render-fixture.js';

function written(plan: ChangePlan, chunkChars?: number): { text: string; chunks: number } {
  const parts: string[] = [];
  writeJson(plan, (text) => parts.push(text), chunkChars);
  return { text: parts.join(''), chunks: parts.length };
}

describe('writeJson (the plan as pretty JSON, in chunks)', () => {
  it('writes exactly the text of renderJson, in several chunks when they are small', () => {
    const plan = renderFixturePlan();
    const small = written(plan, 64);
    expect(small.text).toBe(renderJson(plan));
    expect(small.chunks).toBeGreaterThan(1);
    expect(written(plan).text).toBe(renderJson(plan));
  });

  it('matches JSON.stringify for any JSON-like plan shape (empty lists and objects, odd members)', () => {
    const leaf = fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.constant(Number.NaN), fc.bigInt());
    const item = fc.dictionary(fc.string(), leaf);
    const policy = fc.record({ policy: fc.string(), items: fc.array(item), extra: leaf });
    const planShape = fc.record({ version: fc.constant(1), ir: fc.jsonValue(), policies: fc.array(policy), note: leaf });
    fc.assert(
      fc.property(planShape, fc.integer({ min: 1, max: 200 }), (shape, chunkChars) => {
        const plan = shape as unknown as ChangePlan;
        expect(written(plan, chunkChars).text).toBe(renderJson(plan));
      }),
    );
  });
});
