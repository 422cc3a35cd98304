/**
 * `yaml(path, items: "data.rows")`: reads a YAML file holding a list of records, at the top level
 * or at the dotted `items` path — like `json`, with the `yaml` package (YAML 1.2 core schema:
 * timestamps stay text, so coercion decides what a datetime is).
 *
 * A file of several documents (separated by `---`, as `kubectl`, `kustomize build` and `helm
 * template` write manifests) is read as one list: each document is a record, or a list of records
 * (with `items`: the list at that path in each document); empty documents are skipped. Records
 * are numbered through the whole file. Such a file is read-only (the yaml writer refuses to
 * rewrite it).
 *
 * Numbers no double holds exactly (`9007199254740993`: the `yaml` package reads it as the nearest
 * double, as `JSON.parse` does) are read as the json connector reads them (`exact-json-numbers.ts`):
 * as their text in a field declared `string`, else the record is invalid.
 *
 * Why the document API: besides values it gives node ranges, so every record carries the line it
 * starts on, and a syntax error names `file:line:col`.
 */
import type { Node as YamlNode } from 'yaml';
import type { IrSource } from '../../language/ir/ir-types.js';
import { isPlainObject } from '../expressions/own-properties.js';
import { ConnectorError, type Connector, type ConnectorContext, type ConnectorFactory, type RecordBatch } from './connector.js';
import { batchesOfItems, itemsAt, readOptions, resolveSourceFile, sourceLabel } from './connector-support.js';
import { ExactNumberReading, type InexactRecordProblem } from './exact-json-numbers.js';
import { readUtf8File } from './utf8-text.js';

class YamlConnector implements Connector {
  readonly canWrite = true;

  constructor(
    private readonly source: IrSource,
    private readonly context: ConnectorContext,
  ) {}

  async *read(): AsyncGenerator<RecordBatch> {
    const { source, context } = this;
    const options = readOptions(source, context, { items: 'string' });
    const itemsPath = options.get('items') as string | undefined;
    const absolute = await resolveSourceFile(source, context);
    const file = source.connector.path ?? absolute;
    let text = await readUtf8File(source, file, absolute, context.signal);
    // A UTF-8 byte order mark (Windows editors write one) is no content; the `yaml` package
    // reads one before a top-level list as an error ("Unexpected scalar at node end").
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    // The `yaml` package (≈ 260 KB) is imported on first read: a plan of other sources never loads it.
    const { findSequence, LineCounter, parseAllDocuments, settleYamlRecord } = await import('./yaml-sequence.js');
    const exact = new ExactNumberReading(source);
    /** The records (by index) holding a number no double holds exactly that the source does not carry as text. */
    const settle = (items: readonly unknown[], nodeOf: (index: number) => unknown, lineOf: (index: number) => number | undefined): Map<number, InexactRecordProblem> => {
      const problems = new Map<number, InexactRecordProblem>();
      items.forEach((item, i) => {
        if (!isPlainObject(item)) return;
        const detail = settleYamlRecord(exact, nodeOf(i), item);
        if (detail !== null) problems.set(i, { detail, line: lineOf(i) ?? 0 });
      });
      return problems;
    };
    const lineCounter = new LineCounter();
    const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false });
    for (const document of documents) {
      const problem = document.errors[0];
      if (!problem) continue;
      const pos = problem.linePos?.[0] ?? lineCounter.linePos(problem.pos[0]);
      const detail = problem.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      throw new ConnectorError(`${sourceLabel(source)}: ${file}:${pos.line}:${pos.col}: not valid YAML: ${detail}`, source.connector.at);
    }
    const valueOf = (document: (typeof documents)[number]): unknown => {
      try {
        return document.toJS(); // the default alias limit stops exponential expansion ("billion laughs")
      } catch (error) {
        throw new ConnectorError(`${sourceLabel(source)}: ${file}: ${error instanceof Error ? error.message : String(error)}`, source.connector.at);
      }
    };
    const lineAt = (node: YamlNode | null | undefined): number | undefined => {
      const start = node?.range?.[0];
      return start === undefined ? undefined : lineCounter.linePos(start).line;
    };
    if (documents.length <= 1) {
      // one document (or none: an empty file, which holds no list)
      const document = documents[0];
      const items = itemsAt(source, document === undefined ? null : valueOf(document), itemsPath);
      const sequence = document === undefined ? null : findSequence(document.contents, itemsPath);
      const lineOf = (i: number) => lineAt(sequence?.items[i] as YamlNode | null | undefined);
      const problems = settle(items, (i) => sequence?.items[i], lineOf);
      yield* batchesOfItems(source, context, items, lineOf, { problems });
      return;
    }
    const items: unknown[] = [];
    const nodes: unknown[] = [];
    const lines: (number | undefined)[] = [];
    documents.forEach((document, n) => {
      const value = valueOf(document);
      if (value === null) return; // an empty document (a `---` with nothing after it)
      if (!itemsPath && !Array.isArray(value)) {
        items.push(value); // the document is the record
        nodes.push(document.contents);
        lines.push(lineAt(document.contents as YamlNode | null));
        return;
      }
      const listed = itemsAt(source, value, itemsPath, `${file} (document ${n + 1})`);
      const sequence = findSequence(document.contents, itemsPath);
      listed.forEach((item, i) => {
        items.push(item);
        nodes.push(sequence?.items[i]);
        lines.push(lineAt(sequence?.items[i] as YamlNode | null | undefined));
      });
    });
    const problems = settle(items, (i) => nodes[i], (i) => lines[i]);
    yield* batchesOfItems(source, context, items, (i) => lines[i], { problems });
  }
}

/** The `yaml` connector factory. */
export const createYamlConnector: ConnectorFactory = (source: IrSource, context: ConnectorContext) => new YamlConnector(source, context);
