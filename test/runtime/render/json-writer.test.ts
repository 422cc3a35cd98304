import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChangePlan } from '../../../runtime/plan/change-plan.js';
import { jsonReplacer, renderJson, writeJson } from '../../../runtime/render/json-renderer.js';
import { renderFixturePlan } from './render-fixture.js';

function written(plan: ChangePlan, chunkChars?: number): { text: string; chunks: string[] } {
  const chunks: string[] = [];
  writeJson(plan, (text) => chunks.push(text), chunkChars);
  return { text: chunks.join(''), chunks };
}

/**
 * The layout spelled out the slow way: `JSON.stringify(plan, jsonReplacer, 2)`, except that each
 * element of a policy's `items` is `JSON.stringify(item, jsonReplacer)` on one line.
 */
function expectedLayout(plan: unknown): string {
  const marker = (i: number): string => `\u0000item${i}\u0000`;
  const lines: string[] = [];
  const shape = JSON.parse(JSON.stringify(plan, jsonReplacer)) as Record<string, unknown>;
  const source = plan as { policies?: unknown };
  if (Array.isArray(shape.policies) && Array.isArray(source.policies)) {
    shape.policies.forEach((policy, p) => {
      const original = (source.policies as unknown[])[p] as { items?: unknown } | null;
      if (policy !== null && typeof policy === 'object' && !Array.isArray(policy) && Array.isArray((policy as { items?: unknown }).items)) {
        (policy as { items: unknown[] }).items = ((original as { items: unknown[] }).items).map((item) => {
          lines.push(JSON.stringify(item, jsonReplacer) ?? 'null');
          return marker(lines.length - 1);
        });
      }
    });
  }
  let text = JSON.stringify(shape, null, 2) + '\n';
  lines.forEach((line, i) => {
    text = text.replace(JSON.stringify(marker(i)), () => line);
  });
  return text;
}

describe('writeJson (the plan as JSON: indented head, one compact line per item, in chunks)', () => {
  it('writes the head indented and each item as one compact line, items separated by ",\\n"', () => {
    const plan = renderFixturePlan();
    const text = renderJson(plan);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.startsWith('{\n  "version": 1,\n  "plan_hash": ')).toBe(true);
    // plain JSON for every reader, the same plan
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(plan)));
    const items = plan.policies.flatMap((policy) => policy.items);
    const lines = text.split('\n');
    for (const item of items) {
      const line = JSON.stringify(item);
      // the item's line: indented to its depth, compact, followed by ',' unless it is its list's last
      expect(lines.filter((l) => l.trimStart() === line || l.trimStart() === line + ',')).toHaveLength(1);
    }
    expect(lines.filter((l) => l.trimStart().startsWith('{"id":'))).toHaveLength(items.length);
    expect(text).toContain('      "items": [\n        {"id":');
    expect(text).toBe(expectedLayout(plan));
    // key order as built (spec order), documented members only
    const firstItemLine = lines.find((l) => l.trimStart().startsWith('{"id":'))!;
    expect(Object.keys(JSON.parse(firstItemLine.trim().replace(/,$/, '')))).toEqual(Object.keys(items[0]!));
  });

  it('a plan of many items takes about half the bytes of indenting every member', () => {
    const plan = renderFixturePlan();
    const items = plan.policies[0]!.items;
    plan.policies[0]!.items = Array.from({ length: 300 }, (_, i) => ({ ...items[i % items.length]!, id: `p/changed/k${i}` }));
    expect(renderJson(plan).length).toBeLessThan(JSON.stringify(plan, null, 2).length * 0.6);
  });

  it('writes exactly the text of renderJson, in several chunks when they are small', () => {
    const plan = renderFixturePlan();
    const small = written(plan, 64);
    expect(small.text).toBe(renderJson(plan));
    expect(small.chunks.length).toBeGreaterThan(1);
    expect(written(plan).text).toBe(renderJson(plan));
  });

  it('by default hands on chunks of about 64 Ki characters, so no chunk is a large object', () => {
    const plan = renderFixturePlan();
    const items = plan.policies[0]!.items;
    plan.policies[0]!.items = Array.from({ length: 3000 }, (_, i) => ({ ...items[i % items.length]!, id: `p/changed/k${i}` }));
    const { text, chunks } = written(plan);
    expect(text).toBe(renderJson(plan));
    expect(text.length).toBeGreaterThan(4 * 65536);
    const longestLine = Math.max(...text.split('\n').map((line) => line.length));
    // a chunk ends at the first piece that takes it to 64 Ki characters: at most one item line more
    for (const chunk of chunks) expect(chunk.length).toBeLessThan(65536 + longestLine + 64);
    expect(chunks.length).toBeGreaterThanOrEqual(Math.floor(text.length / (65536 + longestLine + 64)));
  });

  it('matches the layout for any JSON-like plan shape (empty lists and objects, odd members and values)', () => {
    const leaf = fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.constant(Number.NaN), fc.bigInt(), fc.date({ noInvalidDate: false }));
    const item = fc.oneof({ weight: 5, arbitrary: fc.dictionary(fc.string(), leaf) }, { weight: 1, arbitrary: leaf });
    const policy = fc.oneof(
      { weight: 5, arbitrary: fc.record({ policy: fc.string(), items: fc.array(item), extra: leaf }) },
      { weight: 1, arbitrary: fc.record({ policy: fc.string(), items: leaf }) },
    );
    const planShape = fc.record({ version: fc.constant(1), ir: fc.jsonValue(), policies: fc.array(policy), note: leaf });
    fc.assert(
      fc.property(planShape, fc.integer({ min: 1, max: 200 }), (shape, chunkChars) => {
        const plan = shape as unknown as ChangePlan;
        const text = written(plan, chunkChars).text;
        expect(text).toBe(renderJson(plan));
        expect(text).toBe(expectedLayout(plan));
      }),
    );
  });
});
