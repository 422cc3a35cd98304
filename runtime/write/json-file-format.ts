/**
 * Rewriting a JSON file (`json(path, items: "data.rows")`) with the least change.
 *
 * Why splice text rather than re-serialise: only the list of records changes, so everything
 * else — the document around the list (`items` path), the indentation, the spacing between
 * elements, the key order and number spelling of untouched records — keeps its bytes. The list
 * is rebuilt from the original element texts: an untouched record is copied, an updated one is
 * edited value by value (`json-text-edits.ts`), a deleted one is left out with its separator,
 * and a created one is appended after the last element in the style of the others (one per line
 * with their indentation, or all on one line when the file writes them so).
 *
 * The records are read with `JSON.parse`, exactly as the connector reads them (`readJsonItems`:
 * numbers beyond double precision too); `jsonc-parser` gives the offsets of the list and its
 * elements.
 */
import { visit } from 'jsonc-parser';
import { ConnectorError, type RawRecord } from '../connectors/connector.js';
import type { IrSource } from '../../language/ir/ir-types.js';
import { findInexactLiterals, parseWithExactText } from '../connectors/exact-json-numbers.js';
import { parseJsonDocument, readJsonItems } from '../connectors/json-connector.js';
import { isPlainObject, setOwn } from '../expressions/own-properties.js';
import type { FileDocument, FileFormat, FileFormatInput } from './file-writer.js';
import { detectJsonStyle, detectSpacing, editRecordText, stringifyMultiLine, stringifyOneLine, type JsonStyle } from './json-text-edits.js';
import { sameValue, type RawEdit } from './raw-record-edits.js';
import { WriteError } from './writer.js';

interface Element {
  /** Index into the list's original elements, or -1 for an appended record. */
  original: number;
  value: unknown;
  /** The element's current text. */
  text: string;
  removed: boolean;
}

/** The indentation of the line `offset` is on, when only whitespace precedes it there; else ''. */
export function lineIndentBefore(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const before = text.slice(lineStart, offset);
  return /^[ \t]*$/.test(before) ? before : '';
}

/** The leading whitespace of the line `offset` is on. */
function lineIndentOf(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/** Where the list of records is in the text: its brackets and each element's range. */
export interface ListLocation {
  /** Offset of `[`. */
  offset: number;
  /** Through `]`. */
  length: number;
  children: { offset: number; length: number }[];
}

/**
 * Finds the list at the dotted `items` path and the ranges of its elements, with one pass of
 * `jsonc-parser`'s scanner (no tree of the whole document is built). Of duplicate keys on the
 * path the last one wins, as in `JSON.parse`.
 */
export function locateList(text: string, itemsPath: string | undefined): ListLocation | undefined {
  const target: (string | number)[] = itemsPath ? itemsPath.split('.') : [];
  let depth = 0;
  let inner = -1; // depth inside the target list while in it
  let current: ListLocation | undefined;
  let found: ListLocation | undefined;
  let childStart = -1;
  const matches = (path: (string | number)[]): boolean =>
    path.length === target.length && path.every((segment, i) => String(segment) === String(target[i]));
  const begin = (offset: number, pathSupplier: () => (string | number)[], isArray: boolean): void => {
    if (inner >= 0 && depth === inner) childStart = offset;
    depth++;
    if (isArray && inner < 0 && depth - 1 === target.length && matches(pathSupplier())) {
      current = { offset, length: 0, children: [] };
      inner = depth;
    }
  };
  const end = (offset: number, length: number): void => {
    depth--;
    if (inner >= 0 && depth === inner && childStart >= 0) {
      current!.children.push({ offset: childStart, length: offset + length - childStart });
      childStart = -1;
    } else if (inner >= 0 && depth === inner - 1) {
      current!.length = offset + length - current!.offset;
      found = current;
      inner = -1;
    }
  };
  visit(
    text,
    {
      onObjectBegin: (offset, _length, _line, _column, pathSupplier) => begin(offset, pathSupplier, false),
      onArrayBegin: (offset, _length, _line, _column, pathSupplier) => begin(offset, pathSupplier, true),
      onObjectEnd: (offset, length) => end(offset, length),
      onArrayEnd: (offset, length) => end(offset, length),
      onLiteralValue: (_value, offset, length) => {
        if (inner >= 0 && depth === inner) current!.children.push({ offset, length });
      },
    },
    { disallowComments: true, allowTrailingComma: false },
  );
  return found;
}

/** The value at a dotted path (own properties, list indexes), or undefined. */
function itemsAtPath(document: unknown, itemsPath: string | undefined): unknown {
  let current = document;
  for (const name of itemsPath ? itemsPath.split('.') : []) {
    if (Array.isArray(current) && /^(?:0|[1-9][0-9]*)$/.test(name)) current = current[Number(name)];
    else if (isPlainObject(current) && Object.prototype.hasOwnProperty.call(current, name)) current = current[name];
    else return undefined;
  }
  return current;
}

/** `document` with the value at `path` replaced (the containers on the way are changed in place). */
function replaceAt(document: unknown, path: readonly string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const parent = itemsAtPath(document, path.slice(0, -1).join('.') || undefined);
  const last = path[path.length - 1];
  if (Array.isArray(parent)) parent[Number(last)] = value;
  else if (isPlainObject(parent)) setOwn(parent, last, value);
  return document;
}

class JsonDocument implements FileDocument {
  private readonly elements: Element[];
  private readonly style: JsonStyle;
  /** Elements each on their own line(s). */
  private readonly listMultiLine: boolean;
  /** Records spread over several lines (pretty-printed), not one line each. */
  private readonly recordMultiLine: boolean;
  /** Indentation of each element's line (new elements use the first one's). */
  private readonly elementIndent: string;
  private readonly listIndent: string;
  private readonly separators: string[];
  private readonly count: number;

  constructor(
    private readonly bom: string,
    private readonly body: string,
    private readonly list: ListLocation,
    values: readonly unknown[],
    private readonly itemsPath: string | undefined,
    private readonly source: IrSource,
    /** Indexes of the records that cannot be read exactly (`readJsonItems`): never matched by key. */
    private readonly unreadable: ReadonlySet<number>,
  ) {
    const children = list.children;
    this.count = children.length;
    this.elements = children.map((child, i) => ({
      original: i,
      value: values[i],
      text: body.slice(child.offset, child.offset + child.length),
      removed: false,
    }));
    const first = children[0];
    this.style = { ...detectJsonStyle(body), ...detectSpacing(first !== undefined ? this.elements[0].text : body) };
    this.listIndent = lineIndentOf(body, list.offset);
    const document = body.trim();
    this.listMultiLine = first !== undefined ? body.slice(list.offset, first.offset).includes('\n') : document.includes('\n');
    this.recordMultiLine = first !== undefined ? this.elements[0].text.includes('\n') : document.includes('\n');
    this.elementIndent = first !== undefined ? lineIndentBefore(body, first.offset) : this.listIndent + this.style.indent;
    this.separators = children.slice(0, -1).map((child, i) => body.slice(child.offset + child.length, children[i + 1].offset));
  }

  get length(): number {
    return this.count;
  }

  forEachRecord(visit: (index: number, raw: RawRecord | null) => void): void {
    for (let i = 0; i < this.count; i++) {
      const value = this.elements[i].value;
      visit(i, isPlainObject(value) && !this.unreadable.has(i) ? value : null);
    }
  }

  recordAt(index: number): RawRecord | null {
    const element = this.elements[index];
    return element && !element.removed && isPlainObject(element.value) ? element.value : null;
  }

  replace(index: number, raw: RawRecord, edits: readonly RawEdit[]): void {
    const element = this.elements[index];
    const before = element.value as RawRecord;
    const base = element.original >= 0 ? lineIndentBefore(this.body, this.list.children[element.original].offset) : this.elementIndent;
    element.text = editRecordText(element.text, before, raw, edits, this.style, base);
    element.value = raw;
  }

  remove(index: number): void {
    this.elements[index].removed = true;
  }

  append(raw: RawRecord): number {
    const text = this.recordMultiLine ? stringifyMultiLine(raw, this.style, this.elementIndent) : stringifyOneLine(raw, this.style);
    this.elements.push({ original: -1, value: raw, text, removed: false });
    return this.elements.length - 1;
  }

  render(): string {
    const spliced = this.renderSpliced();
    const expected = this.elements.filter((element) => !element.removed).map((element) => element.value);
    if (this.holds(spliced, expected)) return this.bom + spliced;
    // Never write a document that does not hold exactly the intended records: print it whole —
    // unless it holds numbers no double holds exactly, which printing would change (their
    // records hold their digits as text: they would be printed as strings).
    const inexact = findInexactLiterals(this.body)[0];
    if (inexact !== undefined) {
      throw new WriteError(
        `source ${this.source.name}: cannot rewrite the file without changing the number ${inexact.literal} (beyond double precision) it holds; nothing was written`,
        false,
      );
    }
    const document = JSON.parse(this.body) as unknown;
    const whole = this.itemsPath === undefined || this.itemsPath === '' ? expected : replaceAt(document, this.itemsPath.split('.'), expected);
    return this.bom + JSON.stringify(whole, null, this.style.indent).split('\n').join(this.style.eol) + (this.body.endsWith('\n') ? this.style.eol : '');
  }

  /** Whether `text` holds exactly the records `expected`, read as the connector reads them. */
  private holds(text: string, expected: unknown[]): boolean {
    try {
      return sameValue(itemsAtPath(parseWithExactText(text), this.itemsPath), expected);
    } catch {
      return false;
    }
  }

  private renderSpliced(): string {
    const { body, list } = this;
    const children = list.children;
    const open = body.slice(0, list.offset + 1);
    const close = body.slice(list.offset + list.length - 1);
    const kept = this.elements.filter((element) => !element.removed);
    if (kept.length === 0) return open + close;
    const defaultSeparator =
      this.separators[0] ?? (this.listMultiLine ? `,${this.style.eol}${this.elementIndent}` : this.style.commaSpace ? ', ' : ',');
    const lead = children.length > 0 ? body.slice(list.offset + 1, children[0].offset) : this.listMultiLine ? this.style.eol + this.elementIndent : '';
    const last = children[children.length - 1];
    const trail = last !== undefined ? body.slice(last.offset + last.length, list.offset + list.length - 1) : this.listMultiLine ? this.style.eol + this.listIndent : '';
    let inner = '';
    kept.forEach((element, k) => {
      if (k > 0) {
        const previous = kept[k - 1];
        inner += previous.original >= 0 && previous.original < this.separators.length ? this.separators[previous.original] : defaultSeparator;
      }
      inner += element.text;
    });
    return open + lead + inner + trail + close;
  }
}

/** The `json` format: the list at the top level, or at the dotted `items` path. */
export const jsonFileFormat: FileFormat = {
  kind: 'json',
  options: { items: 'string' },
  parse(input: FileFormatInput): FileDocument {
    const { source, file } = input;
    const bom = input.text.charCodeAt(0) === 0xfeff ? '\ufeff' : '';
    const body = bom ? input.text.slice(1) : input.text;
    const itemsPath = input.options.get('items') as string | undefined;
    let values: unknown[];
    let unreadable: ReadonlySet<number>;
    try {
      // read as the connector reads them, numbers beyond double precision included, so that the
      // key index finds the records the plan saw
      const read = readJsonItems(source, body, parseJsonDocument(source, body), itemsPath);
      values = read.items;
      unreadable = new Set(read.problems.keys());
    } catch (error) {
      if (error instanceof ConnectorError) throw new WriteError(error.message, false);
      throw error;
    }
    const list = locateList(body, itemsPath);
    if (list === undefined || list.children.length !== values.length) {
      throw new WriteError(`source ${source.name}: ${file}: cannot locate the list of records in the text (duplicate keys on the items path?)`, false);
    }
    return new JsonDocument(bom, body, list, values, itemsPath, source, unreadable);
  },
};
