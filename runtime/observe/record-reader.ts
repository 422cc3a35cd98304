/**
 * Reads one side of a policy: "How a record is read" (LANGUAGE.md 2.1), in this order:
 *
 * 1. the raw record, from the source's connector (a row that cannot be read at all becomes an
 *    invalid record);
 * 2. `select` (if any): each line evaluated over the raw record (bare names are raw fields, the
 *    `record` root — `{"var": ""}` — is the raw record); a line that fails makes the record
 *    invalid — the other lines are still evaluated, so that the invalid record keeps its key
 *    when the key's lines succeed (the diff then withholds that key: a failing line in one
 *    desired row must not make the real actual record `extra`, and deletable); a line whose
 *    value is null sets the field to null;
 * 3. `fields` coercion (if any): each declared field coerced to its type (see
 *    `field-coercion.ts`); an absent declared field becomes null; a present value that cannot be
 *    coerced makes the record invalid, the reason naming the field and the value; undeclared
 *    fields are kept as they are;
 * 4. `where` (if any) over the presented record: a record for which it is false is out of scope
 *    and skipped entirely (only counted); a run-time type error makes it false, with a warning;
 * 5. the key check: a key field that is absent, null or "" (or not a scalar) makes the record
 *    invalid; then, when the policy's other source declares a key field's type that this one
 *    does not (`key-typing.ts`), the key value is coerced to it for matching (the record keeps
 *    its value), and a value that cannot be coerced makes the record invalid.
 *
 * What this module does not do: duplicate keys. They can only be seen across the whole side,
 * so the diff engine detects them (every record of a shared key becomes invalid, and the key
 * takes no part in the comparison).
 *
 * Records are not copied when nothing changes them (no `select`, no `fields`): `record` and `raw`
 * are then the same object. Consumers must treat both as read-only.
 */
import type { IrFieldType, IrSource } from '../../language/ir/ir-types.js';
import { ConnectorError, type RawRecord, type RawRecordOrigin } from '../connectors/connector.js';
import { createConnector, createConnectorContext } from '../connectors/connector-registry.js';
import { MAX_RECORD_NESTING, nestsDeeperThan } from '../connectors/record-nesting.js';
import {
  evaluate,
  evaluateCondition,
  EvaluationError,
  type EvaluationContext,
} from '../expressions/expression-evaluator.js';
import { isPlainObject, setOwn } from '../expressions/own-properties.js';
import { describeValue } from '../expressions/value-semantics.js';
import { canonicalInstant, coerceValue } from './field-coercion.js';
import { ownText } from './flat-text.js';
import { parseFieldPath, readPath } from './field-path.js';
import { keyText } from './key-text.js';
import { coerceKeyValue, declaredKeyType, type KeyCoercion } from './key-typing.js';
import type { InvalidRecord, ObservedRecord } from './observed-record.js';

/** Which side of a policy a source is read for. */
export type Side = 'desired' | 'actual';

/** What one batch of a side yields after the read pipeline. */
export interface ObservedBatch {
  /** Records in scope with a usable key, in source order. */
  records: ObservedRecord[];
  /** Records that broke the source's rules (unreadable, select failed, coercion, key). */
  invalid: InvalidRecord[];
  /**
   * Warnings raised while reading, prefixed with the `.recon` location: per location, the first
   * record's (a `where` that failed to evaluate on it, say), and after the last record one line
   * counting the other records that warned there (`RecordPipeline.finishWarnings`).
   */
  warnings: string[];
  /** How many records `where` put out of scope in this batch. */
  outOfScope: number;
}

/** What reading a source needs: the run's evaluation values and where the workspace is. */
export interface ObserveContext extends EvaluationContext {
  /** Absolute path of the workspace root; file paths in the IR are relative to it. */
  workspaceRoot: string;
  /** False in an untrusted workspace (editor preview): http/exec/postgres refuse. */
  trusted: boolean;
  /** Cancels the read (editor previews, time budgets): a `ConnectorError` is thrown. */
  signal?: AbortSignal;
}

/**
 * The read pipeline of one source for one side, shared by `observeSource` (raw records from the
 * connector) and `observeRecords` (records as presented, from a `test`). Reports a location's
 * first warning and counts the rest (`finishWarnings`).
 */
export class RecordPipeline {
  /** Per `.recon` location that warned: how many records warned there after the first. */
  private readonly repeated = new Map<string, number>();
  /** While reading a guessed row (`salvagedKey`): its warnings are not reported. */
  private muted = false;
  private readonly declared: ReadonlySet<string>;

  /**
   * `keyCoercion`: how the policy matches this side's key values (`policyKeyCoercion`), null
   * when they are matched as read. Every reader of a side for a policy — the diff, apply's
   * re-read, the file writers' key index — must pass the same, so that keys agree.
   */
  constructor(
    readonly source: IrSource,
    readonly side: Side,
    private readonly ctx: EvaluationContext,
    readonly keyCoercion: KeyCoercion | null = null,
  ) {
    this.declared = new Set((source.fields ?? []).map((f) => f.name));
  }

  /** A new, empty batch to collect results in. */
  static emptyBatch(): ObservedBatch {
    return { records: [], invalid: [], warnings: [], outOfScope: 0 };
  }

  /**
   * Runs a raw record through select, fields, where and the key check into `out`. A record
   * nesting deeper than `MAX_RECORD_NESTING` is invalid at once: every later step walks values
   * recursively (see `record-nesting.ts`); it is reported without its content, with the key it has.
   */
  fromRaw(raw: RawRecord, origin: RawRecordOrigin, out: ObservedBatch): void {
    if (nestsDeeperThan(raw)) {
      // The key it has, unless a key field is itself a list or object (it could be the deep part).
      const keySource = nestsDeeperThan(this.partialKey(raw), 1) ? null : raw;
      out.invalid.push(this.invalid(origin, null, keySource, `the record nests lists and objects more than ${MAX_RECORD_NESTING} levels deep`));
      return;
    }
    const select = this.source.select;
    if (select === null) {
      this.fromPresented(raw, raw, origin, out);
      return;
    }
    const presented: Record<string, unknown> = {};
    let failures: string[] | null = null;
    for (const line of select) {
      let value: unknown;
      try {
        value = evaluate(line.expr, raw, this.ctx);
      } catch (error) {
        if (!(error instanceof EvaluationError)) throw error;
        // The other lines still run: the key's lines may succeed, and the invalid record then
        // keeps its key (see the module comment, step 2).
        (failures ??= []).push(`select ${line.name}: ${error.message}`);
        continue;
      }
      setOwn(presented, line.name, value);
    }
    if (failures !== null) {
      out.invalid.push(this.invalid(origin, raw, this.typedKeyFields(presented), failures.join('; ')));
      return;
    }
    this.fromPresented(presented, raw, origin, out);
  }

  /**
   * A partly presented record (some `select` lines failed) with its declared key fields typed as
   * `fields` would type them, for the invalid record's key: a declared key field whose value
   * cannot be coerced is left out (a bad value is no key).
   */
  private typedKeyFields(presented: Record<string, unknown>): Record<string, unknown> {
    const fields = this.source.fields;
    if (fields === null) return presented;
    const typed: Record<string, unknown> = { ...presented };
    for (const path of this.source.key) {
      if (!Object.prototype.hasOwnProperty.call(typed, path)) continue;
      const type = declaredKeyType(this.source, path);
      if (type === null) continue;
      const result = coerceValue(typed[path], type);
      if (result.ok) setOwn(typed, path, result.value);
      else delete typed[path];
    }
    return typed;
  }

  /**
   * Runs a record that is already as the source presents it (after `select`) through fields,
   * where and the key check into `out`; `raw` is what to keep as the raw record.
   */
  fromPresented(presented: Record<string, unknown>, raw: RawRecord, origin: RawRecordOrigin, out: ObservedBatch): void {
    let record = presented;
    const fields = this.source.fields;
    if (fields !== null) {
      // Declared fields first, in declared order, then the others as they came.
      record = {};
      const problems: string[] = [];
      for (const field of fields) {
        const present = Object.prototype.hasOwnProperty.call(presented, field.name);
        const value = present ? presented[field.name] : null;
        const result = coerceValue(value, field.type);
        if (result.ok) setOwn(record, field.name, result.value);
        else {
          setOwn(record, field.name, value);
          problems.push(`${field.name}: ${result.reason}`);
        }
      }
      for (const name of Object.keys(presented)) {
        if (!this.declared.has(name)) setOwn(record, name, presented[name]);
      }
      if (problems.length > 0) {
        out.invalid.push(this.invalid(origin, record, record, problems.join('; ')));
        return;
      }
    }
    const where = this.source.where;
    if (where !== null) {
      const result = evaluateCondition(where.expr, record, this.ctx);
      if (result.warning !== null) this.warn(where.at, `${where.at}: where: ${result.warning}`, out);
      if (!result.value) {
        out.outOfScope++;
        return;
      }
    }
    const key: unknown[] = [];
    for (const path of this.source.key) {
      const value = readPath(record, path);
      let problem: string | null = null;
      if (value === undefined || value === null) problem = `key field ${path} is absent`;
      else if (value === '') problem = `key field ${path} is empty`;
      else if (typeof value === 'object') problem = `key field ${path} is ${describeValue(value)}, not a single value`;
      if (problem !== null) {
        out.invalid.push(this.invalid(origin, record, record, problem));
        return;
      }
      key.push(value);
    }
    const coercion = this.keyCoercion;
    if (coercion !== null) {
      for (let k = 0; k < key.length; k++) {
        const result = coerceKeyValue(coercion, k, this.source.key[k]!, key[k]);
        if (!result.ok) {
          out.invalid.push(this.invalid(origin, record, record, result.reason));
          return;
        }
        key[k] = result.value;
      }
    }
    out.records.push({ record, raw, key, keyText: fastKeyText(key), origin });
  }

  /**
   * The key of a row the connector could only guess (`UnreadableRecord.salvaged`), as the
   * pipeline would present it (select, fields, key check), or null when the guess yields no key
   * or is out of scope. Why: the key of a broken record is withheld from the comparison, so a
   * desired row with a stray delimiter does not make the real actual record `extra` — and
   * deletable. The guess is never compared; withholding a wrongly guessed key only skips that
   * key (reported with the invalid item), the cautious side.
   */
  salvagedKey(raw: RawRecord, origin: RawRecordOrigin): Record<string, unknown> | null {
    const scratch = RecordPipeline.emptyBatch();
    this.muted = true; // warnings about a guess are not the source's
    try {
      this.fromRaw(raw, origin, scratch);
    } finally {
      this.muted = false;
    }
    const read = scratch.records[0];
    if (read !== undefined) return this.partialKey(read.record);
    return scratch.invalid[0]?.key ?? null;
  }

  /**
   * The pipeline specialised to raw records of fixed columns (a CSV file's header), or null when
   * the source needs the general steps (`select`, `where`, column names that are array indexes or
   * `__proto__`, repeated names). See `ColumnRowPresenter`.
   */
  forColumns(names: readonly string[]): ColumnRowPresenter | null {
    return ColumnRowPresenter.create(this, names);
  }

  private invalid(origin: RawRecordOrigin, record: Record<string, unknown> | null, keySource: Record<string, unknown> | null, reason: string): InvalidRecord {
    return { side: this.side, origin, record, key: keySource === null ? null : this.partialKey(keySource), reason };
  }

  /**
   * The key fields a record does have (for showing an invalid record, and for the diff to
   * withhold its key), or null when none. Coerced for matching as valid keys are
   * (`keyCoercion`); a value that cannot be is kept as it is (it matches nothing).
   */
  private partialKey(record: Record<string, unknown>): Record<string, unknown> | null {
    let key: Record<string, unknown> | null = null;
    const keyPaths = this.source.key;
    for (let k = 0; k < keyPaths.length; k++) {
      const path = keyPaths[k]!;
      let value = readPath(record, path);
      if (value === undefined || value === null || value === '') continue;
      if (this.keyCoercion !== null && typeof value !== 'object') {
        const result = coerceKeyValue(this.keyCoercion, k, path, value);
        if (result.ok) value = result.value;
      }
      key ??= {};
      setOwn(key, path, value);
    }
    return key;
  }

  /**
   * Adds to `out` one line per location whose warning more than one record raised, counting the
   * others. Call once, after the last record. Why not one warning per distinct message: messages
   * quote the value (`'>' cannot compare "50" (string) with 10 (number)`), so an untyped `where`
   * over a large file gave one warning per record — a plan of a million warnings.
   */
  finishWarnings(out: ObservedBatch): void {
    for (const [site, count] of this.repeated) {
      if (count > 0) out.warnings.push(`${site}: where: could not be evaluated on ${count} more record${count === 1 ? '' : 's'} either (out of scope, like the first)`);
    }
    this.repeated.clear();
  }

  private warn(site: string, text: string, out: ObservedBatch): void {
    if (this.muted) return;
    const count = this.repeated.get(site);
    if (count !== undefined) {
      this.repeated.set(site, count + 1);
      return;
    }
    this.repeated.set(site, 0);
    out.warnings.push(text);
  }
}

const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;
const hasOwn = Object.prototype.hasOwnProperty;

/** The parts of a single-text key's `keyText`; the middle one is set per call. */
const KEY_TEXT_PARTS = ['["', '', '"]'];

/**
 * `keyText` of a key, without `JSON.stringify` for the common single text that JSON writes as
 * it is (no quote, backslash, control character or surrogate): the same text, cheaper. Joined
 * rather than concatenated, so the text is flat at once (it is compared when items are sorted).
 */
export function fastKeyText(key: readonly unknown[]): string {
  if (key.length === 1) {
    const only = key[0];
    if (typeof only === 'string' && isPlainKeyValue(only)) return plainKeyText(only);
  }
  return keyText(key);
}

/**
 * True when a single text key's `keyText` is the text between `["` and `"]` as it is (no quote,
 * backslash, control character or surrogate to escape): then `plainKeyText` gives it.
 */
export function isPlainKeyValue(only: string): boolean {
  for (let i = 0; i < only.length; i++) {
    const c = only.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return false;
  }
  return true;
}

/** `keyText([only])` of a text `isPlainKeyValue` accepts, as one flat string. */
export function plainKeyText(only: string): string {
  KEY_TEXT_PARTS[1] = only;
  const text = KEY_TEXT_PARTS.join('');
  KEY_TEXT_PARTS[1] = '';
  return text;
}

/** The functions `objectMaker` made, by nullishness and names (a bounded cache: a long-lived process sees many). */
const objectMakers = new Map<string, ((values: readonly unknown[]) => Record<string, unknown>) | null>();
const MAX_OBJECT_MAKERS = 256;

/**
 * A function building an object with these own properties, in this order, from an array of
 * values (`values[i]` for `names[i]`; with `nullish`, undefined becomes null): an object literal
 * compiled once, so every object is made in one step with its final shape, instead of property
 * by property. Null when the names cannot be written as literal keys with the meaning of
 * `setOwn` (`__proto__`, array indexes, repeats), or when code generation is not allowed.
 */
export function objectMaker(names: readonly string[], nullish = false): ((values: readonly unknown[]) => Record<string, unknown>) | null {
  // One function per list of names: the desired and actual sides of a policy often have the
  // same columns, and code calling the maker of either (`ColumnRowPresenter`, raw rows) then
  // calls one function, not two — optimised for one, it was thrown away when the other came.
  const cacheKey = (nullish ? '?' : '=') + JSON.stringify(names);
  const known = objectMakers.get(cacheKey);
  if (known !== undefined) return known;
  const made = compileObjectMaker(names, nullish);
  if (objectMakers.size >= MAX_OBJECT_MAKERS) objectMakers.clear();
  objectMakers.set(cacheKey, made);
  return made;
}

function compileObjectMaker(names: readonly string[], nullish: boolean): ((values: readonly unknown[]) => Record<string, unknown>) | null {
  if (new Set(names).size !== names.length) return null;
  if (names.some((name) => name === '__proto__' || ARRAY_INDEX.test(name))) return null;
  const value = (i: number) => (nullish ? `values[${i}] ?? null` : `values[${i}]`);
  const body = `return { ${names.map((name, i) => `${JSON.stringify(name)}: ${value(i)}`).join(', ')} };`;
  try {
    return new Function('values', body) as (values: readonly unknown[]) => Record<string, unknown>;
  } catch {
    return null;
  }
}

/** Marks text a declared type does not accept (the general pipeline then reports why). */
const REJECTED: unique symbol = Symbol('rejected');

/** Powers of ten a double holds exactly. */
const POWERS_OF_TEN = Array.from({ length: 16 }, (_, i) => 10 ** i);

/**
 * Plain decimal text — an optional sign, digits and at most one dot (`12`, `-0.5`, `+3`, `3.`,
 * `.5`), no spaces, no exponent — read as `coerceValue` reads it (it trims, checks the form,
 * then calls `Number`); null for any other text, which `coerceValue` itself then reads.
 *
 * With at most 15 digits the value is computed here: the digits as a whole number and a power
 * of ten are both exact doubles, so their quotient is the correctly rounded value of the text —
 * what `Number` gives (the fast path of decimal conversion); longer text goes to `Number`.
 */
function plainDecimal(text: string): number | null {
  const length = text.length;
  let i = 0;
  let negative = false;
  if (length > 0) {
    const c = text.charCodeAt(0);
    if (c === 45) {
      negative = true;
      i = 1;
    } else if (c === 43) i = 1;
  }
  let digits = 0;
  let mantissa = 0;
  let fraction = -1;
  for (; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      digits++;
      mantissa = mantissa * 10 + (c - 48);
      if (fraction >= 0) fraction++;
    } else if (c === 46 && fraction < 0) fraction = 0;
    else return null;
  }
  if (digits === 0) return null;
  let value: number;
  if (digits <= 15) {
    value = fraction > 0 ? mantissa / POWERS_OF_TEN[fraction] : mantissa;
    if (negative) value = -value;
  } else {
    value = Number(text);
    if (!Number.isFinite(value)) return null;
  }
  return value === 0 ? 0 : value;
}

/**
 * `coerceValue(text, type)` for non-empty text, with the common forms read directly; REJECTED
 * when the text cannot be coerced.
 */
function coerceText(text: string, type: IrFieldType): unknown {
  switch (type) {
    case 'string':
      return text;
    case 'number': {
      const n = plainDecimal(text);
      if (n !== null) return n;
      break;
    }
    case 'integer': {
      const n = plainDecimal(text);
      if (n !== null && Number.isSafeInteger(n)) return n;
      break;
    }
    case 'bool':
      if (text === 'true') return true;
      if (text === 'false') return false;
      break;
    case 'datetime': {
      const instant = canonicalInstant(text);
      return instant === null ? REJECTED : instant;
    }
    default:
      break;
  }
  const result = coerceValue(text, type);
  return result.ok ? result.value : REJECTED;
}

/**
 * The read pipeline for raw records of fixed columns, with what `fromRaw` looks up per record
 * (which column each declared field reads, the order of the undeclared ones, the key paths)
 * worked out once.
 *
 * Why: the CSV fast path of the diff presents tens of thousands of re-read rows, and the general
 * steps (own-property probes, `Object.keys`, parsing key paths, building records property by
 * property) were most of their cost. The result is exactly `fromRaw`'s: a record that breaks a
 * rule (a value that cannot be coerced, a bad key) goes through `fromRaw` itself, so invalid
 * records and their reasons are the pipeline's own.
 */
export class ColumnRowPresenter {
  /** The record's values, declared fields then undeclared columns (reused for every row). */
  private readonly scratch: unknown[];
  /** Builds the record when every undeclared column has a value (see `objectMaker`). */
  private readonly makeRecord: ((values: readonly unknown[]) => Record<string, unknown>) | null;
  /**
   * Per key path, the index of its value in `scratch` when records are typed (the record is made
   * of `scratch`, so the key check reads it there, without looking the field up); -1 for a path
   * to follow or a name that is no field of the record.
   */
  private readonly keySlots: Int32Array;

  private constructor(
    private readonly pipeline: RecordPipeline,
    private readonly typed: boolean,
    /** Per declared field: its name, type and column (-1: no such column). */
    private readonly declaredNames: readonly string[],
    private readonly declaredTypes: readonly IrFieldType[],
    private readonly declaredColumns: Int32Array,
    /** Undeclared columns, in column order (names are no array indexes: `Object.keys` order). */
    private readonly undeclaredColumns: Int32Array,
    private readonly names: readonly string[],
    /** Per key path: the plain field name it reads, or null for a path to follow. */
    private readonly keyFields: readonly (string | null)[],
    private readonly keyPaths: readonly string[],
  ) {
    this.scratch = new Array(declaredNames.length + undeclaredColumns.length).fill(null);
    this.makeRecord = typed ? objectMaker([...declaredNames, ...Array.from(undeclaredColumns, (c) => names[c])]) : null;
    const slots = new Int32Array(keyPaths.length).fill(-1);
    if (typed) {
      keyFields.forEach((field, k) => {
        if (field === null) return;
        // the last of repeated names: the one the record keeps
        const declared = declaredNames.lastIndexOf(field);
        if (declared >= 0) slots[k] = declared;
        else {
          const u = Array.from(undeclaredColumns).findIndex((c) => names[c] === field);
          if (u >= 0) slots[k] = declaredNames.length + u;
        }
      });
    }
    this.keySlots = slots;
  }

  static create(pipeline: RecordPipeline, names: readonly string[]): ColumnRowPresenter | null {
    const source = pipeline.source;
    if (source.select !== null || source.where !== null) return null;
    // Keys coerced for the other side's declared type are the general pipeline's (the CSV fast
    // path, the only user, never reads with a coercion: see `csv-fast-plan.ts`).
    if (pipeline.keyCoercion !== null) return null;
    if (new Set(names).size !== names.length) return null;
    if (names.some((name) => name === '__proto__' || ARRAY_INDEX.test(name))) return null;
    const fields = source.fields ?? [];
    if (fields.some((f) => f.name === '__proto__' || ARRAY_INDEX.test(f.name))) return null;
    const declared = new Set(fields.map((f) => f.name));
    const columnOf = new Map(names.map((name, i) => [name, i]));
    const keyFields = source.key.map((path) => {
      const segments = parseFieldPath(path);
      return segments !== null && segments.length === 1 && segments[0] === path ? path : null;
    });
    return new ColumnRowPresenter(
      pipeline,
      source.fields !== null,
      fields.map((f) => f.name),
      fields.map((f) => f.type),
      Int32Array.from(fields, (f) => columnOf.get(f.name) ?? -1),
      Int32Array.from(names.flatMap((name, i) => (declared.has(name) ? [] : [i]))),
      names,
      keyFields,
      source.key,
    );
  }

  /**
   * Runs one row into `out`, exactly as `fromRaw(raw, origin, out)`: `raw` is the row's raw
   * record, `values[i]` the value of column `i` in it (undefined when the raw record lacks it).
   */
  present(values: readonly (string | undefined)[], raw: RawRecord, origin: RawRecordOrigin, out: ObservedBatch): void {
    const record = this.recordOf(values, raw);
    if (record === null) {
      this.pipeline.fromRaw(raw, origin, out);
      return;
    }
    const key = this.keyOf(record);
    out.records.push({ record, raw, key, keyText: fastKeyText(key), origin });
  }

  /**
   * The presented record of a row (arguments as for `present`) when the row passes every rule of
   * the pipeline, key check included — `fromRaw` would make it a record with this `record` (with
   * declared fields a new object; without, `raw` itself); null when it would not (`fromRaw` then
   * says what it is). For callers that need the rest of an `ObservedRecord` only sometimes.
   */
  recordOf(values: readonly (string | undefined)[], raw: RawRecord): Record<string, unknown> | null {
    const record = this.typed ? this.typedRecord(values) : raw;
    if (record === null) return null;
    const slots = this.keySlots;
    const scratch = this.scratch;
    for (let k = 0; k < slots.length; k++) {
      const slot = slots[k];
      const value = slot >= 0 ? scratch[slot] : this.keyValue(record, k);
      if (value === undefined || value === null || value === '' || typeof value === 'object') return null;
    }
    return record;
  }

  /**
   * True when the presented record is the raw record itself (no `fields`), so its values are the
   * raw values as they are. Otherwise every text in it is a string of its own (`ownText`): a
   * record kept for a plan item does not keep the text its row was parsed from.
   */
  get presentsRaw(): boolean {
    return !this.typed;
  }

  /** The key of a record `recordOf` returned (`ObservedRecord.key`). */
  keyOf(record: Record<string, unknown>): unknown[] {
    const key: unknown[] = new Array(this.keyPaths.length);
    for (let k = 0; k < key.length; k++) key[k] = this.keyValue(record, k);
    return key;
  }

  private keyValue(record: Record<string, unknown>, k: number): unknown {
    const field = this.keyFields[k];
    return field === null ? readPath(record, this.keyPaths[k]) : hasOwn.call(record, field) ? record[field] : undefined;
  }

  /** The record with declared fields coerced, or null when a value cannot be. */
  private typedRecord(values: readonly (string | undefined)[]): Record<string, unknown> | null {
    const scratch = this.scratch;
    const declaredColumns = this.declaredColumns;
    const declaredTypes = this.declaredTypes;
    const declared = declaredColumns.length;
    for (let f = 0; f < declared; f++) {
      const column = declaredColumns[f];
      const value = column < 0 ? undefined : values[column];
      if (value === undefined) scratch[f] = null;
      else {
        const coerced = coerceText(value, declaredTypes[f]);
        if (coerced === REJECTED) return null;
        // The text as it is (a string, an instant already canonical) is a slice of the row's
        // text: a copy of its own. New values (numbers, instants made canonical) are their own.
        scratch[f] = coerced === value ? ownText(value) : coerced;
      }
    }
    const undeclared = this.undeclaredColumns;
    let complete = true;
    for (let u = 0; u < undeclared.length; u++) {
      const value = values[undeclared[u]];
      if (value === undefined) complete = false;
      scratch[declared + u] = value === undefined ? value : ownText(value);
    }
    if (complete && this.makeRecord !== null) return this.makeRecord(scratch);
    const record: Record<string, unknown> = {};
    for (let f = 0; f < declared; f++) record[this.declaredNames[f]] = scratch[f];
    for (let u = 0; u < undeclared.length; u++) {
      const value = scratch[declared + u];
      if (value !== undefined) record[this.names[undeclared[u]]] = value;
    }
    return record;
  }
}

/**
 * Reads `source` for one side of a policy through its connector and the read pipeline, batch by
 * batch (a few thousand records each), in source order. Connector failures (missing file, bad
 * JSON, an unavailable connector, cancellation) throw `ConnectorError` with `at`. `keyCoercion`:
 * how the policy matches this side's keys (`policyKeyCoercion`), null to match them as read.
 */
export async function* observeSource(
  source: IrSource,
  side: Side,
  ctx: ObserveContext,
  keyCoercion: KeyCoercion | null = null,
  /** Raw records for which this is false skip the pipeline (a caller that wants a few keys: `direct-key.ts`). */
  keepRaw?: (raw: RawRecord) => boolean,
): AsyncGenerator<ObservedBatch> {
  const pipeline = new RecordPipeline(source, side, ctx, keyCoercion);
  const connector = createConnector(source, createConnectorContext(ctx));
  for await (const batch of connector.read()) {
    if (ctx.signal?.aborted) throw new ConnectorError(`source ${source.name}: reading was cancelled`, source.connector.at);
    const out = RecordPipeline.emptyBatch();
    for (const unreadable of batch.unreadable) {
      const key = unreadable.salvaged === undefined ? null : pipeline.salvagedKey(unreadable.salvaged, unreadable.origin);
      out.invalid.push({ side, origin: unreadable.origin, record: null, key, reason: unreadable.error });
    }
    for (let i = 0; i < batch.records.length; i++) {
      if (keepRaw === undefined || keepRaw(batch.records[i])) pipeline.fromRaw(batch.records[i], batch.origins[i], out);
    }
    yield out;
  }
  const last = RecordPipeline.emptyBatch();
  pipeline.finishWarnings(last);
  if (last.warnings.length > 0) yield last;
}

/**
 * Runs a `test` block's records for one side: they are written as the source presents them, so
 * they skip `select` but go through `fields` coercion, `where` and the key check. No I/O.
 * Positions are 1-based indexes in `records`; an element that is not an object is invalid.
 */
export function observeRecords(
  records: readonly unknown[],
  source: IrSource,
  side: Side,
  ctx: EvaluationContext,
  keyCoercion: KeyCoercion | null = null,
): ObservedBatch {
  const pipeline = new RecordPipeline(source, side, ctx, keyCoercion);
  const out = RecordPipeline.emptyBatch();
  records.forEach((record, index) => {
    const origin = { position: index + 1 };
    if (isPlainObject(record)) pipeline.fromPresented(record, record, origin, out);
    else out.invalid.push({ side, origin, record: null, key: null, reason: `record ${index + 1} is ${describeValue(record)}, not an object` });
  });
  pipeline.finishWarnings(out);
  return out;
}
