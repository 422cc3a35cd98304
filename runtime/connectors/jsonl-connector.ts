/**
 * `jsonl(path)`: reads a file of one JSON object per line (JSON Lines / NDJSON).
 *
 * Why streamed line by line: such files are often appended logs or exports far larger than
 * memory allows as one document. A line that is not a JSON object is an unreadable record with
 * its line number (the other lines are still read); blank lines are skipped and are not records.
 * So is a line holding a number no double holds exactly (beyond 2^53) in a field not declared
 * `string` (`exact-json-numbers.ts`).
 * Lines may end with `\n` or `\r\n`. The file must be UTF-8: bytes that are not stop the read,
 * naming the first bad line (`utf8-text.ts` says why not an invalid item per line).
 */
import { createReadStream } from 'node:fs';
import type { IrSource } from '../../language/ir/ir-types.js';
import type { Connector, ConnectorContext, ConnectorFactory, RawRecord, RecordBatch } from './connector.js';
import { BatchBuilder, describeKind, fileError, readOptions, resolveSourceFile, throwIfAborted } from './connector-support.js';
import { ExactNumberReading, settleLineRecord } from './exact-json-numbers.js';
import { jsonSyntaxError } from './json-syntax-error.js';
import { NotUtf8Error, notUtf8FileError, Utf8ChunkDecoder } from './utf8-text.js';

const CHUNK_BYTES = 64 * 1024;

class JsonlConnector implements Connector {
  readonly canWrite = true;

  constructor(
    private readonly source: IrSource,
    private readonly context: ConnectorContext,
  ) {}

  async *read(): AsyncGenerator<RecordBatch> {
    const { source, context } = this;
    readOptions(source, context, {});
    const absolute = await resolveSourceFile(source, context);
    const file = source.connector.path ?? absolute;
    const builder = new BatchBuilder();
    const exact = new ExactNumberReading(source);
    let line = 0;
    let position = 0;
    let carry = '';

    const takeLine = (text: string) => {
      line++;
      const content = text.charCodeAt(text.length - 1) === 13 ? text.slice(0, -1) : text;
      if (content.trim() === '') return;
      position++;
      const origin = { position, line };
      let value: unknown;
      try {
        value = JSON.parse(content);
      } catch (error) {
        const { offset, detail } = jsonSyntaxError(content, error);
        const column = offset === null ? '' : ` at column ${offset + 1}`;
        builder.addUnreadable({ origin, error: `${file}:${line}: not valid JSON: ${detail}${column}` });
        return;
      }
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        const problem = settleLineRecord(exact, content, value as RawRecord);
        if (problem === null) builder.add(value as RawRecord, origin);
        else builder.addUnreadable({ origin, error: `${file}:${line}: ${problem}`, salvaged: value as RawRecord });
      } else builder.addUnreadable({ origin, error: `${file}:${line}: the line holds ${describeKind(value)}, not an object` });
    };

    // Bytes, decoded strictly: a file that is not UTF-8 stops the read (see `utf8-text.ts`).
    const stream = createReadStream(absolute, { highWaterMark: CHUNK_BYTES });
    const decoder = new Utf8ChunkDecoder();
    try {
      let first = true;
      for await (const data of stream) {
        throwIfAborted(source, context);
        let chunk = decoder.write(data as Buffer);
        if (chunk === '') continue;
        if (first && chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
        first = false;
        let start = 0;
        for (let lf = chunk.indexOf('\n'); lf >= 0; lf = chunk.indexOf('\n', start)) {
          const text = chunk.slice(start, lf);
          if (carry !== '') {
            takeLine(carry + text);
            carry = '';
          } else takeLine(text);
          start = lf + 1;
          if (builder.full) yield builder.take();
        }
        carry += chunk.slice(start);
      }
      carry += decoder.end(); // '' (the decoder holds back only part of a character)
      if (carry !== '') takeLine(carry);
    } catch (error) {
      if (error instanceof NotUtf8Error) throw await notUtf8FileError(source, file, absolute, context.signal);
      throw fileError(source, error);
    } finally {
      stream.destroy();
    }
    if (!builder.empty) yield builder.take();
  }
}

/** The `jsonl` connector factory. */
export const createJsonlConnector: ConnectorFactory = (source: IrSource, context: ConnectorContext) => new JsonlConnector(source, context);
