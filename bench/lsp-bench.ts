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
 * 2. Completion and hover, 200 requests each at positions spread over the file: with nothing
 *    changed since the last request, and right after a one-character edit (as while typing).
 * 3. "Preview drift" (`recon/previewDrift`) of a policy over two 100,000-record CSV files.
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

export interface Percentiles {
  p50: number;
  p95: number;
  samples: number;
}

export interface LspBenchResult {
  lines: number;
  /** The server's diagnostics delay at its default, in ms. */
  debounceMs: number;
  /** didChange → publishDiagnostics with the delay at 0. */
  diagnostics: Percentiles;
  /** The same with the default delay (includes it). */
  diagnosticsWithDebounce: Percentiles;
  completion: Percentiles;
  completionAfterEdit: Percentiles;
  hover: Percentiles;
  hoverAfterEdit: Percentiles;
  /** Wall time of `recon/previewDrift` over two 100,000-record files (median of the runs). */
  previewMs: number;
  /** Every preview run, in order (the first starts a cold worker). */
  previewRunsMs: number[];
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
  let count = parts.length;
  const push = (...more: string[]): void => {
    parts.push(...more);
    count += more.length;
  };
  for (let i = 0; count < lines; i++) {
    push(
      `# Ledger number ${i}.`,
      `source ledger_${i} {`,
      `  from csv("data/ledger_${i}.csv", delimiter: ",")`,
      `  key txn_id`,
      `  fields {`,
      `    txn_id: string`,
      `    amount: number`,
      `    currency: string`,
      `    status: string`,
      `    booked_at: datetime`,
      `  }`,
      `  where status != "voided" and amount >= 0`,
      `}`,
      ``,
      `source gateway_${i} {`,
      `  from json("data/gateway_${i}.json", items: "data")`,
      `  key txn_id`,
      `  select {`,
      `    txn_id = id`,
      `    amount = amount_cents / 100`,
      `    currency = upper(currency)`,
      `    status = status`,
      `    booked_at = booked_at`,
      `  }`,
      `  write {`,
      `    map {`,
      `      amount_cents = round(amount * 100, 0)`,
      `    }`,
      `  }`,
      `}`,
      ``,
      `policy parity_${i} {`,
      `  description "Gateway ${i} matches the ledger"`,
      `  owner "payments@example.com"`,
      `  severity high`,
      `  mode enforce`,
      `  desired ledger_${i}`,
      `  actual gateway_${i}`,
      `  compare {`,
      `    use shared.cash`,
      `    status normalize trim, lower`,
      `    booked_at within 2m`,
      `  }`,
      `  remediate {`,
      `    on missing when desired.amount > shared.big_payment => create requires approval from shared.leads`,
      `    on missing => create`,
      `    on extra => ticket "Unexpected settlement \${key.txn_id} (\${actual.amount})"`,
      `    on changed when only("booked_at") => ignore because "clock skew"`,
      `    on changed => update`,
      `  }`,
      `  limits {`,
      `    max_changes 100`,
      `    max_ratio 10%`,
      `    on_exceed abort`,
      `  }`,
      `}`,
      ``,
      `test "parity ${i} tolerates rounding" {`,
      `  policy parity_${i}`,
      `  desired [{ txn_id: "t1", amount: 10.00, currency: "EUR", status: "settled" }]`,
      `  actual [{ txn_id: "t1", amount: 10.004, currency: "eur", status: "settled" }]`,
      `  expect no_drift`,
      `}`,
      ``,
    );
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

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  return { p50: at(0.5), p95: at(0.95), samples: sorted.length };
}

/** A one-character edit that keeps the file valid: a letter typed into (or removed from) a comment. */
class Typist {
  version = 1;
  private typed = false;

  constructor(
    private readonly session: Session,
    private readonly uri: string,
    private readonly line: number,
    private readonly character: number,
  ) {}

  /** Sends the next edit; returns its version. */
  async edit(): Promise<number> {
    this.version++;
    const start = { line: this.line, character: this.character };
    const change = this.typed ? { range: { start, end: { line: this.line, character: this.character + 1 } }, text: '' } : { range: { start, end: start }, text: 'x' };
    this.typed = !this.typed;
    await this.session.client.sendNotification('textDocument/didChange', { textDocument: { uri: this.uri, version: this.version }, contentChanges: [change] });
    return this.version;
  }
}

/** Where completion and hover are asked: positions spread over the file, of several kinds. */
function requestPositions(text: string): { completion: { line: number; character: number }[]; hover: { line: number; character: number }[] } {
  const lines = text.split('\n');
  const completion: { line: number; character: number }[] = [];
  const hover: { line: number; character: number }[] = [];
  lines.forEach((line, n) => {
    const desired = line.indexOf('desired.amount');
    if (desired >= 0) completion.push({ line: n, character: desired + 'desired.'.length }); // fields of a source
    const use = line.indexOf('use shared.');
    if (use >= 0) completion.push({ line: n, character: use + 'use shared.'.length }); // names of a module
    if (line.startsWith('  actual gateway_')) completion.push({ line: n, character: '  actual '.length }); // source names
    if (line.startsWith('  desired ledger_')) hover.push({ line: n, character: '  desired led'.length }); // a source
    const field = line.indexOf('desired.amount');
    if (field >= 0) hover.push({ line: n, character: field + 'desired.am'.length }); // a field
    if (line.startsWith('  from csv(')) hover.push({ line: n, character: '  from cs'.length }); // a connector
  });
  return { completion, hover };
}

async function measureDiagnostics(session: Session, ws: Workspace, samples: number, warmup: number): Promise<number[]> {
  const uri = ws.bigUri;
  await session.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'recon', version: 1, text: ws.bigText } });
  const first = await session.diagnostics(uri, 1, 60_000);
  const errors = first.diagnostics.filter((d) => d.severity === 1);
  if (errors.length > 0) throw new Error(`the generated file has errors: ${errors.slice(0, 3).map((d) => d.message).join('; ')}`);
  const line = ws.bigText.split('\n').findIndex((l) => l.startsWith('# Ledger number 40.'));
  const typist = new Typist(session, uri, line, 2);
  const times: number[] = [];
  for (let i = 0; i < warmup + samples; i++) {
    const t0 = performance.now();
    const version = await typist.edit();
    await session.diagnostics(uri, version);
    if (i >= warmup) times.push(performance.now() - t0);
  }
  return times;
}

async function measureRequests(
  session: Session,
  ws: Workspace,
  method: 'textDocument/completion' | 'textDocument/hover',
  positions: { line: number; character: number }[],
  samples: number,
  afterEdit: boolean,
): Promise<number[]> {
  const uri = ws.bigUri;
  const line = ws.bigText.split('\n').findIndex((l) => l.startsWith('# Ledger number 3.'));
  const typist = afterEdit ? new Typist(session, uri, line, 2) : null;
  if (typist) typist.version = 100_000 + (method === 'textDocument/hover' ? 10_000 : 0);
  const times: number[] = [];
  for (let i = 0; i < samples + 10; i++) {
    const position = positions[(i * 7) % positions.length]!;
    if (typist) await typist.edit();
    const t0 = performance.now();
    const result = (await session.client.sendRequest(method, { textDocument: { uri }, position })) as CompletionItem[] | Hover | null;
    const elapsed = performance.now() - t0;
    if (result === null || (Array.isArray(result) && result.length === 0)) throw new Error(`${method} at ${position.line + 1}:${position.character + 1} answered nothing`);
    if (i >= 10) times.push(elapsed);
  }
  return times;
}

async function measurePreview(session: Session, ws: Workspace, runs: number): Promise<{ times: number[]; summary: Record<string, number> | null }> {
  await session.client.sendNotification('textDocument/didOpen', { textDocument: { uri: ws.previewUri, languageId: 'recon', version: 1, text: ws.previewText } });
  const times: number[] = [];
  let summary: Record<string, number> | null = null;
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
  return { times, summary };
}

// ------------------------------------------------------------------ running

export async function runLspBench(options: LspBenchOptions = {}): Promise<LspBenchResult> {
  const samples = options.samples ?? 200;
  await ensureServerBuilt();
  const ws = makeWorkspace(5000);
  const positions = requestPositions(ws.bigText);

  const runs = (part: 'diagnostics' | 'requests' | 'preview'): boolean => !options.only || options.only.includes(part);
  const none: Percentiles = { p50: NaN, p95: NaN, samples: 0 };
  const result: LspBenchResult = {
    lines: ws.bigText.split('\n').length,
    debounceMs: DEFAULT_DEBOUNCE_MS,
    diagnostics: none,
    diagnosticsWithDebounce: none,
    completion: none,
    completionAfterEdit: none,
    hover: none,
    hoverAfterEdit: none,
    previewMs: NaN,
    previewRunsMs: [],
    previewSummary: null,
  };
  const fast = await Session.start(ws.root, 0);
  try {
    if (runs('diagnostics') || runs('requests')) {
      const diagnostics = await measureDiagnostics(fast, ws, runs('diagnostics') ? samples : 0, 20);
      if (runs('diagnostics')) result.diagnostics = percentiles(diagnostics);
    }
    if (runs('requests')) {
      result.completion = percentiles(await measureRequests(fast, ws, 'textDocument/completion', positions.completion, samples, false));
      result.hover = percentiles(await measureRequests(fast, ws, 'textDocument/hover', positions.hover, samples, false));
      result.completionAfterEdit = percentiles(await measureRequests(fast, ws, 'textDocument/completion', positions.completion, samples, true));
      result.hoverAfterEdit = percentiles(await measureRequests(fast, ws, 'textDocument/hover', positions.hover, samples, true));
    }
    if (runs('preview')) {
      const preview = await measurePreview(fast, ws, options.previewRuns ?? 5);
      const sorted = [...preview.times].sort((a, b) => a - b);
      result.previewMs = sorted[Math.floor(sorted.length / 2)]!;
      result.previewRunsMs = preview.times;
      result.previewSummary = preview.summary;
    }
  } finally {
    await fast.stop();
  }
  if (runs('diagnostics')) {
    const debounced = await Session.start(ws.root, undefined);
    try {
      result.diagnosticsWithDebounce = percentiles(await measureDiagnostics(debounced, ws, options.debouncedSamples ?? 40, 3));
    } finally {
      await debounced.stop();
    }
  }
  if (options.print !== false) printResult(result);
  return result;
}

function printResult(r: LspBenchResult): void {
  const ms = (v: number): string => `${v.toFixed(1).padStart(6)} ms`;
  const goal = (value: number, limit: number): string => `(goal < ${limit} ms)${value < limit ? '' : '  NOT MET'}`;
  const row = (label: string, p: Percentiles, limit: number | null): void => {
    if (p.samples > 0) console.log(`  ${label.padEnd(50)} p50 ${ms(p.p50)}  p95 ${ms(p.p95)}  ${limit === null ? '' : goal(p.p95, limit)}`);
  };
  console.log(`lsp: the built server over stdio; a ${r.lines}-line file importing a module; p50/p95 of ${r.completion.samples || r.diagnostics.samples} requests`);
  row('diagnostics after an edit (delay 0)', r.diagnostics, GOALS.diagnosticsMs);
  row(`diagnostics after an edit (delay ${r.debounceMs} ms, the default)`, r.diagnosticsWithDebounce, null);
  if (r.diagnosticsWithDebounce.samples > 0) {
    console.log(`  ${''.padEnd(50)} (${r.diagnosticsWithDebounce.samples} edits; the delay is initializationOptions.diagnosticsDelayMs)`);
  }
  row('completion, nothing changed', r.completion, GOALS.requestMs);
  row('completion right after an edit', r.completionAfterEdit, GOALS.requestMs);
  row('hover, nothing changed', r.hover, GOALS.requestMs);
  row('hover right after an edit', r.hoverAfterEdit, GOALS.requestMs);
  if (r.previewRunsMs.length > 0) {
    const runs = r.previewRunsMs.map((t) => t.toFixed(0)).join(', ');
    console.log(`  ${`preview drift, 2 x ${RECORDS.toLocaleString('en')} CSV records`.padEnd(50)} median ${ms(r.previewMs)} of ${runs}  ${goal(r.previewMs, GOALS.previewMs)}`);
    const s = r.previewSummary;
    if (s) console.log(`  ${''.padEnd(50)} (${s.missing} missing, ${s.extra} extra, ${s.changed} changed, ${s.unchanged} unchanged)`);
  }
}

if (/lsp-bench\.(ts|mjs|js)$/.test(process.argv[1] ?? '')) {
  const only = process.argv.slice(2).filter((a): a is 'diagnostics' | 'requests' | 'preview' => ['diagnostics', 'requests', 'preview'].includes(a));
  runLspBench(only.length > 0 ? { only } : {}).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
