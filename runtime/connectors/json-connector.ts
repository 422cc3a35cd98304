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
 * Parses JSON text, turning a syntax error into a `ConnectorError` that names the file and the
 * line and column V8 reported.
 */
export function parseJsonDocument(source: IrSource, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const file = source.connector.path ?? source.connector.kind;
    const match = /at position (\d+)/.exec(message);
    let where = file;
    let offset: number | null = match ? Number(match[1]) : null;
    if (offset === null && /Unexpected end of JSON input/.test(message)) offset = text.length;
    if (offset !== null) {
      const { line, column } = lineColumnAt(text, offset);
      where = `${file}:${line}:${column}`;
    }
    const detail = message.replace(/ in JSON at position \d+.*$/, '').replace(/, ".*" is not valid JSON$/, '');
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
