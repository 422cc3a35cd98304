/**
 * Rewriting a JSON Lines file (`jsonl(path)`) with the least change.
 *
 * Why line by line: the file is a sequence of lines, often an export or a log other tools
 * append to. Untouched lines — records, blank lines, lines that are not JSON objects — keep
 * their bytes and their order; an updated record is edited value by value on its line
 * (`json-text-edits.ts`); a deleted record's line goes away; a created record is appended as a
 * new last line, spaced like the file's first record. Lines end as the file's first line does
 * (`\n` or `\r\n`), and a file that did not end with a line break still does not.
 *
 * Lines are read as the connector reads them: a trailing `\r` is not part of the record, blank
 * lines are not records, a line that is not a JSON object is kept but never matched.
 */
import type { IrSource } from '../../language/ir/ir-types.js';
import type { RawRecord } from '../connectors/connector.js';
import { ExactNumberReading, settleLineRecord } from '../connectors/exact-json-numbers.js';
import { isPlainObject } from '../expressions/own-properties.js';
import type { FileDocument, FileFormat, FileFormatInput } from './file-writer.js';
import { detectSpacing, editRecordText, stringifyOneLine, type JsonStyle } from './json-text-edits.js';
import type { RawEdit } from './raw-record-edits.js';

interface Line {
  content: string;
  term: string;
  /** Index of the record entry on this line, or -1 (blank line). */
  entry: number;
}

interface Entry {
  value: unknown;
  /** Holds a number no double holds exactly that the source does not carry as text: never matched. */
  inexact?: true;
  text: string;
  removed: boolean;
  /** The line it is on, or -1 when appended. */
  line: number;
}

class JsonlDocument implements FileDocument {
  private readonly lines: Line[] = [];
  private readonly entries: Entry[] = [];
  private readonly count: number;
  private readonly style: JsonStyle;
  private readonly endsWithNewline: boolean;

  constructor(private readonly bom: string, body: string, source: IrSource) {
    const exact = new ExactNumberReading(source);
    let start = 0;
    let eol: string | null = null;
    while (start < body.length) {
      const lf = body.indexOf('\n', start);
      const end = lf < 0 ? body.length : lf + 1;
      let content = body.slice(start, lf < 0 ? body.length : lf);
      let term = lf < 0 ? '' : '\n';
      if (content.endsWith('\r')) {
        content = content.slice(0, -1);
        term = '\r' + term;
      }
      if (eol === null && term !== '' && term !== '\r') eol = term;
      let entry = -1;
      if (content.trim() !== '') {
        let value: unknown = null;
        try {
          value = JSON.parse(content);
        } catch {
          value = undefined;
        }
        entry = this.entries.length;
        // read as the connector reads it, numbers beyond double precision included
        if (isPlainObject(value) && settleLineRecord(exact, content, value) !== null) {
          this.entries.push({ value, inexact: true, text: content, removed: false, line: this.lines.length });
        } else this.entries.push({ value, text: content, removed: false, line: this.lines.length });
      }
      this.lines.push({ content, term, entry });
      start = end;
    }
    this.count = this.entries.length;
    this.endsWithNewline = body === '' || body.endsWith('\n');
    const sample = this.entries.find((entry) => isPlainObject(entry.value));
    this.style = { indent: '  ', eol: eol ?? '\n', ...detectSpacing(sample ? sample.text : '') };
  }

  get length(): number {
    return this.count;
  }

  forEachRecord(visit: (index: number, raw: RawRecord | null) => void): void {
    for (let i = 0; i < this.count; i++) {
      const entry = this.entries[i];
      visit(i, isPlainObject(entry.value) && entry.inexact !== true ? entry.value : null);
    }
  }

  recordAt(index: number): RawRecord | null {
    const entry = this.entries[index];
    return entry && !entry.removed && isPlainObject(entry.value) ? entry.value : null;
  }

  replace(index: number, raw: RawRecord, edits: readonly RawEdit[]): void {
    const entry = this.entries[index];
    entry.text = editRecordText(entry.text, entry.value as RawRecord, raw, edits, this.style, '');
    entry.value = raw;
  }

  remove(index: number): void {
    this.entries[index].removed = true;
  }

  append(raw: RawRecord): number {
    this.entries.push({ value: raw, text: stringifyOneLine(raw, this.style), removed: false, line: -1 });
    return this.entries.length - 1;
  }

  render(): string {
    const out: { content: string; term: string }[] = [];
    for (const line of this.lines) {
      if (line.entry < 0) out.push({ content: line.content, term: line.term });
      else {
        const entry = this.entries[line.entry];
        if (!entry.removed) out.push({ content: entry.text, term: line.term });
      }
    }
    for (const entry of this.entries) if (entry.line < 0 && !entry.removed) out.push({ content: entry.text, term: this.style.eol });
    let text = this.bom;
    out.forEach((line, i) => {
      const last = i === out.length - 1;
      text += line.content + (last ? (this.endsWithNewline ? line.term || this.style.eol : '') : line.term || this.style.eol);
    });
    return text;
  }
}

/** The `jsonl` format: no options. */
export const jsonlFileFormat: FileFormat = {
  kind: 'jsonl',
  options: {},
  parse(input: FileFormatInput): FileDocument {
    const bom = input.text.charCodeAt(0) === 0xfeff ? '\ufeff' : '';
    return new JsonlDocument(bom, bom ? input.text.slice(1) : input.text, input.source);
  },
};
