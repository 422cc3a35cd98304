/**
 * The renderers against plans a demanding user meets: thousands of items over several policies
 * (a PR comment must stay postable) and keys or `because` texts holding line breaks and terminal
 * escape sequences (they must not break a table row or rewrite the terminal).
 */
import { describe, expect, it } from 'vitest';
import { decidePolicy } from '../../../runtime/decide/decider.js';
import type { ChangePlan } from '../../../runtime/plan/change-plan.js';
import { buildChangePlan } from '../../../runtime/plan/plan-builder.js';
import { renderGithub } from '../../../runtime/render/github-renderer.js';
import { MARKDOWN_MAX_CHARS, renderMarkdown } from '../../../runtime/render/markdown-renderer.js';
import { describeEffect, printable } from '../../../runtime/render/plan-presentation.js';
import { renderText } from '../../../runtime/render/text-renderer.js';
import { changed, diffOf, ir, missing, policy, rule } from '../decide/ir-fixture.js';

const OBSERVED_AT = '2026-11-26T12:00:00Z';
const ESC = String.fromCharCode(27);

/** `policies` policies of `items` changed items each, with realistic, longish values. */
function bigPlan(policies: number, items: number): ChangePlan {
  const irPolicies = Array.from({ length: policies }, (_, p) =>
    policy([rule({ on: 'changed', action: 'update', because: 'values differ from the source of truth' })], { name: `policy_${p}` }),
  );
  const doc = ir(irPolicies);
  const diffItems = Array.from({ length: items }, (_, i) =>
    changed(
      { txn_id: `t${i}`, amount: i, currency: 'EUR', status: `settled by the nightly batch number ${i}`, memo: `memo ${i} `.repeat(4) },
      { txn_id: `t${i}`, amount: i + 1, currency: 'USD', status: `pending since the batch number ${i}`, memo: `other ${i} `.repeat(4) },
      ['amount', 'currency', 'status', 'memo'],
    ),
  );
  const decided = irPolicies.map((irPolicy) => decidePolicy(irPolicy, diffOf(diffItems, items), { observedAt: OBSERVED_AT, ir: doc, env: {} }));
  return buildChangePlan(doc, decided, OBSERVED_AT);
}

describe('markdown for a pull-request comment', () => {
  const plan = bigPlan(4, 3000);
  const out = renderMarkdown(plan);

  it('stays within GitHub’s comment size however many items the plan has', () => {
    expect(out.length).toBeLessThanOrEqual(MARKDOWN_MAX_CHARS);
    expect(MARKDOWN_MAX_CHARS).toBeLessThan(65536);
  });

  it('shows every policy’s details, with rows shared between them, and counts the rest', () => {
    expect(out.match(/<details>/g)).toHaveLength(4);
    expect(out.match(/<\/details>/g)).toHaveLength(4);
    const sections = out.split('<details>').slice(1);
    for (const section of sections) {
      const rows = section.split('\n').filter((line) => line.startsWith('| <code>t')).length;
      expect(rows).toBeGreaterThan(10);
      const more = /… and (\d+) more items/.exec(section);
      expect(Number(more?.[1]) + rows).toBe(3000);
      // rows stay a prefix of the policy's (sorted) items
      expect(section).toContain('| <code>t0</code> |');
    }
  });

  it('lists every item when the plan is small, and has no bound with maxChars 0', () => {
    const small = bigPlan(2, 5);
    expect(renderMarkdown(small)).not.toContain('more items');
    const unbounded = renderMarkdown(plan, { maxChars: 0, maxItemsPerPolicy: 0 });
    expect(unbounded.split('\n').filter((line) => line.startsWith('| <code>t'))).toHaveLength(4 * 3000);
  });
});

/** A plan whose keys and `because` hold a lone CR, a LF and an ANSI escape sequence. */
function hostilePlan(): ChangePlan {
  const irPolicy = policy([rule({ on: 'missing', action: 'create', because: 'cr\rlf\nesc' + ESC + '[2J' })]);
  const doc = ir([irPolicy]);
  const keys = ['a\rb | c', `esc${ESC}[31mRED${ESC}[0m\nnext`];
  const decided = decidePolicy(
    irPolicy,
    diffOf(keys.map((txn_id) => missing({ txn_id, amount: 1, currency: 'EUR', status: 'ok' })), 2),
    { observedAt: OBSERVED_AT, ir: doc, env: {} },
  );
  return buildChangePlan(doc, [decided], OBSERVED_AT);
}

describe('text from the data with control characters', () => {
  const plan = hostilePlan();

  it('printable escapes C0, DEL and C1 characters and leaves other text alone', () => {
    expect(printable('a\rb\nc\td')).toBe('a\\rb\\nc\\td');
    expect(printable(`${ESC}[31m\u007f\u009b`)).toBe('\\u001b[31m\\u007f\\u009b');
    expect(printable('plain – ünïcode ✓')).toBe('plain – ünïcode ✓');
  });

  it('an effect whose URL holds an interpolated key is one printable line', () => {
    const effect = { kind: 'http' as const, method: 'POST', url: `http://127.0.0.1/items/a\nb${ESC}[31m`, body: null };
    expect(describeEffect(effect)).toBe('POST http://127.0.0.1/items/a\\nb\\u001b[31m');
  });

  it('text without colour holds no escape sequence and no line break inside a line', () => {
    const out = renderText(plan, { color: false });
    expect(out).not.toContain(ESC);
    expect(out).not.toContain('\r');
    expect(out).toContain('    + a\\rb | c  create  auto\n');
    expect(out).toContain('    + esc\\u001b[31mRED\\u001b[0m\\nnext  create  auto\n');
    expect(out).toContain('        because cr\\rlf\\nesc\\u001b[2J\n');
  });

  it('markdown keeps one line per item row, even for a lone carriage return', () => {
    const out = renderMarkdown(plan);
    expect(out).not.toContain('\r');
    const rows = out.split('\n').filter((line) => line.startsWith('| <code>'));
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.replace(/\\\|/g, '').split('|').length - 1).toBe(7);
  });

  it('markdown shows record values as code, where GitHub makes no mention or issue link of them', () => {
    const irPolicy = policy([rule({ on: 'missing', action: 'create' })]);
    const doc = ir([irPolicy]);
    const decided = decidePolicy(irPolicy, diffOf([missing({ txn_id: 't1', amount: 1, currency: 'EUR', status: '@acme/admins see #12' })], 1), {
      observedAt: OBSERVED_AT,
      ir: doc,
      env: {},
    });
    const out = renderMarkdown(buildChangePlan(doc, [decided], OBSERVED_AT));
    expect(out).toContain('<code>status</code>: <code>&quot;@acme/admins see \\#12&quot;</code>');
    // no '@' outside a <code> element
    expect(out.replace(/<code>.*?<\/code>/g, '')).not.toContain('@');
  });

  it('github keeps one workflow command per line', () => {
    const out = renderGithub(plan);
    expect(out).not.toContain('\r');
    expect(out).not.toContain(ESC);
    expect(out.trimEnd().split('\n')).toHaveLength(3); // two items and the summary notice
  });
});
