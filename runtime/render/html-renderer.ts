/**
 * The HTML view of a change plan: one self-contained page a person can open from CI artifacts.
 *
 * Why self-contained: the report is mailed, archived and opened offline, so it loads nothing
 * (a Content-Security-Policy forbids any fetch), draws its chart as inline SVG, and filters its
 * table with a small inline script. Every value from the plan is HTML-escaped; no plan data is
 * placed inside the script, so a record cannot break out of it.
 */
import type { IrDiffKind } from '../../language/ir/ir-types.js';
import type { ChangePlan, PlanItem, PolicyPlan } from '../plan/change-plan.js';
import {
  actionCounts,
  describeEffect,
  describeField,
  describeGate,
  describeReason,
  isDriftItem,
  itemKeyText,
  shortHash,
} from './plan-presentation.js';

export interface HtmlRenderOptions {
  /** Table rows before the page says "… N more"; 0 shows all. Default 20000. */
  maxItems?: number;
  /** Fields shown per item. Default 12. */
  maxFieldsPerItem?: number;
}

const KINDS: readonly IrDiffKind[] = ['missing', 'extra', 'changed', 'invalid'];
const ACTIONS = ['create', 'update', 'delete', 'ticket', 'report', 'ignore'] as const;
const KIND_COLOR: Record<IrDiffKind, string> = {
  missing: '#2e7d32',
  extra: '#c62828',
  changed: '#ef6c00',
  invalid: '#6a1b9a',
};

/** Escapes text for HTML content and (double- or single-quoted) attribute values. */
export function escapeHtmlText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const h = escapeHtmlText;

/** Renders the plan as one HTML document, ending with a newline. */
export function renderHtml(plan: ChangePlan, options: HtmlRenderOptions = {}): string {
  const maxItems = options.maxItems ?? 20000;
  const maxFields = options.maxFieldsPerItem ?? 12;
  const allItems = plan.policies.flatMap((policy) => policy.items.map((item) => ({ policy, item })));
  const shown = maxItems > 0 ? allItems.slice(0, maxItems) : allItems;
  const driftCount = allItems.filter(({ item }) => isDriftItem(item)).length;
  const title = `Recon plan ${shortHash(plan.plan_hash)}`;

  const parts: string[] = [];
  parts.push('<!doctype html>');
  parts.push('<html lang="en">');
  parts.push('<head>');
  parts.push('<meta charset="utf-8">');
  parts.push(
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`,
  );
  parts.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  parts.push(`<title>${h(title)}</title>`);
  parts.push(`<style>${STYLE}</style>`);
  parts.push('</head>');
  parts.push('<body>');
  parts.push('<header>');
  parts.push(`<h1>${h(title)}</h1>`);
  parts.push(
    `<p class="meta">From <code>${h(plan.ir?.file ?? '')}</code> · observed <time>${h(plan.observed_at)}</time> · <code title="plan hash">${h(plan.plan_hash)}</code></p>`,
  );
  parts.push(
    `<p class="verdict ${plan.drift ? 'drift' : 'clean'}" id="verdict">${plan.drift ? `Drift: ${driftCount} item${driftCount === 1 ? '' : 's'} need attention.` : 'No drift.'}</p>`,
  );
  parts.push('</header>');

  parts.push('<section aria-labelledby="summary-heading">');
  parts.push('<h2 id="summary-heading">Summary</h2>');
  parts.push(renderChart(plan.policies));
  parts.push(renderSummaryTable(plan.policies));
  const policyWarnings = plan.policies.flatMap((policy) => (policy.warnings ?? []).map((warning) => `${policy.policy}: ${warning}`));
  if (policyWarnings.length > 0) {
    parts.push(`<ul class="warnings">${policyWarnings.map((warning) => `<li class="warning">${h(warning)}</li>`).join('')}</ul>`);
  }
  parts.push('</section>');

  parts.push('<section aria-labelledby="items-heading">');
  parts.push('<h2 id="items-heading">Items</h2>');
  parts.push('<div class="filters">');
  parts.push('<label>Filter <input id="filter" type="search" placeholder="key, field, reason…" autocomplete="off"></label>');
  parts.push(
    `<label>Kind <select id="kind-filter"><option value="">all</option>${KINDS.map((kind) => `<option value="${kind}">${kind}</option>`).join('')}</select></label>`,
  );
  parts.push(
    `<label>Action <select id="action-filter"><option value="">all</option>${ACTIONS.map((action) => `<option value="${action}">${action}</option>`).join('')}</select></label>`,
  );
  parts.push(`<span id="shown-count" aria-live="polite">${shown.length} of ${shown.length} items shown</span>`);
  parts.push('</div>');
  parts.push('<table id="items">');
  parts.push(
    '<thead><tr><th>policy</th><th>item</th><th>kind</th><th>action</th><th>gate</th><th>fields (changed: desired → actual)</th><th>reason</th></tr></thead>',
  );
  parts.push('<tbody>');
  for (const { policy, item } of shown) parts.push(renderRow(policy, item, maxFields));
  parts.push('</tbody>');
  parts.push('</table>');
  if (shown.length === 0) parts.push('<p class="empty">No items: both sides agree.</p>');
  if (shown.length < allItems.length) {
    parts.push(`<p class="more">… and ${allItems.length - shown.length} more items (see the JSON plan).</p>`);
  }
  parts.push('</section>');
  parts.push(`<script>${SCRIPT}</script>`);
  parts.push('</body>');
  parts.push('</html>');
  return parts.join('\n') + '\n';
}

function renderSummaryTable(policies: readonly PolicyPlan[]): string {
  const rows = policies.map((policy) => {
    const s = policy.summary;
    const actions = actionCounts(policy)
      .map(([action, n]) => `${n} ${action}`)
      .join(', ');
    const limits = policy.limits.exceeded
      ? `<span class="bad">exceeded</span><ul>${policy.limits.reasons.map((reason) => `<li>${h(reason)}</li>`).join('')}</ul>`
      : 'ok';
    return (
      `<tr><th scope="row">${h(policy.policy)}</th><td>${h(policy.mode)}</td><td>${s.desired}</td><td>${s.actual}</td><td>${s.unchanged}</td>` +
      `<td>${s.missing}</td><td>${s.extra}</td><td>${s.changed}</td><td>${s.invalid}</td><td>${h(actions) || '—'}</td><td>${limits}</td></tr>`
    );
  });
  return (
    '<table id="summary"><thead><tr><th>policy</th><th>mode</th><th>desired</th><th>actual</th><th>unchanged</th><th>missing</th><th>extra</th>' +
    `<th>changed</th><th>invalid</th><th>actions</th><th>limits</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}

/** A horizontal grouped bar chart: per policy one bar per kind, scaled to the largest count. */
function renderChart(policies: readonly PolicyPlan[]): string {
  const labelWidth = 200;
  const barArea = 460;
  const barHeight = 14;
  const groupGap = 14;
  const legendHeight = 28;
  const groupHeight = KINDS.length * barHeight + groupGap;
  const height = legendHeight + Math.max(1, policies.length) * groupHeight;
  const width = labelWidth + barArea + 60;
  const max = Math.max(1, ...policies.flatMap((policy) => KINDS.map((kind) => policy.summary[kind])));
  const svg: string[] = [];
  svg.push(
    `<svg id="chart" role="img" aria-label="Differences per policy and kind" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">`,
  );
  svg.push('<title>Differences per policy: missing, extra, changed, invalid</title>');
  KINDS.forEach((kind, index) => {
    const x = labelWidth + index * 110;
    svg.push(`<rect x="${x}" y="6" width="12" height="12" fill="${KIND_COLOR[kind]}"/>`);
    svg.push(`<text x="${x + 16}" y="16" class="legend">${kind}</text>`);
  });
  policies.forEach((policy, group) => {
    const top = legendHeight + group * groupHeight;
    const name = policy.policy.length > 28 ? policy.policy.slice(0, 27) + '…' : policy.policy;
    svg.push(
      `<text x="${labelWidth - 8}" y="${top + (KINDS.length * barHeight) / 2 + 4}" text-anchor="end" class="label">${h(name)}</text>`,
    );
    KINDS.forEach((kind, index) => {
      const value = policy.summary[kind];
      const y = top + index * barHeight;
      const barWidth = value === 0 ? 0 : Math.max(2, Math.round((value / max) * barArea));
      svg.push(
        `<rect class="bar" data-policy="${h(policy.policy)}" data-kind="${kind}" data-count="${value}" x="${labelWidth}" y="${y + 1}" width="${barWidth}" height="${barHeight - 2}" fill="${KIND_COLOR[kind]}"><title>${h(policy.policy)}: ${value} ${kind}</title></rect>`,
      );
      svg.push(`<text x="${labelWidth + barWidth + 4}" y="${y + barHeight - 3}" class="count">${value}</text>`);
    });
  });
  svg.push('</svg>');
  return svg.join('');
}

function renderRow(policy: PolicyPlan, item: PlanItem, maxFields: number): string {
  const fields = item.fields
    .slice(0, maxFields)
    .map(
      (field) =>
        `<div><code>${h(field.path)}</code> ${describeField(item, field, 60, {
          desired: (text) => `<span class="desired">${h(text)}</span>`,
          actual: (text) => `<span class="actual">${h(text)}</span>`,
          arrow: '→',
        })}</div>`,
    );
  if (item.fields.length > maxFields) fields.push(`<div class="dim">… ${item.fields.length - maxFields} more fields</div>`);
  const reason = [`<div>${h(describeReason(item))}</div>`];
  if (item.reason.because) reason.push(`<div class="because">because ${h(item.reason.because)}</div>`);
  for (const warning of item.warnings ?? []) reason.push(`<div class="warning">warning: ${h(warning)}</div>`);
  if (item.flapping) reason.push('<div class="warning">flapping: two writers are fighting over it</div>');
  const effect = describeEffect(item.effect);
  return (
    `<tr data-policy="${h(policy.policy)}" data-kind="${item.kind}" data-action="${h(item.action)}" data-gate="${h(item.gate)}" data-id="${h(item.id)}">` +
    `<td>${h(policy.policy)}</td>` +
    `<td><code>${h(itemKeyText(item))}</code><div class="dim id">${h(item.id)}</div></td>` +
    `<td><span class="kind ${item.kind}">${item.kind}</span></td>` +
    `<td><b>${h(item.action)}</b>${effect ? `<div class="effect">${h(effect)}</div>` : ''}</td>` +
    `<td class="gate ${h(item.gate)}">${h(describeGate(item)) || '—'}</td>` +
    `<td>${fields.join('') || '—'}</td>` +
    `<td>${reason.join('')}</td>` +
    '</tr>'
  );
}

const STYLE = [
  'body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1b1b1b;background:#fff}',
  'h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}',
  '.meta{color:#555;margin:0 0 8px}.verdict{font-weight:600}.verdict.drift{color:#b45309}.verdict.clean{color:#2e7d32}',
  'table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}',
  'thead th{background:#f4f4f5;position:sticky;top:0}#summary td{text-align:right}#summary td:nth-child(2),#summary td:last-child,#summary td:nth-last-child(2){text-align:left}',
  'code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}.dim{color:#777}.id{font-size:11px}',
  '.desired{color:#2e7d32}.actual{color:#c62828}.because{font-style:italic}.warning{color:#b45309}.effect{color:#0e7490;font-size:12px}',
  '.kind{padding:1px 6px;border-radius:8px;color:#fff;font-size:12px}.kind.missing{background:#2e7d32}.kind.extra{background:#c62828}.kind.changed{background:#ef6c00}.kind.invalid{background:#6a1b9a}',
  '.gate.blocked,.bad{color:#c62828;font-weight:600}.gate.approval{color:#b45309}',
  '.filters{display:flex;gap:16px;align-items:center;flex-wrap:wrap}#shown-count{color:#555}',
  '#chart{max-width:100%;height:auto}#chart text{font:12px system-ui,sans-serif;fill:#333}',
  'tr[hidden]{display:none}',
].join('');

const SCRIPT = [
  '(function(){',
  "var text=document.getElementById('filter'),kind=document.getElementById('kind-filter'),action=document.getElementById('action-filter'),count=document.getElementById('shown-count');",
  "var rows=Array.prototype.slice.call(document.querySelectorAll('#items tbody tr'));",
  'rows.forEach(function(row){row.__text=row.textContent.toLowerCase();});',
  'function apply(){',
  'var q=text.value.trim().toLowerCase(),k=kind.value,a=action.value,n=0;',
  'rows.forEach(function(row){var ok=(!k||row.getAttribute(\'data-kind\')===k)&&(!a||row.getAttribute(\'data-action\')===a)&&(!q||row.__text.indexOf(q)>=0);row.hidden=!ok;if(ok)n++;});',
  "count.textContent=n+' of '+rows.length+' items shown';",
  '}',
  "text.addEventListener('input',apply);kind.addEventListener('change',apply);action.addEventListener('change',apply);apply();",
  '})();',
].join('');
