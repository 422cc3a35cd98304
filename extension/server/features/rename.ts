/**
 * `textDocument/prepareRename` and `textDocument/rename`: renames a source, profile, policy, let,
 * group or import alias everywhere it is named — its declaration, plain and qualified references
 * (`money.cents` renames only `cents`), tests that name a policy, and files that import it.
 *
 * Refused, with a message: built-ins and keywords, tests (they are named by a string: edit it),
 * declarations of the standard library (read-only), invalid or reserved names, and a name that
 * the same module already uses for that kind (the rename would merge two declarations), and a name
 * that would mean something else where the old one is used (`refuseCapture`). An import
 * without `as` declares its alias implicitly; renaming it adds `as NEW` after the path.
 */
import type { Range, TextEdit, WorkspaceEdit } from 'vscode-languageserver';
import { resolveBareName, type NameMeaning } from '../../../language/checker/expression-scope.js';
import { RESERVED_WORDS } from '../../../language/tokens.js';
import type { DocumentAnalysis } from '../document-analysis.js';
import { spanRange, toRange } from '../lsp-conversions.js';
import type { SymbolId, SymbolTarget } from '../semantic-index.js';
import type { ReconWorkspace } from '../workspace.js';
import { symbolSites } from './references.js';

/** A rename that cannot be done; the message is shown to the user. */
export class RenameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RenameError';
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function renameable(analysis: DocumentAnalysis, offset: number): { id: SymbolId; target: SymbolTarget; range: Range } {
  const occ = analysis.index.at(offset);
  const symbol = analysis.index.symbolOf(occ);
  if (!occ || !symbol || !symbol.target) {
    throw new RenameError('only sources, profiles, policies, lets, groups and import aliases can be renamed');
  }
  if (symbol.id.kind === 'test') throw new RenameError('a test is named by its string: edit the string itself');
  if (symbol.target.module.isStdlib && symbol.id.kind !== 'import') {
    throw new RenameError(`'${symbol.id.name}' is declared in the standard library, which cannot be edited`);
  }
  return { id: symbol.id, target: symbol.target, range: spanRange(analysis.lines, occ) };
}

/** The range and current name of what would be renamed at `offset` (a `RenameError` when nothing can be). */
export function prepareRename(analysis: DocumentAnalysis, offset: number): { range: Range; placeholder: string } {
  const { id, range } = renameable(analysis, offset);
  return { range, placeholder: id.name };
}

/** The edits that rename what is at `offset` to `newName` across the workspace (a `RenameError` when refused). */
export function rename(workspace: ReconWorkspace, analysis: DocumentAnalysis, offset: number, newName: string): WorkspaceEdit {
  const { id, target } = renameable(analysis, offset);
  if (!IDENTIFIER.test(newName)) throw new RenameError(`'${newName}' is not a name: use letters, digits and _ (not starting with a digit)`);
  if (RESERVED_WORDS.has(newName)) throw new RenameError(`'${newName}' is a reserved word`);
  if (newName === id.name) return { changes: {} };
  if (id.kind === 'import') {
    if (target.module.imports.some((i) => i.alias === newName)) throw new RenameError(`an import is already reached as '${newName}'`);
  } else if (target.module.symbols[id.kind].has(newName)) {
    throw new RenameError(`a ${id.kind} named '${newName}' already exists in ${target.module.path === analysis.path ? 'this file' : target.module.path}`);
  }
  refuseCapture(workspace, analysis, id, target, newName);
  const changes: Record<string, TextEdit[]> = {};
  for (const site of symbolSites(workspace, analysis, id)) {
    const edits = (changes[site.uri] ??= []);
    if (site.importPath) edits.push({ range: toRange(site.lines, site.end, site.end), newText: ` as ${newName}` });
    else edits.push({ range: toRange(site.lines, site.start, site.end), newText: newName });
  }
  return { changes };
}

/** What a bare name means, in words, for a refused rename. */
function meaningText(meaning: NameMeaning): string | null {
  switch (meaning.kind) {
    case 'field':
      return `a field of the record`;
    case 'record':
      return 'the record itself';
    case 'root':
      return meaning.root === 'diff' ? 'the list of differing fields' : meaning.root === 'key' ? 'the key fields' : `the ${meaning.root} record`;
    default:
      return null;
  }
}

/**
 * Refuses a rename of a let or an import alias to a name that would mean something else where it
 * is used: in an expression a field of the record shadows a let, the roots `desired`, `actual`,
 * `key` and `diff` come before both, and a let comes before an import alias (LANGUAGE.md section
 * 3, `resolveBareName`). Why: the edit would compile, or fail far from the rename, with another
 * meaning — `let limit` renamed to `key` makes `when desired.n > limit` read the key.
 */
function refuseCapture(workspace: ReconWorkspace, analysis: DocumentAnalysis, id: SymbolId, target: SymbolTarget, newName: string): void {
  if (id.kind !== 'let' && id.kind !== 'import') return;
  const module = target.module;
  if (id.kind === 'let' && module.imports.some((i) => i.alias === newName)) {
    throw new RenameError(`an import is reached as '${newName}': a let of that name would hide it in expressions`);
  }
  if (id.kind === 'import' && module.symbols.let.has(newName)) {
    throw new RenameError(`a let named '${newName}' already exists: it would hide the import in expressions`);
  }
  const declaring = id.path === analysis.path ? analysis : workspace.store.analysisOfPath(id.path);
  for (const occ of declaring.index.occurrencesOf(id)) {
    if (!occ.scope) continue;
    const what = meaningText(resolveBareName(newName, occ.scope));
    if (what) {
      const line = declaring.lines.lineColumn(occ.start).line;
      throw new RenameError(`'${newName}' would mean ${what} at line ${line}, where '${id.name}' is used`);
    }
  }
}
