/**
 * `recon plan` end to end on the payment settlement sample, in a temporary copy (RUNTIME.md
 * sections 2, 3 and 5): exit codes 0 / 2 / 4 / 1, the JSON plan's normative keys, `-o` always
 * JSON, every `--format` renders, no colour with `--no-color` or `NO_COLOR`, the state dir's audit
 * log and metrics, a dry run that writes nothing else, and secrets that never show.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskModuleHost } from '../../language/module-host.js';
import { compileFile } from '../../language/pipeline.js';
import { validateIr } from '../../language/ir/ir-validate.js';
import type { ChangePlan, PlanItem } from '../../runtime/plan/change-plan.js';
import {
  ANSI_ESCAPE,
  ensureCliBuilt,
  makeTempDir,
  removeTempDir,
  runCli,
  runCliInTty,
  SETTLEMENT_SAMPLE,
  STACK_TRACE_LINE,
  TTY_AVAILABLE,
} from '../helpers/run-cli.js';

const FORMATS = ['text', 'json', 'markdown', 'html', 'sarif', 'github'] as const;
const SHA256 = /^sha256:[0-9a-f]{64}$/;
const KIND_ORDER = ['missing', 'extra', 'changed', 'invalid'];

/** Every file below `dir` (relative path to sha256 of its bytes). */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string): void => {
    for (const entry of readdirSync(d)) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(dir, path), createHash('sha256').update(readFileSync(path)).digest('hex'));
    }
  };
  walk(dir);
  return files;
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

function auditLines(workspace: string, stateDir = join(workspace, '.recon')): Record<string, unknown>[] {
  return lines(readFileSync(join(stateDir, 'audit.jsonl'), 'utf8')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

let sample: string;
let sampleFiles: Map<string, string>;

beforeAll(async () => {
  await ensureCliBuilt();
  sample = makeTempDir(SETTLEMENT_SAMPLE);
  sampleFiles = snapshot(sample);
});

afterAll(() => removeTempDir(sample));

describe('recon plan on the settlement sample (built CLI)', () => {
  it('-o never overwrites a .recon source: its own FILE, a link to it, or any OUT named *.recon (exit 1, one line, nothing observed)', async () => {
    const dir = makeTempDir(SETTLEMENT_SAMPLE);
    try {
      const source = readFileSync(join(dir, 'settlement.recon'), 'utf8');
      symlinkSync('settlement.recon', join(dir, 'link-to-source.json'));
      const cases: [string, string][] = [
        ['settlement.recon', 'settlement.recon is a .recon source'],
        ['link-to-source.json', 'link-to-source.json is settlement.recon, the file being planned'],
        ['other.recon', 'other.recon is a .recon source'],
      ];
      for (const [out, why] of cases) {
        const r = await runCli(['plan', 'settlement.recon', '-o', out], { cwd: dir });
        expect(r.code, out).toBe(1);
        expect(r.stdout).toBe('');
        expect(r.stderr).toBe(`error: recon plan: -o ${out}: ${why}; write the plan to a .json file\n`);
      }
      expect(readFileSync(join(dir, 'settlement.recon'), 'utf8')).toBe(source);
      expect(existsSync(join(dir, 'other.recon'))).toBe(false);
      expect(existsSync(join(dir, '.recon'))).toBe(false);
    } finally {
      removeTempDir(dir);
    }
  });

  it('every --format renders, exit 2 (drift); -o is always the JSON plan; only -o and the state dir are written', { timeout: 120_000 }, async () => {
    const outputs = new Map<string, string>();
    const planFiles = new Map<string, ChangePlan>();
    for (const format of FORMATS) {
      const r = await runCli(['plan', 'settlement.recon', '--format', format, '-o', `plan-${format}.json`], { cwd: sample });
      expect(r.code, `${format}: ${r.stderr}`).toBe(2);
      expect(r.stderr, format).toBe('');
      expect(r.stdout.endsWith('\n'), format).toBe(true);
      outputs.set(format, r.stdout);
      planFiles.set(format, JSON.parse(readFileSync(join(sample, `plan-${format}.json`), 'utf8')) as ChangePlan);
    }

    // -o is the JSON plan whatever --format printed; the same plan every time (same hash)
    const hashes = new Set([...planFiles.values()].map((p) => p.plan_hash));
    expect(hashes.size).toBe(1);
    for (const plan of planFiles.values()) expect(Object.keys(plan)).toEqual(['version', 'plan_hash', 'ir_hash', 'observed_at', 'drift', 'ir', 'policies']);
    // --format json prints exactly what -o wrote
    expect(outputs.get('json')).toBe(readFileSync(join(sample, 'plan-json.json'), 'utf8'));

    const plan = planFiles.get('json')!;
    const items = plan.policies[0]!.items;
    // the layout (docs/commands.md): an indented head, one compact line per item
    const itemLines = outputs.get('json')!.split('\n').filter((l) => l.trimStart().startsWith('{"id":'));
    expect(itemLines.map((l) => JSON.parse(l.trim().replace(/,$/, '')) as unknown)).toEqual(plan.policies.flatMap((p) => p.items));
    expect(outputs.get('json')!.startsWith('{\n  "version": 1,\n')).toBe(true);
    const acting = items.filter((i) => i.action !== 'ignore');
    expect(acting.length).toBeGreaterThan(0);
    const someKeys = items.filter((i) => i.key !== null).map((i) => String(Object.values(i.key!)[0]));

    const text = outputs.get('text')!;
    expect(text).toContain('settlement_parity');
    expect(text).toContain(plan.plan_hash.slice('sha256:'.length, 'sha256:'.length + 12));
    for (const key of someKeys.slice(0, 5)) expect(text).toContain(key);

    const markdown = outputs.get('markdown')!;
    expect(markdown).toMatch(/^#{1,3} /m);
    expect(markdown).toMatch(/^\|.*\|$/m);
    expect(markdown).toContain('settlement');

    const html = outputs.get('html')!;
    expect(html.trimStart().toLowerCase().startsWith('<!doctype html>')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    // self-contained: no external script, style sheet or image
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:)?\/\//i);
    for (const key of someKeys.slice(0, 5)) expect(html).toContain(key);

    type SarifResult = { ruleId: string; properties: { item: string }; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] };
    const sarif = JSON.parse(outputs.get('sarif')!) as { version: string; runs: { results: SarifResult[] }[] };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs).toHaveLength(1);
    expect(sarif.runs[0]!.results.map((r) => r.properties.item).sort()).toEqual(acting.map((i) => i.id).sort());
    const policyLines = readFileSync(join(sample, 'settlement.recon'), 'utf8').split('\n');
    const byId = new Map(items.map((i) => [i.id, i]));
    for (const result of sarif.runs[0]!.results) {
      const location = result.locations[0]!.physicalLocation;
      expect(location.artifactLocation.uri).toBe('settlement.recon');
      const line = policyLines[location.region.startLine - 1];
      const at = byId.get(result.properties.item)!.reason.at;
      if (at !== null) {
        // located at the remediation rule that decided the item
        expect(location.region.startLine).toBe(Number(at.split(':')[1]));
        expect(line).toMatch(/^\s*on (missing|extra|changed|invalid)\b/);
      } else {
        // no rule decided it (an invalid record): located at the policy
        expect(line).toMatch(/^policy settlement_parity \{/);
      }
    }

    const github = lines(outputs.get('github')!);
    // one annotation per acting item, located in the .recon file, plus a summary
    const located = github.filter((l) => /^::(warning|error|notice) file=/.test(l));
    expect(located.length).toBe(acting.length);
    for (const a of located) expect(a).toMatch(/^::(warning|error|notice) file=settlement\.recon,line=\d+/);
    for (const item of acting) expect(located.some((a) => a.includes(String(Object.values(item.key ?? { k: '' })[0]))), item.id).toBe(true);
    expect(github.filter((l) => l.startsWith('::') && !l.includes('file=')).length).toBeLessThanOrEqual(1);

    // plan writes only -o and the state dir's audit log and metrics; the data is untouched
    const after = snapshot(sample);
    const added = [...after.keys()].filter((f) => !sampleFiles.has(f)).sort();
    expect(added).toEqual([join('.recon', 'audit.jsonl'), join('.recon', 'metrics.prom'), ...FORMATS.map((f) => `plan-${f}.json`).sort()].sort());
    for (const [file, hash] of sampleFiles) expect(after.get(file), file).toBe(hash);
  });

  it('--format json has the normative keys of RUNTIME.md section 3, consistent counts and sorted items', async () => {
    const r = await runCli(['plan', '--format', 'json', 'settlement.recon'], { cwd: sample });
    expect(r.code).toBe(2);
    const plan = JSON.parse(r.stdout) as ChangePlan;
    expect(plan.version).toBe(1);
    expect(plan.plan_hash).toMatch(SHA256);
    expect(plan.ir_hash).toMatch(SHA256);
    expect(new Date(plan.observed_at).toISOString().slice(0, 19)).toBe(plan.observed_at.slice(0, 19));
    expect(plan.drift).toBe(true);

    // the IR inside the plan is the schema-valid IR of the file
    validateIr(plan.ir);
    const compiled = compileFile(join(sample, 'settlement.recon'), new DiskModuleHost());
    expect(plan.ir).toEqual(JSON.parse(JSON.stringify(compiled.ir)));

    expect(plan.policies).toHaveLength(1);
    const policy = plan.policies[0]!;
    expect(Object.keys(policy)).toEqual(expect.arrayContaining(['policy', 'mode', 'summary', 'limits', 'items']));
    expect(policy.policy).toBe('settlement_parity');
    expect(policy.mode).toBe('enforce');
    expect(Object.keys(policy.summary).sort()).toEqual(['actual', 'changed', 'desired', 'extra', 'invalid', 'missing', 'unchanged']);
    expect(policy.limits).toEqual({ exceeded: false, reasons: [] });

    const s = policy.summary;
    const count = (kind: string, side?: string): number => policy.items.filter((i) => i.kind === kind && (side === undefined || i.side === side)).length;
    expect(count('missing')).toBe(s.missing);
    expect(count('extra')).toBe(s.extra);
    expect(count('changed')).toBe(s.changed);
    expect(count('invalid')).toBe(s.invalid);
    expect(s.desired).toBe(s.unchanged + s.changed + s.missing + count('invalid', 'desired'));
    expect(s.actual).toBe(s.unchanged + s.changed + s.extra + count('invalid', 'actual'));
    for (const kind of ['missing', 'extra', 'changed', 'invalid']) expect(count(kind), kind).toBeGreaterThan(0); // the sample has every kind

    const ITEM_KEYS = ['id', 'kind', 'key', 'side', 'fields', 'action', 'gate', 'approvers', 'reason', 'precondition', 'effect'];
    const sortKey = (i: PlanItem): [number, string] => [KIND_ORDER.indexOf(i.kind), i.id];
    for (let n = 0; n < policy.items.length; n++) {
      const item = policy.items[n]!;
      expect(Object.keys(item)).toEqual(expect.arrayContaining(ITEM_KEYS));
      expect(item.id.startsWith(`settlement_parity/${item.kind}/`), item.id).toBe(true);
      expect(['create', 'update', 'delete', 'ticket', 'ignore', 'report']).toContain(item.action);
      expect(Object.keys(item.reason)).toEqual(expect.arrayContaining(['rule', 'at', 'because']));
      if (item.action === 'ignore' || item.action === 'report') expect(item.gate, item.id).toBe('none');
      else expect(['auto', 'approval', 'blocked']).toContain(item.gate);
      if (item.kind === 'invalid') {
        expect(['desired', 'actual']).toContain(item.side);
        expect(item.id).toMatch(/^settlement_parity\/invalid\/(desired|actual)\/\d+$/);
      } else {
        expect(item.side).toBeNull();
        expect(item.key).not.toBeNull();
        expect(item.id).toBe(`settlement_parity/${item.kind}/${String(item.key!.txn_id)}`);
        expect(item.reason.at, item.id).toMatch(/^settlement\.recon:\d+:\d+$/);
      }
      if (item.kind === 'changed' || item.kind === 'extra') expect(item.precondition, item.id).toMatch(SHA256);
      if (item.kind === 'changed') expect(item.fields.length, item.id).toBeGreaterThan(0);
      if (item.gate === 'approval') expect(item.approvers).toBe('payments_leads');
      if (n > 0) {
        const [pk, pid] = sortKey(policy.items[n - 1]!);
        const [k, id] = sortKey(item);
        expect(pk < k || (pk === k && pid < id), `${policy.items[n - 1]!.id} before ${item.id}`).toBe(true);
      }
    }
  });

  it('the same inputs give the same plan_hash; only observed_at differs', async () => {
    const a = await runCli(['plan', 'settlement.recon', '--format', 'json'], { cwd: sample });
    const b = await runCli(['plan', join(sample, 'settlement.recon'), '--format', 'json'], { cwd: '/' });
    expect(a.code).toBe(2);
    expect(b.code).toBe(2);
    const pa = JSON.parse(a.stdout) as ChangePlan;
    const pb = JSON.parse(b.stdout) as ChangePlan;
    expect(pb.plan_hash).toBe(pa.plan_hash);
    expect({ ...pb, observed_at: '' }).toEqual({ ...pa, observed_at: '' });
  });

  it('--policy selects a policy; an unknown one is one clear line, exit 1', async () => {
    const ok = await runCli(['plan', 'settlement.recon', '--policy', 'settlement_parity', '--format', 'json'], { cwd: sample });
    expect(ok.code).toBe(2);
    expect((JSON.parse(ok.stdout) as ChangePlan).policies.map((p) => p.policy)).toEqual(['settlement_parity']);

    const bad = await runCli(['plan', 'settlement.recon', '--policy', 'settlement_parityy'], { cwd: sample });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(lines(bad.stderr)).toHaveLength(1);
    expect(bad.stderr).toContain('settlement_parityy');
    expect(bad.stderr).not.toMatch(STACK_TRACE_LINE);
  });

  it('an unknown --format is one clear line, exit 1', async () => {
    const r = await runCli(['plan', 'settlement.recon', '--format', 'pdf'], { cwd: sample });
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('pdf');
  });

  it('appends planned events to .recon/audit.jsonl and writes .recon/metrics.prom; --state-dir moves them', async () => {
    const before = auditLines(sample).length;
    const r = await runCli(['plan', 'settlement.recon', '-o', 'audit-plan.json'], { cwd: sample });
    expect(r.code).toBe(2);
    const plan = JSON.parse(readFileSync(join(sample, 'audit-plan.json'), 'utf8')) as ChangePlan;
    const all = auditLines(sample);
    const added = all.slice(before);
    const items = plan.policies.flatMap((p) => p.items);
    expect(added).toHaveLength(items.length);
    expect(added.map((a) => a.item).sort()).toEqual(items.map((i) => i.id).sort());
    const runIds = new Set(added.map((a) => a.run_id));
    expect(runIds.size).toBe(1);
    for (const record of added) {
      expect(Object.keys(record)).toEqual(expect.arrayContaining(['ts', 'run_id', 'command', 'policy', 'plan_hash', 'item', 'event', 'attempt', 'actor', 'error']));
      expect(record.event).toBe('planned');
      expect(record.command).toBe('plan');
      expect(record.policy).toBe('settlement_parity');
      expect(record.plan_hash).toBe(plan.plan_hash);
    }
    // append-only: earlier runs are still there
    expect(before).toBeGreaterThan(0);

    const metrics = readFileSync(join(sample, '.recon', 'metrics.prom'), 'utf8');
    expect(metrics).toMatch(/^recon_reconcile_total\{[^}]*policy="settlement_parity"[^}]*\} \d+$/m);
    expect(metrics).toMatch(/^# TYPE recon_reconcile_total counter$/m);
    const s = plan.policies[0]!.summary;
    for (const kind of ['missing', 'extra', 'changed', 'invalid'] as const) {
      const m = new RegExp(`^recon_drift_items\\{(?=[^}]*kind="${kind}")(?=[^}]*policy="settlement_parity")[^}]*\\} (\\d+)$`, 'm').exec(metrics);
      expect(m, kind).not.toBeNull();
      expect(Number(m![1])).toBe(s[kind]);
    }

    const stateDir = join(sample, 'elsewhere-state');
    const moved = await runCli(['plan', 'settlement.recon', '--state-dir', stateDir], { cwd: sample });
    expect(moved.code).toBe(2);
    expect(auditLines(sample, stateDir)).toHaveLength(items.length);
    expect(readFileSync(join(stateDir, 'metrics.prom'), 'utf8')).toContain('recon_drift_items');
    expect(auditLines(sample)).toHaveLength(all.length);
  });

  it.skipIf(!TTY_AVAILABLE)('colours on a terminal, but --no-color and NO_COLOR print no ANSI escapes', { timeout: 120_000 }, async () => {
    const coloured = await runCliInTty(['plan', 'settlement.recon'], { cwd: sample });
    expect(coloured.stdout).toMatch(ANSI_ESCAPE); // the test can fail: colour is on by default on a TTY
    const flag = await runCliInTty(['plan', 'settlement.recon', '--no-color'], { cwd: sample });
    expect(flag.stdout).toContain('settlement_parity');
    expect(flag.stdout).not.toMatch(ANSI_ESCAPE);
    const env = await runCliInTty(['plan', 'settlement.recon'], { cwd: sample, env: { NO_COLOR: '1' } });
    expect(env.stdout).toContain('settlement_parity');
    expect(env.stdout).not.toMatch(ANSI_ESCAPE);
    // errors too
    const error = await runCliInTty(['plan', 'settlement.recon', '--policy', 'nope', '--no-color'], { cwd: sample });
    expect(error.stdout).toContain('nope');
    expect(error.stdout).not.toMatch(ANSI_ESCAPE);
  });

  it('--no-color is accepted on every format and never adds escapes (no TTY)', async () => {
    for (const format of ['text', 'github'] as const) {
      const r = await runCli(['plan', 'settlement.recon', '--no-color', '--format', format], { cwd: sample });
      expect(r.code).toBe(2);
      expect(r.stdout).not.toMatch(ANSI_ESCAPE);
    }
  });

  it('the data files are byte-identical after every plan of this file (plan cannot write)', () => {
    const after = snapshot(sample);
    for (const [file, hash] of sampleFiles) expect(after.get(file), file).toBe(hash);
  });
});

// ------------------------------------------------------------ small workspaces of the same policy

const LEDGER_HEADER = 'txn_id,amount,currency,status,booked_at\n';

interface Settlement {
  id: string;
  amount_cents: number;
  currency: string;
  state: string;
  settled_at: string;
  origin: string;
}

/** A workspace with the sample's policy and the given ledger rows and gateway settlements. */
function settlementWorkspace(ledger: string[], settlements: Settlement[], policyText?: string): string {
  const dir = makeTempDir();
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'recon.json'), '{}\n');
  writeFileSync(join(dir, 'settlement.recon'), policyText ?? readFileSync(join(SETTLEMENT_SAMPLE, 'settlement.recon'), 'utf8'));
  writeFileSync(join(dir, 'data', 'ledger.csv'), LEDGER_HEADER + ledger.map((l) => `${l}\n`).join(''));
  writeFileSync(join(dir, 'data', 'gateway-settlements.json'), JSON.stringify({ settlements }, null, 1));
  return dir;
}

const MATCHING_LEDGER = ['A1,10.50,EUR,settled,2026-11-01T08:00:00Z', 'A2,20.00,USD,settled,2026-11-01T09:00:00Z'];
const MATCHING_GATEWAY: Settlement[] = [
  // within the tolerances of the policy: lower-case currency, trailing blank status, 30 s later in +01:00
  { id: 'A1', amount_cents: 1050, currency: 'eur', state: 'settled ', settled_at: '2026-11-01T09:00:30+01:00', origin: 'api' },
  { id: 'A2', amount_cents: 2000, currency: 'USD', state: 'SETTLED', settled_at: '2026-11-01T09:00:00Z', origin: 'api' },
];

describe('recon plan exit codes on small workspaces', () => {
  it('no drift: exit 0, drift false, no acting item', async () => {
    const dir = settlementWorkspace(MATCHING_LEDGER, MATCHING_GATEWAY);
    try {
      const r = await runCli(['plan', 'settlement.recon', '--format', 'json'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      const plan = JSON.parse(r.stdout) as ChangePlan;
      expect(plan.drift).toBe(false);
      expect(plan.policies[0]!.items).toEqual([]);
      expect(plan.policies[0]!.summary).toMatchObject({ desired: 2, actual: 2, unchanged: 2 });
      const text = await runCli(['plan', 'settlement.recon'], { cwd: dir });
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/no drift/i);
    } finally {
      removeTempDir(dir);
    }
  });

  it('only ignored items: still no drift, exit 0', async () => {
    const manual: Settlement = { id: 'M9', amount_cents: 500, currency: 'EUR', state: 'settled', settled_at: '2026-11-01T09:00:00Z', origin: 'manual' };
    const dir = settlementWorkspace(MATCHING_LEDGER, [...MATCHING_GATEWAY, manual]);
    try {
      const r = await runCli(['plan', 'settlement.recon', '--format', 'json'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      const plan = JSON.parse(r.stdout) as ChangePlan;
      expect(plan.drift).toBe(false);
      expect(plan.policies[0]!.items.map((i) => [i.id, i.action, i.gate])).toEqual([['settlement_parity/extra/M9', 'ignore', 'none']]);
    } finally {
      removeTempDir(dir);
    }
  });

  it('over its limits: exit 4, limits.exceeded with a reason, every acting item blocked', async () => {
    // one of two ledger entries missing at the gateway: 50% > max_ratio 5%
    const dir = settlementWorkspace(MATCHING_LEDGER, MATCHING_GATEWAY.slice(0, 1));
    try {
      const r = await runCli(['plan', 'settlement.recon', '--format', 'json', '-o', 'PLAN.json'], { cwd: dir });
      expect(r.code, r.stderr).toBe(4);
      const plan = JSON.parse(r.stdout) as ChangePlan;
      expect(plan.drift).toBe(true);
      const policy = plan.policies[0]!;
      expect(policy.limits.exceeded).toBe(true);
      expect(policy.limits.reasons.join(' ')).toMatch(/max_ratio/);
      const acting = policy.items.filter((i) => i.action !== 'ignore' && i.action !== 'report');
      expect(acting.map((i) => i.id)).toEqual(['settlement_parity/missing/A2']);
      for (const item of acting) expect(item.gate).toBe('blocked');
      expect(readFileSync(join(dir, 'PLAN.json'), 'utf8')).toBe(r.stdout);
      const metrics = readFileSync(join(dir, '.recon', 'metrics.prom'), 'utf8');
      expect(metrics).toMatch(/recon_reconcile_total\{[^}]*outcome="limit_exceeded"/);
    } finally {
      removeTempDir(dir);
    }
  });
});

// ------------------------------------------------------------ secrets

/** A value that appears nowhere unless the secret leaks. */
const SECRET = `s3cr3t-${createHash('sha256').update(String(process.pid) + String(Date.now())).digest('hex').slice(0, 16)}`;

describe('secrets never appear in any output', () => {
  let dir: string;

  beforeAll(() => {
    dir = makeTempDir(SETTLEMENT_SAMPLE);
    // the gateway's list now sits under a key only the secret names
    const gateway = JSON.parse(readFileSync(join(dir, 'data', 'gateway-settlements.json'), 'utf8')) as { settlements: unknown[] };
    writeFileSync(join(dir, 'data', 'gateway-settlements.json'), JSON.stringify({ [SECRET]: gateway.settlements }));
    const policy = readFileSync(join(dir, 'settlement.recon'), 'utf8');
    expect(policy).toContain('items: "settlements"');
    writeFileSync(join(dir, 'settlement.recon'), policy.replace('items: "settlements"', 'items: secret("TOKEN")'));
  });

  afterAll(() => removeTempDir(dir));

  function everything(): string {
    const parts: string[] = [];
    const walk = (d: string): void => {
      for (const entry of readdirSync(d)) {
        const path = join(d, entry);
        if (statSync(path).isDirectory()) walk(path);
        else if (!path.endsWith('gateway-settlements.json')) parts.push(readFileSync(path, 'utf8'));
      }
    };
    walk(dir);
    return parts.join('\n');
  }

  it('plan in every format, -o, the audit log and the metrics never hold the secret', { timeout: 120_000 }, async () => {
    for (const format of FORMATS) {
      const r = await runCli(['plan', 'settlement.recon', '--format', format, '-o', `secret-plan-${format}.json`], { cwd: dir, env: { TOKEN: SECRET } });
      // the secret is really used: without it the source cannot be read
      expect(r.code, `${format}: ${r.stderr}`).toBe(2);
      expect(r.stdout, format).not.toContain(SECRET);
      expect(r.stderr, format).not.toContain(SECRET);
    }
    const plan = JSON.parse(readFileSync(join(dir, 'secret-plan-json.json'), 'utf8')) as ChangePlan;
    expect(plan.policies[0]!.summary.actual).toBeGreaterThan(1000);
    for (const [command, code] of [[['compile', 'settlement.recon'], 0], [['check', 'settlement.recon', '--format', 'json'], 0]] as const) {
      const r = await runCli([...command], { cwd: dir, env: { TOKEN: SECRET } });
      expect(r.code).toBe(code);
      expect(r.stdout + r.stderr).not.toContain(SECRET);
    }
    // nothing written to the workspace holds it either (the data file itself aside)
    expect(everything()).not.toContain(SECRET);
    expect(everything()).toContain(plan.plan_hash); // the walk did read the plans and the audit log
  });

  it('errors about a value read from a secret do not print it', { timeout: 120_000 }, async () => {
    // an items path that names nothing: the error must not quote the (secret) path
    const wrong = `${SECRET}-wrong`;
    const r = await runCli(['plan', 'settlement.recon'], { cwd: dir, env: { TOKEN: wrong } });
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/source gateway/);
    expect(r.stderr).not.toContain(SECRET);

    // an option of the wrong shape: the error must not quote the (secret) value
    const csvPolicy = readFileSync(join(dir, 'settlement.recon'), 'utf8').replace('from csv("data/ledger.csv")', 'from csv("data/ledger.csv", delimiter: secret("DELIM"))');
    writeFileSync(join(dir, 'delimiter.recon'), csvPolicy);
    const d = await runCli(['plan', 'delimiter.recon'], { cwd: dir, env: { TOKEN: SECRET, DELIM: `${SECRET}-delim` } });
    expect(d.code).toBe(1);
    expect(lines(d.stderr)).toHaveLength(1);
    expect(d.stderr).toMatch(/source ledger/);
    expect(d.stderr).not.toContain(SECRET);

    // an unset secret is an error that names the variable, not a crash
    const unset = await runCli(['plan', 'settlement.recon'], { cwd: dir, env: { TOKEN: undefined } });
    expect(unset.code).toBe(1);
    expect(lines(unset.stderr)).toHaveLength(1);
    expect(unset.stderr).not.toMatch(STACK_TRACE_LINE);
  });
});
