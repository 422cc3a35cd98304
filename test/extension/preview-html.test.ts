/**
 * The preview panel's HTML and the test report: record values come from the user's data, so they
 * must be escaped, and the panel must show what the server's result says (counts, items, why a
 * policy was skipped) — and degrade, not break, on a result it does not know.
 */
import { describe, expect, it } from 'vitest';
import { cellText, escapeHtml, fieldsText, keyText, renderPreviewHtml, testReportLines } from '../../extension/client/preview-html.js';

/** A `recon/previewDrift` result as the server sends it (trimmed from a real run). */
const RESULT = {
  uri: 'file:///ws/parity.recon',
  trusted: false,
  timeBudgetMs: 10000,
  recordCap: 100000,
  status: 'ok',
  message: null,
  observedAt: '2026-11-26T13:55:39Z',
  drift: true,
  elapsedMs: 515,
  policies: [
    {
      policy: 'parity',
      mode: 'audit',
      skipped: null,
      summary: { desired: 3, actual: 3, unchanged: 1, missing: 1, extra: 1, changed: 1, invalid: 0 },
      actions: { create: 1, report: 1, update: 1 },
      limits: { exceeded: false, reasons: [] },
      warnings: [],
      truncated: ['bank'],
      title: 'Drift: 1 missing · 1 extra · 1 changed',
      items: [
        {
          id: 'parity/changed/a2',
          kind: 'changed',
          key: { id: 'a2' },
          side: null,
          fields: [{ path: 'amount', desired: 20, actual: 25 }],
          action: 'update',
          gate: 'blocked',
          approvers: null,
          reason: { rule: 3, at: 'parity.recon:27:5', because: null, message: 'blocked: the policy is in mode audit (never acts)' },
          reasonLocation: null,
          effect: { kind: 'file', connector: 'json', path: 'bank.json', op: 'update', key: { id: 'a2' }, record: { amount: 25 } },
        },
        {
          id: 'parity/extra/<b>',
          kind: 'extra',
          key: { id: '<img src=x onerror=alert(1)>' },
          side: null,
          fields: [{ path: 'id', desired: null, actual: '<img src=x onerror=alert(1)>' }],
          action: 'report',
          gate: 'none',
          approvers: null,
          reason: { rule: null, at: null, because: null },
          reasonLocation: null,
          effect: null,
        },
      ],
      location: null,
    },
    { policy: 'hosts', mode: 'audit', skipped: "policy 'hosts' reads the exec source 'live'", summary: null, actions: {}, limits: null, warnings: [], truncated: [], title: '', items: [], location: null },
  ],
};

describe('renderPreviewHtml', () => {
  const html = renderPreviewHtml(RESULT, 'Drift preview: parity', 'vscode-resource:');

  it('escapes values from the data and allows no script', () => {
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none';/);
    expect(html).not.toMatch(/<script/i);
  });

  it('shows the counts, one row per item, what differs and why', () => {
    expect(html).toContain('<h2>parity <span class="mode">mode audit</span></h2>');
    expect(html).toContain('<b>1</b> missing');
    expect(html).toContain('<b>1</b> unchanged');
    expect(html).toContain(
      '<tr class="kind-changed"><td>a2</td><td>changed</td><td>update</td><td>blocked</td><td>amount: 20 → 25</td><td>rule 3 (parity.recon:27:5); blocked: the policy is in mode audit (never acts)</td><td>update in bank.json</td></tr>',
    );
    expect(html).toContain('<td>no rule matched</td>');
  });

  it('says when a source hit the record cap, a policy was skipped, and whether the workspace is trusted', () => {
    expect(html).toContain('Record cap reached for bank');
    expect(html).toContain('Not previewed: policy &#39;hosts&#39; reads the exec source &#39;live&#39;');
    expect(html).toContain('<dt>workspace</dt><dd>untrusted: exec, http and postgres sources are not run</dd>');
  });

  it('shows a failed preview by its status and message', () => {
    const failed = renderPreviewHtml({ status: 'timeout', message: 'the preview ran out of its time budget (10 s)', policies: [] }, 'x', 'x');
    expect(failed).toContain('Status: timeout');
    expect(failed).toContain('ran out of its time budget');
  });

  it('does not break on a result of another shape', () => {
    expect(renderPreviewHtml('oops', 'x', 'x')).toContain('<p class="notice">oops</p>');
    expect(renderPreviewHtml({ items: [{ key: 'k1', kind: 'missing' }] }, 'x', 'x')).toContain('<td>k1</td><td>missing</td>');
  });
});

describe('cell texts', () => {
  it('writes keys, field deltas and long values for a table cell', () => {
    expect(keyText({ id: 'a3' })).toBe('a3');
    expect(keyText({ account: 'acme', day: '2026-11-01' })).toBe('account=acme, day=2026-11-01');
    expect(fieldsText('missing', [{ path: 'amount', desired: 30, actual: null }])).toBe('amount: 30');
    expect(fieldsText('changed', [{ path: 'tags', desired: ['a'], actual: ['b'] }])).toBe('tags: ["a"] → ["b"]');
    expect(cellText('x'.repeat(1000))).toHaveLength(240);
    expect(escapeHtml(`"'&`)).toBe('&quot;&#39;&amp;');
  });
});

describe('testReportLines', () => {
  it('lists each test with its failures and counts them', () => {
    const report = testReportLines({
      status: 'ok',
      message: null,
      passed: 1,
      failed: 1,
      results: [
        { name: 't1', policy: 'p', passed: true, failures: [], error: null, warnings: [] },
        { name: 't2', policy: 'p', passed: false, failures: ['expected 1 missing, got 0'], error: null, warnings: [] },
      ],
    });
    expect(report.passed).toBe(1);
    expect(report.failed).toBe(1);
    expect(report.lines.join('\n')).toContain('FAIL  t2  (policy p)\n      expected 1 missing, got 0');
    expect(report.lines.at(-1)).toBe('1 passed, 1 failed');
  });

  it('puts the reason first when the tests could not run', () => {
    const report = testReportLines({ status: 'invalid', message: 'parity.recon:3:1: error: ...', passed: 0, failed: 0, results: [] });
    expect(report.lines[0]).toBe('parity.recon:3:1: error: ...');
  });
});
