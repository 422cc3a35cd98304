/**
 * `textDocument/hover`: what the thing under the cursor is — a declaration with its doc comment,
 * a field with its type and source, a root, a built-in function or connector with its signature,
 * a connector option, a word of the language's vocabulary, or a keyword.
 *
 * Why from the semantic index: hover must answer instantly from the cached analysis; the index
 * already knows what every name means, with the checker's own scope rules.
 */
import { relative } from 'node:path';
import { MarkupKind, type Hover } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type * as A from '../../../language/ast.js';
import { stringText } from '../../../language/ast-builder.js';
import { type ConnectorSpec, type ValueType } from '../../../language/checker/builtin-functions.js';
import { constantScope } from '../../../language/checker/expression-scope.js';
import { describeType, inferExpressionType } from '../../../language/checker/expression-types.js';
import { fieldNameText } from '../../../language/checker/source-shape.js';
import type { Module, Program } from '../../../language/program.js';
import { commentEdit, writtenDoc, type DocOf } from '../comment-edit.js';
import type { DocumentAnalysis } from '../document-analysis.js';
import { spanRange } from '../lsp-conversions.js';
import { fieldDeclaration, type Occurrence, type SymbolTarget } from '../semantic-index.js';
import { isKeywordToken, tokenAt } from '../token-lookup.js';
import { keywordDoc, ROOT_DOCS, wordDoc } from '../word-docs.js';
import { endOf } from '../../../language/source-position.js';

/**
 * The hover at `offset`, or null where there is nothing to say. `docOf` gives declarations'
 * documentation when it is not the analysed text's (a doc comment edited since, see
 * `hoverAfterCommentEdit`).
 */
export function hover(analysis: DocumentAnalysis, offset: number, docOf: DocOf = writtenDoc): Hover | null {
  const occ = analysis.index.at(offset);
  if (occ) {
    const text = describeOccurrence(occ, analysis, docOf);
    if (text) return { contents: { kind: MarkupKind.Markdown, value: text }, range: spanRange(analysis.lines, occ) };
  }
  const token = tokenAt(analysis.module.parsed.tokens, offset);
  if (token && isKeywordToken(token)) {
    const doc = keywordDoc(token.image);
    if (doc) {
      return {
        contents: { kind: MarkupKind.Markdown, value: `${code(doc.usage)}\n\n${doc.doc}` },
        range: spanRange(analysis.lines, { start: token.startOffset, end: endOf(token) }),
      };
    }
  }
  return null;
}

/**
 * The hover at `offset` of `document` answered from the analysis of an earlier version, when every
 * edit since lies inside one comment (`comment-edit.ts` says why the answer is then the same, and
 * how an edited doc comment is shown as it reads now); undefined when not, and the document must
 * be checked. The range is moved onto the current text.
 */
export function hoverAfterCommentEdit(previous: DocumentAnalysis, document: TextDocument, offset: number): Hover | null | undefined {
  const edit = commentEdit(previous, document);
  const before = edit ? edit.previousOffset(offset) : null;
  if (!edit || before === null) return undefined;
  const answer = hover(previous, before, edit.docOf);
  return answer?.range ? { ...answer, range: edit.currentRange(answer.range) } : answer;
}

function code(text: string): string {
  return '```recon\n' + text + '\n```';
}

function describeOccurrence(occ: Occurrence, analysis: DocumentAnalysis, docOf: DocOf): string | null {
  switch (occ.type) {
    case 'symbol':
      return occ.target ? describeDeclaration(occ.target, analysis.program, analysis.module, docOf) : null;
    case 'module-path': {
      const imp = occ.import;
      const lines = [code(`import "${stringText(imp.decl.path)}"${imp.decl.alias ? ` as ${imp.alias}` : ''}`), `**module** \`${imp.alias}\``];
      if (imp.module) {
        lines.push(`Loaded from \`${displayPath(imp.module.path, analysis.program)}\``);
        const names = moduleNames(imp.module);
        if (names) lines.push(names);
      } else {
        lines.push('Not resolved (see the diagnostic).');
      }
      return lines.join('\n\n');
    }
    case 'field': {
      const type = occ.fieldType ? `: ${occ.fieldType}` : '';
      if (occ.raw) {
        return `**raw field** \`${occ.name}\`${occ.source ? ` of the records read by source \`${occ.source.qualifiedName}\`` : ''}\n\nA field of the record as the connector reads it, before \`select\`.`;
      }
      const lines = [code(`${occ.name}${type}`)];
      if (occ.source) {
        const declared = fieldDeclaration(occ.source, occ.name);
        const where = declared ? ` (line ${occ.source.module.lines.lineColumn(declared.start).line}${occ.source.module.path !== analysis.path ? ` of \`${displayPath(occ.source.module.path, analysis.program)}\`` : ''})` : '';
        const typed = occ.source.shape.record.fields !== null;
        lines.push(`**field** of source \`${occ.source.qualifiedName}\`${where}${typed && !occ.source.shape.record.fields!.has(occ.name) ? ' — not one of its fields' : ''}`);
        if (occ.source.shape.key?.includes(occ.name)) lines.push('Part of the key.');
      } else {
        lines.push('**field**');
      }
      return lines.join('\n\n');
    }
    case 'root': {
      const source = occ.source ? `\n\nA record of source \`${occ.source.qualifiedName}\`${occ.source.shape.record.fields ? `: ${fieldList(occ.source.shape.record.fields)}` : ''}.` : '';
      return `${code(occ.root)}\n\n**${occ.root}** — ${ROOT_DOCS[occ.root]}${occ.root === 'key' && occ.source?.shape.key ? `\n\nKey fields: ${occ.source.shape.key.map((k) => `\`${k}\``).join(', ')}.` : source}`;
    }
    case 'record':
      return `${code('record')}\n\nThe record itself; reach fields whose names are not identifiers with \`record["cost-center"]\`.`;
    case 'function': {
      const fn = occ.fn;
      const where = fn.availability === 'diff' ? '\n\nOnly in remediation rules and `by` comparators (it reads the differing fields).' : fn.name === 'secret' ? '\n\nOnly in connector arguments and options; its value is never shown.' : '';
      return `${code(fn.signature)}\n\n**built-in function** — ${fn.doc}${where}`;
    }
    case 'connector':
      return describeConnector(occ.spec);
    case 'option': {
      const param = occ.param;
      if (!param) return `**option** \`${occ.name}\` — not an option of \`${occ.connector.name}()\`.`;
      return `${code(`${occ.connector.name}(..., ${param.name}: ${types(param.types)})`)}\n\n**option** of \`${occ.connector.name}()\` — ${param.doc}`;
    }
    case 'word': {
      const doc = wordDoc(occ.category, occ.word);
      if (!doc) return null;
      return `**${occ.category.replace('-', ' ')}** \`${occ.word}\` — ${doc}`;
    }
  }
}

function types(list: readonly ValueType[]): string {
  return list.map((t) => describeType(t)).join(' | ');
}

/** A connector's signature, doc, and options. */
export function describeConnector(spec: ConnectorSpec): string {
  const positional = spec.positional.map((p, i) => (i < spec.requiredPositional ? p.name : `${p.name}?`));
  const options = spec.options.map((o) => `${o.name}: ...`);
  const lines = [code(`${spec.name}(${[...positional, ...options].join(', ')})`), `**connector** — ${spec.doc}`];
  const params = [...spec.positional, ...spec.options].map((p) => `- \`${p.name}\` (${types(p.types)}): ${p.doc}`);
  if (params.length > 0) lines.push(params.join('\n'));
  lines.push(spec.writes === 'native' ? 'Writes natively.' : spec.writes === 'write-block' ? 'Writes through `write { }`.' : 'Read-only.');
  return lines.join('\n\n');
}

function fieldList(fields: ReadonlyMap<string, ValueType>): string {
  const list = [...fields].map(([name, type]) => `\`${name}\`${type === 'unknown' ? '' : ` ${type}`}`);
  return list.length > 12 ? `${list.slice(0, 12).join(', ')}, ...` : list.join(', ');
}

function moduleNames(module: Module): string | null {
  const parts: string[] = [];
  for (const kind of ['source', 'profile', 'policy', 'let', 'group'] as const) {
    const names = [...module.symbols[kind].keys()];
    if (names.length > 0) parts.push(`${kind === 'policy' ? 'policies' : `${kind}s`}: ${names.map((n) => `\`${n}\``).join(', ')}`);
  }
  return parts.length > 0 ? parts.join(' · ') : null;
}

function displayPath(path: string, program: Program): string {
  if (path.startsWith(program.host.stdlibRoot)) return `std/${relative(program.host.stdlibRoot, path).replace(/\.recon$/, '')}`;
  return relative(program.workspaceRoot, path) || path;
}

function snippet(module: Module, node: A.Span, max = 80): string {
  const text = module.parsed.text.slice(node.start, node.end).replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A declaration's hover: its kind and name, a summary, its doc comment (`docOf`), and where it lives. */
export function describeDeclaration(target: SymbolTarget, program: Program, from: Module, docOf: DocOf = writtenDoc): string {
  const { decl, module } = target;
  const lines: string[] = [];
  switch (decl.kind) {
    case 'Import': {
      const imp = module.imports.find((i) => i.decl === decl);
      lines.push(code(`import "${stringText(decl.path)}"${decl.alias ? ` as ${decl.alias.text}` : ''}`));
      lines.push(`**module** \`${imp?.alias ?? ''}\`${imp?.module ? ` — \`${displayPath(imp.module.path, program)}\`` : ''}`);
      if (imp?.module) {
        const names = moduleNames(imp.module);
        if (names) lines.push(names);
      }
      break;
    }
    case 'Let': {
      const type = inferExpressionType(decl.value, constantScope(module));
      lines.push(code(`let ${decl.name.text} = ${snippet(module, decl.value)}`));
      lines.push(`**let** \`${decl.name.text}\`${type !== 'unknown' ? `: ${describeType(type)}` : ''}`);
      break;
    }
    case 'Group':
      lines.push(code(`group ${decl.name.text} = ${snippet(module, decl.members, 120)}`));
      lines.push(`**group** \`${decl.name.text}\` — ${decl.members.elements.length} member(s) who may approve`);
      break;
    case 'Source': {
      const from = decl.statements.find((s): s is A.FromStmt => s.kind === 'From');
      const key = decl.statements.find((s): s is A.KeyStmt => s.kind === 'Key');
      lines.push(code(`source ${decl.name.text}${from ? `  # from ${snippet(module, from.call, 60)}` : ''}`));
      const parts = [`**source** \`${decl.name.text}\``];
      if (key) parts.push(`key ${key.paths.map((p) => `\`${snippet(module, p)}\``).join(', ')}`);
      lines.push(parts.join(' — '));
      const fields: string[] = [];
      for (const stmt of decl.statements) {
        if (stmt.kind === 'Fields') for (const f of stmt.fields) if (!f.name.missing) fields.push(`\`${fieldNameText(f.name)}\` ${f.type.missing ? '' : f.type.text}`.trim());
      }
      if (fields.length === 0) {
        for (const stmt of decl.statements) if (stmt.kind === 'Select') for (const l of stmt.lines) if (!l.name.missing) fields.push(`\`${fieldNameText(l.name)}\``);
      }
      if (fields.length > 0) lines.push(`Fields: ${fields.join(' · ')}`);
      break;
    }
    case 'Profile':
      lines.push(code(`profile ${decl.name.text}`));
      lines.push(`**profile** \`${decl.name.text}\` — ${decl.rules.length} rule(s)`);
      if (decl.rules.length > 0) lines.push(decl.rules.slice(0, 10).map((r) => `- \`${snippet(module, r)}\``).join('\n'));
      break;
    case 'Policy': {
      const get = (kind: A.PolicyStmt['kind']) => decl.statements.find((s) => s.kind === kind);
      const desired = get('Desired') as Extract<A.PolicyStmt, { kind: 'Desired' }> | undefined;
      const actual = get('Actual') as Extract<A.PolicyStmt, { kind: 'Actual' }> | undefined;
      const mode = get('Mode') as Extract<A.PolicyStmt, { kind: 'Mode' }> | undefined;
      const severity = get('Severity') as Extract<A.PolicyStmt, { kind: 'Severity' }> | undefined;
      const description = get('Description') as Extract<A.PolicyStmt, { kind: 'Description' }> | undefined;
      lines.push(code(`policy ${decl.name.text}`));
      const facts = [`desired \`${desired ? snippet(module, desired.source) : '?'}\``, `actual \`${actual ? snippet(module, actual.source) : '?'}\``, `mode ${mode ? mode.value.text : 'audit'}`];
      if (severity) facts.push(`severity ${severity.value.text}`);
      lines.push(`**policy** \`${decl.name.text}\` — ${facts.join(', ')}`);
      if (description && !description.value.missing) lines.push(`_${stringText(description.value)}_`);
      break;
    }
    case 'Test':
      lines.push(code(`test ${snippet(module, decl.name)}`));
      lines.push(`**test** of policy \`${decl.policy.missing ? '?' : snippet(module, decl.policy)}\``);
      break;
  }
  const doc = docOf(decl);
  if (doc) lines.push(doc);
  if (module.path !== from.path && decl.kind !== 'Import') lines.push(`Declared in \`${displayPath(module.path, program)}\`, line ${module.lines.lineColumn(decl.start).line}.`);
  return lines.join('\n\n');
}
