/**
 * The workspace as the cross-file features see it: the document store plus the workspace folders
 * the client named, so references, rename and workspace symbols reach files that are not open.
 */
import type { DocumentStore } from './document-store.js';
import { findWorkspaceReconFiles } from './workspace-files.js';

export class ReconWorkspace {
  /** Absolute paths of the workspace folders (from `initialize`). */
  roots: string[] = [];

  constructor(readonly store: DocumentStore) {}

  /** Every `.recon` file of the workspace: the open buffers and the files below the roots. */
  files(): string[] {
    const files = new Set(findWorkspaceReconFiles(this.roots));
    for (const open of this.store.openDocuments()) files.add(open.path);
    return [...files].sort();
  }

  /** A file's text: its buffer when open, else the disk. */
  text(path: string): string | undefined {
    return this.store.host.readFile(path);
  }
}
