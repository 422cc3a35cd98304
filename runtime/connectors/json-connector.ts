/**
 * `json(path, items: "data.rows")`: reads a JSON file holding a list of records, at the top level
 * or at the dotted `items` path.
 *
 * Why whole-file: a JSON document is only known to be valid once it is parsed to the end, and
 * V8's `JSON.parse` is the fastest parser available (hundreds of MB/s); records are still handed
 * on in batches. A file that is not JSON is a `ConnectorError` naming the file and the position
 * (`file:line:col`) of the parse error; an element of the list that is not an object is an
 * unreadable record, and so is a record holding a number no double holds exactly (beyond 2^53)
 * in a field not declared `string` (`exact-json-numbers.ts`).
 */
import type { IrSource } from '../../language/ir/ir-types.js';
import { ConnectorError, type Connector, type ConnectorContext, type ConnectorFactory, type RecordBatch } from './connector.js';
import { batchesOfItems, itemsAt, readOptions, resolveSourceFile, sourceLabel } from './connector-support.js';
import { ExactNumberReading, settleDocumentItems, type InexactRecordProblem } from './exact-json-numbers.js';
import { readUtf8File } from './utf8-text.js';
import { notValidJson } from './json-syntax-error.js';

/**
 * Parses JSON text, turning a syntax error into a `ConnectorError` that names the file and the
 * line and column of the error (`jsonSyntaxError`).
 */
export function parseJsonDocument(source: IrSource, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const file = source.connector.path ?? source.connector.kind;
    throw new ConnectorError(`${sourceLabel(source)}: ${notValidJson(file, text, error)}`, source.connector.at);
  }
}

/** The records of a JSON document and those of them that cannot be read exactly (`readJsonItems`). */
export interface JsonItems {
  items: unknown[];
  /** By index into `items`: the records holding a number no double holds exactly that the source does not carry as text. */
  problems: Map<number, InexactRecordProblem>;
}

/**
 * The list of records at the dotted `itemsPath` of the JSON document `document`, parsed from
 * `text`, with its numbers read exactly (`exact-json-numbers.ts`): what every reader of a JSON
 * document — this connector, http, exec, the json writer's key index — must use, so that all
 * read the same records and keys. `label` as for `itemsAt`.
 */
export function readJsonItems(source: IrSource, text: string, document: unknown, itemsPath: string | undefined, label?: string): JsonItems {
  const items = itemsAt(source, document, itemsPath, label);
  return { items, problems: settleDocumentItems(new ExactNumberReading(source), text, items, itemsPath) };
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
    let text = await readUtf8File(source, source.connector.path ?? source.connector.kind, absolute, context.signal);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const document = parseJsonDocument(source, text);
    const { items, problems } = readJsonItems(source, text, document, options.get('items') as string | undefined);
    yield* batchesOfItems(source, context, items, undefined, { problems });
  }
}

/** The `json` connector factory. */
export const createJsonConnector: ConnectorFactory = (source, context) => new JsonConnector(source, context);
