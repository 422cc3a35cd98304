/**
 * Which factory builds the writer of each connector kind, and the one way to build one.
 *
 * Why a registry: the executor asks for "the writer of this policy's actual source" without
 * knowing the kinds; adding a writer is one line here. The file connectors write natively
 * (`file-writer.ts` with one format each); `http`, `postgres` and `exec` act on their systems at
 * once (`http-writer.ts`, `postgres-writer.ts`, `exec-writer.ts`). `inline` can never be written:
 * building one fails with a clear, non-transient `WriteError` instead of an unknown-kind crash.
 */
import type { IrConnectorKind, IrSource } from '../../language/ir/ir-types.js';
import { csvFileFormat } from './csv-file-format.js';
import { createExecWriter } from './exec-writer.js';
import { fileWriterFactory } from './file-writer.js';
import { createHttpWriter } from './http-writer.js';
import { jsonFileFormat } from './json-file-format.js';
import { jsonlFileFormat } from './jsonl-file-format.js';
import { createPostgresWriter } from './postgres-writer.js';
import { yamlFileFormat } from './yaml-file-format.js';
import { WriteError, type Writer, type WriterContext, type WriterFactory } from './writer.js';

/** The `csv` writer: rewrites the file atomically, keeping header, quoting and row positions. */
export const createCsvWriter: WriterFactory = fileWriterFactory(csvFileFormat);
/** The `json` writer: rewrites the file atomically, keeping the document and its indentation. */
export const createJsonWriter: WriterFactory = fileWriterFactory(jsonFileFormat);
/** The `jsonl` writer: rewrites the file atomically, keeping line order. */
export const createJsonlWriter: WriterFactory = fileWriterFactory(jsonlFileFormat);
/** The `yaml` writer: rewrites the file atomically, keeping comments and layout. */
export const createYamlWriter: WriterFactory = fileWriterFactory(yamlFileFormat);

function neverWritable(kind: IrConnectorKind): WriterFactory {
  return (source) => {
    throw new WriteError(`source ${source.name}: an ${kind}() source cannot be written`, false);
  };
}

/** Every connector kind of language version 1, mapped to its writer factory. */
export const WRITER_FACTORIES: Readonly<Record<IrConnectorKind, WriterFactory>> = {
  csv: createCsvWriter,
  json: createJsonWriter,
  jsonl: createJsonlWriter,
  yaml: createYamlWriter,
  inline: neverWritable('inline'),
  http: createHttpWriter,
  postgres: createPostgresWriter,
  exec: createExecWriter,
};

/** Builds the writer for `source`; a non-transient `WriteError` for unknown or read-only kinds. */
export function createWriter(source: IrSource, context: WriterContext): Writer {
  const kind = source.connector.kind;
  const factory = Object.prototype.hasOwnProperty.call(WRITER_FACTORIES, kind) ? WRITER_FACTORIES[kind] : undefined;
  if (!factory) throw new WriteError(`source ${source.name}: unknown connector "${String(kind)}"`, false);
  return factory(source, context);
}

/**
 * Why `recon apply` could not write a file source, found without writing: its writer opened
 * (the file read and parsed as apply will) and closed with nothing staged; null when it opens.
 * Why: a YAML file of several documents (what `kubectl` and `kustomize` write) reads as one list
 * of records, but its writer refuses it — a plan whose items would write there says so when it
 * is reviewed, not first at apply. Only for file sources, whose writers' `open` reads the file
 * and touches nothing.
 */
export async function fileWriteProblem(source: IrSource, context: WriterContext): Promise<string | null> {
  const kind = source.connector.kind;
  if (kind !== 'csv' && kind !== 'json' && kind !== 'jsonl' && kind !== 'yaml') return null;
  try {
    const session = await createWriter(source, context).open();
    await session.close();
    return null;
  } catch (error) {
    if (error instanceof WriteError) return error.message;
    throw error;
  }
}
