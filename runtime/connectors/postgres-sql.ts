/**
 * The SQL text of the `postgres` connector: quoting identifiers, the SELECT that reads a table,
 * the INSERT / UPDATE / DELETE statements of effects, and recognising those statements again.
 *
 * Why one module: the decider writes a statement into the plan's `effect` and the writer must
 * execute exactly that statement. Both build and read statements here, so they cannot drift
 * apart; and the writer executes only statements of these three shapes, on its own table, so a
 * hand-edited plan file cannot smuggle other SQL in. Values always travel as parameters
 * (`$1`, `$2`, ...), never inside the text.
 */
import type { IrSource } from '../../language/ir/ir-types.js';
import { parseFieldPath } from '../observe/field-path.js';

/** A statement and its parameters, as a plan's `sql` effect holds them. */
export interface SqlStatement {
  statement: string;
  params: unknown[];
}

/** What an effect writes: the raw record, its raw key and (updates) the changed raw fields. */
export interface SqlBody {
  record: Record<string, unknown>;
  key: Record<string, unknown> | null;
  changes: Record<string, unknown>;
}

/** A PostgreSQL identifier in double quotes (inner quotes doubled): any name is safe. */
export function quoteIdent(name: string): string {
  if (name.includes('\0')) throw new Error(`an SQL identifier cannot contain a NUL character: ${JSON.stringify(name)}`);
  return '"' + name.replace(/"/g, '""') + '"';
}

/** `schema.table` (or `table`) quoted part by part: `"schema"."table"`. */
export function quoteTable(table: string): string {
  return table.split('.').map(quoteIdent).join('.');
}

/**
 * The statement of a create, update or delete on `table` (unquoted text, `schema.table`), or why
 * there is none (no columns to insert, nothing to set, no key to find the row by).
 */
export function buildSqlStatement(
  action: 'create' | 'update' | 'delete',
  table: string,
  body: SqlBody,
): SqlStatement | { error: string } {
  const quoted = quoteTable(table);
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value === undefined ? null : value);
    return `$${params.length}`;
  };
  const keyColumns = Object.keys(body.key ?? {});
  const where = (): string => keyColumns.map((column) => `${quoteIdent(column)} = ${param((body.key ?? {})[column])}`).join(' AND ');
  if (action === 'create') {
    const columns = Object.keys(body.record);
    if (columns.length === 0) return { error: 'the record to insert has no columns' };
    const values = columns.map((column) => param(body.record[column]));
    return { statement: `INSERT INTO ${quoted} (${columns.map(quoteIdent).join(', ')}) VALUES (${values.join(', ')})`, params };
  }
  if (keyColumns.length === 0) return { error: `the row to ${action} has no key columns to find it by` };
  if (action === 'update') {
    const sets = Object.entries(body.changes).map(([column, value]) => `${quoteIdent(column)} = ${param(value)}`);
    if (sets.length === 0) return { error: 'the update changes no column' };
    return { statement: `UPDATE ${quoted} SET ${sets.join(', ')} WHERE ${where()}`, params };
  }
  return { statement: `DELETE FROM ${quoted} WHERE ${where()}`, params };
}

/** A statement of one of the three shapes above, taken apart. */
export type ParsedSqlStatement =
  | { op: 'insert'; table: string; columns: string[] }
  | { op: 'update'; table: string; set: string[]; where: string[] }
  | { op: 'delete'; table: string; where: string[] };

const IDENT = '"(?:[^"]|"")*"';
const TABLE = `${IDENT}(?:\\.${IDENT})*`;
const INSERT = new RegExp(`^INSERT INTO (${TABLE}) \\((${IDENT}(?:, ${IDENT})*)\\) VALUES \\((\\$\\d+(?:, \\$\\d+)*)\\)$`);
const UPDATE = new RegExp(`^UPDATE (${TABLE}) SET (${IDENT} = \\$\\d+(?:, ${IDENT} = \\$\\d+)*) WHERE (${IDENT} = \\$\\d+(?: AND ${IDENT} = \\$\\d+)*)$`);
const DELETE = new RegExp(`^DELETE FROM (${TABLE}) WHERE (${IDENT} = \\$\\d+(?: AND ${IDENT} = \\$\\d+)*)$`);
const ASSIGNMENT = new RegExp(`(${IDENT}) = \\$(\\d+)`, 'g');

function unquote(quoted: string): string {
  return quoted.slice(1, -1).replace(/""/g, '"');
}

/** `column = $n` pairs in order; false unless the parameters count up from `first`. */
function assignments(text: string, first: number): string[] | null {
  const columns: string[] = [];
  let expected = first;
  for (const match of text.matchAll(ASSIGNMENT)) {
    if (Number(match[2]) !== expected) return null;
    expected += 1;
    columns.push(unquote(match[1]));
  }
  return columns;
}

/**
 * Takes apart a statement built by `buildSqlStatement`; null for any other text (the writer
 * refuses it). Parameters must be numbered `$1..$n` in order, exactly as built.
 */
export function parseSqlStatement(statement: string): ParsedSqlStatement | null {
  let match = INSERT.exec(statement);
  if (match) {
    const columns = [...match[2].matchAll(new RegExp(IDENT, 'g'))].map((m) => unquote(m[0]));
    const params = match[3].split(', ');
    if (params.length !== columns.length || params.some((p, i) => p !== `$${i + 1}`)) return null;
    return { op: 'insert', table: match[1], columns };
  }
  match = UPDATE.exec(statement);
  if (match) {
    const set = assignments(match[2], 1);
    const where = set && assignments(match[3], set.length + 1);
    if (!set || !where) return null;
    return { op: 'update', table: match[1], set, where };
  }
  match = DELETE.exec(statement);
  if (match) {
    const where = assignments(match[2], 1);
    return where ? { op: 'delete', table: match[1], where } : null;
  }
  return null;
}

/** How many parameters a parsed statement takes. */
export function parameterCount(parsed: ParsedSqlStatement): number {
  if (parsed.op === 'insert') return parsed.columns.length;
  if (parsed.op === 'update') return parsed.set.length + parsed.where.length;
  return parsed.where.length;
}

/**
 * The table columns that hold the source's key, in key order, or null when a key field is not
 * a plain column (a computed `select`, or a nested path). Used to order a table read and to find
 * a row by key.
 */
export function rawKeyColumns(source: IrSource): string[] | null {
  const columns: string[] = [];
  for (const field of source.key) {
    let raw: string | null = field;
    if (source.select !== null) {
      const line = source.select.find((candidate) => candidate.name === field);
      raw = line?.plainPath ?? null;
    }
    if (raw === null) return null;
    const segments = parseFieldPath(raw);
    if (segments !== null && (segments.length !== 1 || typeof segments[0] !== 'string')) return null;
    columns.push(segments === null ? raw : (segments[0] as string));
  }
  return columns;
}

/** The SELECT that reads a whole table, ordered by the key columns when there are some. */
export function tableSelect(table: string, orderBy: readonly string[]): string {
  const order = orderBy.length > 0 ? ` ORDER BY ${orderBy.map(quoteIdent).join(', ')}` : '';
  return `SELECT * FROM ${quoteTable(table)}${order}`;
}
