/**
 * Reads one side of a policy: "How a record is read" (LANGUAGE.md 2.1), in this order:
 *
 * 1. the raw record, from the source's connector (a row that cannot be read at all becomes an
 *    invalid record);
 * 2. `select` (if any): each line evaluated over the raw record (bare names are raw fields, the
 *    `record` root — `{"var": ""}` — is the raw record); a line that fails makes the record
 *    invalid; a line whose value is null sets the field to null;
 * 3. `fields` coercion (if any): each declared field coerced to its type (see
 *    `field-coercion.ts`); an absent declared field becomes null; a present value that cannot be
 *    coerced makes the record invalid, the reason naming the field and the value; undeclared
 *    fields are kept as they are;
 * 4. `where` (if any) over the presented record: a record for which it is false is out of scope
 *    and skipped entirely (only counted); a run-time type error makes it false, with a warning;
 * 5. the key check: a key field that is absent, null or "" (or not a scalar) makes the record
 *    invalid.
 *
 * What this module does not do: duplicate keys. They can only be seen across the whole side,
 * so the diff engine detects them (every record of a shared key becomes invalid, and the key
 * takes no part in the comparison).
 *
 * Records are not copied when nothing changes them (no `select`, no `fields`): `record` and `raw`
 * are then the same object. Consumers must treat both as read-only.
 */
import type { IrSource } from '../../language/ir/ir-types.js';
import { ConnectorError, type RawRecord, type RawRecordOrigin } from '../connectors/connector.js';
import { createConnector, createConnectorContext } from '../connectors/connector-registry.js';
import {
  evaluate,
  evaluateCondition,
  EvaluationError,
  type EvaluationContext,
} from '../expressions/expression-evaluator.js';
import { isPlainObject, setOwn } from '../expressions/own-properties.js';
import { describeValue } from '../expressions/value-semantics.js';
import { coerceValue } from './field-coercion.js';
import { readPath } from './field-path.js';
import { keyText } from './key-text.js';
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
   * Warnings raised while reading, each distinct message once per source read (a `where` that
   * failed to evaluate on some record, say), prefixed with the `.recon` location.
   */
  warnings: string[];
  /** How many records `where` put out of scope in this batch. */
  outOfScope: number;
}

/** What reading a source needs: the run's evaluation values and where the workspace is. */
export interface ObserveContext extends EvaluationContext {
  /** Absolute path of the workspace root; file paths in the IR are relative to it. */
  workspaceRoot: string;
  /** False in an untrusted workspace (editor preview): http/exec refuse. */
  trusted: boolean;
  /** Cancels the read (editor previews, time budgets): a `ConnectorError` is thrown. */
  signal?: AbortSignal;
}

/**
 * The read pipeline of one source for one side, shared by `observeSource` (raw records from the
 * connector) and `observeRecords` (records as presented, from a `test`). Keeps the warnings
 * already reported so each distinct one is reported once.
 */
export class RecordPipeline {
  private readonly reported = new Set<string>();
  private readonly declared: ReadonlySet<string>;

  constructor(
    readonly source: IrSource,
    readonly side: Side,
    private readonly ctx: EvaluationContext,
  ) {
    this.declared = new Set((source.fields ?? []).map((f) => f.name));
  }

  /** A new, empty batch to collect results in. */
  static emptyBatch(): ObservedBatch {
    return { records: [], invalid: [], warnings: [], outOfScope: 0 };
  }

  /** Runs a raw record through select, fields, where and the key check into `out`. */
  fromRaw(raw: RawRecord, origin: RawRecordOrigin, out: ObservedBatch): void {
    const select = this.source.select;
    if (select === null) {
      this.fromPresented(raw, raw, origin, out);
      return;
    }
    const presented: Record<string, unknown> = {};
    for (const line of select) {
      let value: unknown;
      try {
        value = evaluate(line.expr, raw, this.ctx);
      } catch (error) {
        if (!(error instanceof EvaluationError)) throw error;
        out.invalid.push(this.invalid(origin, raw, null, `select ${line.name}: ${error.message}`));
        return;
      }
      setOwn(presented, line.name, value);
    }
    this.fromPresented(presented, raw, origin, out);
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
      if (result.warning !== null) this.warn(`${where.at}: where: ${result.warning}`, out);
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
    out.records.push({ record, raw, key, keyText: keyText(key), origin });
  }

  private invalid(origin: RawRecordOrigin, record: Record<string, unknown> | null, keySource: Record<string, unknown> | null, reason: string): InvalidRecord {
    return { side: this.side, origin, record, key: keySource === null ? null : this.partialKey(keySource), reason };
  }

  /** The key fields a record does have (for showing an invalid record), or null when none. */
  private partialKey(record: Record<string, unknown>): Record<string, unknown> | null {
    let key: Record<string, unknown> | null = null;
    for (const path of this.source.key) {
      const value = readPath(record, path);
      if (value === undefined || value === null || value === '') continue;
      key ??= {};
      setOwn(key, path, value);
    }
    return key;
  }

  private warn(text: string, out: ObservedBatch): void {
    if (this.reported.has(text)) return;
    this.reported.add(text);
    out.warnings.push(text);
  }
}

/**
 * Reads `source` for one side of a policy through its connector and the read pipeline, batch by
 * batch (a few thousand records each), in source order. Connector failures (missing file, bad
 * JSON, an unavailable connector, cancellation) throw `ConnectorError` with `at`.
 */
export async function* observeSource(source: IrSource, side: Side, ctx: ObserveContext): AsyncGenerator<ObservedBatch> {
  const pipeline = new RecordPipeline(source, side, ctx);
  const connector = createConnector(source, createConnectorContext(ctx));
  for await (const batch of connector.read()) {
    if (ctx.signal?.aborted) throw new ConnectorError(`source ${source.name}: reading was cancelled`, source.connector.at);
    const out = RecordPipeline.emptyBatch();
    for (const unreadable of batch.unreadable) {
      out.invalid.push({ side, origin: unreadable.origin, record: null, key: null, reason: unreadable.error });
    }
    for (let i = 0; i < batch.records.length; i++) pipeline.fromRaw(batch.records[i], batch.origins[i], out);
    yield out;
  }
}

/**
 * Runs a `test` block's records for one side: they are written as the source presents them, so
 * they skip `select` but go through `fields` coercion, `where` and the key check. No I/O.
 * Positions are 1-based indexes in `records`; an element that is not an object is invalid.
 */
export function observeRecords(records: readonly unknown[], source: IrSource, side: Side, ctx: EvaluationContext): ObservedBatch {
  const pipeline = new RecordPipeline(source, side, ctx);
  const out = RecordPipeline.emptyBatch();
  records.forEach((record, index) => {
    const origin = { position: index + 1 };
    if (isPlainObject(record)) pipeline.fromPresented(record, record, origin, out);
    else out.invalid.push({ side, origin, record: null, key: null, reason: `record ${index + 1} is ${describeValue(record)}, not an object` });
  });
  return out;
}
