import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildSqlStatement,
  parameterCount,
  parseSqlStatement,
  quoteIdent,
  quoteTable,
  rawKeyColumns,
  tableSelect,
} from '../../../runtime/connectors/postgres-sql.js';
import { makeSource } from './source-fixture.js';

const name = fc.string({ minLength: 1, maxLength: 12 }).filter((text) => !text.includes('\0') && !text.includes('.'));

describe('postgres SQL text', () => {
  it('quotes identifiers, doubling inner quotes', () => {
    expect(quoteIdent('a b')).toBe('"a b"');
    expect(quoteIdent('x"; DROP TABLE t; --')).toBe('"x""; DROP TABLE t; --"');
    expect(quoteTable('shop.Order Lines')).toBe('"shop"."Order Lines"');
    expect(() => quoteIdent('a\0b')).toThrow(/NUL/);
  });

  it('builds INSERT, UPDATE and DELETE by key with numbered parameters, values never in the text', () => {
    const body = { record: { id: "o'1", qty: 2 }, key: { id: "o'1" }, changes: { qty: 2 } };
    expect(buildSqlStatement('create', 'app.orders', body)).toEqual({ statement: 'INSERT INTO "app"."orders" ("id", "qty") VALUES ($1, $2)', params: ["o'1", 2] });
    expect(buildSqlStatement('update', 'app.orders', body)).toEqual({ statement: 'UPDATE "app"."orders" SET "qty" = $1 WHERE "id" = $2', params: [2, "o'1"] });
    expect(buildSqlStatement('delete', 'app.orders', body)).toEqual({ statement: 'DELETE FROM "app"."orders" WHERE "id" = $1', params: ["o'1"] });
  });

  it('refuses statements that would be wrong or dangerous: no columns, nothing to set, no key', () => {
    expect(buildSqlStatement('create', 't', { record: {}, key: null, changes: {} })).toEqual({ error: 'the record to insert has no columns' });
    expect(buildSqlStatement('update', 't', { record: { id: 1 }, key: { id: 1 }, changes: {} })).toEqual({ error: 'the update changes no column' });
    expect(buildSqlStatement('delete', 't', { record: {}, key: {}, changes: {} })).toEqual({ error: 'the row to delete has no key columns to find it by' });
  });

  it('parses back exactly what it builds, for any identifiers', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('create' as const, 'update' as const, 'delete' as const),
        fc.array(name, { minLength: 1, maxLength: 2 }),
        fc.uniqueArray(name, { minLength: 1, maxLength: 4 }),
        fc.uniqueArray(name, { minLength: 1, maxLength: 2 }),
        (action, tableParts, columns, keys) => {
          const table = tableParts.join('.');
          const record = Object.fromEntries(columns.map((column, i) => [column, i]));
          const key = Object.fromEntries(keys.map((column) => [column, 'k']));
          const built = buildSqlStatement(action, table, { record, key, changes: record });
          if ('error' in built) throw new Error(built.error);
          const parsed = parseSqlStatement(built.statement);
          expect(parsed).not.toBeNull();
          expect(parsed!.table).toBe(quoteTable(table));
          expect(parameterCount(parsed!)).toBe(built.params.length);
          // Objects list integer-like names first: compare with the objects' own order.
          if (parsed!.op === 'insert') expect(parsed!.columns).toEqual(Object.keys(record));
          if (parsed!.op === 'update') expect([parsed!.set, parsed!.where]).toEqual([Object.keys(record), Object.keys(key)]);
          if (parsed!.op === 'delete') expect(parsed!.where).toEqual(Object.keys(key));
        },
      ),
    );
  });

  it('recognises nothing else', () => {
    for (const text of [
      'DROP TABLE "t"',
      'DELETE FROM "t"',
      'DELETE FROM "t" WHERE "id" = $1; DROP TABLE "t"',
      'DELETE FROM "t" WHERE "id" = $2',
      'UPDATE "t" SET "a" = $2 WHERE "id" = $1',
      'INSERT INTO "t" ("a", "b") VALUES ($1, $1)',
      'INSERT INTO "t" ("a") VALUES ($1) RETURNING *',
      'DELETE FROM "t" WHERE "id" = $1 OR 1 = 1',
      'DELETE FROM t WHERE "id" = $1',
    ]) {
      expect(parseSqlStatement(text), text).toBeNull();
    }
  });

  it('finds the key columns through plain-path selects, and orders table reads by them', () => {
    expect(rawKeyColumns(makeSource('postgres', ['u'], { key: ['account', 'day'] }))).toEqual(['account', 'day']);
    const selected = makeSource('postgres', ['u'], {
      key: ['id'],
      select: [{ name: 'id', expr: { var: 'order_id' }, reads: ['order_id'], plainPath: 'order_id', at: 'x:1:1' }],
    });
    expect(rawKeyColumns(selected)).toEqual(['order_id']);
    const computed = makeSource('postgres', ['u'], {
      key: ['id'],
      select: [{ name: 'id', expr: { upper: [{ var: 'code' }] }, reads: ['code'], plainPath: null, at: 'x:1:1' }],
    });
    expect(rawKeyColumns(computed)).toBeNull();
    expect(tableSelect('shop.orders', ['order_id'])).toBe('SELECT * FROM "shop"."orders" ORDER BY "order_id"');
    expect(tableSelect('orders', [])).toBe('SELECT * FROM "orders"');
  });
});
