/**
 * Turns a drift preview (the result of `recon/previewDrift`, `DriftPreviewResult` in
 * extension/server/features/drift-preview.ts) into the HTML of the preview panel, and a test run
 * (`recon/runTests`) into lines for the output channel.
 *
 * Why apart from the panel: it is pure (no `vscode`), so tests run it directly; and it is the one
 * place that escapes record values, which come from the user's data and must never become markup.
 * It reads the result defensively: a field missing or added later degrades the panel, never breaks it.
 */

const MAX_ROWS = 500;
const MAX_CELL = 240;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** HTML-escapes text for element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A value as short display text: strings as they are, other values as compact JSON. */
export function cellText(value: unknown): string {
  let text: string;
  if (value === undefined) text = '';
  else if (typeof value === 'string') text = value;
  else text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
}

/** A record key for display: `a3` for one field, `account=acme, day=2026-11-01` for several. */
export function keyText(key: unknown): string {
  if (!isRecord(key)) return cellText(key);
  const entries = Object.entries(key);
  if (entries.length === 1) return cellText(entries[0]![1]);
  return entries.map(([k, v]) => `${k}=${cellText(v)}`).join(', ');
}

/** What differs: `amount: 20 → 25` per changed field; for missing/extra, the side that has the record. */
export function fieldsText(kind: unknown, fields: unknown): string {
  if (!Array.isArray(fields)) return '';
  return fields
    .filter(isRecord)
    .map((f) => {
      const path = cellText(f.path);
      if (kind === 'missing') return `${path}: ${cellText(f.desired)}`;
      if (kind === 'extra') return `${path}: ${cellText(f.actual)}`;
      return `${path}: ${cellText(f.desired)} → ${cellText(f.actual)}`;
    })
    .join('\n');
}

function reasonText(reason: unknown): string {
  if (!isRecord(reason)) return cellText(reason);
  const parts: string[] = [];
  if (typeof reason.rule === 'number') parts.push(`rule ${reason.rule}${typeof reason.at === 'string' ? ` (${reason.at})` : ''}`);
  else parts.push('no rule matched');
  if (typeof reason.because === 'string') parts.push(`because ${reason.because}`);
  if (typeof reason.message === 'string') parts.push(reason.message);
  return parts.join('; ');
}

function effectText(effect: unknown): string {
  if (!isRecord(effect)) return '';
  switch (effect.kind) {
    case 'http':
      return `${cellText(effect.method)} ${cellText(effect.url)}`;
    case 'file':
      return `${cellText(effect.op)} in ${cellText(effect.path)}`;
    case 'exec':
      return strings(effect.argv).join(' ');
    case 'sql':
      return cellText(effect.statement);
    case 'ticket':
      return `ticket "${cellText(effect.title)}"`;
    default:
      return cellText(effect);
  }
}

function renderItems(items: Record<string, unknown>[]): string {
  const head = ['key', 'kind', 'action', 'gate', 'what differs', 'why', 'effect'];
  const rows = items.slice(0, MAX_ROWS).map((item) => {
    const kind = typeof item.kind === 'string' ? item.kind : '';
    const action = cellText(item.action);
    const gate = item.gate === 'approval' && typeof item.approvers === 'string' ? `approval (${item.approvers})` : cellText(item.gate);
    const cells = [keyText(item.key), kind, action, gate, fieldsText(kind, item.fields), reasonText(item.reason), effectText(item.effect)];
    const warnings = strings(item.warnings);
    if (warnings.length > 0) cells[5] = `${cells[5]}\n⚠ ${warnings.join('\n⚠ ')}`;
    return `<tr class="kind-${escapeHtml(kind)}">${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
  });
  const more = items.length > MAX_ROWS ? `<p class="notice">Showing ${MAX_ROWS} of ${items.length} items.</p>` : '';
  return `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>${more}`;
}

function renderPolicy(policy: Record<string, unknown>): string {
  const name = cellText(policy.policy ?? 'policy');
  const mode = typeof policy.mode === 'string' ? ` <span class="mode">mode ${escapeHtml(policy.mode)}</span>` : '';
  const parts = [`<section><h2>${escapeHtml(name)}${mode}</h2>`];
  if (typeof policy.skipped === 'string') parts.push(`<p class="notice">Not previewed: ${escapeHtml(policy.skipped)}</p>`);
  if (isRecord(policy.summary)) {
    const counts = Object.entries(policy.summary).map(([k, v]) => `<span class="count"><b>${escapeHtml(cellText(v))}</b> ${escapeHtml(k)}</span>`);
    parts.push(`<p class="counts">${counts.join(' ')}</p>`);
  }
  const truncated = strings(policy.truncated);
  if (truncated.length > 0) parts.push(`<p class="notice">Record cap reached for ${escapeHtml(truncated.join(', '))}: the counts cover the records read.</p>`);
  if (isRecord(policy.limits) && policy.limits.exceeded === true) {
    parts.push(`<p class="notice">Limits exceeded: ${escapeHtml(strings(policy.limits.reasons).join('; '))}</p>`);
  }
  for (const warning of strings(policy.warnings)) parts.push(`<p class="notice">⚠ ${escapeHtml(warning)}</p>`);
  const items = (Array.isArray(policy.items) ? policy.items : []).filter(isRecord);
  if (items.length > 0) parts.push(renderItems(items));
  else if (policy.skipped === null || policy.skipped === undefined) parts.push('<p class="quiet">No drift.</p>');
  parts.push('</section>');
  return parts.join('');
}

function renderResult(result: unknown): string {
  if (!isRecord(result)) return `<p class="notice">${escapeHtml(cellText(result))}</p>`;
  const parts: string[] = [];
  if (typeof result.status === 'string' && result.status !== 'ok') parts.push(`<p class="notice">Status: ${escapeHtml(result.status)}</p>`);
  const policies = (Array.isArray(result.policies) ? result.policies : [result]).filter(isRecord);
  // (a message that only repeats why a policy was skipped is shown with that policy)
  if (typeof result.message === 'string' && !policies.some((p) => p.skipped === result.message)) {
    parts.push(`<p class="notice">${escapeHtml(result.message)}</p>`);
  }
  parts.push(...policies.map(renderPolicy));
  const facts: Array<[string, string]> = [];
  if (typeof result.observedAt === 'string') facts.push(['observed at', result.observedAt]);
  if (typeof result.elapsedMs === 'number') facts.push(['took', `${result.elapsedMs} ms`]);
  if (typeof result.timeBudgetMs === 'number') facts.push(['time budget', `${result.timeBudgetMs / 1000} s`]);
  if (typeof result.recordCap === 'number') facts.push(['record cap', `${result.recordCap} a source`]);
  if (typeof result.trusted === 'boolean') facts.push(['workspace', result.trusted ? 'trusted' : 'untrusted: exec, http and postgres sources are not run']);
  if (facts.length > 0) parts.push(`<dl>${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`);
  return parts.join('\n');
}

/**
 * The whole panel document. `cspSource` is the webview's `cspSource`; the page runs no script
 * (the Content-Security-Policy forbids it) and loads nothing from outside.
 */
export function renderPreviewHtml(result: unknown, heading: string, cspSource: string): string {
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
  .mode, .quiet, dl { color: var(--vscode-descriptionForeground); font-weight: normal; }
  .counts .count { margin-right: 1.2em; }
  .notice { color: var(--vscode-editorWarning-foreground); }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 2px 8px; border-bottom: 1px solid var(--vscode-panel-border, #8884); vertical-align: top; }
  th { font-weight: 600; }
  td { font-family: var(--vscode-editor-font-family); white-space: pre-wrap; word-break: break-word; }
  td:nth-child(-n+4) { white-space: nowrap; }
  tr.kind-missing td:nth-child(2) { color: var(--vscode-gitDecoration-addedResourceForeground); }
  tr.kind-extra td:nth-child(2) { color: var(--vscode-gitDecoration-deletedResourceForeground); }
  tr.kind-changed td:nth-child(2) { color: var(--vscode-gitDecoration-modifiedResourceForeground); }
  tr.kind-invalid td:nth-child(2) { color: var(--vscode-errorForeground); }
  dl { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; margin-top: 1.6em; }
  dd { margin: 0; }
</style>
</head>
<body>
<h1>${escapeHtml(heading)}</h1>
<p class="quiet">Read-only preview: nothing was applied.</p>
${renderResult(result)}
</body>
</html>`;
}

/** A run of `recon/runTests` as lines for the output channel: one per test, then a total. */
export function testReportLines(result: unknown): { lines: string[]; passed: number; failed: number } {
  const list = isRecord(result) && Array.isArray(result.results) ? result.results : Array.isArray(result) ? result : undefined;
  if (!list) return { lines: [JSON.stringify(result, null, 2)], passed: 0, failed: 1 };
  const lines: string[] = [];
  if (isRecord(result) && typeof result.message === 'string') lines.push(result.message);
  let passed = 0;
  let failed = 0;
  for (const raw of list) {
    if (!isRecord(raw)) continue;
    const ok = raw.passed === true;
    if (ok) passed++;
    else failed++;
    lines.push(`${ok ? 'PASS' : 'FAIL'}  ${cellText(raw.name ?? '(unnamed test)')}${typeof raw.policy === 'string' ? `  (policy ${raw.policy})` : ''}`);
    const details = [...(typeof raw.error === 'string' ? [raw.error] : []), ...strings(raw.failures), ...strings(raw.warnings).map((w) => `warning: ${w}`)];
    for (const detail of details) lines.push(`      ${detail}`);
  }
  lines.push(`${passed} passed, ${failed} failed`);
  return { lines, passed, failed };
}
