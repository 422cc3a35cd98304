/**
 * Language server benchmark (issue "editor latency"): the BUILT server (`node bin/recon.js lsp
 * --stdio`, the esbuild bundle in `dist/`) driven over the real stdio protocol with
 * vscode-languageserver-protocol's client connection, as an editor drives it.
 *
 * Run with `npm run bench` (through `bench/run.mjs`), or alone: `node scripts/build.mjs && npx
 * esbuild bench/lsp-bench.ts --bundle --platform=node --format=esm --packages=external
 * --outfile=bench/.data/lsp-bench.mjs && node bench/.data/lsp-bench.mjs`.
 *
 * Measured, in a workspace generated into `bench/.data/lsp/`:
 * 1. Diagnostics after a one-character edit in a 5,000-line file that imports a module: the time
 *    from sending `didChange` (version n) to receiving `publishDiagnostics` for version n. The
 *    server waits `diagnosticsDelayMs` after the last edit before checking (120 ms by default, set
 *    through `initializationOptions`); measured with the delay at 0 (the server's own work, the
 *    figure the goal is about) and at its default (what a user sees when typing pauses).
 * 2. Completion and hover, 200 requests each at positions spread over the file (default delay):
 *    with nothing changed since the last request; completion right after a letter typed or
 *    erased at the cursor (as while typing a word); both right after a letter typed into a
 *    comment elsewhere (the file must then be checked before answering).
 * 3. "Preview drift" (`recon/previewDrift`) of a policy over two 100,000-record CSV files
 *    generated into `bench/.data/lsp/data/` (1 % missing, 1 % extra, 0.7 % changed), five runs,
 *    after asking for the file's code lenses as an editor does on opening it.
 *
 * Beside each wall time, the server's CPU time (all its threads, from /proc): on a machine busy
 * with other work, wall times grow and CPU times stay.
 *
 * Goals: diagnostics p95 < 50 ms; completion and hover p95 < 16 ms; the preview < 1 s.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter, type ProtocolConnection } from 'vscode-languageserver-protocol/node';
import type { CompletionItem, Hover, PublishDiagnosticsParams } from 'vscode-languageserver';
import type { DriftPreviewResult } from '../extension/server/features/drift-preview.js';
import { ensureServerBuilt, REPO_ROOT, spawnServer } from '../test/extension/lsp-e2e-support.js';
import { parityPolicyAndTest, sourcePair } from './generated-policies.js';

export interface Percentiles {
  p50: number;
  p95: number;
  samples: number;
  /** The server's CPU time (every thread) a sample, in ms: steadier than wall time on a busy machine. */
  serverCpuMs: number;
}

export interface LspBenchResult {
  lines: number;
  /** The server's diagnostics delay at its default, in ms. */
  debounceMs: number;
  /** didChange → publishDiagnostics with the delay at 0. */
  diagnostics: Percentiles;
  /** The same with the default delay (includes it). */
  diagnosticsWithDebounce: Percentiles;
  /** Nothing changed since the last request. */
  completion: Percentiles;
  /** Right after a letter typed (or erased) at the cursor. */
  completionTyping: Percentiles;
  /** Right after a letter typed into a comment elsewhere: the file must be checked first. */
  completionAfterEdit: Percentiles;
  hover: Percentiles;
  hoverAfterEdit: Percentiles;
  /** Wall time of `recon/previewDrift` over two 100,000-record files (median of the runs). */
  previewMs: number;
  /** Every preview run, in order (the first in a worker that never ran one: colder). */
  previewRunsMs: number[];
  /** The server's CPU time (every thread) a preview. */
  previewServerCpuMs: number;
  /** The counts of the preview (a check that it did the work). */
  previewSummary: Record<string, number> | null;
}

export interface LspBenchOptions {
  /** Requests per measurement (default 200). */
  samples?: number;
  /** Edits measured with the default diagnostics delay (default 40: each costs the delay). */
  debouncedSamples?: number;
  /** Preview runs (default 5). */
  previewRuns?: number;
  /** Run only these parts (default all; `npm run bench` runs all). */
  only?: readonly ('diagnostics' | 'requests' | 'preview')[];
  print?: boolean;
}

const GOALS = { diagnosticsMs: 50, requestMs: 16, previewMs: 1000 };
const DEFAULT_DEBOUNCE_MS = 120;
const RECORDS = 100_000;
const DATA = join(REPO_ROOT, 'bench', '.data', 'lsp');

// ------------------------------------------------------------------ the workspace

/** The imported module: shared sources, a profile and lets, as a real workspace splits them. */
function sharedModule(): string {
  return [
    'let big_payment = 10000',
    'group leads = ["alice@example.com", "bob@example.com"]',
    '',
    'profile cash {',
    '  amount within 0.005',
    '  currency ignore_case',
    '}',
    '',
    'source fx_rates {',
    '  from csv("data/fx.csv")',
    '  key currency',
    '  fields {',
    '    currency: string',
    '    rate: number',
    '  }',
    '}',
    '',
  ].join('\n');
}

/** A policy file of about `lines` lines importing `shared.recon`: sources, policies, tests. */
export function generateLspFile(lines: number): string {
  const parts: string[] = ['import "./shared.recon" as shared', 'import "std/money"', ''];
  for (let i = 0; parts.length < lines; i++) {
    parts.push(...sourcePair(i), ...parityPolicyAndTest(i, { profile: 'shared.cash', bigPayment: 'shared.big_payment', leads: 'shared.leads', pacing: false }));
  }
  return parts.join('\n');
}

const PREVIEW_FILE = `source ledger {
  from csv("data/desired.csv")
  key txn_id
  fields {
    txn_id: string
    amount: number
    currency: string
    status: string
  }
}

source gateway {
  from csv("data/actual.csv")
  key txn_id
  fields {
    txn_id: string
    amount: number
    currency: string
    status: string
  }
}

policy parity {
  mode enforce
  desired ledger
  actual gateway
  compare {
    amount within 0.005
    currency ignore_case
  }
  remediate {
    on missing => create
    on extra => delete
    on changed => update
  }
}
`;

/**
 * Two CSV files of `RECORDS` records each: 1 in 100 desired records missing from the actual
 * side, 1 in 150 changed in amount, and as many extra actual records as are missing.
 */
function writePreviewData(dir: string): { missing: number; changed: number; extra: number } {
  const desired: string[] = ['txn_id,amount,currency,status'];
  const actual: string[] = ['txn_id,amount,currency,status'];
  let missing = 0;
  let changed = 0;
  for (let i = 0; i < RECORDS; i++) {
    const amount = ((i * 37) % 100_000) / 100;
    desired.push(`t${i},${amount.toFixed(2)},EUR,settled`);
    if (i % 100 === 7) {
      missing++;
      continue;
    }
    if (i % 150 === 3) {
      changed++;
      actual.push(`t${i},${(amount + 1).toFixed(2)},EUR,settled`);
    } else {
      actual.push(`t${i},${amount.toFixed(2)},eur,settled`);
    }
  }
  let extra = 0;
  while (actual.length - 1 < RECORDS) actual.push(`x${extra++},1.00,EUR,settled`);
  writeFileSync(join(dir, 'desired.csv'), desired.join('\n') + '\n');
  writeFileSync(join(dir, 'actual.csv'), actual.join('\n') + '\n');
  return { missing, changed, extra };
}

interface Workspace {
  root: string;
  bigUri: string;
  bigText: string;
  previewUri: string;
  previewText: string;
  expected: { missing: number; changed: number; extra: number };
}

function makeWorkspace(lines: number): Workspace {
  mkdirSync(join(DATA, 'data'), { recursive: true });
  writeFileSync(join(DATA, 'recon.json'), '{}\n');
  writeFileSync(join(DATA, 'shared.recon'), sharedModule());
  const bigText = generateLspFile(lines);
  writeFileSync(join(DATA, 'big.recon'), bigText);
  writeFileSync(join(DATA, 'preview.recon'), PREVIEW_FILE);
  const marker = join(DATA, 'data', 'counts.json');
  let expected: Workspace['expected'];
  if (existsSync(marker) && existsSync(join(DATA, 'data', 'desired.csv')) && existsSync(join(DATA, 'data', 'actual.csv'))) {
    expected = JSON.parse(readFileSync(marker, 'utf8')) as Workspace['expected'];
  } else {
    expected = writePreviewData(join(DATA, 'data'));
    writeFileSync(marker, JSON.stringify(expected));
  }
  const uri = (name: string): string => pathToFileURL(join(DATA, name)).href;
  return { root: DATA, bigUri: uri('big.recon'), bigText, previewUri: uri('preview.recon'), previewText: PREVIEW_FILE, expected };
}

// ------------------------------------------------------------------ the client

class Session {
  private stderr = '';
  private readonly waiters = new Map<string, (p: PublishDiagnosticsParams) => void>();
  private readonly published = new Map<string, PublishDiagnosticsParams>();

  private constructor(
    readonly child: ChildProcessWithoutNullStreams,
    readonly client: ProtocolConnection,
  ) {
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    client.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      const key = `${p.uri}#${p.version ?? ''}`;
      const waiter = this.waiters.get(key);
      if (waiter) {
        this.waiters.delete(key);
        waiter(p);
      } else {
        this.published.set(key, p);
      }
    });
    client.onNotification('window/logMessage', () => undefined);
    client.onRequest('client/registerCapability', () => null);
    client.onRequest('workspace/codeLens/refresh', () => null);
    client.listen();
  }

  static async start(root: string, diagnosticsDelayMs: number | undefined): Promise<Session> {
    const child = spawnServer();
    const client = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const session = new Session(child, client);
    const rootUri = pathToFileURL(root).href;
    await client.sendRequest('initialize', {
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: 'bench' }],
      capabilities: {},
      initializationOptions: {
        ...(diagnosticsDelayMs !== undefined ? { diagnosticsDelayMs } : {}),
        settings: { preview: { timeBudget: 60, recordCap: RECORDS } },
      },
    });
    await client.sendNotification('initialized', {});
    return session;
  }

  /** Resolves with the diagnostics published for `uri` at `version`. */
  diagnostics(uri: string, version: number, timeoutMs = 30_000): Promise<PublishDiagnosticsParams> {
    const key = `${uri}#${version}`;
    const already = this.published.get(key);
    if (already) {
      this.published.delete(key);
      return Promise.resolve(already);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no diagnostics for ${uri} version ${version}; server stderr:\n${this.stderr}`)), timeoutMs);
      this.waiters.set(key, (p) => {
        clearTimeout(timer);
        resolve(p);
      });
    });
  }

  async stop(): Promise<void> {
    try {
      await this.client.sendRequest('shutdown');
      const exited = new Promise<void>((resolve) => this.child.on('exit', () => resolve()));
      await this.client.sendNotification('exit');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    } finally {
      this.client.dispose();
      if (this.child.exitCode === null) this.child.kill();
    }
  }
}

// ------------------------------------------------------------------ measuring

/** CPU time (user + system, every thread) the process has used so far, in ms; NaN where /proc is missing. */
function processCpuMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime (fields 14 and 15 of the line) in clock ticks, 100 a second on Linux
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

function percentiles(values: number[], cpuMs = NaN): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  return { p50: at(0.5), p95: at(0.95), samples: sorted.length, serverCpuMs: sorted.length > 0 ? cpuMs / sorted.length : NaN };
}

/** Measures `samples` runs of `one` (after `warmup` unmeasured ones), with the server's CPU time. */
async function measure(session: Session, samples: number, warmup: number, one: (i: number) => Promise<number>): Promise<Percentiles> {
  for (let i = 0; i < warmup; i++) await one(i);
  const times: number[] = [];
  const cpu0 = processCpuMs(session.child.pid);
  for (let i = 0; i < samples; i++) times.push(await one(warmup + i));
  return percentiles(times, processCpuMs(session.child.pid) - cpu0);
}

type Position = { line: number; character: number };

/** An open document of the bench: its version, and edits that keep it valid. */
class Document {
  version = 1;
  private typedInComment = false;

  constructor(
    private readonly session: Session,
    readonly uri: string,
    /** Where a letter is typed into (and erased from) a comment: an edit elsewhere than the cursor. */
    private readonly comment: Position,
  ) {}

  async change(range: { start: Position; end: Position }, text: string): Promise<number> {
    this.version++;
    await this.session.client.sendNotification('textDocument/didChange', { textDocument: { uri: this.uri, version: this.version }, contentChanges: [{ range, text }] });
    return this.version;
  }

  /** Types a letter into the comment, or erases the one typed before; returns the version. */
  editComment(): Promise<number> {
    const start = this.comment;
    const end = this.typedInComment ? { line: start.line, character: start.character + 1 } : start;
    this.typedInComment = !this.typedInComment;
    return this.change({ start, end }, this.typedInComment ? 'x' : '');
  }
}

/** Where completion and hover are asked: positions spread over the file, of several kinds. */
function requestPositions(text: string): { completion: Position[]; hover: Position[] } {
  const lines = text.split('\n');
  const completion: Position[] = [];
  const hover: Position[] = [];
  lines.forEach((line, n) => {
    const desired = line.indexOf('desired.amount');
    if (desired >= 0) completion.push({ line: n, character: desired + 'desired.'.length }); // fields of a source
    const use = line.indexOf('use shared.');
    if (use >= 0) completion.push({ line: n, character: use + 'use shared.'.length }); // names of a module
    if (line.startsWith('  actual gateway_')) completion.push({ line: n, character: '  actual '.length }); // source names
    if (line.startsWith('  desired ledger_')) hover.push({ line: n, character: '  desired led'.length }); // a source
    if (desired >= 0) hover.push({ line: n, character: desired + 'desired.am'.length }); // a field
    if (line.startsWith('  from csv(')) hover.push({ line: n, character: '  from cs'.length }); // a connector
  });
  return { completion, hover };
}

async function openBig(session: Session, ws: Workspace): Promise<Document> {
  await session.client.sendNotification('textDocument/didOpen', { textDocument: { uri: ws.bigUri, languageId: 'recon', version: 1, text: ws.bigText } });
  const first = await session.diagnostics(ws.bigUri, 1, 60_000);
  const errors = first.diagnostics.filter((d) => d.severity === 1);
  if (errors.length > 0) throw new Error(`the generated file has errors: ${errors.slice(0, 3).map((d) => d.message).join('; ')}`);
  return new Document(session, ws.bigUri, { line: ws.bigText.split('\n').findIndex((l) => l.startsWith('# Ledger number 40.')), character: 2 });
}

/** didChange → publishDiagnostics of that version. */
function diagnosticsAfterEdit(session: Session, doc: Document): () => Promise<number> {
  return async () => {
    const t0 = performance.now();
    const version = await doc.editComment();
    await session.diagnostics(doc.uri, version);
    return performance.now() - t0;
  };
}

async function request(session: Session, doc: Document, method: 'textDocument/completion' | 'textDocument/hover', position: Position): Promise<number> {
  const t0 = performance.now();
  const result = (await session.client.sendRequest(method, { textDocument: { uri: doc.uri }, position })) as CompletionItem[] | Hover | null;
  const elapsed = performance.now() - t0;
  if (result === null || (Array.isArray(result) && result.length === 0)) throw new Error(`${method} at ${position.line + 1}:${position.character + 1} answered nothing`);
  return elapsed;
}

/**
 * A request at each position in turn: with nothing changed (`still`), right after a letter typed
 * into a comment elsewhere (`elsewhere`), or (completion) right after a letter typed at the
 * position, then erased (`typing`: the cursor follows the letter).
 */
function requests(session: Session, doc: Document, method: 'textDocument/completion' | 'textDocument/hover', positions: Position[], mode: 'still' | 'elsewhere' | 'typing'): (i: number) => Promise<number> {
  return async (i) => {
    if (mode === 'still') return request(session, doc, method, positions[(i * 7) % positions.length]!);
    if (mode === 'elsewhere') {
      await doc.editComment();
      return request(session, doc, method, positions[(i * 7) % positions.length]!);
    }
    const at = positions[(Math.floor(i / 2) * 7) % positions.length]!;
    if (i % 2 === 0) {
      await doc.change({ start: at, end: at }, 'a');
      return request(session, doc, method, { line: at.line, character: at.character + 1 });
    }
    await doc.change({ start: at, end: { line: at.line, character: at.character + 1 } }, '');
    return request(session, doc, method, at);
  };
}

async function measurePreview(session: Session, ws: Workspace, runs: number): Promise<{ times: number[]; cpuMs: number; summary: Record<string, number> | null }> {
  await session.client.sendNotification('textDocument/didOpen', { textDocument: { uri: ws.previewUri, languageId: 'recon', version: 1, text: ws.previewText } });
  // as an editor does on opening a file: ask for the lenses ("Preview drift"); the user clicks
  // one at the earliest about half a second later
  await session.client.sendRequest('textDocument/codeLens', { textDocument: { uri: ws.previewUri } });
  await new Promise((r) => setTimeout(r, 500));
  const times: number[] = [];
  let summary: Record<string, number> | null = null;
  const cpu0 = processCpuMs(session.child.pid);
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const result = (await session.client.sendRequest('recon/previewDrift', { uri: ws.previewUri, policy: 'parity' })) as DriftPreviewResult;
    times.push(performance.now() - t0);
    if (result.status !== 'ok') throw new Error(`the preview ended ${result.status}: ${result.message}`);
    const policy = result.policies[0]!;
    if (policy.truncated.length > 0) throw new Error(`the preview was cut at the record cap: ${policy.truncated.join(', ')}`);
    summary = { ...policy.summary! };
    const { missing, changed, extra } = ws.expected;
    if (summary.missing !== missing || summary.changed !== changed || summary.extra !== extra) {
      throw new Error(`the preview found ${JSON.stringify(summary)}, expected ${JSON.stringify(ws.expected)}`);
    }
  }
  return { times, cpuMs: (processCpuMs(session.child.pid) - cpu0) / runs, summary };
}

// ------------------------------------------------------------------ running

type Part = 'diagnostics' | 'requests' | 'preview';

export async function runLspBench(options: LspBenchOptions = {}): Promise<LspBenchResult> {
  const samples = options.samples ?? 200;
  await ensureServerBuilt();
  const ws = makeWorkspace(5000);
  const positions = requestPositions(ws.bigText);
  const runs = (part: Part): boolean => !options.only || options.only.includes(part);
  const none: Percentiles = { p50: NaN, p95: NaN, samples: 0, serverCpuMs: NaN };
  const result: LspBenchResult = {
    lines: ws.bigText.split('\n').length,
    debounceMs: DEFAULT_DEBOUNCE_MS,
    diagnostics: none,
    diagnosticsWithDebounce: none,
    completion: none,
    completionTyping: none,
    completionAfterEdit: none,
    hover: none,
    hoverAfterEdit: none,
    previewMs: NaN,
    previewRunsMs: [],
    previewServerCpuMs: NaN,
    previewSummary: null,
  };

  // the server's own work: no delay before checking
  if (runs('diagnostics')) {
    const session = await Session.start(ws.root, 0);
    try {
      const doc = await openBig(session, ws);
      result.diagnostics = await measure(session, samples, 20, diagnosticsAfterEdit(session, doc));
    } finally {
      await session.stop();
    }
  }

  // as an editor sees it: the default delay
  const session = await Session.start(ws.root, undefined);
  try {
    if (runs('diagnostics') || runs('requests')) {
      const doc = await openBig(session, ws);
      if (runs('diagnostics')) result.diagnosticsWithDebounce = await measure(session, options.debouncedSamples ?? 40, 10, diagnosticsAfterEdit(session, doc));
      if (runs('requests')) {
        result.completion = await measure(session, samples, 10, requests(session, doc, 'textDocument/completion', positions.completion, 'still'));
        result.completionTyping = await measure(session, samples, 10, requests(session, doc, 'textDocument/completion', positions.completion, 'typing'));
        result.completionAfterEdit = await measure(session, samples, 10, requests(session, doc, 'textDocument/completion', positions.completion, 'elsewhere'));
        result.hover = await measure(session, samples, 10, requests(session, doc, 'textDocument/hover', positions.hover, 'still'));
        result.hoverAfterEdit = await measure(session, samples, 10, requests(session, doc, 'textDocument/hover', positions.hover, 'elsewhere'));
      }
    }
    if (runs('preview')) {
      const preview = await measurePreview(session, ws, options.previewRuns ?? 5);
      const sorted = [...preview.times].sort((a, b) => a - b);
      result.previewMs = sorted[Math.floor(sorted.length / 2)]!;
      result.previewRunsMs = preview.times;
      result.previewServerCpuMs = preview.cpuMs;
      result.previewSummary = preview.summary;
    }
  } finally {
    await session.stop();
  }
  if (options.print !== false) printResult(result);
  return result;
}

function printResult(r: LspBenchResult): void {
  const ms = (v: number): string => `${v.toFixed(1).padStart(6)} ms`;
  const goal = (value: number, limit: number): string => `(goal < ${limit} ms)${value < limit ? '' : '  NOT MET'}`;
  const cpu = (v: number): string => (Number.isFinite(v) ? `server CPU ${v.toFixed(1).padStart(5)} ms` : '');
  const row = (label: string, p: Percentiles, limit: number | null): void => {
    if (p.samples > 0) console.log(`  ${label.padEnd(44)} p50 ${ms(p.p50)}  p95 ${ms(p.p95)}  ${cpu(p.serverCpuMs).padEnd(23)} ${limit === null ? '' : goal(p.p95, limit)}`);
  };
  const n = Math.max(r.diagnostics.samples, r.completion.samples);
  console.log(`lsp: the built server over stdio, a ${r.lines}-line file importing a module${n > 0 ? `; ${n} requests a figure; server CPU: mean a request, all threads` : ''}`);
  row('diagnostics after an edit (delay 0)', r.diagnostics, GOALS.diagnosticsMs);
  row(`diagnostics after an edit (delay ${r.debounceMs} ms)`, r.diagnosticsWithDebounce, null);
  if (r.diagnosticsWithDebounce.samples > 0) {
    console.log(`  ${''.padEnd(44)} (${r.diagnosticsWithDebounce.samples} edits; the delay, initializationOptions.diagnosticsDelayMs, is the default)`);
  }
  row('completion, nothing changed', r.completion, GOALS.requestMs);
  row('completion while typing a word', r.completionTyping, GOALS.requestMs);
  row('completion after an edit elsewhere', r.completionAfterEdit, GOALS.requestMs);
  row('hover, nothing changed', r.hover, GOALS.requestMs);
  row('hover after an edit elsewhere', r.hoverAfterEdit, GOALS.requestMs);
  if (r.previewRunsMs.length > 0) {
    const runs = r.previewRunsMs.map((t) => t.toFixed(0)).join(', ');
    console.log(`  ${`preview drift, 2 x ${RECORDS.toLocaleString('en')} CSV records`.padEnd(44)} median ${ms(r.previewMs)} (${runs})  ${cpu(r.previewServerCpuMs)}  ${goal(r.previewMs, GOALS.previewMs)}`);
    const s = r.previewSummary;
    if (s) console.log(`  ${''.padEnd(44)} (${s.missing} missing, ${s.extra} extra, ${s.changed} changed, ${s.unchanged} unchanged; the first run in a new worker, started ahead when the lenses were asked for)`);
  }
}

if (/lsp-bench\.(ts|mjs|js)$/.test(process.argv[1] ?? '')) {
  const only = process.argv.slice(2).filter((a): a is 'diagnostics' | 'requests' | 'preview' => ['diagnostics', 'requests', 'preview'].includes(a));
  runLspBench(only.length > 0 ? { only } : {}).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
