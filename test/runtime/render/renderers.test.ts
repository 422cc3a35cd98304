import { describe, expect, it } from 'vitest';
import type { ChangePlan } from '../../../runtime/plan/change-plan.js';
import { escapeCommandData, escapeCommandProperty, renderGithub } from '../../../runtime/render/github-renderer.js';
import { renderHtml } from '../../../runtime/render/html-renderer.js';
import { renderJson } from '../../../runtime/render/json-renderer.js';
import { renderMarkdown } from '../../../runtime/render/markdown-renderer.js';
import { isPlanFormat, PLAN_FORMATS, renderPlan, shouldUseColor } from '../../../runtime/render/render-plan.js';
import { buildSarif } from '../../../runtime/render/sarif-renderer.js';
import { renderText } from '../../../runtime/render/text-renderer.js';
import { HOSTILE_KEY, renderFixturePlan, SECRET } from './render-fixture.js';

const plan: ChangePlan = renderFixturePlan();

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } } }[];
  properties: { item: string; gate: string };
}
const ANSI = new RegExp(String.fromCharCode(27) + '\\[');

describe('the fixture plan', () => {
  it('holds what the renderer tests rely on', () => {
    const items = plan.policies.flatMap((p) => p.items);
    expect(items.map((i) => i.action).sort()).toEqual(['create', 'create', 'delete', 'ignore', 'report', 'ticket', 'update']);
    expect(items.some((i) => i.gate === 'blocked')).toBe(true);
    expect(plan.policies[1].limits.exceeded).toBe(true);
    // the secret header is redacted in the effects themselves
    expect(JSON.stringify(plan)).not.toContain(SECRET);
    expect(JSON.stringify(plan)).toContain('Bearer ***');
  });
});

describe('every format', () => {
  for (const format of PLAN_FORMATS) {
    it(`${format}: never shows the secret, ends with a newline`, () => {
      const out = renderPlan(plan, format, { color: true, isTTY: true, env: {} });
      expect(out).not.toContain(SECRET);
      expect(out.endsWith('\n')).toBe(true);
    });
  }

  it('knows its formats', () => {
    expect(isPlanFormat('sarif')).toBe(true);
    expect(isPlanFormat('xml')).toBe(false);
  });
});

describe('text', () => {
  const out = renderText(plan);

  it('has a summary line per policy and the items grouped by kind', () => {
    expect(out).toMatch(/settlement_parity {2}enforce\n {2}desired 1000 {2}actual \d+ {2}unchanged 0 {2}missing 2 {2}extra 2 {2}changed 1 {2}invalid 1/);
    expect(out).toContain('cleanup_guard  audit (never acts)');
    const kinds = ['  missing (2)', '  extra (2)', '  changed (1)', '  invalid (1)'].map((heading) => out.indexOf(heading));
    expect(kinds.every((index) => index > 0)).toBe(true);
    expect([...kinds].sort((a, b) => a - b)).toEqual(kinds);
  });

  it('shows action, gate, reason, because and fields desired → actual', () => {
    expect(out).toContain('t-big  create  needs approval from payments_leads');
    expect(out).toContain('rule 1 (payments.recon:30:5)');
    expect(out).toContain('because manual entries are tolerated');
    expect(out).toMatch(/amount +3 → 2/);
    expect(out).toContain('effect: PATCH http://127.0.0.1:8080/settlements/');
    expect(out).toContain('limits exceeded: every acting item is blocked');
    expect(out).toContain('max_deletes 0: 1 delete is planned');
    expect(out).toContain('old-1  delete  blocked');
  });

  it('uses colour only when asked', () => {
    expect(out).not.toMatch(ANSI);
    expect(renderText(plan, { color: true })).toMatch(ANSI);
  });

  it('elides items past the per-kind limit', () => {
    expect(renderText(plan, { maxItemsPerKind: 1 })).toContain('… and 1 more missing items');
  });
});

describe('colour choice', () => {
  it('colours a TTY only, never with NO_COLOR or --no-color', () => {
    expect(shouldUseColor({ isTTY: true, env: {} })).toBe(true);
    expect(shouldUseColor({ isTTY: false, env: {} })).toBe(false);
    expect(shouldUseColor({ isTTY: true, env: { NO_COLOR: '1' } })).toBe(false);
    expect(shouldUseColor({ isTTY: true, env: { NO_COLOR: '' } })).toBe(true);
    expect(shouldUseColor({ isTTY: true, env: {}, noColor: true })).toBe(false);
    expect(renderPlan(plan, 'text', { isTTY: true, env: { NO_COLOR: '1' } })).not.toMatch(ANSI);
    expect(renderPlan(plan, 'text', { isTTY: true, env: {}, noColor: true, color: true })).not.toMatch(ANSI);
    expect(renderPlan(plan, 'text', { isTTY: true, env: {} })).toMatch(ANSI);
  });
});

describe('json', () => {
  it('is the plan, pretty, and parses back to it', () => {
    const out = renderJson(plan);
    expect(out.startsWith('{\n  "version": 1,\n  "plan_hash": "sha256:')).toBe(true);
    expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(plan)));
    expect(renderJson(plan)).toBe(out);
  });
});

describe('markdown', () => {
  const out = renderMarkdown(plan);

  it('has a summary table with a row per policy and collapsible details', () => {
    expect(out).toContain('## Recon plan: drift found (6 items)');
    expect(out).toContain('| policy | mode | desired | actual | unchanged | missing | extra | changed | invalid | actions | limits |');
    expect(out).toMatch(/\| ⚠️ <code>settlement\\_parity<\/code> \| enforce \| 1000 \|/);
    expect(out).toMatch(/\| ⚠️ <code>cleanup\\_guard<\/code> \| audit \| 10 \| .* \| ⛔ exceeded \|/);
    expect(out.match(/<details>/g)).toHaveLength(2);
    expect(out.match(/<\/details>/g)).toHaveLength(2);
    expect(out).toContain('<summary><b>settlement_parity</b>: 2 missing, 2 extra, 1 changed, 1 invalid</summary>');
  });

  it('escapes HTML and table syntax from the data', () => {
    expect(out).not.toContain('<script>');
    expect(out).not.toContain('<img');
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt; \\| \\*\\*bold');
    // every item row keeps exactly 7 unescaped pipes (6 cells)
    const rows = out.split('\n').filter((l) => l.startsWith('| <code>'));
    expect(rows.length).toBe(7);
    for (const line of rows) {
      expect(line.replace(/\\\|/g, '').split('|').length - 1).toBe(7);
    }
  });

  it('summarises effects without headers', () => {
    expect(out).toContain('POST http://127.0.0.1:8080/settlements');
    expect(out).not.toContain('Authorization');
  });
});

describe('html (static checks)', () => {
  const out = renderHtml(plan);

  it('is one self-contained document: no external resources', () => {
    expect(out.startsWith('<!doctype html>')).toBe(true);
    expect(out).not.toMatch(/<(link|img|iframe|object|embed)\b/i);
    expect(out).not.toMatch(/<[a-z][^>]*\s(src|href)\s*=/i);
    expect(out).not.toMatch(/url\(/i);
    expect(out).toContain("default-src 'none'");
    expect(out.match(/<script>/g)).toHaveLength(1);
  });

  it('escapes every value from the plan', () => {
    expect(out).not.toContain('<script>alert');
    expect(out).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(out).not.toContain('<img src=x');
  });

  it('has the chart and one row per item', () => {
    expect(out).toContain('<svg id="chart"');
    expect(out.match(/<rect class="bar"/g)).toHaveLength(8);
    const rows = out.match(/<tr data-policy=/g) ?? [];
    expect(rows).toHaveLength(plan.policies.reduce((n, p) => n + p.items.length, 0));
  });
});

describe('sarif', () => {
  const log = buildSarif(plan) as {
    version: string;
    runs: { tool: { driver: { name: string; rules: { id: string }[] } }; results: SarifResult[] }[];
  };
  const results = log.runs[0].results;

  it('is SARIF 2.1.0 with one result per drift item', () => {
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0].tool.driver.name).toBe('recon');
    const drift = plan.policies.flatMap((p) => p.items).filter((i) => i.action !== 'ignore');
    expect(results).toHaveLength(drift.length);
    expect(results.map((r) => r.properties.item).sort()).toEqual(drift.map((i) => i.id).sort());
  });

  it('locates results at the deciding rule, or at the policy when no rule decided', () => {
    const big = results.find((r) => r.properties.item === 'settlement_parity/missing/t-big')!;
    expect(big.locations[0].physicalLocation).toEqual({ artifactLocation: { uri: 'payments.recon' }, region: { startLine: 30, startColumn: 5 } });
    expect(big.ruleId).toBe('recon/missing/create');
    const bad = results.find((r) => r.properties.item === 'settlement_parity/invalid/actual/7')!;
    expect(bad.locations[0].physicalLocation.region).toEqual({ startLine: 20, startColumn: 1 });
    expect(bad.level).toBe('error');
  });

  it('gives every result a rule of the driver and makes blocked items errors', () => {
    const ids = log.runs[0].tool.driver.rules.map((r) => r.id);
    for (const result of results) expect(ids[result.ruleIndex]).toBe(result.ruleId);
    expect(new Set(ids).size).toBe(ids.length);
    const blocked = results.find((r) => r.properties.gate === 'blocked')!;
    expect(blocked.level).toBe('error');
    expect(results.find((r) => r.properties.item === 'settlement_parity/missing/t-small')!.level).toBe('warning');
  });

  it('applies a path prefix', () => {
    const prefixed = buildSarif(plan, { pathPrefix: 'infra' }) as typeof log;
    expect(prefixed.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe('infra/payments.recon');
  });
});

describe('github', () => {
  const out = renderGithub(plan);
  const lines = out.trimEnd().split('\n');

  it('prints one annotation per drift item, errors for blocked ones, and a summary notice', () => {
    expect(lines.every((line) => /^::(warning|error|notice) /.test(line))).toBe(true);
    const warnings = lines.filter((l) => l.startsWith('::warning '));
    const errors = lines.filter((l) => l.startsWith('::error '));
    expect(warnings).toHaveLength(5);
    expect(errors).toHaveLength(2); // the blocked delete + the policy over its limits
    expect(lines.at(-1)).toMatch(/^::notice title=recon plan::Drift found — settlement_parity: 2 missing/);
    expect(warnings[0]).toMatch(/^::warning file=payments\.recon,line=30,col=5,title=settlement_parity%3A missing t-big::/);
    expect(errors.some((l) => l.startsWith('::error file=payments.recon,line=60,col=1,title=cleanup_guard%3A limits exceeded::'))).toBe(true);
  });

  it('escapes data so a value cannot start a command or a new line', () => {
    expect(out.split('\n')).toHaveLength(lines.length + 1);
    expect(out).not.toMatch(/[^\n]::error::%0A/);
    expect(escapeCommandData('a%b\r\nc')).toBe('a%25b%0D%0Ac');
    expect(escapeCommandProperty('x:y,z')).toBe('x%3Ay%2Cz');
    const keyLine = lines.find((l) => l.includes('title=settlement_parity%3A changed'))!;
    expect(keyLine).toContain(escapeCommandProperty(HOSTILE_KEY));
  });
});
