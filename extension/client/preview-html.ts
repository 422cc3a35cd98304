/**
 * Turns a drift preview (the result of `recon/previewDrift`) into the HTML of the preview panel.
 *
 * Why apart from the panel: it is pure (no `vscode`), so tests run it directly; and it is the one
 * place that escapes record values, which come from the user's data and must never become markup.
 * It reads the result defensively (counts, items, notices; any other fields listed as facts), so a
 * field the server adds later shows up instead of breaking the panel.
 */

/** One policy's part of a preview, as far as the panel needs to know it. */
interface PolicySection {
  title: string;
  counts: Array<[string, unknown]>;
  items: Record<string, unknown>[];
  notices: string[];
  facts: Array<[string, unknown]>;
}

const NOTICE_KEYS = ['refused', 'error', 'errors', 'warning', 'warnings', 'message', 'messages', 'truncated', 'timedOut', 'timed_out', 'capped', 'cancelled', 'skipped', 'skippedSources'];
const TITLE_KEYS = ['policy', 'name', 'title'];
const COLUMN_ORDER = ['id', 'kind', 'key', 'action', 'gate', 'reason', 'diff', 'fields', 'changes', 'effect'];
const MAX_ROWS = 500;
const MAX_CELL = 240;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** HTML-escapes text for element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A value as short display text: primitives as they are, lists joined, objects as compact JSON. */
export function cellText(value: unknown): string {
  let text: string;
  if (value === undefined) text = '';
  else if (value === null) text = 'null';
  else if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
  else if (Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object')) text = value.map((v) => String(v)).join(', ');
  else text = JSON.stringify(value);
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
}

function noticeText(key: string, value: unknown): string | undefined {
  if (value === undefined || value === null || value === false || (Array.isArray(value) && value.length === 0)) return undefined;
  if (value === true) return key.replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return `${key}: ${cellText(value)}`;
}

function section(raw: Record<string, unknown>, fallbackTitle: string): PolicySection {
  const titleKey = TITLE_KEYS.find((k) => typeof raw[k] === 'string');
  const counts = isRecord(raw.counts) ? Object.entries(raw.counts) : [];
  const items = (Array.isArray(raw.items) ? raw.items : []).filter(isRecord);
  const notices = NOTICE_KEYS.map((k) => noticeText(k, raw[k])).filter((n): n is string => n !== undefined);
  const shown = new Set(['counts', 'items', 'policies', ...NOTICE_KEYS, ...(titleKey ? [titleKey] : [])]);
  const facts = Object.entries(raw).filter(([k, v]) => !shown.has(k) && (v === null || typeof v !== 'object'));
  return { title: titleKey ? String(raw[titleKey]) : fallbackTitle, counts, items, notices, facts };
}

/** Splits a preview into one section per policy (`{ policies: [...] }`, a list, or one policy). */
function sections(result: unknown): PolicySection[] {
  if (Array.isArray(result)) return result.filter(isRecord).map((r, i) => section(r, `Policy ${i + 1}`));
  if (!isRecord(result)) return [{ title: 'Preview', counts: [], items: [], notices: [cellText(result)], facts: [] }];
  if (Array.isArray(result.policies)) {
    const outer = section({ ...result, policies: undefined }, '');
    const inner = result.policies.filter(isRecord).map((r, i) => section(r, `Policy ${i + 1}`));
    if (inner.length > 0) {
      inner[0]!.notices.unshift(...outer.notices);
      inner[0]!.facts.unshift(...outer.facts);
    }
    return inner.length > 0 ? inner : [outer];
  }
  return [section(result, 'Preview')];
}

function columnsOf(items: Record<string, unknown>[]): string[] {
  const seen = new Set<string>();
  for (const item of items.slice(0, MAX_ROWS)) for (const k of Object.keys(item)) seen.add(k);
  const ordered = COLUMN_ORDER.filter((c) => seen.has(c));
  return [...ordered, ...[...seen].filter((c) => !ordered.includes(c))].slice(0, 12);
}

function renderSection(s: PolicySection): string {
  const parts = [`<section><h2>${escapeHtml(s.title)}</h2>`];
  if (s.counts.length > 0) {
    parts.push(`<p class="counts">${s.counts.map(([k, v]) => `<span class="count"><b>${escapeHtml(cellText(v))}</b> ${escapeHtml(k)}</span>`).join(' ')}</p>`);
  }
  for (const notice of s.notices) parts.push(`<p class="notice">${escapeHtml(notice)}</p>`);
  if (s.items.length > 0) {
    const columns = columnsOf(s.items);
    parts.push('<table><thead><tr>', ...columns.map((c) => `<th>${escapeHtml(c)}</th>`), '</tr></thead><tbody>');
    for (const item of s.items.slice(0, MAX_ROWS)) {
      const kind = typeof item.kind === 'string' ? ` class="kind-${escapeHtml(item.kind)}"` : '';
      parts.push(`<tr${kind}>`, ...columns.map((c) => `<td>${escapeHtml(cellText(item[c]))}</td>`), '</tr>');
    }
    parts.push('</tbody></table>');
    if (s.items.length > MAX_ROWS) parts.push(`<p class="notice">showing ${MAX_ROWS} of ${s.items.length} items</p>`);
  } else {
    parts.push('<p class="empty">No drift items.</p>');
  }
  if (s.facts.length > 0) {
    parts.push('<dl>', ...s.facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(cellText(v))}</dd>`), '</dl>');
  }
  parts.push('</section>');
  return parts.join('');
}

/**
 * The whole panel document. `cspSource` is the webview's `cspSource`; the page runs no script
 * (the Content-Security-Policy forbids it) and loads nothing from outside.
 */
export function renderPreviewHtml(result: unknown, heading: string, cspSource: string): string {
  const body = sections(result).map(renderSection).join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${escapeHtml(cspSource)} 'unsafe-inline';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(heading)}</title>
<style>
  body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 12px; }
  h1 { font-size: 1.2em; } h2 { font-size: 1.05em; margin-top: 1.4em; }
  .counts .count { margin-right: 1.2em; }
  .notice { color: var(--vscode-editorWarning-foreground); }
  .empty { color: var(--vscode-descriptionForeground); }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 2px 8px; border-bottom: 1px solid var(--vscode-panel-border, #8884); vertical-align: top; }
  th { font-weight: 600; }
  td { font-family: var(--vscode-editor-font-family); white-space: pre-wrap; word-break: break-word; }
  tr.kind-missing td:nth-child(2) { color: var(--vscode-gitDecoration-addedResourceForeground); }
  tr.kind-extra td:nth-child(2) { color: var(--vscode-gitDecoration-deletedResourceForeground); }
  tr.kind-changed td:nth-child(2) { color: var(--vscode-gitDecoration-modifiedResourceForeground); }
  tr.kind-invalid td:nth-child(2) { color: var(--vscode-errorForeground); }
  dl { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; color: var(--vscode-descriptionForeground); }
  dd { margin: 0; }
</style>
</head>
<body>
<h1>${escapeHtml(heading)}</h1>
<p class="empty">Read-only preview: nothing was applied.</p>
${body}
</body>
</html>`;
}

/** A run of `recon/runTests` as lines for the output channel: one per test, then a total. */
export function testReportLines(result: unknown): { lines: string[]; passed: number; failed: number } {
  const list = Array.isArray(result) ? result : isRecord(result) && Array.isArray(result.tests) ? result.tests : isRecord(result) && Array.isArray(result.results) ? result.results : undefined;
  if (!list) return { lines: [JSON.stringify(result, null, 2)], passed: 0, failed: 0 };
  let passed = 0;
  let failed = 0;
  const lines: string[] = [];
  for (const raw of list) {
    if (!isRecord(raw)) continue;
    const ok = raw.passed === true || raw.ok === true || raw.status === 'pass' || raw.status === 'passed';
    if (ok) passed++;
    else failed++;
    const name = cellText(raw.name ?? raw.test ?? raw.title ?? '(unnamed test)');
    const detail = raw.message ?? raw.failures ?? raw.error;
    lines.push(`${ok ? 'PASS' : 'FAIL'}  ${name}${!ok && detail !== undefined ? `\n      ${cellText(detail)}` : ''}`);
  }
  lines.push(`${passed} passed, ${failed} failed`);
  return { lines, passed, failed };
}
