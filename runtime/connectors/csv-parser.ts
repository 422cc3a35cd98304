/**
 * The udsv parser of a CSV file: every value a string, exactly as written (no trimming, no
 * number or empty-value conversion), `"` quotes with `""` escapes, no header rows skipped.
 *
 * Why one function: the csv connector, the diff's fast path (re-reading rows by offset) and the
 * format-preserving csv writer must split rows the same way, or a row read by one would mean
 * something else to another.
 */
import { initParser, type Parser } from 'udsv';

/** A parser for rows of `columns` columns (at least two, see below). */
export function csvParser(columns: number, delimiter: string, rowDelimiter: string): Parser {
  // udsv drops a single-column row whose only value is quoted; rows of one column are given a
  // second, empty column by the callers, so the parser always has at least two.
  const count = Math.max(columns, 2);
  return initParser({
    col: delimiter,
    row: rowDelimiter,
    encl: '"',
    esc: '"',
    trim: false,
    skip: 0, // read by initParser though not in udsv's types: no header rows to skip
    cols: Array.from({ length: count }, (_, i) => ({
      name: String(i),
      type: 's' as const,
      repl: { empty: undefined, null: undefined, NaN: undefined },
    })),
  } as Parameters<typeof initParser>[0]);
}
