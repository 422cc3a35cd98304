/**
 * `json(path, items: "data.rows")`: reads a JSON file holding a list of records, at the top level
 * or at the dotted `items` path.
 *
 * Why whole-file: a JSON document is only known to be valid once it is parsed to the end, and
 * V8's `JSON.parse` is the fastest parser available (hundreds of MB/s); records are still handed
 * on in batches. A file that is not JSON is a `ConnectorError` naming the file and the position
 * (`file:line:col`) of the parse error; an element of the list that is not an object is an
 * unreadable record.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseTolerant, type ParseError } from 'jsonc-parser';
import type { IrSource } from '../../language/ir/ir-types.js';
import { ConnectorError, type Connector, type ConnectorContext, type ConnectorFactory, type RecordBatch } from './connector.js';
import { batchesOfItems, fileError, itemsAt, readOptions, resolveSourceFile, sourceLabel } from './connector-support.js';

/** 1-based line and column of a character offset in `text`. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Where `JSON.parse` failed on `text` (a 0-based offset, or null when even that cannot be told)
 * and why, in one line: V8's message without its position and without the excerpt of the text
 * it quotes.
 *
 * Why: V8 gives a position for some errors only ("Expected ',' or '}' after property value in
 * JSON at position 6"); for others ("Unexpected token '}', ..."1,\n  "x": }\n" is not valid
 * JSON") it quotes a piece of the file instead — possibly spanning lines, so the error was not
 * one line, and without any location. Then `jsonc-parser`, in strict mode, locates the first
 * error: the same place, found by a well-kept parser rather than by hand.
 */
export function jsonSyntaxError(text: string, error: unknown): { offset: number | null; detail: string } {
  const message = error instanceof Error ? error.message : String(error);
  const match = /at position (\d+)/.exec(message);
  let offset: number | null = match ? Number(match[1]) : null;
  if (offset === null && /Unexpected end of JSON input/.test(message)) offset = text.length;
  if (offset === null) {
    const errors: ParseError[] = [];
    parseTolerant(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    if (errors.length > 0) {
      const { offset: at, length } = errors[0];
      // `nope`: jsonc-parser marks the word, V8 names the character it stopped at ('o')
      const token = /^Unexpected token '(.+?)'/.exec(message)?.[1];
      const named = token === undefined ? -1 : text.indexOf(token, at);
      offset = Math.min(named >= at && named < at + Math.max(length, 1) ? named : at, text.length);
    }
  }
  const detail = message
    .replace(/,\s*(?:\.\.\.)?"[\s\S]*" is not valid JSON$/, '')
    .replace(/ (?:in JSON )?at position \d+[\s\S]*$/, '')
    .split('\n')[0];
  return { offset, detail };
}

/**
 * Parses JSON text, turning a syntax error into a `ConnectorError` that names the file and the
 * line and column of the error (`jsonSyntaxError`).
 */
export function parseJsonDocument(source: IrSource, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const file = source.connector.path ?? source.connector.kind;
    const { offset, detail } = jsonSyntaxError(text, error);
    let where = file;
    if (offset !== null) {
      const { line, column } = lineColumnAt(text, offset);
      where = `${file}:${line}:${column}`;
    }
    throw new ConnectorError(`${sourceLabel(source)}: ${where}: not valid JSON: ${detail}`, source.connector.at);
  }
}

class JsonConnector implements Connector {
  readonly canWrite = true;

  constructor(
    private readonly source: IrSource,
    private readonly context: ConnectorContext,
  ) {}

  async *read(): AsyncGenerator<RecordBatch> {
    const { source, context } = this;
    const options = readOptions(source, context, { items: 'string' });
    const absolute = await resolveSourceFile(source, context);
    let text: string;
    try {
      text = await readFile(absolute, { encoding: 'utf8', signal: context.signal });
    } catch (error) {
      throw fileError(source, error);
    }
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const document = parseJsonDocument(source, text);
    const items = itemsAt(source, document, options.get('items') as string | undefined);
    yield* batchesOfItems(source, context, items);
  }
}

/** The `json` connector factory. */
export const createJsonConnector: ConnectorFactory = (source, context) => new JsonConnector(source, context);
