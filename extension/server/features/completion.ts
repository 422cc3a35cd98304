/**
 * `textDocument/completion`: context-aware suggestions — the statement keywords valid in the
 * block at the cursor, the words of the vocabulary that fit (comparators after a compare path,
 * actions after `=>`, ...), declarations of the right kind (sources after `desired`, profiles
 * after `use`, groups after `approval from`), connector options inside a connector call, field
 * names of typed sources (after `desired.`, in compare blocks, in test records), and in
 * expressions the names in scope, the roots, the built-in functions and the operators.
 *
 * Why split from `completion-context.ts`: that file decides *what* fits at the cursor from the
 * tokens; this one only turns each offer into items from the cached analysis (no re-check).
 */
import { readdirSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { CompletionItemKind, MarkupKind, type CompletionItem, type Range } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type * as A from '../../../language/ast.js';
import { BUILTIN_FUNCTIONS, CONNECTORS } from '../../../language/checker/builtin-functions.js';
import { functionAvailable, namesInScope, resolveBareName } from '../../../language/checker/expression-scope.js';
import type { RecordShape } from '../../../language/checker/source-shape.js';
import type { Module, SymbolKind } from '../../../language/program.js';
import { RESERVED_WORDS } from '../../../language/tokens.js';
import { commentEdit, writtenDoc, type DocOf } from '../comment-edit.js';
import type { DocumentAnalysis } from '../document-analysis.js';
import { toRange } from '../lsp-conversions.js';
import type { SourceInfo } from '../semantic-index.js';
import { findWorkspaceReconFiles } from '../workspace-files.js';
import { keywordDoc, ROOT_DOCS, WORD_DOCS, wordDoc } from '../word-docs.js';
import { changedRegion, mapOffset, offsetBeforeWordEdit } from '../word-edit.js';
import { completionContext, type ExpressionSite, type Offer } from './completion-context.js';
import { describeConnector } from './hover.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

const SYMBOL_ITEM_KIND: Record<SymbolKind, CompletionItemKind> = {
  source: CompletionItemKind.Class,
  profile: CompletionItemKind.Struct,
  policy: CompletionItemKind.Interface,
  group: CompletionItemKind.Enum,
  let: CompletionItemKind.Constant,
  test: CompletionItemKind.Event,
};

/** Ranks that order the list: the most specific suggestions first. */
const RANK = { field: '0', root: '1', symbol: '2', option: '0', word: '1', function: '3', keyword: '4', operator: '5' } as const;

/**
 * The completion items at `offset`, from the cached analysis of the current version. `docOf`
 * gives declarations' documentation when it is not the analysed text's (a doc comment edited
 * since, see `completionAfterCommentEdit`).
 */
export function completion(analysis: DocumentAnalysis, offset: number, docOf: DocOf = writtenDoc): CompletionItem[] {
  const context = completionContext(analysis, offset);
  const range = toRange(analysis.lines, context.wordStart, offset);
  const items = new Map<string, CompletionItem>();
  const add = (label: string, kind: CompletionItemKind, rank: string, extra: Partial<CompletionItem> = {}): void => {
    if (items.has(label)) return;
    const { insertText, ...rest } = extra;
    // plain text only (no snippets): every client supports it
    items.set(label, { label, kind, sortText: `${rank}${label}`, textEdit: { range, newText: insertText ?? label }, ...rest });
  };
  for (const offer of context.offers) addOffer(offer, analysis, offset, add, docOf);
  return [...items.values()];
}

/**
 * Completion at `offset` of `document` answered from the analysis of an earlier version, when the
 * only edits since are word characters typed or erased in the word at the cursor (`word-edit.ts`
 * says why the answer is then the same); null when they are not, and the document must be checked.
 * The items' ranges are moved onto the current text.
 */
export function completionAfterWordEdit(previous: DocumentAnalysis, document: TextDocument, offset: number): CompletionItem[] | null {
  const text = document.getText();
  const before = offsetBeforeWordEdit(previous.text, text, offset);
  if (before === null) return null;
  const region = changedRegion(previous.text, text, offset);
  const move = (range: Range): Range => ({
    start: document.positionAt(mapOffset(region, previous.lines.offset(range.start), 'start')),
    end: document.positionAt(mapOffset(region, previous.lines.offset(range.end), 'end')),
  });
  return moveItems(completion(previous, before), move);
}

/**
 * Completion at `offset` of `document` answered from the analysis of an earlier version, when every
 * edit since lies inside one comment (`comment-edit.ts` says why the answer is then the same, and
 * how an edited doc comment is shown as it reads now); null when not, and the document must be
 * checked. The items' ranges are moved onto the current text.
 */
export function completionAfterCommentEdit(previous: DocumentAnalysis, document: TextDocument, offset: number): CompletionItem[] | null {
  const edit = commentEdit(previous, document);
  const before = edit ? edit.previousOffset(offset) : null;
  if (!edit || before === null) return null;
  return moveItems(completion(previous, before, edit.docOf), (range) => edit.currentRange(range));
}

function moveItems(items: CompletionItem[], move: (range: Range) => Range): CompletionItem[] {
  return items.map((item) => (item.textEdit && 'range' in item.textEdit ? { ...item, textEdit: { ...item.textEdit, range: move(item.textEdit.range) } } : item));
}

type Add = (label: string, kind: CompletionItemKind, rank: string, extra?: Partial<CompletionItem>) => void;

function markdown(value: string): { kind: 'markdown'; value: string } {
  return { kind: MarkupKind.Markdown, value };
}

/** `item` with a declaration's documentation, when it has any. */
function documented(item: Partial<CompletionItem>, doc: string | null): Partial<CompletionItem> {
  return doc ? { ...item, documentation: markdown(doc) } : item;
}

function addOffer(offer: Offer, analysis: DocumentAnalysis, offset: number, add: Add, docOf: DocOf): void {
  const module = analysis.module;
  switch (offer.kind) {
    case 'keywords':
      for (const word of offer.words) {
        const doc = keywordDoc(word);
        add(word, CompletionItemKind.Keyword, RANK.keyword, doc ? { detail: doc.usage, documentation: markdown(doc.doc) } : {});
      }
      return;
    case 'words': {
      const words = offer.words ?? Object.keys(WORD_DOCS[offer.category]);
      for (const word of words) {
        const doc = wordDoc(offer.category, word) ?? keywordDoc(word)?.doc ?? null;
        add(word, CompletionItemKind.EnumMember, RANK.word, { detail: offer.category.replace('-', ' '), ...(doc ? { documentation: markdown(doc) } : {}) });
      }
      return;
    }
    case 'declarations':
      addDeclarations(module, offer.symbol, offer.alias, add, docOf);
      return;
    case 'fields': {
      const record = offer.record ?? offer.source?.shape.record;
      if (record) addFields(record, offer.source, offer.quoted, add, offer.exclude ?? []);
      return;
    }
    case 'expression':
      addExpressionNames(offer.site, module, add, docOf);
      return;
    case 'member':
      addMembers(offer.site, offer.object, add, docOf);
      return;
    case 'operators':
      for (const word of ['and', 'or', 'in', 'matches']) {
        const doc = keywordDoc(word);
        add(word, CompletionItemKind.Operator, RANK.operator, doc ? { detail: doc.usage, documentation: markdown(doc.doc) } : {});
      }
      return;
    case 'connectors':
      for (const spec of Object.values(CONNECTORS)) {
        add(spec.name, CompletionItemKind.Function, RANK.function, { detail: 'connector', documentation: markdown(describeConnector(spec)) });
      }
      return;
    case 'options':
      for (const option of offer.spec.options) {
        if (offer.used.includes(option.name)) continue;
        add(option.name, CompletionItemKind.Property, RANK.option, {
          detail: `option of ${offer.spec.name}()`,
          documentation: markdown(option.doc),
          insertText: `${option.name}: `,
          filterText: option.name,
        });
      }
      return;
    case 'stdlib-modules': {
      const text = analysis.text;
      const quote = text.lastIndexOf('"', offset - 1);
      const range = toRange(analysis.lines, quote + 1, offset);
      for (const label of workspaceModules(analysis)) {
        add(label, CompletionItemKind.File, RANK.symbol, { detail: 'workspace module', textEdit: { range, newText: label } });
      }
      for (const name of stdlibModules(analysis.program.host.stdlibRoot)) {
        const label = `std/${name}`;
        add(label, CompletionItemKind.Module, RANK.symbol, { detail: 'standard library module', textEdit: { range, newText: label } });
      }
      return;
    }
  }
}

/** Declarations of a kind: this module's, and imported ones as `alias.name` (or only `alias`'s after `alias.`). */
function addDeclarations(module: Module, kind: SymbolKind, alias: string | null, add: Add, docOf: DocOf): void {
  const describe = (decl: A.Decl, where: string): Partial<CompletionItem> => documented({ detail: `${kind}${where}` }, docOf(decl));
  if (alias !== null) {
    const imp = module.imports.find((i) => i.alias === alias);
    if (!imp?.module) return;
    for (const [name, decl] of imp.module.symbols[kind] as Map<string, A.Decl>) add(name, SYMBOL_ITEM_KIND[kind], RANK.symbol, describe(decl, ` of module ${alias}`));
    return;
  }
  for (const [name, decl] of module.symbols[kind] as Map<string, A.Decl>) add(name, SYMBOL_ITEM_KIND[kind], RANK.symbol, describe(decl, ''));
  for (const imp of module.imports) {
    if (!imp.module) continue;
    for (const [name, decl] of imp.module.symbols[kind] as Map<string, A.Decl>) {
      add(`${imp.alias}.${name}`, SYMBOL_ITEM_KIND[kind], RANK.symbol + 'z', describe(decl, ` of module ${imp.alias}`));
    }
  }
}

/** A field name as written where a path stands: quoted when it is not a plain identifier. */
function fieldLabel(name: string, quoted: boolean): string | null {
  if (IDENTIFIER.test(name) && !RESERVED_WORDS.has(name) && name !== 'default' && name !== 'use') return name;
  return quoted ? JSON.stringify(name) : null;
}

function addFields(record: RecordShape, source: SourceInfo | null, quoted: boolean, add: Add, exclude: readonly string[] = []): void {
  if (!record.fields) return;
  for (const [name, type] of record.fields) {
    if (exclude.includes(name)) continue;
    const label = fieldLabel(name, quoted);
    if (!label) continue;
    const key = source?.shape.key?.includes(name) ? ', key' : '';
    add(label, CompletionItemKind.Field, RANK.field, { detail: `${type === 'unknown' ? 'field' : type}${key}${source ? ` — ${source.qualifiedName}` : ''}` });
  }
}

function addExpressionNames(site: ExpressionSite, module: Module, add: Add, docOf: DocOf): void {
  const scope = site.scope;
  for (const name of namesInScope(scope)) {
    const meaning = resolveBareName(name, scope);
    if (meaning.kind === 'field') {
      if (IDENTIFIER.test(name)) add(name, CompletionItemKind.Field, RANK.field, { detail: `${meaning.type === 'unknown' ? 'field' : meaning.type}${site.record ? ` — ${site.record.qualifiedName}` : ''}` });
    } else if (meaning.kind === 'record') {
      add('record', CompletionItemKind.Variable, RANK.root, { detail: 'the record', documentation: markdown('The record itself: `record["cost-center"]` reaches fields whose names are not identifiers.') });
    } else if (meaning.kind === 'root') {
      const source = meaning.root === 'diff' ? null : site[meaning.root];
      add(name, CompletionItemKind.Variable, RANK.root, { detail: source ? `${name} — ${source.qualifiedName}` : name, documentation: markdown(ROOT_DOCS[name] ?? '') });
    } else if (meaning.kind === 'let') {
      if (site.hiddenLets.includes(name)) continue;
      const value = meaning.module.parsed.text.slice(meaning.decl.value.start, meaning.decl.value.end).replace(/\s+/g, ' ');
      add(name, CompletionItemKind.Constant, RANK.symbol, documented({ detail: `let ${name} = ${value.length > 40 ? value.slice(0, 39) + '…' : value}` }, docOf(meaning.decl)));
    }
  }
  for (const imp of module.imports) if (imp.module) add(imp.alias, CompletionItemKind.Module, RANK.symbol, { detail: `module ${imp.alias}` });
  for (const fn of Object.values(BUILTIN_FUNCTIONS)) {
    if (!functionAvailable(fn, scope)) continue;
    if (fn.name === 'secret' && !scope.allowSecret) continue;
    add(fn.name, CompletionItemKind.Function, RANK.function, { detail: fn.signature, documentation: markdown(fn.doc) });
  }
  for (const word of ['true', 'false', 'null', 'not']) add(word, CompletionItemKind.Keyword, RANK.keyword);
}

function addMembers(site: ExpressionSite, object: string, add: Add, docOf: DocOf): void {
  const meaning = resolveBareName(object, site.scope);
  if (meaning.kind === 'root' && meaning.root !== 'diff' && site.scope.roots) {
    addFields(site.scope.roots[meaning.root], site[meaning.root], false, add);
  } else if (meaning.kind === 'record' && site.scope.record) {
    addFields(site.scope.record, site.record, false, add);
  } else if (meaning.kind === 'module' && meaning.import.module) {
    for (const [name, decl] of meaning.import.module.symbols.let) {
      add(name, CompletionItemKind.Constant, RANK.symbol, documented({ detail: `let of module ${object}` }, docOf(decl)));
    }
  }
}

/** At most this many workspace files are offered after `import "`. */
const MAX_IMPORT_CANDIDATES = 200;

/**
 * The other `.recon` files a file may import, as the relative paths it would write (`./shared/
 * sources.recon`, `../common.recon`): those below its workspace root (the folder of the nearest
 * `recon.json`, else its own folder), since an import may not leave it (LANGUAGE.md 2.1). Why:
 * after `import "` a user wants the files next to theirs, not only the standard library's.
 */
function workspaceModules(analysis: DocumentAnalysis): string[] {
  const root = analysis.program.workspaceRoot;
  if (!analysis.uri.startsWith('file:') || !isAbsolute(root)) return [];
  const here = dirname(analysis.path);
  return findWorkspaceReconFiles([root], MAX_IMPORT_CANDIDATES)
    .filter((path) => path !== analysis.path)
    .map((path) => {
      const rel = relative(here, path).replace(/\\/g, '/');
      return rel.startsWith('../') ? rel : `./${rel}`;
    });
}

/** The modules of the standard library, as `std/` names (`money`, `k8s/objects`). */
function stdlibModules(root: string): string[] {
  const names: string[] = [];
  const walk = (dir: string, depth: number): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && depth < 4) walk(path, depth + 1);
      else if (entry.isFile() && entry.name.endsWith('.recon')) names.push(relative(root, path).replace(/\\/g, '/').replace(/\.recon$/, ''));
    }
  };
  walk(root, 0);
  return names.sort();
}
