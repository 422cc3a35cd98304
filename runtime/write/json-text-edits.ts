/**
 * Editing the text of one JSON record (an element of a JSON list, a line of a JSON Lines file)
 * so that only the changed values change, and writing new records in the file's own style.
 *
 * Why text edits: re-serialising a whole document would re-indent hand-written files, reorder
 * nothing but still touch every line in a diff, and lose number spellings such as `1.50`.
 * `jsonc-parser` (the library behind VS Code's settings editor) computes minimal edits for one
 * path at a time: a changed value is replaced where it stands, a new property is inserted and
 * formatted with the file's indentation. Every result is checked by parsing it back; if it does
 * not hold exactly the intended record, the record is written whole in the file's style instead.
 */
import { applyEdits, modify, type FormattingOptions } from 'jsonc-parser';
import type { RawRecord } from '../connectors/connector.js';
import { parseWithExactText } from '../connectors/exact-json-numbers.js';
import { isPlainObject } from '../expressions/own-properties.js';
import type { PathSegment } from '../observe/field-path.js';
import { sameValue, type RawEdit } from './raw-record-edits.js';

/** How a file writes JSON: the indentation unit, the line ending, and the spacing of one-line objects. */
export interface JsonStyle {
  /** `'  '`, `'    '`, `'\t'`, ...: one level of indentation. */
  indent: string;
  eol: string;
  /** `{"a": 1}` rather than `{"a":1}`. */
  colonSpace: boolean;
  /** `{"a": 1, "b": 2}` rather than `{"a": 1,"b": 2}`. */
  commaSpace: boolean;
}

/** The style of a JSON text: its first indented line gives the unit, its first object the spacing. */
export function detectJsonStyle(text: string): JsonStyle {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indented = /\n([ \t]+)\S/.exec(text);
  const indent = indented ? (indented[1].startsWith('\t') ? '\t' : indented[1]) : '  ';
  return { indent, eol, ...detectSpacing(text) };
}

/** Spacing after `:` and `,` as the first ones in `text` (outside strings) have it. */
export function detectSpacing(text: string): { colonSpace: boolean; commaSpace: boolean } {
  let colonSpace: boolean | null = null;
  let commaSpace: boolean | null = null;
  let inString = false;
  for (let i = 0; i < text.length && (colonSpace === null || commaSpace === null); i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === ':' && colonSpace === null) colonSpace = text[i + 1] === ' ';
    else if (c === ',' && commaSpace === null && text[i + 1] !== '\n' && text[i + 1] !== '\r') commaSpace = text[i + 1] === ' ';
  }
  return { colonSpace: colonSpace ?? true, commaSpace: commaSpace ?? true };
}

/** A value on one line, spaced as `style` says. */
export function stringifyOneLine(value: unknown, style: Pick<JsonStyle, 'colonSpace' | 'commaSpace'>): string {
  const colon = style.colonSpace ? ': ' : ':';
  const comma = style.commaSpace ? ', ' : ',';
  const visit = (inner: unknown): string => {
    if (Array.isArray(inner)) return `[${inner.map((element) => visit(element === undefined ? null : element)).join(comma)}]`;
    if (isPlainObject(inner)) {
      return `{${Object.keys(inner)
        .filter((name) => inner[name] !== undefined)
        .map((name) => JSON.stringify(name) + colon + visit(inner[name]))
        .join(comma)}}`;
    }
    const text = JSON.stringify(inner);
    return text === undefined ? 'null' : text;
  };
  return visit(value);
}

/** A value over several lines: `style.indent` per level, continuation lines prefixed by `base`. */
export function stringifyMultiLine(value: unknown, style: Pick<JsonStyle, 'indent' | 'eol'>, base: string): string {
  return JSON.stringify(value, null, style.indent).split('\n').join(style.eol + base);
}

/** Whether `text` holds `expected`, numbers beyond double precision read as their text, as records hold them. */
function parsesTo(text: string, expected: unknown): boolean {
  try {
    return sameValue(parseWithExactText(text), expected);
  } catch {
    return false;
  }
}

function hasPath(record: unknown, path: readonly PathSegment[]): boolean {
  let current = record;
  for (const segment of path) {
    if (current === null || typeof current !== 'object' || !Object.prototype.hasOwnProperty.call(current, segment)) return false;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return true;
}

/**
 * The text of a record after `edits`, starting from its current `text`. `before` is the record
 * the text holds, `after` the record it must hold. `base` is the indentation of the line the
 * record starts on (its continuation lines are indented from it). One-line records stay on one
 * line.
 */
export function editRecordText(
  text: string,
  before: RawRecord,
  after: RawRecord,
  edits: readonly RawEdit[],
  style: JsonStyle,
  base: string,
): string {
  const multiLine = text.includes('\n');
  if (multiLine) {
    const formattingOptions: FormattingOptions = {
      insertSpaces: style.indent !== '\t',
      tabSize: style.indent === '\t' ? 1 : Math.max(1, style.indent.length),
      eol: style.eol,
    };
    let fragment = base + text;
    try {
      for (const edit of edits) {
        fragment = applyEdits(fragment, modify(fragment, edit.path, edit.remove ? undefined : edit.value, { formattingOptions }));
      }
      const edited = fragment.startsWith(base) ? fragment.slice(base.length) : null;
      if (edited !== null && parsesTo(edited, after)) return edited;
    } catch {
      // Fall through to writing the record whole.
    }
    return stringifyMultiLine(after, style, base);
  }
  // One line: values that exist are replaced in place; anything else rewrites the line.
  if (edits.every((edit) => !edit.remove && hasPath(before, edit.path))) {
    let edited = text;
    try {
      for (const edit of edits) {
        if (edit.remove) continue;
        edited = applyEdits(edited, modify(edited, edit.path, edit.value, {}));
      }
      if (!edited.includes('\n') && parsesTo(edited, after)) return edited;
    } catch {
      // Fall through.
    }
  }
  return stringifyOneLine(after, style);
}
