/**
 * An `AuditSink` that keeps the executor's audit records in memory, for tests of the executor
 * and of what it records (a real file sink is tested on its own in test/runtime/state).
 */
import type { AuditSink } from '../../runtime/apply/executor.js';
import type { AuditRecord } from '../../runtime/state/audit-log.js';

export class MemoryAudit implements AuditSink {
  readonly records: AuditRecord[] = [];
  /** `timeline`, when given, gets `EVENT ITEM` for each record, beside other tests' own entries. */
  constructor(private readonly timeline?: string[]) {}
  append(record: AuditRecord): void {
    this.records.push(record);
    this.timeline?.push(`${record.event} ${record.item}`);
  }
  appendMany(records: readonly AuditRecord[]): void {
    for (const record of records) this.append(record);
  }
  /** The records of one event. */
  events(name: AuditRecord['event']): AuditRecord[] {
    return this.records.filter((record) => record.event === name);
  }
}
