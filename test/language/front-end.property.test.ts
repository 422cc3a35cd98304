/**
 * Property tests of the whole front end on mutated real files (LANGUAGE.md sections 4 and 5).
 *
 * Valid files — the section 2 fixture and the payment settlement sample — are mutated at random
 * (tokens and lines deleted, duplicated or swapped, random characters, keywords, operators,
 * braces and quotes inserted, whitespace, comments and every kind of line end moved, nesting
 * past the limits inserted, the file truncated), and then:
 *
 * 1. the lexer, parser, checker, formatter and compiler never throw;
 * 2. every diagnostic's range lies inside the text of its file (0 <= start <= end <= length);
 * 3. `fmt` is idempotent on every file that parses without errors, and never refuses its own
 *    output (`internalError` is a formatter bug);
 * 4. `compile(fmt(f))` equals `compile(f)` apart from source locations (every `at` removed), for
 *    every file that compiles.
 *
 * Why on mutated real files rather than generated ones: the editor feeds the front end every
 * half-typed state of a real file; that is where recovery, ranges and layout break.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../language/diagnostics.js';
import { formatText } from '../../language/formatter.js';
import type { IrDocument } from '../../language/ir/ir-types.js';
import { lex } from '../../language/lexer.js';
import { MemoryModuleHost } from '../../language/module-host.js';
import { parseFile } from '../../language/parse-file.js';
import { compileFile } from '../../language/pipeline.js';
import { KEYWORDS } from '../../language/tokens.js';
import { TEST_TODAY } from '../helpers/language-helpers.js';

const read = (relative: string): string => readFileSync(fileURLToPath(new URL(relative, import.meta.url)), 'utf8');

const SEEDS: Record<string, string> = {
  'spec-section2': read('../fixtures/language/spec-section2.recon'),
  settlement: read('../../samples/payment-settlement/settlement.recon'),
};

const ROOT = '/ws';
const MAIN = `${ROOT}/main.recon`;
/** What the section 2 fixture imports (`import "./shared/sources.recon" as src`). */
const WORKSPACE: Record<string, string> = {
  [`${ROOT}/recon.json`]: '{}',
  [`${ROOT}/shared/sources.recon`]: 'source gateway {\n  from http("http://127.0.0.1:8080/s")\n  key id\n}\n',
};

// Runs per property: enough to matter, while the file stays under 20 s on two cores.
// RECON_PROPERTY_RUNS=N multiplies them for a longer hunt.
const SCALE = Number(process.env.RECON_PROPERTY_RUNS ?? '1') || 1;
const RUNS = { crash: 500 * SCALE, format: 400 * SCALE, compile: 300 * SCALE };

// ------------------------------------------------------------------ mutations

type Mutation =
  | { op: 'deleteToken' | 'duplicateToken' | 'deleteLine' | 'duplicateLine' | 'joinLines' | 'truncate'; at: number }
  | { op: 'swapTokens' | 'swapLines'; at: number; with: number }
  | { op: 'insertAtBoundary' | 'insertAnywhere'; at: number; text: string };

/** Things a person types (or an editor leaves behind) that the grammar cares about. */
const SNIPPETS = [
  ...KEYWORDS,
  '=>', '==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '%', '..', '.', ',', ':', '=',
  '(', ')', '[', ']', '{', '}', '"', "'", '${', '"${', '}"', '\\', '#', '# note\n', '\n', '\r\n', '\t',
  '""', '"x"', '"${x}"', '"${ "a" + "b" }"', '"\\u{1F600}"', '"\\q"', '0', '-1', '1.5', '1e400', '10%', '2m', '2min', '200ms..10s',
  'secret("X")', 'env("HOME")', 'now()', 'only("amount")', 'desired.amount', 'key.txn_id', 'actual["a b"]',
  'on missing => create', 'on extra => ignore until "2020-01-01"', 'requires approval from nobody',
  'policy q {', 'source s {', 'profile pr {', 'test "t" {', 'import "std/money"', 'import "./nope.recon"',
  'let z = 1', 'group g = []', 'from csv("x.csv")', 'key id', 'fields { a: string }', 'compare { a within 1 }',
  '\u0000', '\u00e9', '😀', '\uFEFF', '\u2028', '\ud800',
  // nesting past the limits (`nesting-too-deep`): these overflowed the stack before
  '('.repeat(700), '['.repeat(700), '"${'.repeat(400), 'not '.repeat(3000), ' or x'.repeat(2500), '.a'.repeat(2500),
];

// a lone \r ends a line as \n does (classic Mac files; editors and LSP count it)
const layoutText = fc.constantFrom(' ', '  ', '\n', '\n\n', '\n\n\n', '\t', ' # c\n', '\n# own line\n', '\n  # indented\n', '#\n', '\r', '\r\r', '\r# cr line\r', '\r\n# crlf line\r\n');
const anyText = fc.oneof(
  fc.constantFrom(...SNIPPETS),
  fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 4 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }),
);
const index = fc.nat({ max: 1_000_000 });

/** Mutations of every kind, for the "never throws, ranges inside" property. */
const anyMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constantFrom('deleteToken', 'duplicateToken', 'deleteLine', 'duplicateLine', 'joinLines', 'truncate'), at: index }),
  fc.record({ op: fc.constantFrom('swapTokens', 'swapLines'), at: index, with: index }),
  fc.record({ op: fc.constantFrom('insertAtBoundary', 'insertAnywhere'), at: index, text: fc.oneof(anyText, layoutText) }),
) as fc.Arbitrary<Mutation>;

/**
 * Mostly layout changes (whitespace, comments, line breaks) plus some structural ones, so that
 * a good share of the results still parse, or even compile, and the format properties are not
 * vacuous.
 */
const mostlyLayoutMutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('insertAtBoundary' as const), at: index, text: layoutText }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('joinLines' as const), at: index }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('deleteLine' as const, 'duplicateLine' as const), at: index }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('swapLines' as const), at: index, with: index }) },
  { weight: 1, arbitrary: anyMutation },
);

interface Span {
  start: number;
  end: number; // exclusive
}

function tokenSpans(text: string): Span[] {
  const { tokens, comments } = lex(text);
  return [...tokens, ...comments]
    .filter((t) => Number.isFinite(t.startOffset) && Number.isFinite(t.endOffset) && t.endOffset! >= t.startOffset)
    .map((t) => ({ start: t.startOffset, end: t.endOffset! + 1 }))
    .sort((a, b) => a.start - b.start);
}

function lineSpans(text: string): Span[] {
  const spans: Span[] = [];
  let start = 0;
  for (;;) {
    const newline = text.indexOf('\n', start);
    if (newline < 0) {
      spans.push({ start, end: text.length });
      return spans;
    }
    spans.push({ start, end: newline + 1 });
    start = newline + 1;
  }
}

function swap(text: string, a: Span, b: Span): string {
  if (a.start === b.start) return text;
  const [first, second] = a.start < b.start ? [a, b] : [b, a];
  if (second.start < first.end) return text; // overlapping: leave as is
  return text.slice(0, first.start) + text.slice(second.start, second.end) + text.slice(first.end, second.start) + text.slice(first.start, first.end) + text.slice(second.end);
}

function applyMutation(text: string, m: Mutation): string {
  switch (m.op) {
    case 'deleteToken':
    case 'duplicateToken':
    case 'swapTokens': {
      const spans = tokenSpans(text);
      if (spans.length === 0) return text;
      const s = spans[m.at % spans.length]!;
      if (m.op === 'deleteToken') return text.slice(0, s.start) + text.slice(s.end);
      if (m.op === 'duplicateToken') return text.slice(0, s.end) + ' ' + text.slice(s.start, s.end) + text.slice(s.end);
      return swap(text, s, spans[('with' in m ? m.with : 0) % spans.length]!);
    }
    case 'deleteLine':
    case 'duplicateLine':
    case 'swapLines': {
      const spans = lineSpans(text);
      const s = spans[m.at % spans.length]!;
      if (m.op === 'deleteLine') return text.slice(0, s.start) + text.slice(s.end);
      if (m.op === 'duplicateLine') {
        const line = text.slice(s.start, s.end);
        return text.slice(0, s.end) + (line.endsWith('\n') ? line : `\n${line}`) + text.slice(s.end);
      }
      return swap(text, s, spans[('with' in m ? m.with : 0) % spans.length]!);
    }
    case 'joinLines': {
      const newlines = [...text.matchAll(/\n/g)].map((x) => x.index!);
      if (newlines.length === 0) return text;
      const at = newlines[m.at % newlines.length]!;
      return text.slice(0, at) + ' ' + text.slice(at + 1);
    }
    case 'truncate':
      return text.slice(0, m.at % (text.length + 1));
    case 'insertAnywhere': {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + m.text + text.slice(at);
    }
    case 'insertAtBoundary': {
      const spans = tokenSpans(text);
      const boundaries = [0, ...spans.flatMap((s) => [s.start, s.end]), text.length];
      const at = boundaries[m.at % boundaries.length]!;
      return text.slice(0, at) + m.text + text.slice(at);
    }
  }
}

function mutate(seed: string, mutations: Mutation[]): string {
  return mutations.reduce(applyMutation, SEEDS[seed]!);
}

const seedName = fc.constantFrom(...Object.keys(SEEDS));

// ------------------------------------------------------------------ the pipeline, as clients run it

function host(): MemoryModuleHost {
  return new MemoryModuleHost({ ...WORKSPACE });
}

function compile(text: string): ReturnType<typeof compileFile> {
  return compileFile(MAIN, host(), text, { today: TEST_TODAY });
}

/** The IR without source locations: every `at` field removed, at any depth. */
function withoutLocations(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutLocations);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'at').map(([k, v]) => [k, withoutLocations(v)]));
}

function badRange(d: Diagnostic, length: number): boolean {
  return !(Number.isInteger(d.start) && Number.isInteger(d.end) && d.start >= 0 && d.start <= d.end && d.end <= length);
}

function describeRange(d: Diagnostic, text: string): string {
  return `[${d.code}] ${d.start}..${d.end} of ${text.length} in ${d.file ?? '(parse)'}: ${d.message}`;
}

// ------------------------------------------------------------------ properties

describe('the front end on randomly mutated files', () => {
  it('the seeds themselves are valid: they compile, and fmt keeps their IR', () => {
    for (const [name, text] of Object.entries(SEEDS)) {
      const compiled = compile(text);
      expect(compiled.diagnostics.filter((d) => d.severity === 'error'), name).toEqual([]);
      expect(compiled.ir, name).not.toBeNull();
      const formatted = formatText(text);
      expect(formatted.internalError, name).toBeUndefined();
      expect(withoutLocations(compile(formatted.text).ir)).toEqual(withoutLocations(compiled.ir));
    }
  });

  it('regression: a doc comment with trailing blanks means the same after fmt (found by the property below)', () => {
    const text = SEEDS['spec-section2']!.replace('with the same amount.\n', 'with the same amount. \t\n');
    expect(text).not.toBe(SEEDS['spec-section2']);
    const before = compile(text);
    const after = compile(formatText(text).text);
    expect(before.ir!.policies[0]!.doc).toBe('Every ledger entry must be settled at the gateway with the same amount.');
    expect(withoutLocations(after.ir)).toEqual(withoutLocations(before.ir));
  });

  it(`never throws, and every diagnostic range lies inside its file (${RUNS.crash} runs)`, () => {
    fc.assert(
      fc.property(seedName, fc.array(anyMutation, { minLength: 1, maxLength: 4 }), (seed, mutations) => {
        const text = mutate(seed, mutations);
        const parsed = parseFile(text);
        for (const d of parsed.diagnostics) if (badRange(d, text.length)) throw new Error(`parse: ${describeRange(d, text)}`);

        const compiled = compile(text);
        for (const module of compiled.program.modules.values()) {
          const moduleText = module.parsed.text;
          for (const d of module.diagnostics) if (badRange(d, moduleText.length)) throw new Error(`check: ${describeRange(d, moduleText)}`);
        }
        for (const d of compiled.diagnostics) {
          const file = d.file ?? MAIN;
          const moduleText = compiled.program.modules.get(file)?.parsed.text ?? text;
          if (badRange(d, moduleText.length)) throw new Error(`compile: ${describeRange(d, moduleText)}`);
        }
        // the formatter never throws either, whatever it is given
        const formatted = formatText(text);
        expect(typeof formatted.text).toBe('string');
      }),
      { numRuns: RUNS.crash },
    );
  });

  it(`fmt is idempotent and never refuses its own output on files that parse (${RUNS.format} runs)`, () => {
    let parsedClean = 0;
    fc.assert(
      fc.property(seedName, fc.array(mostlyLayoutMutation, { minLength: 1, maxLength: 5 }), (seed, mutations) => {
        const text = mutate(seed, mutations);
        const once = formatText(text);
        if (once.diagnostics.some((d) => d.severity === 'error')) {
          // a file with syntax errors is left exactly as it is
          expect(once.text).toBe(text);
          expect(once.changed).toBe(false);
          return;
        }
        parsedClean++;
        if (once.internalError !== undefined) throw new Error(`formatter refused its output: ${once.internalError}\n--- input ---\n${text}`);
        const twice = formatText(once.text);
        expect(twice.internalError).toBeUndefined();
        expect(twice.changed).toBe(false);
        expect(twice.text).toBe(once.text);
      }),
      { numRuns: RUNS.format },
    );
    // the property is not vacuous: a good share of the mutants parse
    expect(parsedClean).toBeGreaterThan(RUNS.format / 4);
  });

  it(`compile(fmt(f)) equals compile(f) apart from source locations (${RUNS.compile} runs)`, () => {
    let compiledClean = 0;
    fc.assert(
      fc.property(seedName, fc.array(mostlyLayoutMutation, { minLength: 1, maxLength: 5 }), (seed, mutations) => {
        const text = mutate(seed, mutations);
        const before = compile(text);
        if (before.ir === null) return;
        compiledClean++;
        const formatted = formatText(text);
        expect(formatted.internalError).toBeUndefined();
        const after = compile(formatted.text);
        if (after.ir === null) {
          const errors = after.diagnostics.filter((d) => d.severity === 'error').map((d) => describeRange(d, formatted.text));
          throw new Error(`the formatted file no longer compiles:\n${errors.join('\n')}\n--- input ---\n${text}`);
        }
        expect(withoutLocations(after.ir as IrDocument)).toEqual(withoutLocations(before.ir));
        // the same warnings, too
        const codes = (ds: Diagnostic[]): string[] => ds.map((d) => d.code).sort();
        expect(codes(after.diagnostics)).toEqual(codes(before.diagnostics));
      }),
      { numRuns: RUNS.compile },
    );
    expect(compiledClean).toBeGreaterThan(RUNS.compile / 5);
  });
});
