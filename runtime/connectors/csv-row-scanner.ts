/**
 * Finds where each CSV row starts and ends, on which line, and how many fields it has — without
 * extracting any value.
 *
 * Why it exists next to udsv: udsv parses well-formed CSV very fast but does not report malformed
 * input. A short row makes it read the next line into the current field, a long row is merged
 * into its last field, and an unterminated quote swallows the rest of the file — silently.
 * Recon must report such rows as unreadable records with their line (LANGUAGE.md 2.1: invalid
 * records are never dropped), so this scanner checks the structure first and only rows with the
 * right number of fields are handed to udsv, which does the actual parsing (unquoting,
 * escaped quotes, line breaks inside quotes).
 *
 * The scanner is resumable: feed it chunks of any size; a row may span chunks. Offsets are
 * absolute (counted from the start of the text), lines 1-based.
 */

const QUOTE = 34;
const LF = 10;
const CR = 13;

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_SEEN = 3; // a quote inside a quoted field: an escaped quote or the closing one
const CLOSED_CR = 4; // a carriage return right after a closing quote
const BAD = 5; // the row is malformed: skip to the end of the line

/**
 * How the error of a row whose quote is never closed begins: that row runs to the end of the
 * input, so, unlike other malformed rows, its fields cannot be told apart.
 */
export const UNTERMINATED_QUOTE = 'unterminated quoted field';

/**
 * True when a row's content (without its line terminator) holds a carriage return outside
 * quotes: a file whose lines end with `\r` alone (classic Mac OS, some spreadsheet exports).
 *
 * Why: lines end with `\n` or `\r\n`; read as such, a file of bare-CR line ends is one long row,
 * so its header swallows every data row and the file reads as no records at all — silently. The
 * csv connector and the fast path's planner check the first row with this and refuse the file.
 */
export function hasBareCarriageReturn(content: string): boolean {
  if (!content.includes('\r')) return false;
  let quoted = false;
  for (let i = 0; i < content.length; i++) {
    const c = content.charCodeAt(i);
    if (c === QUOTE) quoted = !quoted;
    else if (c === CR && !quoted) return true;
  }
  return false;
}

/** One complete row, reported by `CsvRowScanner`. */
export interface ScannedRow {
  /** Absolute offset of the row's first character. */
  start: number;
  /** Absolute offset just after its content (before `\n` or `\r\n`). */
  contentEnd: number;
  /** Absolute offset just after its line terminator (equal to `contentEnd` at end of input). */
  end: number;
  /** Number of fields (delimiters outside quotes + 1). */
  fields: number;
  /** 1-based line the row starts on. */
  line: number;
  /** Why the row is malformed, or null. */
  error: string | null;
}

/** Receives each complete row; the object is reused, so copy what must outlive the call. */
export type RowSink = (row: ScannedRow) => void;

/** A resumable structural scanner for RFC 4180 CSV with one delimiter and `"` quotes. */
export class CsvRowScanner {
  private state = FIELD_START;
  private fields = 1;
  private line = 1;
  private rowStart = 0;
  private rowLine = 1;
  private error: string | null = null;
  private offset = 0; // absolute offset of the next chunk
  private lastChunkEndedWithCR = false;
  private readonly row: ScannedRow = { start: 0, contentEnd: 0, end: 0, fields: 0, line: 0, error: null };

  constructor(private readonly delimiter: number) {}

  /** Absolute offset where the row in progress began (equal to `consumed` when none is). */
  get pendingRowStart(): number {
    return this.rowStart;
  }

  /** The 1-based line the scan has reached (where the row in progress ends, so far). */
  get currentLine(): number {
    return this.line;
  }

  /** Absolute offset after everything scanned so far. */
  get consumed(): number {
    return this.offset;
  }

  /** Scans the next chunk, reporting every row that ends in it. */
  scan(chunk: string, sink: RowSink): void {
    const d = this.delimiter;
    const n = chunk.length;
    const base = this.offset;
    let state = this.state;
    let i = 0;
    while (i < n) {
      let c = chunk.charCodeAt(i);
      switch (state) {
        case FIELD_START:
          if (c === QUOTE) state = QUOTED;
          else if (c === d) this.fields++;
          else if (c === LF) {
            this.endRow(chunk, base, i, sink);
          } else state = UNQUOTED;
          i++;
          break;
        case UNQUOTED:
          while (c !== d && c !== LF && ++i < n) c = chunk.charCodeAt(i);
          if (i < n) {
            if (c === d) {
              this.fields++;
              state = FIELD_START;
            } else {
              this.endRow(chunk, base, i, sink);
              state = FIELD_START;
            }
            i++;
          }
          break;
        case QUOTED: {
          const close = chunk.indexOf('"', i);
          const stop = close < 0 ? n : close;
          for (let lf = chunk.indexOf('\n', i); lf >= 0 && lf < stop; lf = chunk.indexOf('\n', lf + 1)) this.line++;
          if (close < 0) i = n;
          else {
            state = QUOTE_SEEN;
            i = close + 1;
          }
          break;
        }
        case QUOTE_SEEN:
          if (c === QUOTE) state = QUOTED;
          else if (c === d) {
            this.fields++;
            state = FIELD_START;
          } else if (c === LF) {
            this.endRow(chunk, base, i, sink);
            state = FIELD_START;
          } else if (c === CR) state = CLOSED_CR;
          else {
            this.error = 'unexpected text after a closing quote (a quote inside a quoted field is written "")';
            state = BAD;
          }
          i++;
          break;
        case CLOSED_CR:
          if (c === LF) {
            this.endRow(chunk, base, i, sink);
            state = FIELD_START;
          } else {
            this.error = 'unexpected carriage return after a closing quote';
            state = BAD;
          }
          i++;
          break;
        default: {
          // BAD
          const lf = chunk.indexOf('\n', i);
          if (lf < 0) i = n;
          else {
            this.endRow(chunk, base, lf, sink);
            state = FIELD_START;
            i = lf + 1;
          }
        }
      }
    }
    this.state = state;
    this.offset = base + n;
    if (n > 0) this.lastChunkEndedWithCR = chunk.charCodeAt(n - 1) === CR;
  }

  /** Reports the last row when the input does not end with a line break. */
  finish(sink: RowSink): void {
    const end = this.offset;
    if (this.rowStart >= end && this.state === FIELD_START) return;
    if (this.state === QUOTED) {
      this.error = `${UNTERMINATED_QUOTE} (it runs to the end of the file, so the rows after line ${this.rowLine} could not be read either)`;
    }
    const strip = this.state !== QUOTED && this.lastChunkEndedWithCR ? 1 : 0;
    this.emit(this.rowStart, end - strip, end, sink);
    this.state = FIELD_START;
  }

  private endRow(chunk: string, base: number, lfIndex: number, sink: RowSink): void {
    const crBefore = lfIndex > 0 ? chunk.charCodeAt(lfIndex - 1) === CR : this.lastChunkEndedWithCR;
    const lfAbs = base + lfIndex;
    const contentEnd = crBefore && lfAbs - 1 >= this.rowStart ? lfAbs - 1 : lfAbs;
    this.emit(this.rowStart, contentEnd, lfAbs + 1, sink);
    this.line++;
    this.rowLine = this.line;
    this.rowStart = lfAbs + 1;
  }

  private emit(start: number, contentEnd: number, end: number, sink: RowSink): void {
    const row = this.row;
    row.start = start;
    row.contentEnd = contentEnd;
    row.end = end;
    row.fields = this.fields;
    row.line = this.rowLine;
    row.error = this.error;
    this.fields = 1;
    this.error = null;
    sink(row);
  }
}
