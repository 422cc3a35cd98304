/**
 * `textDocument/references` and `textDocument/documentHighlight`: every place a declaration is
 * named — in this file and in every workspace file that reaches it through an import — and every
 * use of a source's field.
 *
 * Why by identity: each file's program parses the modules it imports again, so occurrences are
 * matched by `SymbolId` (declaring module, kind, name), never by AST object.
 */
import { DocumentHighlightKind, type DocumentHighlight, type Location } from 'vscode-languageserver';
import type { LineMap } from '../../../language/source-position.js';
import type { DocumentAnalysis } from '../document-analysis.js';
import { spanRange, toRange } from '../lsp-conversions.js';
import { symbolKey, type FieldOccurrence, type SymbolId } from '../semantic-index.js';
import type { ReconWorkspace } from '../workspace.js';

/** One place a symbol is named. */
export interface SymbolSite {
  uri: string;
  path: string;
  lines: LineMap;
  start: number;
  end: number;
  role: 'declaration' | 'reference';
  /** The import path string that declares an alias implicitly (`import "std/money"` declares `money`). */
  importPath: boolean;
}

/** Every site of a symbol across the workspace (declaration included), in file then offset order. */
export function symbolSites(workspace: ReconWorkspace, from: DocumentAnalysis, id: SymbolId): SymbolSite[] {
  const paths = id.kind === 'import' ? [id.path] : [...new Set([id.path, from.path, ...workspace.files()])];
  const sites: SymbolSite[] = [];
  const seen = new Set<string>();
  const word = new RegExp(`(^|[^A-Za-z0-9_])${id.name.replace(/[^A-Za-z0-9_]/g, '\\$&')}($|[^A-Za-z0-9_])`);
  for (const path of paths) {
    if (path !== from.path && path !== id.path) {
      const text = workspace.text(path);
      if (text === undefined || !word.test(text)) continue;
    }
    const analysis = path === from.path ? from : workspace.store.analysisOfPath(path);
    const push = (start: number, end: number, role: SymbolSite['role'], importPath: boolean): void => {
      const key = `${analysis.path}:${start}:${end}`;
      if (seen.has(key)) return;
      seen.add(key);
      sites.push({ uri: analysis.uri, path: analysis.path, lines: analysis.lines, start, end, role, importPath });
    };
    for (const occ of analysis.index.occurrencesOf(id)) push(occ.start, occ.end, occ.role, false);
    if (id.kind === 'import') {
      for (const occ of analysis.index.importPathsOf(id)) if (!occ.import.decl.alias) push(occ.start, occ.end, 'declaration', true);
    }
  }
  return sites.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.start - b.start));
}

function sameField(a: FieldOccurrence, b: FieldOccurrence): boolean {
  if (a.name !== b.name || a.raw !== b.raw || !a.source || !b.source) return false;
  return a.source.module.path === b.source.module.path && a.source.decl.name.text === b.source.decl.name.text;
}

/** The uses of the field at `occ` in one analysis. */
function fieldSites(analysis: DocumentAnalysis, occ: FieldOccurrence): FieldOccurrence[] {
  return analysis.index.occurrences.filter((o): o is FieldOccurrence => o.type === 'field' && sameField(o, occ));
}

/**
 * The analyses in which a field of a source may be used: this file's, the declaring module's, and
 * those of the workspace files that name the field (a policy of any file that imports the source
 * compares or reads its fields). Why all of them: references of a field asked at its declaration
 * must find the compare rules and conditions of the importing files too, as for declarations.
 */
function fieldAnalyses(workspace: ReconWorkspace, from: DocumentAnalysis, occ: FieldOccurrence): DocumentAnalysis[] {
  const declaring = occ.source!.module.path;
  const analyses = [from];
  if (declaring !== from.path) analyses.push(workspace.store.analysisOfPath(declaring));
  if (occ.raw || occ.source!.module.isStdlib) return analyses;
  const word = new RegExp(`(^|[^A-Za-z0-9_])${occ.name.replace(/[^A-Za-z0-9_]/g, '\\$&')}($|[^A-Za-z0-9_])`);
  for (const path of workspace.files()) {
    if (path === from.path || path === declaring) continue;
    const text = workspace.text(path);
    if (text === undefined || !word.test(text)) continue;
    const analysis = workspace.store.analysisOfPath(path);
    if (analysis.program.modules.has(declaring)) analyses.push(analysis);
  }
  return analyses;
}

/** The references of what is at `offset`. */
export function references(workspace: ReconWorkspace, analysis: DocumentAnalysis, offset: number, includeDeclaration: boolean): Location[] {
  const occ = analysis.index.at(offset);
  if (!occ) return [];
  if (occ.type === 'field') {
    if (!occ.source) return [];
    const result: Location[] = [];
    for (const a of fieldAnalyses(workspace, analysis, occ)) {
      for (const site of fieldSites(a, occ)) {
        if (!includeDeclaration && site.role === 'declaration') continue;
        result.push({ uri: a.uri, range: spanRange(a.lines, site) });
      }
    }
    return result;
  }
  const symbol = analysis.index.symbolOf(occ);
  if (!symbol) return [];
  return symbolSites(workspace, analysis, symbol.id)
    .filter((s) => includeDeclaration || s.role === 'reference')
    .map((s) => ({ uri: s.uri, range: toRange(s.lines, s.start, s.end) }));
}

/** The occurrences of what is at `offset` in this file (declarations as writes). */
export function documentHighlights(analysis: DocumentAnalysis, offset: number): DocumentHighlight[] {
  const occ = analysis.index.at(offset);
  if (!occ) return [];
  const kind = (role: 'declaration' | 'reference') => (role === 'declaration' ? DocumentHighlightKind.Write : DocumentHighlightKind.Read);
  if (occ.type === 'field') return fieldSites(analysis, occ).map((o) => ({ range: spanRange(analysis.lines, o), kind: kind(o.role) }));
  const symbol = analysis.index.symbolOf(occ);
  if (!symbol) return [];
  const key = symbolKey(symbol.id);
  const result: DocumentHighlight[] = analysis.index.occurrencesOf(symbol.id).map((o) => ({ range: spanRange(analysis.lines, o), kind: kind(o.role) }));
  for (const o of analysis.index.importPathsOf(symbol.id)) if (symbolKey(o.aliasId) === key) result.push({ range: spanRange(analysis.lines, o), kind: DocumentHighlightKind.Write });
  return result.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}
