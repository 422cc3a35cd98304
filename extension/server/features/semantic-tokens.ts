/**
 * `textDocument/semanticTokens/full`: colours by meaning, not by guessing — a name is a source,
 * profile, policy, group, let, import alias, field, root, built-in function, connector or option
 * according to the semantic index; contextual keywords used as names (a field called `key`) are
 * coloured as the names they are.
 *
 * Legend: see `SEMANTIC_TOKEN_LEGEND`. Sources are `class`, profiles `struct`, policies
 * `interface`, groups `enum`, lets `variable` (readonly), import aliases `namespace`, fields
 * `property`, roots and `record` `variable` (defaultLibrary), built-in functions and connectors
 * `function` (defaultLibrary), connector options `parameter`, words of the vocabulary
 * (comparators, actions, kinds, ...) `enumMember`, field types `type`.
 */
import type { IToken } from 'chevrotain';
import type { SemanticTokens, SemanticTokensLegend } from 'vscode-languageserver';
import type { DocumentAnalysis } from '../document-analysis.js';
import type { Occurrence } from '../semantic-index.js';
import { endOf } from '../../../language/source-position.js';

const TYPES = ['namespace', 'class', 'struct', 'interface', 'enum', 'type', 'parameter', 'variable', 'property', 'enumMember', 'function', 'keyword', 'comment', 'string', 'number', 'operator', 'event'] as const;
const MODIFIERS = ['declaration', 'readonly', 'defaultLibrary'] as const;

type TokenTypeName = (typeof TYPES)[number];
type ModifierName = (typeof MODIFIERS)[number];

/** The legend the server announces in its capabilities. */
export const SEMANTIC_TOKEN_LEGEND: SemanticTokensLegend = { tokenTypes: [...TYPES], tokenModifiers: [...MODIFIERS] };

interface Classified {
  type: TokenTypeName;
  modifiers: ModifierName[];
}

function classifyOccurrence(occ: Occurrence): Classified | null {
  const declaration: ModifierName[] = 'role' in occ && occ.role === 'declaration' ? ['declaration'] : [];
  switch (occ.type) {
    case 'symbol':
      switch (occ.id.kind) {
        case 'source':
          return { type: 'class', modifiers: declaration };
        case 'profile':
          return { type: 'struct', modifiers: declaration };
        case 'policy':
          return { type: 'interface', modifiers: declaration };
        case 'group':
          return { type: 'enum', modifiers: declaration };
        case 'let':
          return { type: 'variable', modifiers: [...declaration, 'readonly'] };
        case 'import':
          return { type: 'namespace', modifiers: declaration };
        case 'test':
          return null; // a string: keep its string colour
      }
      return null;
    case 'field':
      return { type: 'property', modifiers: declaration };
    case 'root':
    case 'record':
      return { type: 'variable', modifiers: ['defaultLibrary'] };
    case 'function':
    case 'connector':
      return { type: 'function', modifiers: ['defaultLibrary'] };
    case 'option':
      return { type: 'parameter', modifiers: [] };
    case 'word':
      return { type: occ.category === 'type' ? 'type' : 'enumMember', modifiers: [] };
    case 'module-path':
      return null;
  }
}

const STRING_PARTS = new Set(['StringStart', 'StringText', 'StringEnd', 'StringEscapedInterpolation']);
const NUMBERS = new Set(['NumberLiteral', 'Duration', 'Percentage']);
const OPERATORS = new Set([
  'Arrow', 'EqEq', 'NotEq', 'LessEq', 'GreaterEq', 'Less', 'Greater', 'Equals', 'DotDot', 'Plus', 'Minus', 'Star', 'Slash', 'PercentSign',
  'InterpolationStart', 'InterpolationEnd',
]);

function classifyToken(token: IToken): Classified | null {
  const name = token.tokenType.name;
  if (name.startsWith('Kw')) return { type: 'keyword', modifiers: [] };
  if (STRING_PARTS.has(name)) return { type: 'string', modifiers: [] };
  if (NUMBERS.has(name)) return { type: 'number', modifiers: [] };
  if (OPERATORS.has(name)) return { type: 'operator', modifiers: [] };
  return null;
}

/** The semantic tokens of the analysed file (LSP's relative encoding). */
export function semanticTokens(analysis: DocumentAnalysis): SemanticTokens {
  const lines = analysis.lines;
  const byStart = new Map<number, { end: number; classified: Classified }>();
  for (const occ of analysis.index.occurrences) {
    const classified = classifyOccurrence(occ);
    if (!classified || occ.end <= occ.start) continue;
    const existing = byStart.get(occ.start);
    if (!existing || occ.end - occ.start < existing.end - occ.start) byStart.set(occ.start, { end: occ.end, classified });
  }
  const parsed = analysis.module.parsed;
  const all = [...parsed.tokens, ...parsed.comments].filter((t) => !Number.isNaN(t.startOffset)).sort((a, b) => a.startOffset - b.startOffset);
  const data: number[] = [];
  let previousLine = 0;
  let previousChar = 0;
  const emit = (start: number, end: number, c: Classified): void => {
    const position = lines.position(start);
    const endPosition = lines.position(end);
    // tokens never span lines (strings end at a line break); anything else is not coloured
    if (endPosition.line !== position.line) return;
    const length = endPosition.character - position.character;
    if (length <= 0) return;
    const deltaLine = position.line - previousLine;
    const deltaChar = deltaLine === 0 ? position.character - previousChar : position.character;
    let modifiers = 0;
    for (const m of c.modifiers) modifiers |= 1 << MODIFIERS.indexOf(m);
    data.push(deltaLine, deltaChar, length, TYPES.indexOf(c.type), modifiers);
    previousLine = position.line;
    previousChar = position.character;
  };
  let skipUntil = -1;
  for (const token of all) {
    if (token.startOffset < skipUntil) continue;
    const occ = byStart.get(token.startOffset);
    if (occ) {
      emit(token.startOffset, occ.end, occ.classified);
      skipUntil = occ.end;
      continue;
    }
    if (token.tokenType.name === 'Comment') {
      emit(token.startOffset, endOf(token), { type: 'comment', modifiers: [] });
      continue;
    }
    const classified = classifyToken(token);
    if (classified) emit(token.startOffset, endOf(token), classified);
  }
  return { data };
}
