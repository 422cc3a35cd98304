/**
 * The preview panel's HTML: record values come from the user's data, so they must be escaped, and
 * the panel must show counts, items and notices whatever exact shape the server's result has.
 */
import { describe, expect, it } from 'vitest';
import { cellText, escapeHtml, renderPreviewHtml, testReportLines } from '../../extension/client/preview-html.js';

describe('renderPreviewHtml', () => {
  it('escapes values from the data and forbids scripts', () => {
    const html = renderPreviewHtml({ policy: 'p', items: [{ id: '1', kind: 'missing', key: '<img src=x onerror=alert(1)>' }] }, 'Drift preview: p', 'vscode-resource:');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none';/);
    expect(html).not.toMatch(/<script/i);
  });

  it('shows counts, a row per item with its kind, and notices such as a refused source', () => {
    const html = renderPreviewHtml(
      { policy: 'parity', counts: { missing: 1, changed: 2 }, items: [{ id: 'i1', kind: 'changed', key: 'a2', diff: ['amount', 'currency'] }], refused: ['gateway (http)'], timedOut: true, elapsedMs: 12 },
      'Drift preview: parity',
      'x',
    );
    expect(html).toContain('<h2>parity</h2>');
    expect(html).toContain('<b>1</b> missing');
    expect(html).toContain('<b>2</b> changed');
    expect(html).toContain('<tr class="kind-changed"><td>i1</td><td>changed</td><td>a2</td><td>amount, currency</td></tr>');
    expect(html).toContain('refused: gateway (http)');
    expect(html).toContain('timed out');
    expect(html).toContain('<dt>elapsedMs</dt><dd>12</dd>');
  });

  it('renders one section per policy of a whole-file preview', () => {
    const html = renderPreviewHtml({ policies: [{ policy: 'a', items: [] }, { policy: 'b', items: [{ id: 'x' }] }] }, 'f', 'x');
    expect(html.match(/<section>/g)).toHaveLength(2);
    expect(html).toContain('No drift items.');
  });
});

describe('cell and test report text', () => {
  it('shortens long values and writes objects as JSON', () => {
    expect(cellText({ a: 1 })).toBe('{"a":1}');
    expect(cellText('x'.repeat(1000))).toHaveLength(240);
    expect(escapeHtml(`"'&`)).toBe('&quot;&#39;&amp;');
  });

  it('counts passed and failed tests', () => {
    const report = testReportLines({ tests: [{ name: 't1', passed: true }, { name: 't2', passed: false, message: 'expected 1 missing, got 0' }] });
    expect(report.passed).toBe(1);
    expect(report.failed).toBe(1);
    expect(report.lines.join('\n')).toContain('FAIL  t2\n      expected 1 missing, got 0');
  });
});
