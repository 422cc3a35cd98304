/**
 * The shape of a source's records as the rest of the file sees them: which fields exist (and
 * their types), which fields form the key, which connector reads it.
 *
 * Why: compare rules, conditions, `where`, `map`, `key` and test records are all checked against
 * the same answer to "does this source have that field?" (LANGUAGE.md 2.1 and 2.3): a source is
 * *typed* when it declares `fields` or builds its records with `select`; for an untyped source any
 * field goes.
 */
import type * as A from '../ast.js';
import { stringText } from '../ast-builder.js';
import type { ValueType } from './builtin-functions.js';
import { FIELD_TYPES, isOneOf } from './vocabulary.js';

/** The fields of a record: known (typed source) or anything (untyped, `fields` null). */
export interface RecordShape {
  /** The source the record comes from (quoted in messages), or a description. */
  source: string;
  /** Field name to type (`unknown` for a `select` field without a declared type); null when untyped. */
  fields: Map<string, ValueType> | null;
}

export interface SourceShape {
  decl: A.SourceDecl;
  /** The qualified name (`ledger`, `money.rates`). */
  name: string;
  /** The connector's name as written, or null when `from` is absent. */
  connector: string | null;
  /** The record after `select` and `fields`. */
  record: RecordShape;
  /** The key paths as text, or null without a `key` statement. */
  key: string[] | null;
  /** The `key` root of conditions: the key fields. */
  keyRecord: RecordShape;
}

/** An untyped record (anything goes). */
export function untypedRecord(source: string): RecordShape {
  return { source, fields: null };
}

/** The text of a name that may be quoted: `amount`, `"cost-center"`. */
export function fieldNameText(name: A.Name | A.StringLiteral): string {
  return name.kind === 'Name' ? name.text : stringText(name);
}

/** A path as the IR writes it: `metadata.labels.app`, `tags["cost-center"]`, `items[0].sku`. */
export function pathText(path: A.Path): string {
  let text = '';
  for (const segment of path.segments) {
    if (segment.kind === 'field') {
      const plain = /^[A-Za-z_][A-Za-z0-9_]*$/.test(segment.name);
      if (text === '') text = segment.name;
      else text += plain ? `.${segment.name}` : `[${JSON.stringify(segment.name)}]`;
    } else {
      text += `[${typeof segment.value === 'number' ? segment.value : JSON.stringify(segment.value)}]`;
    }
  }
  return text;
}

/** The declared type of a `fields` entry (`unknown` for a misspelt type, reported elsewhere). */
export function declaredType(type: A.Name): ValueType {
  return isOneOf(FIELD_TYPES, type.text) ? type.text : 'unknown';
}

/** Computes a source's shape from its statements (the first of each kind counts). */
export function sourceShape(decl: A.SourceDecl, qualifiedName: string = decl.name.text): SourceShape {
  const from = decl.statements.find((s): s is A.FromStmt => s.kind === 'From');
  const fieldsStmt = decl.statements.find((s): s is A.FieldsStmt => s.kind === 'Fields');
  const select = decl.statements.find((s): s is A.SelectStmt => s.kind === 'Select');
  const keyStmt = decl.statements.find((s): s is A.KeyStmt => s.kind === 'Key');
  let fields: Map<string, ValueType> | null = null;
  if (fieldsStmt || select) {
    fields = new Map();
    for (const f of fieldsStmt?.fields ?? []) {
      if (f.name.missing) continue;
      const name = fieldNameText(f.name);
      if (!fields.has(name)) fields.set(name, f.type.missing ? 'unknown' : declaredType(f.type));
    }
    for (const line of select?.lines ?? []) {
      if (line.name.missing) continue;
      const name = fieldNameText(line.name);
      if (!fields.has(name)) fields.set(name, 'unknown');
    }
  }
  const callee = from?.call.callee;
  const connector = callee && callee.kind === 'NameRef' && !callee.missing ? callee.name.text : null;
  const key = keyStmt ? keyStmt.paths.filter((p) => !p.missing).map(pathText) : null;
  let keyFields: Map<string, ValueType> | null = null;
  if (key) {
    keyFields = new Map();
    for (const k of key) keyFields.set(k, fields?.get(k) ?? 'unknown');
  }
  return { decl, name: qualifiedName, connector, record: { source: qualifiedName, fields }, key, keyRecord: { source: qualifiedName, fields: keyFields } };
}

/** Where a path fails on a record: null when the record has it, else the failing field's text. */
export function missingPathOn(record: RecordShape, path: A.Path): { name: string; start: number; end: number; candidates: string[] } | null {
  if (record.fields === null || path.missing || path.segments.length === 0) return null;
  const head = path.segments[0]!;
  if (head.kind !== 'field') return null;
  const type = record.fields.get(head.name);
  const candidates = [...record.fields.keys()];
  if (type === undefined) return { name: head.name, start: head.start, end: head.end, candidates };
  if (path.segments.length > 1 && !canHaveSubfields(type)) {
    return { name: pathText(path), start: path.start, end: path.end, candidates: [] };
  }
  return null;
}

/** Whether a value of this type may have paths below it (`json` and unknown types). */
export function canHaveSubfields(type: ValueType): boolean {
  return type === 'json' || type === 'unknown' || type === 'object' || type === 'list';
}
