/**
 * The one interface every connector implements (ARCHITECTURE.md: one file per connector).
 *
 * Why batches: reading a million records one promise at a time costs more than parsing them;
 * connectors yield arrays of raw records so the observer and the diff engine stay streaming
 * without per-record async overhead.
 */
import type { IrSource } from '../../language/ir/ir-types.js';

/** A record as the system presents it, before `select`, `fields` and `where`. */
export type RawRecord = Record<string, unknown>;

/** Where a raw record came from, for error messages and invalid items (1-based). */
export interface RawRecordOrigin {
  /** 1-based position of the record in its source (the n of `policy/invalid/<side>/<n>`). */
  position: number;
  /** For line-oriented files: the 1-based line the record starts on. */
  line?: number;
}

/** A record that could not even be read (a broken CSV row, a line that is not JSON). */
export interface UnreadableRecord {
  origin: RawRecordOrigin;
  error: string;
  /**
   * The row read as well as it can be (a CSV row with too many or too few fields: its first
   * fields by the header's names), when the format allows a guess. Never a record to compare:
   * only its key is taken, to withhold that key from the comparison as other broken records'
   * keys are (LANGUAGE.md 2.1), so a mistyped desired row does not make the real actual record
   * `extra` — and deletable.
   */
  salvaged?: RawRecord;
}

export interface RecordBatch {
  records: RawRecord[];
  /** Parallel to `records`. */
  origins: RawRecordOrigin[];
  /** Rows that could not be parsed; they become `invalid` items, never silently dropped. */
  unreadable: UnreadableRecord[];
}

/** What the runtime gives a connector: where the workspace is and how to resolve values. */
export interface ConnectorContext {
  /** Absolute path of the workspace root; file paths in the IR are relative to it. */
  workspaceRoot: string;
  /** Evaluates an IR expression that may use env()/secret() (connector args and options). */
  evaluate(expr: import('../../language/ir/ir-types.js').IrExpr): unknown;
  /**
   * Evaluates like `evaluate`, and also returns the value as it may be shown (secrets as `***`)
   * and the secret values read, so connectors that talk to systems (http, postgres, exec) can
   * keep secrets out of every error message. Optional: without it, those connectors show no
   * evaluated URL, header or argument at all.
   */
  evaluateConnectorValue?(
    expr: import('../../language/ir/ir-types.js').IrExpr,
    data?: unknown,
  ): import('../expressions/expression-evaluator.js').ConnectorValue;
  /** Cancels long reads (editor previews, time budgets). */
  signal?: AbortSignal;
  /** False in an untrusted context (editor preview of an untrusted workspace): http/exec/postgres refuse. */
  trusted: boolean;
}

/** A connector bound to one source. */
export interface Connector {
  /** Streams the source's raw records in batches, in source order. */
  read(): AsyncIterable<RecordBatch>;
  /** True when remediation may write through this connector natively or via `write { }`. */
  readonly canWrite: boolean;
}

/** Builds the connector for a source; one factory per connector kind. */
export type ConnectorFactory = (source: IrSource, context: ConnectorContext) => Connector;

/** Raised for anything a connector cannot do; `at` points into the `.recon` file. */
export class ConnectorError extends Error {
  constructor(
    message: string,
    readonly at: string | null,
    /** Transient failures (network, timeouts, 429, 5xx) may be retried. */
    readonly transient = false,
  ) {
    super(message);
    this.name = 'ConnectorError';
  }
}
