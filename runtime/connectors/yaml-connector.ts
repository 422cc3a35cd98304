/**
 * `yaml(path, items: "data.rows")`: reads a YAML file holding a list of records, at the top level
 * or at the dotted `items` path — like `json`, with the `yaml` package (YAML 1.2 core schema:
 * timestamps stay text, so coercion decides what a datetime is).
 *
 * Why the document API: besides values it gives node ranges, so every record carries the line it
 * starts on, and a syntax error names `file:line:col`.
 */
import { readFile } from 'node:fs/promises';
import type { Node as YamlNode } from 'yaml';
import type { IrSource } from '../../language/ir/ir-types.js';
import { ConnectorError, type Connector, type ConnectorContext, type ConnectorFactory, type RecordBatch } from './connector.js';
import { batchesOfItems, fileError, itemsAt, readOptions, resolveSourceFile, sourceLabel } from './connector-support.js';

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
    let text: string;
    try {
      text = await readFile(absolute, { encoding: 'utf8', signal: context.signal });
    } catch (error) {
      throw fileError(source, error);
    }
    // The `yaml` package (≈ 260 KB) is imported on first read: a plan of other sources never loads it.
    const { findSequence, LineCounter, parseDocument } = await import('./yaml-sequence.js');
    const lineCounter = new LineCounter();
    const document = parseDocument(text, { lineCounter, prettyErrors: false });
    const problem = document.errors[0];
    if (problem) {
      const pos = problem.linePos?.[0] ?? lineCounter.linePos(problem.pos[0]);
      const detail = problem.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      throw new ConnectorError(`${sourceLabel(source)}: ${file}:${pos.line}:${pos.col}: not valid YAML: ${detail}`, source.connector.at);
    }
    let value: unknown;
    try {
      value = document.toJS(); // the default alias limit stops exponential expansion ("billion laughs")
    } catch (error) {
      throw new ConnectorError(`${sourceLabel(source)}: ${file}: ${error instanceof Error ? error.message : String(error)}`, source.connector.at);
    }
    const items = itemsAt(source, value, itemsPath);
    const sequence = findSequence(document.contents, itemsPath);
    yield* batchesOfItems(source, context, items, (i) => {
      const start = (sequence?.items[i] as YamlNode | null | undefined)?.range?.[0];
      return start === undefined ? undefined : lineCounter.linePos(start).line;
    });
  }
}

/** The `yaml` connector factory. */
export const createYamlConnector: ConnectorFactory = (source: IrSource, context: ConnectorContext) => new YamlConnector(source, context);
