/**
 * Records after the read pipeline (raw -> select -> fields -> where -> key check).
 *
 * Why a separate shape from RawRecord: the diff engine needs the presented record, its key as
 * text for the join, the raw record for writing back, and the origin for invalid items.
 */
import type { RawRecord, RawRecordOrigin } from '../connectors/connector.js';

export interface ObservedRecord {
  /** The record as presented (after select and fields coercion). */
  record: Record<string, unknown>;
  /** The raw record as read (needed to write back and for preconditions). */
  raw: RawRecord;
  /** Key field values in key order. */
  key: unknown[];
  /** The canonical join string of the key (see `keyText`). */
  keyText: string;
  origin: RawRecordOrigin;
}

/** A record that broke its source's rules: it becomes an `invalid` item, never dropped. */
export interface InvalidRecord {
  side: 'desired' | 'actual';
  origin: RawRecordOrigin;
  /** The presented record when one could be built, else the raw record, else null. */
  record: Record<string, unknown> | null;
  key: Record<string, unknown> | null;
  /** Why: "duplicate key", "key field txn_id is empty", "amount: 'abc' is not a number", ... */
  reason: string;
}
