/**
 * Test helpers for editor features: cursor markers in test sources, and throw-away workspaces
 * with the document store the language server uses.
 *
 * Why markers: a test reads best as the text a user would see, with `<|>` where the cursor is
 * (ARCHITECTURE.md convention 6); offsets computed by hand go stale at the first edit.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LineMap } from '../../language/source-position.js';
import { DocumentStore } from '../../extension/server/document-store.js';
import type { DocumentAnalysis } from '../../extension/server/document-analysis.js';

/** The marker of a cursor position in test sources. */
export const CURSOR = '<|>';

export interface Cursor {
  /** The text without markers. */
  text: string;
  /** The offset of the first marker. */
  offset: number;
  /** Its LSP position (0-based line and character). */
  position: { line: number; character: number };
  /** The offsets of every marker, in order. */
  offsets: number[];
  /** Their positions. */
  positions: { line: number; character: number }[];
}

/** Removes every `<|>` from `marked` and tells where they were (at least one is required). */
export function cursor(marked: string): Cursor {
  const offsets: number[] = [];
  let text = '';
  let rest = marked;
  for (;;) {
    const at = rest.indexOf(CURSOR);
    if (at < 0) break;
    text += rest.slice(0, at);
    offsets.push(text.length);
    rest = rest.slice(at + CURSOR.length);
  }
  text += rest;
  if (offsets.length === 0) throw new Error(`no ${CURSOR} marker in the test source`);
  const lines = new LineMap(text);
  const positions = offsets.map((o) => lines.position(o));
  return { text, offset: offsets[0]!, position: positions[0]!, offsets, positions };
}

/**
 * `text` with a cursor placed by a snippet of it: `markAt(SAMPLE, 'desired.<|>amount')` finds
 * `desired.amount` (its `nth` occurrence) and puts `<|>` where the snippet has it.
 */
export function markAt(text: string, snippet: string, nth = 0): string {
  const inner = snippet.indexOf(CURSOR);
  if (inner < 0) throw new Error(`no ${CURSOR} in the snippet '${snippet}'`);
  const plain = snippet.replace(CURSOR, '');
  const at = offsetOf(text, plain, nth) + inner;
  return text.slice(0, at) + CURSOR + text.slice(at);
}

/** The LSP position of an offset in a text. */
export function positionAt(text: string, offset: number): { line: number; character: number } {
  return new LineMap(text).position(offset);
}

/** The offset of the n-th occurrence (0-based) of `needle` in `text` (throws when absent). */
export function offsetOf(text: string, needle: string, nth = 0): number {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`'${needle}' not found (occurrence ${nth})`);
  }
  return at;
}

/** Applies LSP text edits (non-overlapping, any order) to a text. */
export function applyTextEdits(text: string, edits: readonly { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }[]): string {
  const lines = new LineMap(text);
  const sorted = edits.map((e) => ({ start: lines.offset(e.range.start), end: lines.offset(e.range.end), text: e.newText })).sort((a, b) => b.start - a.start);
  let result = text;
  for (const edit of sorted) result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
  return result;
}

export interface TestWorkspace {
  /** The workspace root (holds `recon.json`). */
  root: string;
  path(name: string): string;
  uri(name: string): string;
  write(name: string, text: string): void;
  remove(): void;
}

/** A temporary workspace with `recon.json` and the given files (relative names). */
export function makeWorkspace(files: Record<string, string> = {}): TestWorkspace {
  const root = mkdtempSync(join(tmpdir(), 'recon-lsp-'));
  const ws: TestWorkspace = {
    root,
    path: (name) => join(root, name),
    uri: (name) => pathToFileURL(join(root, name)).href,
    write(name, text) {
      mkdirSync(dirname(join(root, name)), { recursive: true });
      writeFileSync(join(root, name), text);
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
  ws.write('recon.json', '{}\n');
  for (const [name, text] of Object.entries(files)) ws.write(name, text);
  return ws;
}

export interface OpenedFixture extends Cursor {
  ws: TestWorkspace;
  store: DocumentStore;
  uri: string;
  analysis: DocumentAnalysis;
}

/**
 * Opens `marked` (with its `<|>`) as `main.recon` in a fresh workspace holding `files`, the way
 * the server would: written to disk and open as a buffer. Call `ws.remove()` when done.
 */
export function openFixture(marked: string, files: Record<string, string> = {}, name = 'main.recon'): OpenedFixture {
  const c = cursor(marked);
  const ws = makeWorkspace({ ...files, [name]: c.text });
  const store = new DocumentStore({ check: { today: '2026-01-15' } });
  const uri = ws.uri(name);
  store.open(uri, c.text, 1);
  const analysis = store.analysis(uri)!;
  return { ...c, ws, store, uri, analysis };
}

/** A store right after a keystroke: see `editedFixture`. */
export interface EditedFixture {
  ws: TestWorkspace;
  store: DocumentStore;
  uri: string;
}

/**
 * A store in a fresh workspace holding `files` in which `main.recon` was opened and checked as
 * `previous`, then changed to `current` and not checked yet: what the server holds right after a
 * keystroke (its last analysis is of `previous`). Call `ws.remove()` when done.
 */
export function editedFixture(previous: string, current: string, files: Record<string, string> = {}): EditedFixture {
  const ws = makeWorkspace({ ...files, 'main.recon': previous });
  const store = new DocumentStore({ check: { today: '2026-01-15' } });
  const uri = ws.uri('main.recon');
  store.open(uri, previous, 1);
  store.analysis(uri);
  store.change(uri, [{ text: current }], 2);
  return { ws, store, uri };
}
