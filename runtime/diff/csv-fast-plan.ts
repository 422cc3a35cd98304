/**
 * Decides whether a policy can take the CSV fast path, and prepares what its scanner needs.
 *
 * Why so strict: the fast path must give exactly the generic path's result. It skips the
 * field-by-field comparison of pairs whose fingerprints (over the raw bytes of every field that
 * may be compared) are equal, which is sound only when equal bytes always compare equal and the
 * scanner can see every field's bytes. Eligible, exactly when all of these hold:
 * - both sources are `csv(path)` with at most the options `delimiter` (one ASCII character) and
 *   `header`, and neither has a `where`;
 * - each `select`, if any, is plain paths without dots (`txn_id = id`), one line per raw column;
 * - the key fields are plain names, undeclared or declared `string` on both sides (so keys are
 *   CSV text on both, and the generic path's key coercion — `observe/key-typing.ts`, a side's
 *   key coerced to the type only the other declares — is at most text to `string`, which leaves
 *   it as it is: the fast path joins exactly the keys the generic path joins, and reads without
 *   a coercion);
 * - no declared field is `json` (its validity needs parsing);
 * - no compared field is declared with one type on one side and another on the other (the
 *   actual value, coerced to its own type and then to the desired one, need not equal the
 *   desired value read from the same bytes: `string` against `datetime` or `number`);
 * - no compare rule is `by EXPR` (an expression need not say a record equals itself);
 * - both files have a header of at least two distinct, named columns, and every key column
 *   exists.
 * Anything else, and any malformed row or byte that is not UTF-8 met while scanning, goes to
 * the generic path (which stops on the latter, naming its line). `reason` says why, for
 * diagnostics.
 */
import { isUtf8 } from 'node:buffer';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { IrExpr, IrFieldType, IrSource } from '../../language/ir/ir-types.js';
import type { ConnectorContext } from '../connectors/connector.js';
import { resolveWorkspacePathSync } from '../workspace/workspace-paths.js';
import { CsvRowScanner, hasBareCarriageReturn, type ScannedRow } from '../connectors/csv-row-scanner.js';
import {
  CHECK_BOOL,
  CHECK_DATETIME,
  CHECK_INTEGER,
  CHECK_NONE,
  CHECK_NUMBER,
  type ScanPlan,
} from './csv-byte-scanner.js';
import { csvParser } from '../connectors/csv-parser.js';
import type { RecordComparer } from './record-comparer.js';

/** Everything the fast path needs about one side's file. */
export interface FastSide {
  source: IrSource;
  /** Absolute path. */
  file: string;
  size: number;
  /** Byte offset of the first data row (after the BOM and header). */
  dataStart: number;
  /** Column names, as the connector names them. */
  names: string[];
  delimiter: string;
  rowDelimiter: string;
  scan: ScanPlan;
  /** Average bytes per row in the first part of the file, for sizing arrays. */
  rowBytes: number;
  /**
   * The largest of the average bytes per row in the first part of the file and in samples spread
   * through it (`spreadRowBytes`): sizes the key table. Why apart from `rowBytes`: the row
   * arrays' pages beyond their rows are never touched, the table's all are; a table sized for
   * too few rows is only rebuilt after the scan, one sized for too many costs its memory.
   */
  tableRowBytes: number;
}

export type FastPlan = { ok: true; desired: FastSide; actual: FastSide } | { ok: false; reason: string };

const CHECKS: Record<Exclude<IrFieldType, 'json'>, number> = {
  string: CHECK_NONE,
  number: CHECK_NUMBER,
  integer: CHECK_INTEGER,
  bool: CHECK_BOOL,
  datetime: CHECK_DATETIME,
};

function no(reason: string): FastPlan {
  return { ok: false, reason };
}

/** The raw column a plain-path select line reads, or null when the line is not one. */
function plainColumn(expr: IrExpr, plainPath: string | null): string | null {
  if (plainPath === null || plainPath === '' || plainPath.includes('.')) return null;
  if (expr === null || typeof expr !== 'object' || Array.isArray(expr)) return null;
  const keys = Object.keys(expr);
  if (keys.length !== 1 || keys[0] !== 'var') return null;
  const arg = (expr as Record<string, unknown>).var;
  const path = Array.isArray(arg) ? (arg.length === 1 ? arg[0] : null) : arg;
  return path === plainPath ? plainPath : null;
}

/** Presented field name -> raw column name, or a reason the select is not plain. */
function presentedColumns(source: IrSource): Map<string, string> | string {
  const map = new Map<string, string>();
  if (source.select === null) return map;
  const used = new Set<string>();
  for (const line of source.select) {
    const column = plainColumn(line.expr, line.plainPath);
    if (column === null) return `source ${source.name}: select ${line.name} is not a plain path`;
    if (used.has(column)) return `source ${source.name}: column ${column} is selected twice`;
    used.add(column);
    map.set(line.name, column);
  }
  return map;
}

interface Header {
  names: string[];
  dataStart: number;
  rowDelimiter: string;
  rowBytes: number;
}

/**
 * Reads the header as the csv connector does (BOM, blank lines, udsv for the names), and
 * estimates the bytes per row from the rows that follow it in the first 64 KiB (read more only
 * when the header does not fit). The estimate only sizes the scan's arrays; a larger sample
 * (1 MiB, formerly) gave the same estimate within 0.1% on the benchmark files, at 15 ms more of
 * the main thread's time before the workers get their first task.
 */
function readHeader(file: string, size: number, delimiter: string, hasHeader: boolean): Header | string {
  const fd = openSync(file, 'r');
  try {
    let length = Math.min(size, 1 << 16);
    for (;;) {
      const buffer = Buffer.allocUnsafe(length);
      const got = readSync(fd, buffer, 0, length, 0);
      const bom = got >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
      const text = buffer.toString('utf8', bom, got);
      const scanner = new CsvRowScanner(delimiter.charCodeAt(0));
      let first: ScannedRow | null = null;
      let rows = 0;
      let sampleEnd = 0;
      scanner.scan(text, (row) => {
        if (row.contentEnd === row.start && row.error === null) return;
        if (first === null) first = { ...row };
        else {
          rows++;
          sampleEnd = row.end;
        }
      });
      if (got === size) scanner.finish(() => undefined);
      const header = first as ScannedRow | null;
      if (header === null || (header.end === header.contentEnd && got < size)) {
        if (got === size) return 'the file has no header row';
        length = Math.min(size, length * 4);
        continue;
      }
      if (header.error !== null) return `the header row cannot be read: ${header.error}`;
      // the csv connector refuses such a file (bare-CR line ends): let it say so
      if (hasBareCarriageReturn(text.slice(header.start, header.contentEnd))) return 'the first row holds a carriage return that does not end a line';
      const rowDelimiter = header.end - header.contentEnd === 2 ? '\r\n' : '\n';
      let names: string[];
      const dataStartChars = hasHeader ? header.end : header.start;
      if (hasHeader) {
        const parser = csvParser(header.fields, delimiter, rowDelimiter);
        const content = text.slice(header.start, header.contentEnd);
        const parsed: string[][] = [];
        parser.stringArrs(content + (header.fields === 1 ? delimiter : '') + rowDelimiter, (row: string[]) => {
          parsed.push(row);
        });
        names = (parsed[0] ?? []).slice(0, header.fields);
      } else {
        names = Array.from({ length: header.fields }, (_, i) => `column${i + 1}`);
      }
      if (names.length < 2) return 'the file has fewer than two columns';
      if (names.some((name) => name === '') || new Set(names).size !== names.length) {
        return 'the header has an empty or repeated column name';
      }
      const dataStart = bom + Buffer.byteLength(text.slice(0, dataStartChars));
      // the ranges' scans check the bytes after it (`scanRange`); the generic path names the line
      if (!isUtf8(buffer.subarray(0, dataStart))) return 'the header row is not valid UTF-8';
      const sampleBytes = Buffer.byteLength(text.slice(header.end, sampleEnd));
      const rowBytes = rows > 0 ? Math.max(8, sampleBytes / rows) : 64;
      return { names, dataStart, rowDelimiter, rowBytes };
    }
  } finally {
    closeSync(fd);
  }
}

function optionsOf(source: IrSource, connectorContext: ConnectorContext): { delimiter: string; header: boolean } | string {
  let delimiter = ',';
  let header = true;
  if (source.connector.args.length > 0) return `source ${source.name}: csv() has extra arguments`;
  for (const option of source.connector.options) {
    let value: unknown;
    try {
      value = connectorContext.evaluate(option.value);
    } catch {
      return `source ${source.name}: option ${option.name} could not be evaluated`;
    }
    if (option.name === 'delimiter' && typeof value === 'string') delimiter = value;
    else if (option.name === 'header' && typeof value === 'boolean') header = value;
    else return `source ${source.name}: option ${option.name} is not handled by the fast path`;
  }
  if (delimiter.length !== 1 || delimiter.charCodeAt(0) >= 128 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    return `source ${source.name}: the delimiter is not a single ASCII character`;
  }
  return { delimiter, header };
}

async function sidePlan(
  source: IrSource,
  other: IrSource,
  compared: (desiredNames: string[]) => string[],
  isDesired: boolean,
  connectorContext: ConnectorContext,
  desiredNames: string[] | null,
): Promise<FastSide | string> {
  const excluded = sourceExcluded(source);
  if (excluded !== null) return excluded;
  const options = optionsOf(source, connectorContext);
  if (typeof options === 'string') return options;
  const selected = presentedColumns(source);
  if (typeof selected === 'string') return selected;
  if (source.fields?.some((f) => f.type === 'json')) return `source ${source.name} declares a json field`;
  for (const key of [...source.key, ...other.key]) {
    if (key.includes('.') || key.includes('[')) return `key ${key} is not a plain field name`;
  }
  for (const key of source.key) {
    const type = source.fields?.find((f) => f.name === key)?.type;
    if (type !== undefined && type !== 'string') return `source ${source.name}: key ${key} is declared ${type}`;
  }
  // Synchronously, as the size check of `diffSources` does (the same checks as
  // `resolveSourceFile`): its asynchronous `realpath` and `stat` took 10-15 ms of thread-pool
  // round trips here, against 0.2 ms, right before the workers' first task.
  let file: string;
  let size: number;
  try {
    file = resolveWorkspacePathSync(connectorContext.workspaceRoot, source.connector.path!); // `sourceExcluded` checked it
    const info = statSync(file);
    if (!info.isFile()) throw new Error('not a file');
    size = info.size;
  } catch {
    return `source ${source.name}: the file cannot be resolved`;
  }
  const header = readHeader(file, size, options.delimiter, options.header);
  if (typeof header === 'string') return `source ${source.name}: ${header}`;
  const columnIndex = new Map(header.names.map((name, i) => [name, i] as const));
  const columnOf = (presented: string): number => {
    const raw = source.select === null ? presented : selected.get(presented);
    if (raw === undefined) return -1;
    return columnIndex.get(raw) ?? -1;
  };
  const presentedNames = source.select !== null ? source.select.map((s) => s.name) : header.names;
  const comparedFields = compared(isDesired ? presentedNames : (desiredNames ?? []));
  const columns = header.names.length;
  const fpSlot = new Int32Array(columns).fill(-1);
  comparedFields.forEach((name, slot) => {
    const col = columnOf(name);
    if (col >= 0) fpSlot[col] = slot;
  });
  const keyComponent = new Int32Array(columns).fill(-1);
  for (let k = 0; k < source.key.length; k++) {
    const col = columnOf(source.key[k]);
    if (col < 0) return `source ${source.name}: key column ${source.key[k]} is not in the file`;
    if (keyComponent[col] >= 0) return `source ${source.name}: one column holds two key fields`;
    keyComponent[col] = k;
  }
  const check = new Uint8Array(columns);
  for (const field of source.fields ?? []) {
    const col = columnOf(field.name);
    if (col >= 0) check[col] = CHECKS[field.type as Exclude<IrFieldType, 'json'>];
  }
  return {
    source,
    file,
    size,
    dataStart: header.dataStart,
    names: header.names,
    delimiter: options.delimiter,
    rowDelimiter: header.rowDelimiter,
    scan: {
      delimiter: options.delimiter.charCodeAt(0),
      columns,
      fpSlot,
      fpSlots: comparedFields.length,
      keyComponent,
      keyComponents: source.key.length,
      check,
    },
    rowBytes: header.rowBytes,
    tableRowBytes: Math.max(header.rowBytes, spreadRowBytes(file, size, header.dataStart)),
  };
}

/** Bytes read at each of `spreadRowBytes`'s sample points. */
const SPREAD_SAMPLE = 1 << 16;

/**
 * Average bytes per line feed in seven samples of 64 KiB spread evenly through the data rows
 * (each from its first line feed to its last), or 0 when the file is too small for them to say
 * more than the head does. Line feeds inside quoted fields count as rows here, which makes the
 * figure smaller, never larger: taken as the larger of it and the head's, the estimate of the
 * rows only errs towards too few. Reading costs seven reads and `indexOf` (well under a
 * millisecond for a file in the page cache).
 */
export function spreadRowBytes(file: string, size: number, dataStart: number): number {
  const span = size - dataStart;
  if (span < 8 * SPREAD_SAMPLE) return 0;
  const buffer = Buffer.allocUnsafe(SPREAD_SAMPLE);
  let bytes = 0;
  let rows = 0;
  const fd = openSync(file, 'r');
  try {
    for (let k = 1; k < 8; k++) {
      const got = readSync(fd, buffer, 0, SPREAD_SAMPLE, dataStart + Math.floor((span * k) / 8));
      const first = buffer.indexOf(10);
      if (first < 0 || first >= got) continue;
      let last = first;
      let at = first;
      while ((at = buffer.indexOf(10, at + 1)) >= 0 && at < got) {
        last = at;
        rows++;
      }
      bytes += last - first;
    }
  } finally {
    closeSync(fd);
  }
  return rows > 0 ? bytes / rows : 0;
}

/**
 * Why the policy cannot take the fast path, from its rules and the sources' key arity alone, or
 * null. Why apart: `startFastPathPool` starts the workers ahead on the checks the IR can answer.
 */
export function policyExcluded(byRule: boolean, desiredSource: IrSource, actualSource: IrSource): string | null {
  if (byRule) return 'a compare rule is "by EXPR"';
  if (desiredSource.key.length !== actualSource.key.length) return 'the sources have keys of different arity';
  return null;
}

/** Why a source cannot take the fast path from its IR alone (not a csv file, a `where`), or null. */
export function sourceExcluded(source: IrSource): string | null {
  if (source.connector.kind !== 'csv' || source.connector.path === undefined) return `source ${source.name} is not a csv file`;
  if (source.where !== null) return `source ${source.name} has a where`;
  return null;
}

/** Checks eligibility (see the module comment) and prepares both sides' scan plans. */
export async function planCsvFastPath(
  comparer: RecordComparer,
  desiredSource: IrSource,
  actualSource: IrSource,
  connectorContext: ConnectorContext,
): Promise<FastPlan> {
  const excluded = policyExcluded(comparer.hasByRule, desiredSource, actualSource);
  if (excluded !== null) return no(excluded);
  const compared = (names: string[]) => comparer.comparedTopLevelFields(names);
  const desired = await sidePlan(desiredSource, actualSource, compared, true, connectorContext, null);
  if (typeof desired === 'string') return no(desired);
  const desiredNames = desiredSource.select !== null ? desiredSource.select.map((s) => s.name) : desired.names;
  const mixed = mixedType(compared(desiredNames), desiredSource, actualSource);
  if (mixed !== null) return no(mixed);
  const actual = await sidePlan(actualSource, desiredSource, compared, false, connectorContext, desiredNames);
  if (typeof actual === 'string') return no(actual);
  if (desired.scan.fpSlots !== actual.scan.fpSlots) return no('internal: the sides disagree on the compared fields');
  actual.scan.vouched = vouchedColumns(desired.scan, actual.scan);
  return { ok: true, desired, actual };
}

/** The first compared field the sources declare with different types, as a reason, or null. */
function mixedType(compared: readonly string[], desiredSource: IrSource, actualSource: IrSource): string | null {
  const desiredTypes = new Map((desiredSource.fields ?? []).map((f) => [f.name, f.type] as const));
  const actualTypes = new Map((actualSource.fields ?? []).map((f) => [f.name, f.type] as const));
  for (const name of compared) {
    const d = desiredTypes.get(name);
    const a = actualTypes.get(name);
    if (d !== undefined && a !== undefined && d !== a) return `field ${name} is declared ${d} on one side and ${a} on the other`;
  }
  return null;
}

/**
 * The actual side's `ScanPlan.vouched`: its typed columns whose compared field the desired file
 * holds with the same check (the same declared type). An actual row whose fingerprint equals a
 * valid desired row's has the very bytes of that row in those fields (the fingerprint covers
 * every compared field), so they coerce as the desired row's did: no need to check them again.
 */
export function vouchedColumns(desired: ScanPlan, actual: ScanPlan): Uint8Array {
  const desiredCheck = new Int32Array(actual.fpSlots).fill(-1);
  for (let col = 0; col < desired.columns; col++) {
    if (desired.fpSlot[col] >= 0) desiredCheck[desired.fpSlot[col]] = desired.check[col];
  }
  const vouched = new Uint8Array(actual.columns);
  for (let col = 0; col < actual.columns; col++) {
    const slot = actual.fpSlot[col];
    if (slot >= 0 && actual.check[col] !== CHECK_NONE && desiredCheck[slot] === actual.check[col]) vouched[col] = 1;
  }
  return vouched;
}
