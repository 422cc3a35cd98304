/**
 * Tells whether a source's data file stayed the same file with the same content while a diff
 * read it: its identity (device and inode), size and modification time before and after.
 *
 * Why: a plan must describe one state of each side. The CSV fast path reads a file several
 * times (the header, samples, each worker's byte range, the rows it re-reads after the join),
 * each time by its path; a file another process replaced (write to a temporary file, rename over)
 * or rewrote in place meanwhile gave a plan that mixed the old and the new file — seen: a change
 * `amount 999 → 99` to a value in neither file. The generic path reads through one descriptor,
 * which a rename cannot affect, but an in-place rewrite can. Both paths check the same way: a
 * file that changed during the read stops the run ("run again"), as nothing read is trusted.
 * What a stat cannot see (a rewrite that keeps size and modification time, to the nanosecond)
 * goes unnoticed; tools that do that on purpose (`touch -r`) are rare.
 */
import { statSync } from 'node:fs';
import { FILE_CONNECTORS, type IrSource } from '../../language/ir/ir-types.js';
import { ConnectorError } from '../connectors/connector.js';
import { sourceLabel } from '../connectors/connector-support.js';
import { resolveWorkspacePathSync } from '../workspace/workspace-paths.js';

interface FileState {
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
}

/** One source file's state before a read; `assertUnchanged` after it. */
export class SourceFileSnapshot {
  private constructor(
    private readonly source: IrSource,
    private readonly absolute: string,
    private readonly before: FileState,
  ) {}

  /**
   * The state of `source`'s file now, or null when the source is not a file or its file cannot
   * be stat'ed (the read then reports why, as it always did).
   */
  static take(source: IrSource, workspaceRoot: string): SourceFileSnapshot | null {
    const file = source.connector.path;
    if (!FILE_CONNECTORS.includes(source.connector.kind) || file === undefined) return null;
    try {
      const absolute = resolveWorkspacePathSync(workspaceRoot, file);
      return new SourceFileSnapshot(source, absolute, stateOf(absolute));
    } catch {
      return null;
    }
  }

  /** Throws a `ConnectorError` (the source's location, one line) when the file is not as it was. */
  assertUnchanged(): void {
    let after: FileState | null;
    try {
      after = stateOf(this.absolute);
    } catch {
      after = null;
    }
    const b = this.before;
    if (after !== null && after.dev === b.dev && after.ino === b.ino && after.size === b.size && after.mtimeNs === b.mtimeNs) return;
    const how = after === null ? 'was removed' : after.dev !== b.dev || after.ino !== b.ino ? 'was replaced' : 'was written';
    throw new ConnectorError(
      `${sourceLabel(this.source)}: ${this.source.connector.path} ${how} while recon read it (by another process); a plan from it would mix the old and the new records, so nothing was planned: run again`,
      this.source.connector.at,
    );
  }
}

function stateOf(absolute: string): FileState {
  const info = statSync(absolute, { bigint: true });
  return { dev: info.dev, ino: info.ino, size: info.size, mtimeNs: info.mtimeNs };
}
