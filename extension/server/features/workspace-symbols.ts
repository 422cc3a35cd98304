/**
 * `workspace/symbol`: the top-level declarations of every `.recon` file of the workspace, matched
 * against the query as VS Code does (the query's characters in order, case-insensitively).
 *
 * Why parse only: symbols need names and places, not diagnostics; parsing each file (cached while
 * its text is unchanged) keeps the request fast even for a large workspace.
 */
import { relative } from 'node:path';
import type { SymbolInformation } from 'vscode-languageserver';
import { parseFile } from '../../../language/parse-file.js';
import { defaultAlias } from '../../../language/program.js';
import { stringText } from '../../../language/ast-builder.js';
import { LineMap } from '../../../language/source-position.js';
import { toRange } from '../lsp-conversions.js';
import type { ReconWorkspace } from '../workspace.js';
import { DECLARATION_SYMBOL_KIND } from './document-symbols.js';

interface FileSymbols {
  text: string;
  symbols: { name: string; kind: SymbolInformation['kind']; start: number; end: number }[];
  lines: LineMap;
}

const cache = new Map<string, FileSymbols>();

function fileSymbols(path: string, text: string): FileSymbols {
  const cached = cache.get(path);
  if (cached && cached.text === text) return cached;
  const parsed = parseFile(text);
  const symbols: FileSymbols['symbols'] = [];
  for (const decl of parsed.ast.declarations) {
    if (decl.kind === 'Import') {
      if (decl.path.missing) continue;
      const name = decl.alias && !decl.alias.missing ? decl.alias.text : defaultAlias(stringText(decl.path));
      symbols.push({ name, kind: DECLARATION_SYMBOL_KIND.Import, start: decl.start, end: decl.end });
      continue;
    }
    const nameNode = decl.name;
    if (nameNode.missing) continue;
    const name = nameNode.kind === 'Name' ? nameNode.text : stringText(nameNode);
    symbols.push({ name, kind: DECLARATION_SYMBOL_KIND[decl.kind], start: nameNode.start, end: nameNode.end });
  }
  const entry = { text, symbols, lines: new LineMap(text) };
  cache.set(path, entry);
  return entry;
}

/** Whether the query's characters appear in `name` in order (case-insensitive). */
export function fuzzyMatch(query: string, name: string): boolean {
  const q = query.toLowerCase();
  const n = name.toLowerCase();
  let i = 0;
  for (let j = 0; j < n.length && i < q.length; j++) if (n[j] === q[i]) i++;
  return i === q.length;
}

/** The workspace's declarations matching `query` (at most `limit`). */
export function workspaceSymbols(workspace: ReconWorkspace, query: string, limit = 500): SymbolInformation[] {
  const result: SymbolInformation[] = [];
  for (const path of workspace.files()) {
    const text = workspace.text(path);
    if (text === undefined) continue;
    const file = fileSymbols(path, text);
    const root = workspace.roots.find((r) => path.startsWith(r));
    for (const s of file.symbols) {
      if (!fuzzyMatch(query, s.name)) continue;
      result.push({
        name: s.name,
        kind: s.kind,
        location: { uri: workspace.store.uriOf(path), range: toRange(file.lines, s.start, s.end) },
        containerName: root ? relative(root, path) : path,
      });
      if (result.length >= limit) return result;
    }
  }
  return result;
}
