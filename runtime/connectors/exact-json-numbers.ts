/**
 * JSON numbers that a double cannot hold exactly (`9007199254740993`, an int64 id): never read
 * silently as the nearest double.
 *
 * Why: `JSON.parse` reads `9007199254740993` and `9007199254740992` as the same number, so two
 * distinct ids became one key (a false duplicate, or a record matched with — and then updated or
 * deleted as — another one), and a compare missed drift beyond the 16th digit.
 *
 * How, keeping the common path's speed: records are parsed with `JSON.parse` as before, and only
 * when a parsed record holds a number of magnitude 2^53 or more (or not finite: `1e400`) is the
 * source text re-examined — `jsonc-parser`'s scanner (already used by the json writer) locates
 * every number literal of that text, and a literal whose value is not exactly the double it was
 * read as (`isExactLiteral`) is settled per record (`ExactNumberReading`):
 * - a top-level field declared `string` in `fields { }` (or, with `select`, taken only by a plain
 *   path line into a field declared `string`) gets the literal's digits as text, exactly as
 *   written;
 * - anywhere else the record cannot be read: its message names the field and the literal and
 *   says to declare the field `string` (or to quote the value at the source).
 * A large number written exactly (`9007199254740992`, `1e300`) is read as it always was.
 *
 * What is not caught: a fraction whose text has more than 15 significant digits but whose value
 * stays below 2^53 (`0.12345678901234567891`) is read as the nearest double, as every JSON reader
 * does; finding those would mean scanning all the text of every file (see docs/connectors.md).
 */
import { createScanner } from 'jsonc-parser';
import type { IrSource } from '../../language/ir/ir-types.js';
import type { RawRecord } from './connector.js';
import { MAX_RECORD_NESTING } from './record-nesting.js';

/** A path step inside a parsed JSON value: a field name or a list index. */
export type JsonPathStep = string | number;

/** A number literal of the text whose value no double holds exactly. */
export interface InexactLiteral {
  /** Its path from the text's top-level value. */
  path: JsonPathStep[];
  /** The literal as written (`9007199254740993`). */
  literal: string;
  /** The 1-based line it is on. */
  line: number;
}

/**
 * True when `value` (a parsed record or part of one) holds a number of magnitude 2^53 or more,
 * or one that is not finite: only then may a number of its text have lost digits in `JSON.parse`
 * (the cheap test run on every record; `findInexactLiterals` then reads the text).
 */
export function holdsLargeNumber(value: unknown, depth = 1): boolean {
  if (typeof value === 'number') return !(value < 9007199254740992 && value > -9007199254740992);
  if (typeof value !== 'object' || value === null) return false;
  // Deeper than a record may nest: the record is invalid anyway (`record-nesting.ts`), and
  // recursing on would overflow the stack.
  if (depth > MAX_RECORD_NESTING) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (holdsLargeNumber(value[i], depth + 1)) return true;
    return false;
  }
  for (const name in value) if (holdsLargeNumber((value as Record<string, unknown>)[name], depth + 1)) return true;
  return false;
}

/** Sign, significant digits (no leading or trailing zeros) and decimal exponent of number text. */
function decimalParts(text: string): { negative: boolean; digits: string; exponent: number } | null {
  const match = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (match === null) return null;
  const whole = match[2] ?? '';
  const fraction = match[3] ?? '';
  let digits = whole + fraction;
  let exponent = Number(match[4] ?? '0') - fraction.length;
  const lead = /^0*/.exec(digits)![0].length;
  digits = digits.slice(lead);
  const trimmed = digits.replace(/0+$/, '');
  exponent += digits.length - trimmed.length;
  return { negative: match[1] === '-', digits: trimmed, exponent: trimmed === '' ? 0 : exponent };
}

/**
 * True when the number literal `literal` denotes exactly the decimal value that the double it was
 * read as prints as (`String(value)`, the shortest text that reads back as that double): then no
 * other literal reads as the same number with a different meaning. `9007199254740992` and `1e300`
 * are exact; `9007199254740993`, `1e400` (infinite) and `1e-400` (zero) are not.
 */
export function isExactLiteral(literal: string, value: number = Number(literal)): boolean {
  if (!Number.isFinite(value)) return false;
  const written = decimalParts(literal);
  const read = decimalParts(String(value).replace('e+', 'e'));
  if (written === null || read === null) return false;
  if (written.digits === '' && read.digits === '') return true; // zero, however written
  return written.negative === read.negative && written.digits === read.digits && written.exponent === read.exponent;
}

/**
 * jsonc-parser's `SyntaxKind` token numbers (a `const enum` in its types, which isolated modules
 * may not read): only those `findInexactLiterals` acts on.
 */
const TOKEN = { openBrace: 1, closeBrace: 2, openBracket: 3, closeBracket: 4, comma: 5, string: 10, number: 11, eof: 17 } as const;

/** A list or object being scanned by `findInexactLiterals`: where its current value is. */
type ScanFrame = { list: true; index: number } | { list: false; key: string; expectingKey: boolean };

/**
 * Every number literal of the JSON text `text` whose value no double holds exactly, with its
 * path and line. `text` must be valid JSON (it was given to `JSON.parse` first). Of a key written
 * twice in one object the later literal wins, as in `JSON.parse`.
 *
 * Why a token scan with a stack of its own (jsonc-parser's scanner) and not its recursive `visit`:
 * a document that also holds a record nested tens of thousands of levels deep (hostile data, which
 * the record pipeline reports as invalid) overflowed the call stack here and ended the whole run.
 */
export function findInexactLiterals(text: string): InexactLiteral[] {
  const found = new Map<string, InexactLiteral>();
  const scanner = createScanner(text, true);
  const stack: ScanFrame[] = [];
  const path = (): JsonPathStep[] => stack.map((frame) => (frame.list ? frame.index : frame.key));
  for (let token: number = scanner.scan(); token !== TOKEN.eof; token = scanner.scan()) {
    const top = stack[stack.length - 1];
    switch (token) {
      case TOKEN.openBrace:
        stack.push({ list: false, key: '', expectingKey: true });
        break;
      case TOKEN.openBracket:
        stack.push({ list: true, index: 0 });
        break;
      case TOKEN.closeBrace:
      case TOKEN.closeBracket:
        stack.pop();
        break;
      case TOKEN.comma:
        if (top?.list) top.index++;
        else if (top) top.expectingKey = true;
        break;
      case TOKEN.string:
        if (top && !top.list && top.expectingKey) {
          top.key = scanner.getTokenValue();
          top.expectingKey = false;
        }
        break;
      case TOKEN.number: {
        const literal = text.slice(scanner.getTokenOffset(), scanner.getTokenOffset() + scanner.getTokenLength());
        if (isExactLiteral(literal)) break;
        const at = path();
        found.set(JSON.stringify(at), { path: at, literal, line: scanner.getTokenStartLine() + 1 });
        break;
      }
      default:
        break;
    }
  }
  return [...found.values()];
}

/** The value at `path` in `value` (own properties only), or undefined. */
function valueAt(value: unknown, path: readonly JsonPathStep[]): unknown {
  let current = value;
  for (const step of path) {
    if (current === null || typeof current !== 'object' || !Object.prototype.hasOwnProperty.call(current, step)) return undefined;
    current = (current as Record<string, unknown>)[step as string];
  }
  return current;
}

/** `id`, `meta.n`, `tags[2]`: a path as messages show it. */
function pathText(path: readonly JsonPathStep[]): string {
  let text = '';
  for (const step of path) {
    if (typeof step === 'number') text += `[${step}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(step)) text += text === '' ? step : `.${step}`;
    else text += `[${JSON.stringify(step)}]`;
  }
  return text;
}

/** Same steps (a path read by a `select` line, parsed, against a literal's path). */
function sameSteps(a: readonly JsonPathStep[], b: readonly JsonPathStep[]): boolean {
  return a.length === b.length && a.every((step, i) => String(step) === String(b[i]));
}

/** True when `prefix` is a prefix of `path`, or the other way round. */
function overlaps(a: readonly JsonPathStep[], b: readonly JsonPathStep[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (String(a[i]) !== String(b[i])) return false;
  return true;
}

/** Splits a dotted path of a `select` line (`meta.n`, `tags[0]`, `a["b c"]`) into steps, or null. */
function pathSteps(path: string): JsonPathStep[] | null {
  if (path === '') return [];
  const steps: JsonPathStep[] = [];
  const pattern = /(?:^|\.)([^.[\]]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  let at = 0;
  while (at < path.length) {
    pattern.lastIndex = at;
    const match = pattern.exec(path);
    if (match === null) return null;
    if (match[1] !== undefined) steps.push(match[1]);
    else if (match[2] !== undefined) steps.push(Number(match[2]));
    else steps.push(JSON.parse(match[3]!) as string);
    at = pattern.lastIndex;
  }
  return steps;
}

/**
 * How one source settles the inexact numbers of its records (see the module comment): built
 * once per read from the source's `fields` and `select`.
 */
export class ExactNumberReading {
  constructor(private readonly source: IrSource) {}

  private declaredString(name: string): boolean {
    const fields = this.source.fields;
    if (fields === null) return false;
    for (let i = fields.length - 1; i >= 0; i--) if (fields[i]!.name === name) return fields[i]!.type === 'string';
    return false;
  }

  /**
   * True when the value at `path` of a raw record may be read as its digits' text: it is a
   * top-level field declared `string`; with `select`, a plain path line takes it into a field
   * declared `string` and no other line reads it (an expression would compute with the text).
   */
  private carriesText(path: readonly JsonPathStep[]): boolean {
    const select = this.source.select;
    if (select === null) return path.length === 1 && typeof path[0] === 'string' && this.declaredString(path[0]);
    let taken = false;
    for (const line of select) {
      const plain = line.plainPath === null ? null : pathSteps(line.plainPath);
      const takesIt = plain !== null && sameSteps(plain, path) && this.declaredString(line.name);
      if (takesIt) {
        taken = true;
        continue;
      }
      for (const read of line.reads) {
        const steps = pathSteps(read);
        if (steps === null || overlaps(steps, path)) return false;
      }
    }
    return taken;
  }

  /**
   * Settles the inexact literals found in one record (paths relative to the record): each one
   * is replaced, in place, by its text; null when the source carries all of them as text, else
   * the problem (`field id: the number 9007199254740993 …`): the record is then to be reported,
   * not read, and serves only as the guess its key is withheld by.
   */
  settle(record: RawRecord, literals: readonly { path: JsonPathStep[]; literal: string }[]): string | null {
    const problems: string[] = [];
    for (const { path, literal } of literals) {
      const parent = valueAt(record, path.slice(0, -1));
      const last = path[path.length - 1];
      // (a literal under a key written twice, overridden by the later one, is no value of the record)
      if (last === undefined || parent === null || typeof parent !== 'object') continue;
      const read = (parent as Record<string, unknown>)[last as string];
      if (typeof read !== 'number' || read !== Number(literal)) continue;
      // The digits as text in every case: a record that cannot be read is kept only as the
      // guess its key is withheld by (`UnreadableRecord.salvaged`), and that key must be the
      // one written, not another record's.
      (parent as Record<string, unknown>)[last as string] = literal;
      if (this.carriesText(path)) continue;
      const where = pathText(path);
      const how =
        this.source.select === null && path.length === 1
          ? `declare the field string (fields { ${where}: string }) to keep its digits as text, or quote the value at the source`
          : `take it only by a plain select line (name = ${where}) into a field declared string, or quote the value at the source`;
      problems.push(`field ${where}: the number ${literal} cannot be read exactly (it would read as ${String(read)}); ${how}`);
    }
    return problems.length === 0 ? null : problems.join('; ');
  }
}

/**
 * `JSON.parse(text)` with every number literal no double holds exactly replaced by its text
 * (`"9007199254740993"`), wherever it is: what the file writers check their edited text against,
 * the records they hold being read so (`settle` puts every such literal's text in its record).
 */
export function parseWithExactText(text: string): unknown {
  const value = JSON.parse(text) as unknown;
  if (!holdsLargeNumber(value)) return value;
  for (const { path, literal } of findInexactLiterals(text)) {
    if (path.length === 0) return literal;
    const parent = valueAt(value, path.slice(0, -1));
    const last = path[path.length - 1]!;
    if (parent === null || typeof parent !== 'object') continue;
    const read = (parent as Record<string, unknown>)[last as string];
    if (typeof read === 'number' && read === Number(literal)) (parent as Record<string, unknown>)[last as string] = literal;
  }
  return value;
}

/** A record whose inexact numbers the source cannot carry: what the connector reports. */
export interface InexactRecordProblem {
  /** `field id: the number 9007199254740993 cannot be read exactly …` */
  detail: string;
  /** The 1-based line of its first inexact literal in the text. */
  line: number;
}

/**
 * Settles the records `items` (the list at `itemsPath` of the document parsed from `text`) with
 * `reading`: when one holds a large number, the text is scanned once for inexact literals, each
 * record's are settled in place, and the records that cannot be read are returned by index.
 * Empty (and no scan) in the common case. `itemsPath`: the dotted path of the list (undefined or
 * '' for the document itself).
 */
export function settleDocumentItems(
  reading: ExactNumberReading,
  text: string,
  items: readonly unknown[],
  itemsPath: string | undefined,
): Map<number, InexactRecordProblem> {
  const problems = new Map<number, InexactRecordProblem>();
  let suspect = false;
  for (let i = 0; i < items.length && !suspect; i++) suspect = holdsLargeNumber(items[i]);
  if (!suspect) return problems;
  const prefix = itemsPath ? itemsPath.split('.') : [];
  const byItem = new Map<number, InexactLiteral[]>();
  for (const found of findInexactLiterals(text)) {
    if (found.path.length <= prefix.length + 1 || !prefix.every((step, i) => String(found.path[i]) === step)) continue;
    const index = found.path[prefix.length];
    if (typeof index !== 'number') continue;
    const relative = { ...found, path: found.path.slice(prefix.length + 1) };
    const list = byItem.get(index);
    if (list === undefined) byItem.set(index, [relative]);
    else list.push(relative);
  }
  for (const [index, literals] of byItem) {
    const item = items[index];
    if (item === null || typeof item !== 'object' || Array.isArray(item)) continue;
    const detail = reading.settle(item as RawRecord, literals);
    if (detail !== null) problems.set(index, { detail, line: literals[0]!.line });
  }
  return problems;
}

/**
 * Settles one record parsed from its own text (a JSON Lines line): null when it holds no inexact
 * number the source cannot carry (carried ones are replaced by their text in place), else the
 * problem.
 */
export function settleLineRecord(reading: ExactNumberReading, text: string, record: RawRecord): string | null {
  if (!holdsLargeNumber(record)) return null;
  const literals = findInexactLiterals(text);
  return literals.length === 0 ? null : reading.settle(record, literals);
}
