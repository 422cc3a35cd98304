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

describe('buildEffect: key fields named differently on the two sides (paired by position)', () => {
  const shown = (expr: unknown) => ({ value: expr, warning: null });
  const ACCOUNTS: IrSource = { ...TABLE_SOURCE, key: ['account', 'date'] };

  /** A missing/changed item as the diff makes it: keyed by the desired source's names. */
  const keyed = (kind: 'missing' | 'changed', desired: Record<string, unknown>, actual: Record<string, unknown> | null, keyValues: unknown[]) => {
    const item = kind === 'missing' ? missing(desired) : changed(desired, actual!, ['total']);
    item.key = { acct: keyValues[0], day: keyValues[1] };
    item.keyValues = keyValues;
    return item;
  };

  it('a create renames the desired key fields in place, with the key values as matched', () => {
    // `day` was "1" in the desired record and matched as 1 (the actual side types it)
    const item = keyed('missing', { acct: 'a', day: '1', total: 5 }, null, ['a', 1]);
    const built = buildEffect({ action: 'create', item, source: ACCOUNTS, desiredKey: ['acct', 'day'], title: null, data: {}, evaluateValue: evaluate, evaluateShown: shown });
    expect(built.effect).toEqual({
      kind: 'sql',
      statement: 'INSERT INTO "public"."accounts" ("account", "date", "total") VALUES ($1, $2, $3)',
      params: ['a', 1, 5],
    });
  });

  it('an update and a delete of a changed item find the row by the actual key columns', () => {
    const item = keyed('changed', { acct: 'a', day: 2, total: 5 }, { account: 'a', date: 2, total: 9 }, ['a', 2]);
    const input = { item, source: ACCOUNTS, desiredKey: ['acct', 'day'], title: null, data: {}, evaluateValue: evaluate, evaluateShown: shown };
    expect(buildEffect({ ...input, action: 'update' }).effect).toEqual({
      kind: 'sql',
      statement: 'UPDATE "public"."accounts" SET "total" = $1 WHERE "account" = $2 AND "date" = $3',
      params: [5, 'a', 2],
    });
    expect(buildEffect({ ...input, action: 'delete' }).effect).toEqual({
      kind: 'sql',
      statement: 'DELETE FROM "public"."accounts" WHERE "account" = $1 AND "date" = $2',
      params: ['a', 2],
    });
  });

  it('keys whose names are swapped between the sides pair by position, not by name', () => {
    const SWAPPED: IrSource = { ...TABLE_SOURCE, connector: { kind: 'json', path: 'a.json', args: [], options: [], at: 'p.recon:2:8' }, key: ['day', 'acct'] };
    const item = missing({ acct: 'a', day: 'd1', total: 5 });
    item.key = { acct: 'a', day: 'd1' };
    item.keyValues = ['a', 'd1'];
    const built = buildEffect({ action: 'create', item, source: SWAPPED, desiredKey: ['acct', 'day'], title: null, data: {}, evaluateValue: evaluate, evaluateShown: shown });
    expect(built.effect).toMatchObject({ kind: 'file', key: { day: 'a', acct: 'd1' }, record: { day: 'a', acct: 'd1', total: 5 } });
  });

  it('keys named alike: the effect is what it always was', () => {
    const item = missing({ txn_id: 't1', amount: 5 });
    const built = buildEffect({ action: 'create', item, source: TABLE_SOURCE, desiredKey: ['txn_id'], title: null, data: {}, evaluateValue: evaluate, evaluateShown: shown });
    expect(built.effect).toEqual({ kind: 'sql', statement: 'INSERT INTO "public"."accounts" ("txn_id", "amount") VALUES ($1, $2)', params: ['t1', 5] });
  });
});
