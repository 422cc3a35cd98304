/**
 * One file as the server understands it at one version: its checked program, its own diagnostics,
 * and, computed on first use, the semantic index every navigation feature reads.
 *
 * Why lazy: diagnostics need only the checker; hover, completion, definition, references, rename
 * and semantic tokens need the index. Building it once per version, on first use, keeps typing
 * cheap and makes every later request a lookup.
 */
import type { Diagnostic } from '../../language/diagnostics.js';
import type { Module, Program } from '../../language/program.js';
import type { LineMap } from '../../language/source-position.js';
import { SemanticIndex } from './semantic-index.js';

export class DocumentAnalysis {
  private indexCache: SemanticIndex | null = null;

  constructor(
    /** The URI the client knows the file by. */
    readonly uri: string,
    /** Canonical absolute path. */
    readonly path: string,
    /** The buffer version, null for a file read from disk. */
    readonly version: number | null,
    readonly program: Program,
    /** The file's own module (the program's entry). */
    readonly module: Module,
    /** Stamps of every file the program was built from (see `DocumentStore`). */
    readonly stamps: ReadonlyMap<string, string>,
  ) {}

  get text(): string {
    return this.module.parsed.text;
  }

  get lines(): LineMap {
    return this.module.lines;
  }

  /** The diagnostics of this file (those of imported files belong to them), in offset order. */
  get diagnostics(): Diagnostic[] {
    return [...this.module.diagnostics].sort((a, b) => a.start - b.start || a.end - b.end);
  }

  /** Every named thing of this file and what it refers to (built on first use). */
  get index(): SemanticIndex {
    this.indexCache ??= new SemanticIndex(this.program, this.module);
    return this.indexCache;
  }
}
