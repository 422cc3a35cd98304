/**
 * The writer shared by every file connector (`csv`, `json`, `jsonl`, `yaml`): a session reads the
 * file once at `open()`, stages create/update/delete effects by key in memory, and `commit()`
 * rewrites the file once, atomically.
 *
 * Why one session per rewrite: rewriting a large file per action would be quadratic, and a
 * half-applied batch must never be visible. What each format preserves (column order, quoting,
 * indentation, comments, the position of untouched records) is the format's business
 * (`FileFormat`); what an action means is decided here, the same for every format:
 *
 * - create of a key that is not in the file appends the effect's record; of a key that exists,
 *   it becomes an update (RUNTIME.md section 4: actions are idempotent);
 * - update merges the effect's record into the record that has the key (`mergeRawRecord`); a
 *   key that is not in the file is a failure, not transient (there is nothing to update: the
 *   plan is out of date);
 * - delete removes the record with the key; a key that is not there is a success (no-op);
 * - an update or delete whose record is no longer the one the plan saw (its fingerprint is not
 *   the item's `precondition`: another writer changed it after the plan read the file) fails
 *   with `StaleWriteError` and touches nothing: the item is `stale` (RUNTIME.md 4);
 * - a key that more than one record of the file has is a failure: such records are invalid
 *   (LANGUAGE.md 2.1) and are never touched.
 *
 * The file is re-read at `open()` and never trusted afterwards: `commit()` checks that its bytes
 * did not change in between (another writer), and fails if they did, writing nothing (the
 * executor then opens a new session on the new content for the actions that follow; retrying the
 * commit could never succeed, so the failure is not transient). A failed `perform` changes nothing; a
 * failed `commit` leaves the file as it was and keeps the staged actions (commit may be tried
 * again); after a successful `commit` the session goes on and may stage and commit more.
 */
import { createHash } from 'node:crypto';
import { accessSync, closeSync, constants as fsConstants, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type { IrSource } from '../../language/ir/ir-types.js';
import { ConnectorError, type RawRecord } from '../connectors/connector.js';
import { createConnectorContext } from '../connectors/connector-registry.js';
import { readOptions, type OptionKind } from '../connectors/connector-support.js';
import { decodeUtf8, findInvalidUtf8, notUtf8Message, TextTooLongError } from '../connectors/utf8-text.js';
import { keyText } from '../observe/key-text.js';
import { sha256OfCanonical } from '../plan/canonical-json.js';
import { resolveWorkspacePathSync, WorkspacePathError } from '../workspace/workspace-paths.js';
import { removeAbandonedTemporaries, replaceFileAtomically, type AtomicFileSystem } from './atomic-file.js';
import { diffRawRecords, mergeRawRecord, writtenRawPaths, type RawEdit } from './raw-record-edits.js';
import { effectKeyText, RecordKeyIndex } from './record-key-index.js';
import { StaleWriteError, WriteError, type WriteAction, type WriterContext, type WriteSession, type Writer, type WriterFactory } from './writer.js';

/**
 * A file's records as a format holds them while a session edits them. Entries are in file
 * order; an entry that is not a readable record (a malformed CSV row, a list element that is not
 * an object) is kept as it is and never matched.
 */
export interface FileDocument {
  /** Number of entries read from the file (appended records not included). */
  readonly length: number;
  /** Calls `visit` for every entry in file order with its raw record (null when unreadable). */
  forEachRecord(visit: (index: number, raw: RawRecord | null) => void): void;
  /**
   * Optional, for large files: calls `visit` for every readable entry with the text of the
   * `columns` fields (undefined when absent or empty), without making its record. Formats that
   * have it let the writer index keys by their cells (`RecordKeyIndex.directKeyColumns`).
   */
  forEachCells?(columns: readonly string[], visit: (index: number, cells: readonly (string | undefined)[]) => void): void;
  /** The raw record of an entry as it currently is (after earlier edits), null when unreadable. */
  recordAt(index: number): RawRecord | null;
  /**
   * Replaces an entry's record: `raw` is the whole new record, `edits` what changed (for
   * formats that edit values in place and keep everything else).
   */
  replace(index: number, raw: RawRecord, edits: readonly RawEdit[]): void;
  /** Removes an entry. */
  remove(index: number): void;
  /** Appends a record after the last one; returns its entry index (≥ `length`). */
  append(raw: RawRecord): number;
  /** The file's new text. */
  render(): string;
  /** Optional: the file's new text as UTF-8 bytes, without making it one string first (large files). */
  renderBytes?(): Buffer;
}

/** What a format is told when it parses a file. */
export interface FileFormatInput {
  source: IrSource;
  /** The file's text (a UTF-8 byte-order mark included when the file has one). */
  text: string;
  /** The path as the IR writes it, for messages. */
  file: string;
  /** The connector's evaluated options (only those the format declares). */
  options: ReadonlyMap<string, unknown>;
}

/** One file format: which options it reads and how it parses a file into an editable document. */
export interface FileFormat {
  readonly kind: 'csv' | 'json' | 'jsonl' | 'yaml';
  readonly options: Readonly<Record<string, OptionKind>>;
  /** Throws `WriteError` (not transient) when the file cannot be understood. */
  parse(input: FileFormatInput): FileDocument;
}

/** Options for tests: a file system whose calls can fail (as root, permissions cannot make them fail). */
export interface FileWriterOptions {
  fs?: AtomicFileSystem;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * sha256 of a file read 1 MiB at a time: the commit only needs to know whether the file is still
 * the one the session read, and holding it whole doubled the commit's peak on large files.
 */
function sha256OfFile(absolute: string): string {
  const hash = createHash('sha256');
  const fd = openSync(absolute, 'r');
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      hash.update(chunk.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/** Failures worth retrying: the file system was busy, not wrong. */
const TRANSIENT_CODES = new Set(['EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'EINTR', 'ETIMEDOUT']);

function describeIoError(error: unknown): string {
  const code = errorCode(error);
  if (code === 'ENOENT') return 'the file does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'the file system is read-only';
  if (code === 'ENOSPC') return 'no space left on the device';
  if (code === 'EISDIR') return 'it is a folder';
  return error instanceof Error ? error.message : String(error);
}

/**
 * Why a file may not be rewritten, or null. The atomic replace renames a new file over the old
 * one, which needs only the folder to be writable: a file made read-only (`chmod a-w`, or not
 * writable by this user) would be replaced all the same, so it is refused. No write bit at all
 * counts for root too, whom permissions do not stop.
 */
function readOnlyReason(absolute: string, mode: number): string | null {
  const bits = `mode ${(mode & 0o777).toString(8).padStart(4, '0')}`;
  if ((mode & 0o222) === 0) return `the file is read-only (${bits})`;
  try {
    accessSync(absolute, fsConstants.W_OK);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EACCES' || code === 'EPERM') return `the file is not writable by this user (${bits})`;
    if (code === 'EROFS') return 'the file system is read-only';
  }
  return null;
}

/** `k1=v1, k2=v2` for messages. */
function describeKey(key: Record<string, unknown>): string {
  return Object.entries(key)
    .map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ');
}

class FileWriter implements Writer {
  readonly staged = true;

  constructor(
    private readonly format: FileFormat,
    private readonly source: IrSource,
    private readonly context: WriterContext,
    private readonly options: FileWriterOptions,
  ) {}

  async open(): Promise<WriteSession> {
    const { source, context, format } = this;
    const label = `source ${source.name}`;
    const file = source.connector.path;
    if (file === undefined) throw new WriteError(`${label}: ${source.connector.kind}() has no file path to write`, false);
    let absolute: string;
    try {
      absolute = resolveWorkspacePathSync(context.workspaceRoot, file);
    } catch (error) {
      if (error instanceof WorkspacePathError) throw new WriteError(`${label}: ${error.message}`, false);
      throw error;
    }
    let options: Map<string, unknown>;
    try {
      const connectorContext = createConnectorContext({ workspaceRoot: context.workspaceRoot, trusted: true, observedAt: context.observedAt, env: context.env });
      options = readOptions(source, connectorContext, format.options);
    } catch (error) {
      if (error instanceof ConnectorError) throw new WriteError(error.message, false);
      throw error;
    }
    let bytes: Buffer;
    let mode: number;
    let owner: { uid: number; gid: number };
    try {
      const info = statSync(absolute);
      if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
      mode = info.mode & 0o7777;
      owner = { uid: info.uid, gid: info.gid };
      bytes = readFileSync(absolute);
    } catch (error) {
      throw new WriteError(`${label}: cannot read ${file}: ${describeIoError(error)}`, TRANSIENT_CODES.has(errorCode(error) ?? ''));
    }
    const readOnly = readOnlyReason(absolute, mode);
    if (readOnly !== null) throw new WriteError(`${label}: cannot rewrite ${file}: ${readOnly}; nothing was written`, false);
    // Decoded strictly: leniently, every byte that is not UTF-8 (a Latin-1 file changed since the
    // plan was made) would be rewritten as U+FFFD in records the plan never touched.
    let text: string | null;
    try {
      text = decodeUtf8(bytes);
    } catch (error) {
      if (error instanceof TextTooLongError) throw new WriteError(`${label}: cannot rewrite ${file}: ${error.message}; nothing was written`, false);
      throw error;
    }
    if (text === null) throw new WriteError(`${label}: cannot rewrite ${notUtf8Message(file, findInvalidUtf8(bytes))}; nothing was written`, false);
    const document = format.parse({ source, text, file, options });
    const index = new RecordKeyIndex(source, { observedAt: context.observedAt, env: context.env }, context.keyCoercion ?? null);
    const direct = index.directKeyColumns();
    if (direct !== null && document.forEachCells !== undefined) {
      // Keys from the key cells alone; each candidate meets the pipeline when its key is acted on.
      const values: string[] = [];
      index.useCandidates(document.length);
      document.forEachCells(direct, (position, cells) => {
        values.length = 0;
        for (const cell of cells) {
          if (cell === undefined || cell === '') return;
          values.push(cell);
        }
        index.addCandidate(keyText(values), position);
      });
    } else {
      document.forEachRecord((position, raw) => {
        if (raw === null) return;
        const key = index.keyOf(raw, position + 1);
        if (key !== null) index.add(key, position);
      });
    }
    return new FileWriteSession(source, file, absolute, mode, owner, sha256(bytes), document, index, this.options);
  }
}

class FileWriteSession implements WriteSession {
  private readonly staged: WriteAction[] = [];
  private readonly written;
  private closed = false;

  constructor(
    private readonly source: IrSource,
    private readonly file: string,
    private readonly absolute: string,
    private readonly mode: number,
    private readonly owner: { uid: number; gid: number },
    /** sha256 of the file as this session last read or wrote it. */
    private readHash: string,
    /** Released at `close()` (null then): a large file's text and tables must not outlive the session. */
    private openedDocument: FileDocument | null,
    private openedIndex: RecordKeyIndex | null,
    private readonly options: FileWriterOptions,
  ) {
    this.written = writtenRawPaths(source);
  }

  async perform(action: WriteAction, signal?: AbortSignal): Promise<void> {
    const label = `source ${this.source.name}`;
    if (this.closed) throw new WriteError(`${label}: the write session is closed`, false);
    if (signal?.aborted) throw new WriteError(`${label}: cancelled before ${action.item.id} was applied`, true);
    const effect = action.effect;
    if (effect.kind !== 'file') {
      throw new WriteError(`${label}: ${action.item.id} has a ${effect.kind} effect; the ${this.source.connector.kind} writer applies file effects only`, false);
    }
    if (effect.path !== this.file || effect.connector !== this.source.connector.kind) {
      throw new WriteError(`${label}: ${action.item.id} writes ${effect.connector}(${JSON.stringify(effect.path)}), not this source's ${this.source.connector.kind}(${JSON.stringify(this.file)})`, false);
    }
    const key = effectKeyText(this.source, effect.key);
    if (key === null) throw new WriteError(`${label}: ${action.item.id} has no complete key (${this.source.key.join(', ')})`, false);
    const record = effect.record;
    if (effect.op !== 'delete' && (record === null || typeof record !== 'object' || Array.isArray(record))) {
      throw new WriteError(`${label}: ${action.item.id}: the ${effect.op} effect carries no record`, false);
    }
    const found = this.index.find(key, (position) => this.document.recordAt(position));
    if (found.length > 1) {
      throw new WriteError(
        `${label}: ${this.file} has ${found.length} records with key ${describeKey(effect.key)}; records that share a key are invalid and are not touched`,
        false,
      );
    }
    const at = found[0];
    // The record must still be the one the plan saw. The runner compares preconditions when it
    // re-observes, but the file may have changed after that (or, for `apply FILE`, after the
    // plan read it) and before `open()` read it here: acting now would overwrite or delete
    // another writer's change. A create keeps its documented meaning (of a key that exists, it
    // becomes an update: RUNTIME.md 4).
    const precondition = action.item.precondition;
    if (effect.op !== 'create' && at !== undefined && typeof precondition === 'string') {
      const current = this.document.recordAt(at);
      if (current === null || sha256OfCanonical(current) !== precondition) {
        throw new StaleWriteError('the actual record changed since the plan was made');
      }
    }
    if (effect.op === 'delete') {
      if (at !== undefined) {
        this.document.remove(at);
        this.index.remove(key, at);
      }
    } else if (at === undefined) {
      if (effect.op === 'update') {
        throw new WriteError(`${label}: cannot update ${describeKey(effect.key)}: ${this.file} has no record with that key (any more)`, false);
      }
      const added = this.document.append(record as RawRecord);
      this.index.add(key, added);
    } else {
      const before = this.document.recordAt(at);
      if (before === null) throw new WriteError(`${label}: the record with key ${describeKey(effect.key)} cannot be read`, false);
      const after = mergeRawRecord(before, record as RawRecord, this.written);
      const edits = diffRawRecords(before, after);
      if (edits.length > 0) this.document.replace(at, after, edits);
    }
    this.staged.push(action);
  }

  async commit(): Promise<WriteAction[]> {
    const label = `source ${this.source.name}`;
    if (this.closed) throw new WriteError(`${label}: the write session is closed`, false);
    if (this.staged.length === 0) return [];
    const document = this.document;
    const bytes = document.renderBytes?.() ?? Buffer.from(document.render(), 'utf8');
    let currentHash: string;
    try {
      currentHash = sha256OfFile(this.absolute);
    } catch (error) {
      throw new WriteError(`${label}: cannot rewrite ${this.file}: ${describeIoError(error)}`, TRANSIENT_CODES.has(errorCode(error) ?? ''));
    }
    if (currentHash !== this.readHash) {
      // Not transient: this session's edits were made on the old text, so committing again can
      // never succeed (retrying would only hold the apply for the policy's backoff).
      throw new WriteError(`${label}: ${this.file} changed while recon was applying; nothing was written (apply again to re-read it)`, false);
    }
    // Same hash, same bytes: nothing to write.
    const newHash = sha256(bytes);
    if (newHash !== currentHash) {
      try {
        replaceFileAtomically(this.absolute, bytes, { mode: this.mode, owner: this.owner, fs: this.options.fs });
      } catch (error) {
        throw new WriteError(`${label}: cannot rewrite ${this.file}: ${describeIoError(error)}; the file was left as it was`, TRANSIENT_CODES.has(errorCode(error) ?? ''));
      }
      this.readHash = newHash;
      removeAbandonedTemporaries(this.absolute);
    }
    return this.staged.splice(0);
  }

  private get document(): FileDocument {
    if (this.openedDocument === null) throw new WriteError(`source ${this.source.name}: the write session is closed`, false);
    return this.openedDocument;
  }

  private get index(): RecordKeyIndex {
    if (this.openedIndex === null) throw new WriteError(`source ${this.source.name}: the write session is closed`, false);
    return this.openedIndex;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.openedDocument = null;
    this.openedIndex = null;
    this.staged.length = 0;
  }
}

/** The `WriterFactory` of a file format (tests pass a file system whose calls fail). */
export function fileWriterFactory(format: FileFormat, options: FileWriterOptions = {}): WriterFactory {
  return (source, context) => new FileWriter(format, source, context, options);
}
