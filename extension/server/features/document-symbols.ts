/**
 * `textDocument/documentSymbol`: the outline of a file — imports, lets, groups, sources (with
 * their fields), profiles (with their rules), policies (with their compare rules, remediation
 * rules and limits) and tests.
 */
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import type * as A from '../../../language/ast.js';
import { stringText } from '../../../language/ast-builder.js';
import { fieldNameText } from '../../../language/checker/source-shape.js';
import type { LineMap } from '../../../language/source-position.js';
import type { DocumentAnalysis } from '../document-analysis.js';
import { spanRange } from '../lsp-conversions.js';

/** The LSP symbol kind of each declaration kind (also used by workspace symbols). */
export const DECLARATION_SYMBOL_KIND: Record<A.Decl['kind'], SymbolKind> = {
  Import: SymbolKind.Module,
  Let: SymbolKind.Constant,
  Group: SymbolKind.Array,
  Source: SymbolKind.Class,
  Profile: SymbolKind.Struct,
  Policy: SymbolKind.Interface,
  Test: SymbolKind.Method,
};

function text(source: string, span: A.Span, max = 60): string {
  const t = source.slice(span.start, span.end).replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

function symbol(lines: LineMap, name: string, kind: SymbolKind, range: A.Span, selection: A.Span, detail?: string, children?: DocumentSymbol[]): DocumentSymbol {
  const sel = selection.start >= range.start && selection.end <= range.end ? selection : range;
  return {
    name: name === '' ? '?' : name,
    kind,
    range: spanRange(lines, range),
    selectionRange: spanRange(lines, sel),
    ...(detail ? { detail } : {}),
    ...(children && children.length > 0 ? { children } : {}),
  };
}

/** The name a declaration is shown by, or null for a declaration without one. */
export function declarationLabel(decl: A.Decl, module: { imports: { decl: A.ImportDecl; alias: string }[] }): { name: string; at: A.Span } | null {
  switch (decl.kind) {
    case 'Import': {
      const alias = module.imports.find((i) => i.decl === decl)?.alias ?? (decl.alias?.text ?? stringText(decl.path));
      return { name: alias, at: decl.alias ?? decl.path };
    }
    case 'Test':
      return decl.name.missing ? null : { name: stringText(decl.name), at: decl.name };
    default:
      return decl.name.missing ? null : { name: decl.name.text, at: decl.name };
  }
}

/** The outline of the analysed file. */
export function documentSymbols(analysis: DocumentAnalysis): DocumentSymbol[] {
  const lines = analysis.lines;
  const source = analysis.text;
  const result: DocumentSymbol[] = [];
  for (const decl of analysis.module.parsed.ast.declarations) {
    const label = declarationLabel(decl, analysis.module);
    if (!label) continue;
    const kind = DECLARATION_SYMBOL_KIND[decl.kind];
    switch (decl.kind) {
      case 'Import':
        result.push(symbol(lines, label.name, kind, decl, label.at, stringText(decl.path)));
        break;
      case 'Let':
        result.push(symbol(lines, label.name, kind, decl, label.at, text(source, decl.value)));
        break;
      case 'Group':
        result.push(symbol(lines, label.name, kind, decl, label.at, `${decl.members.elements.length} member(s)`));
        break;
      case 'Source': {
        const children: DocumentSymbol[] = [];
        let connector: string | undefined;
        for (const stmt of decl.statements) {
          if (stmt.kind === 'From' && stmt.call.callee.kind === 'NameRef') connector = stmt.call.callee.name.text;
          if (stmt.kind === 'Fields') {
            for (const f of stmt.fields) if (!f.name.missing) children.push(symbol(lines, fieldNameText(f.name), SymbolKind.Field, f, f.name, f.type.missing ? undefined : f.type.text));
          }
        }
        if (children.length === 0) {
          for (const stmt of decl.statements) {
            if (stmt.kind === 'Select') for (const l of stmt.lines) if (!l.name.missing) children.push(symbol(lines, fieldNameText(l.name), SymbolKind.Field, l, l.name, text(source, l.value, 40)));
          }
        }
        result.push(symbol(lines, label.name, kind, decl, label.at, connector, children));
        break;
      }
      case 'Profile':
        result.push(symbol(lines, label.name, kind, decl, label.at, undefined, decl.rules.map((r) => compareRuleSymbol(lines, source, r))));
        break;
      case 'Policy': {
        const children: DocumentSymbol[] = [];
        for (const stmt of decl.statements) {
          if (stmt.kind === 'Compare') {
            const rules = stmt.items.filter((i): i is A.CompareRule => i.kind === 'CompareRule').map((r) => compareRuleSymbol(lines, source, r));
            children.push(symbol(lines, 'compare', SymbolKind.Namespace, stmt, { start: stmt.start, end: stmt.start + 7 }, undefined, rules));
          } else if (stmt.kind === 'Remediate') {
            const rules = stmt.rules.map((r) => symbol(lines, text(source, r, 120), SymbolKind.Event, r, r.on));
            children.push(symbol(lines, 'remediate', SymbolKind.Namespace, stmt, { start: stmt.start, end: stmt.start + 9 }, undefined, rules));
          } else if (stmt.kind === 'Limits') {
            children.push(symbol(lines, 'limits', SymbolKind.Namespace, stmt, { start: stmt.start, end: stmt.start + 6 }, text(source, stmt, 60).replace(/^limits\s*/, '')));
          }
        }
        const desired = decl.statements.find((s) => s.kind === 'Desired');
        const actual = decl.statements.find((s) => s.kind === 'Actual');
        const detail = desired && actual ? `${text(source, desired.source)} → ${text(source, actual.source)}` : undefined;
        result.push(symbol(lines, label.name, kind, decl, label.at, detail, children));
        break;
      }
      case 'Test':
        result.push(symbol(lines, label.name, kind, decl, label.at, decl.policy.missing ? undefined : `policy ${text(source, decl.policy)}`));
        break;
    }
  }
  return result;
}

function compareRuleSymbol(lines: LineMap, source: string, rule: A.CompareRule): DocumentSymbol {
  return symbol(lines, text(source, rule.path), SymbolKind.Property, rule, rule.path, text(source, rule.comparator));
}
