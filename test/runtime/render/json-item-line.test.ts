import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonReplacer } from '../../../runtime/render/json-renderer.js';
import { ByteChunk } from '../../../runtime/plan/json-string-bytes.js';
import { writeItemLine } from '../../../runtime/render/json-item-line.js';
import { renderFixturePlan } from './render-fixture.js';

/** What the renderer writes for an item that `writeItemLine` does not take (and for values in one it does). */
function compactJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return JSON.stringify(value, jsonReplacer);
  }
}

/** The line `JSON.stringify` gives the item, as UTF-8. */
function expectedLine(item: unknown): Buffer {
  return Buffer.from(JSON.stringify(item, jsonReplacer), 'utf8');
}

/** Writes the items one after the other as the renderer does (the byte path, else `compactJson`); also counts the items the byte path took. */
function writeLines(items: readonly unknown[], capacity = 16): { bytes: Buffer; taken: number } {
  const chunk = new ByteChunk(new Uint8Array(capacity));
  let taken = 0;
  for (const item of items) {
    const before = chunk.length;
    if (writeItemLine(item, chunk, compactJson)) taken++;
    else {
      // declined: nothing written
      expect(chunk.length).toBe(before);
      chunk.text(compactJson(item));
    }
    chunk.text('\n');
  }
  return { bytes: Buffer.from(chunk.bytes.subarray(0, chunk.length)), taken };
}

function expectedLines(items: readonly unknown[]): Buffer {
  return Buffer.concat(items.map((item) => Buffer.concat([expectedLine(item), Buffer.from('\n')])));
}

/** Values a plan item may carry (JSON and the odd ones connectors give). */
const VALUE = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(-0, 1e21, 1e-7, 77207.85, Number.NaN, Infinity, -Infinity, 2n ** 64n, -5n, new Date(0), new Date(Number.NaN), true, false, null),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('é', '😀', '\ud800', '\u2028', 'a"b', 'c\\d', '\n', '', 'SEK', 'T000000113'),
  fc.constantFrom(undefined, () => 1, Symbol('s')),
);

const PLAIN = fc.oneof(fc.string({ maxLength: 12 }), fc.double(), fc.integer(), fc.constant(null), fc.boolean());

const FIELD = fc.oneof(
  { weight: 6, arbitrary: fc.record({ path: fc.constantFrom('id', 'amount', 'currency', 'a"b', 'é'), desired: VALUE, actual: VALUE }) },
  { weight: 4, arbitrary: fc.record({ path: fc.constantFrom('id', 'amount', 'qty'), desired: PLAIN, actual: PLAIN }).map((field) => Object.freeze(field)) },
  // not the documented form: reordered, extra or missing members, a path that is not a string
  { weight: 1, arbitrary: fc.record({ actual: VALUE, path: fc.string(), desired: VALUE }) },
  { weight: 1, arbitrary: fc.record({ path: fc.string(), desired: VALUE, actual: VALUE, extra: VALUE }) },
  { weight: 1, arbitrary: fc.record({ path: fc.string(), desired: VALUE }) },
  { weight: 1, arbitrary: fc.record({ path: fc.integer(), desired: VALUE, actual: VALUE }) },
  { weight: 1, arbitrary: VALUE },
);

const REASON = fc.oneof(
  { weight: 4, arbitrary: fc.record({ rule: fc.option(fc.nat()), at: fc.option(fc.constantFrom('a.recon:1:1', 'b.recon:2:3')), because: fc.option(fc.string()) }) },
  { weight: 4, arbitrary: fc.record({ rule: fc.option(fc.nat()), at: fc.option(fc.string()), because: fc.option(fc.string()), message: fc.constantFrom('no remediation rule matched: report', 'x"y') }) },
  { weight: 1, arbitrary: fc.record({ rule: fc.option(fc.nat()), at: fc.option(fc.string()), because: fc.option(fc.string()), message: fc.constant(undefined) }) },
  { weight: 1, arbitrary: fc.record({ at: fc.string(), rule: fc.nat(), because: fc.constant(null) }) },
  { weight: 1, arbitrary: fc.record({ rule: VALUE, at: VALUE, because: VALUE }) },
  { weight: 1, arbitrary: VALUE },
);

const KEY = fc.oneof(
  { weight: 4, arbitrary: fc.record({ id: fc.constantFrom('T1', 'T000000113', 'a"b', 'é', '\ud800') }) },
  { weight: 1, arbitrary: fc.record({ code: fc.string({ maxLength: 6 }) }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 4 }), VALUE, { maxKeys: 3 }) },
  { weight: 1, arbitrary: VALUE },
);

class Boxed {
  constructor(readonly value: string) {}
  toJSON(key: string): string {
    return `${key}:${this.value}`;
  }
}

/** Items in the plan builder's form, and variations of it that the byte path must decline or write as JSON.stringify does. */
const ITEM = fc
  .record({
    id: fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('bench/missing/T1', 'p/changed/"x"')),
    kind: fc.constantFrom('missing', 'extra', 'changed', 'invalid'),
    key: KEY,
    side: fc.constantFrom(null, 'desired', 'actual', 'a"b'),
    fields: fc.array(FIELD, { maxLength: 5 }),
    action: fc.constantFrom('create', 'update', 'delete', 'ticket', 'ignore', 'report'),
    gate: fc.constantFrom('auto', 'approval', 'blocked', 'none'),
    approvers: fc.option(fc.constantFrom('ops', 'a"b')),
    reason: REASON,
    precondition: fc.option(fc.constantFrom('sha256:bb85f420aac13ae6eace6cab6e9f137fb98dbf170855499d9160457427eff870', 'x"')),
    effect: fc.oneof(fc.constant(null), fc.record({ kind: fc.constant('http'), method: fc.string(), url: fc.string(), body: VALUE })),
    flapping: fc.option(fc.boolean(), { nil: undefined }),
    warnings: fc.option(fc.array(fc.string(), { maxLength: 2 }), { nil: undefined }),
    variation: fc.nat(11),
    extraValue: VALUE,
  })
  .map(({ flapping, warnings, variation, extraValue, ...documented }) => {
    const item: Record<string, unknown> = { ...documented };
    if (flapping !== undefined) item.flapping = flapping;
    if (warnings !== undefined) item.warnings = warnings;
    switch (variation) {
      case 1:
        item.extra = extraValue; // a member the plan builder never writes
        break;
      case 2:
        delete item.gate; // a member missing
        break;
      case 3:
        item.approvers = undefined; // present but undefined: JSON leaves it out
        break;
      case 4: {
        const { id, ...rest } = item; // another member order
        return { ...rest, id };
      }
      case 5:
        item.effect = () => 1; // not JSON at all: left out
        break;
      case 6:
        item.effect = new Boxed('e'); // a toJSON that sees the member's name
        break;
      case 7:
        item.precondition = new Boxed('p');
        break;
      case 8:
        // a toJSON on the item's prototype
        return Object.assign(Object.create({ toJSON: () => 'proto' }) as object, item);
      case 9:
        item.kind = 7; // a kind that is not a string
        break;
      default:
        break;
    }
    return item;
  });

describe('writeItemLine (an item line as UTF-8, the bytes of JSON.stringify(item))', () => {
  it('writes the decided items of a plan as JSON.stringify does, taking the byte path for each', () => {
    const items = renderFixturePlan().policies.flatMap((policy) => policy.items);
    const { bytes, taken } = writeLines(items);
    expect(bytes).toEqual(expectedLines(items));
    expect(taken).toBe(items.length);
  });

  it('writes exactly JSON.stringify(item) for any item, or declines it having written nothing', () => {
    fc.assert(
      fc.property(fc.array(ITEM, { maxLength: 8 }), fc.nat(64), (items, capacity) => {
        expect(writeLines(items, capacity + 1).bytes).toEqual(expectedLines(items));
      }),
      { numRuns: 400 },
    );
  });

  it('takes the byte path for items in the documented form with plain values, whatever they hold', () => {
    const plainItem = fc.record({
      id: fc.string({ unit: 'grapheme', maxLength: 12 }),
      kind: fc.constantFrom('missing', 'extra', 'changed'),
      key: fc.record({ id: fc.string({ maxLength: 8 }) }),
      side: fc.constantFrom(null, 'desired'),
      fields: fc.array(fc.record({ path: fc.constantFrom('id', 'amount', 'qty', 'memo'), desired: PLAIN, actual: PLAIN }), { maxLength: 10 }),
      action: fc.constantFrom('report', 'update'),
      gate: fc.constantFrom('none', 'auto'),
      approvers: fc.constant(null),
      reason: fc.record({ rule: fc.option(fc.nat(3)), at: fc.constant(null), because: fc.constant(null), message: fc.constant('no remediation rule matched: report') }),
      precondition: fc.option(fc.constant('sha256:bb85f420aac13ae6eace6cab6e9f137fb98dbf170855499d9160457427eff870')),
      effect: fc.constant(null),
    });
    fc.assert(
      fc.property(fc.array(plainItem, { maxLength: 6 }), (items) => {
        const { bytes, taken } = writeLines(items);
        expect(bytes).toEqual(expectedLines(items));
        expect(taken).toBe(items.length);
      }),
      { numRuns: 200 },
    );
  });

  it('reuses the texts that repeat from item to item only while they are the same (kind, key name, side, fields, reason)', () => {
    const base = renderFixturePlan().policies[0]!.items[0]!;
    const items = [
      { ...base, id: 'a', kind: 'missing' as const, key: { id: 'k1' }, side: null, fields: [{ path: 'id', desired: 'k1', actual: null }] },
      { ...base, id: 'b', kind: 'missing' as const, key: { code: 'k2' }, side: null, fields: [{ path: 'amount', desired: 1.5, actual: null }] },
      { ...base, id: 'c', kind: 'extra' as const, key: { code: 'k3' }, side: 'actual' as const, fields: [{ path: 'amount', desired: null, actual: 2 }, { path: 'id', desired: null, actual: 'k3' }] },
      { ...base, id: 'd', kind: 'extra' as const, key: { code: 'k4' }, side: 'desired' as const, fields: [{ path: 'id', desired: 'x', actual: 'y' }, { path: 'amount', desired: null, actual: 2 }] },
      { ...base, id: 'e', kind: 'changed' as const, key: null, side: null, fields: [], reason: { rule: 1, at: 'a.recon:1:1', because: 'x' } },
      { ...base, id: 'f', kind: 'changed' as const, key: null, side: null, fields: [], reason: { rule: 1, at: 'a.recon:1:1', because: 'x', message: 'm' } },
      { ...base, id: 'g', kind: 'changed' as const, key: { id: 'k' }, side: null, fields: [], action: 'update' as const, gate: 'auto' as const, approvers: 'ops' },
    ];
    const { bytes, taken } = writeLines(items);
    expect(bytes).toEqual(expectedLines(items));
    expect(taken).toBe(items.length);
  });

  it('grows its chunk for a line longer than the room left', () => {
    const base = renderFixturePlan().policies[0]!.items[0]!;
    const long = 'x'.repeat(100_000);
    const items = [{ ...base, id: long, fields: [{ path: 'memo', desired: long + 'é', actual: null }] }];
    const { bytes, taken } = writeLines(items, 8);
    expect(bytes).toEqual(expectedLines(items));
    expect(taken).toBe(1);
  });
});
