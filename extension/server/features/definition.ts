/**
 * `textDocument/definition`: from a name to where it is declared — a source, profile, policy,
 * let, group or import alias (also across files and into the standard library), a field to its
 * `fields` entry or `select` line, a root (`desired`, `actual`) to its source, an import path to
 * the module it loads.
 */
import type { Location } from 'vscode-languageserver';
import type { DocumentAnalysis } from '../document-analysis.js';
import type { DocumentStore } from '../document-store.js';
import { spanRange } from '../lsp-conversions.js';
import { fieldDeclaration } from '../semantic-index.js';

/** The declaration of what is at `offset`, or null. */
export function definition(analysis: DocumentAnalysis, offset: number, store: DocumentStore): Location | null {
  const occ = analysis.index.at(offset);
  if (!occ) return null;
  switch (occ.type) {
    case 'symbol': {
      if (!occ.target) return null;
      const { module, name } = occ.target;
      return { uri: store.uriOf(module.path), range: spanRange(module.lines, name) };
    }
    case 'module-path': {
      const imported = occ.import.module;
      if (!imported) return null;
      return { uri: store.uriOf(imported.path), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } };
    }
    case 'field': {
      if (!occ.source || occ.raw) return null;
      const declared = fieldDeclaration(occ.source, occ.name);
      if (!declared) return null;
      return { uri: store.uriOf(occ.source.module.path), range: spanRange(occ.source.module.lines, declared) };
    }
    case 'root':
    case 'record': {
      if (!occ.source) return null;
      return { uri: store.uriOf(occ.source.module.path), range: spanRange(occ.source.module.lines, occ.source.decl.name) };
    }
    default:
      return null;
  }
}
