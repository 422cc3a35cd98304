/**
 * `buildEffect` for a postgres source: a record whose field name no SQL identifier can hold
 * (a NUL character, from a JSON file) leaves that item without an effect and with a warning —
 * it must not stop the whole plan.
 */
import { describe, expect, it } from 'vitest';
import type { IrSource } from '../../../language/ir/ir-types.js';
import { buildEffect } from '../../../runtime/decide/effect-builder.js';
import { changed, missing } from './ir-fixture.js';

const TABLE_SOURCE: IrSource = {
  name: 'accounts',
  connector: { kind: 'postgres', args: ['postgres://127.0.0.1/db'], options: [{ name: 'table', value: 'public.accounts', at: 'p.recon:2:40' }], at: 'p.recon:2:8' },
  key: ['txn_id'],
  fields: null,
  select: null,
  where: null,
  write: null,
  writable: true,
  doc: null,
  at: 'p.recon:1:1',
};

const evaluate = () => ({ value: null, warning: null });

describe('buildEffect: postgres', () => {
  it('a create is an INSERT with its parameters', () => {
    const item = missing({ txn_id: 't1', amount: 5 });
    const built = buildEffect({ action: 'create', item, source: TABLE_SOURCE, title: null, data: {}, evaluateValue: evaluate, evaluateShown: (expr) => ({ value: expr, warning: null }) });
    expect(built.effect).toEqual({ kind: 'sql', statement: 'INSERT INTO "public"."accounts" ("txn_id", "amount") VALUES ($1, $2)', params: ['t1', 5] });
  });

  it('a field name with a NUL character: no effect, a warning, no exception', () => {
    const item = missing({ txn_id: 't1', 'a\u0000b': 1 });
    const built = buildEffect({ action: 'create', item, source: TABLE_SOURCE, title: null, data: {}, evaluateValue: evaluate, evaluateShown: (expr) => ({ value: expr, warning: null }) });
    expect(built.effect).toBeNull();
    expect(built.warnings.join(' ')).toMatch(/NUL character.*create cannot be applied/);
  });
});

describe('buildEffect: an update keeps the actual key', () => {
  const JSON_SOURCE: IrSource = { ...TABLE_SOURCE, name: 'users', connector: { kind: 'json', path: 'users.json', args: [], options: [], at: 'p.recon:2:8' }, key: ['id'] };

  it('writes the actual record\'s key value when keys matched across a declared type ("2" against 2)', () => {
    const item = changed({ id: '2', name: 'bob' }, { id: 2, name: 'bobby' }, ['name']);
    const built = buildEffect({ action: 'update', item, source: JSON_SOURCE, title: null, data: {}, evaluateValue: evaluate, evaluateShown: (expr) => ({ value: expr, warning: null }) });
    expect(built.effect).toMatchObject({ kind: 'file', op: 'update', record: { id: 2, name: 'bob' } });
  });

  it('sends the actual key in an update body and its WHERE clause', () => {
    const item = changed({ txn_id: '7', amount: 5 }, { txn_id: 7, amount: 4 }, ['amount']);
    const built = buildEffect({ action: 'update', item, source: TABLE_SOURCE, title: null, data: {}, evaluateValue: evaluate, evaluateShown: (expr) => ({ value: expr, warning: null }) });
    expect(built.effect).toMatchObject({ kind: 'sql', params: [5, 7] });
  });
});
