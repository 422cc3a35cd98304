/**
 * The HTML report in a real browser: headless Chromium (Debian's, through playwright-core) opens
 * the rendered page from a file, and we check what a person would see — the table holds the
 * plan's items, the filter and the selects work, hostile values stay text, nothing is fetched.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../../runtime/render/html-renderer.js';
import { HOSTILE_KEY, renderFixturePlan } from './render-fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `\n!!! SKIPPING the HTML report browser test: ${CHROMIUM} is missing. Install it with ` +
      '`apt-get install -y chromium` to run it. !!!\n',
  );
}

const ARTIFACTS = path.resolve('test-artifacts');
const plan = renderFixturePlan();
const allItems = plan.policies.flatMap((policy) => policy.items);

/** Every browser test is skipped (loudly, above) when Chromium is not installed. */
const itInChromium = it.skipIf(!hasChromium);

describe('HTML report in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];
  const dialogs: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    if (!hasChromium) return;
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, 'plan-report.html');
    writeFileSync(file, renderHtml(plan));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('request', (request) => requests.push(request.url()));
    page.on('dialog', async (dialog) => {
      dialogs.push(dialog.message());
      await dialog.dismiss();
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(pathToFileURL(file).href);
    await page.screenshot({ path: path.join(ARTIFACTS, 'plan-report.png'), fullPage: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  const visibleIds = () =>
    page.$$eval('#items tbody tr', (rows) =>
      rows.filter((row) => !row.hasAttribute('hidden')).map((row) => row.getAttribute('data-id')),
    );

  itInChromium('loads with no request but the page itself, no script error and no dialog', () => {
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatch(/^file:.*plan-report\.html$/);
    expect(errors).toEqual([]);
    expect(dialogs).toEqual([]);
  });

  itInChromium("the table holds exactly the plan's items", async () => {
    expect(await visibleIds()).toEqual(allItems.map((item) => item.id));
    expect(await page.textContent('#shown-count')).toBe(`${allItems.length} of ${allItems.length} items shown`);
    const firstRow = await page.$$eval('#items tbody tr:first-child td', (cells) => cells.map((cell) => cell.textContent));
    expect(firstRow[0]).toBe('settlement_parity');
    expect(firstRow[3]).toContain('create');
    expect(firstRow[4]).toBe('needs approval from payments_leads');
  });

  itInChromium('shows hostile values as text', async () => {
    const keys = await page.$$eval('#items tbody tr td:nth-child(2) code', (cells) => cells.map((cell) => cell.textContent));
    expect(keys).toContain(HOSTILE_KEY);
    expect(await page.$$('#items script, #items img')).toHaveLength(0);
  });

  itInChromium('filters by text', async () => {
    await page.fill('#filter', 'T-BIG');
    expect(await visibleIds()).toEqual(['settlement_parity/missing/t-big']);
    expect(await page.textContent('#shown-count')).toBe(`1 of ${allItems.length} items shown`);
    await page.fill('#filter', 'no such thing');
    expect(await visibleIds()).toEqual([]);
    await page.fill('#filter', '');
    expect(await visibleIds()).toHaveLength(allItems.length);
  });

  itInChromium('filters by kind and action, combined with the text', async () => {
    await page.selectOption('#kind-filter', 'extra');
    expect(await visibleIds()).toEqual(allItems.filter((item) => item.kind === 'extra').map((item) => item.id));
    await page.selectOption('#action-filter', 'delete');
    expect(await visibleIds()).toEqual(['cleanup_guard/extra/old-1']);
    await page.selectOption('#kind-filter', '');
    await page.selectOption('#action-filter', 'create');
    await page.fill('#filter', 'small');
    expect(await visibleIds()).toEqual(['settlement_parity/missing/t-small']);
    await page.screenshot({ path: path.join(ARTIFACTS, 'plan-report-filtered.png'), fullPage: true });
    await page.fill('#filter', '');
    await page.selectOption('#action-filter', '');
  });

  itInChromium('draws one bar per policy and kind with the summary counts', async () => {
    const bars = await page.$$eval('#chart rect.bar', (rects) =>
      rects.map((rect) => ({
        policy: rect.getAttribute('data-policy'),
        kind: rect.getAttribute('data-kind'),
        count: Number(rect.getAttribute('data-count')),
        width: Number(rect.getAttribute('width')),
      })),
    );
    const expected = plan.policies.flatMap((policy) =>
      (['missing', 'extra', 'changed', 'invalid'] as const).map((kind) => ({ policy: policy.policy, kind, count: policy.summary[kind] })),
    );
    expect(bars.map(({ width: _width, ...bar }) => bar)).toEqual(expected);
    for (const bar of bars) expect(bar.width > 0).toBe(bar.count > 0);
    const box = await page.locator('#chart').boundingBox();
    expect(box && box.width > 100 && box.height > 50).toBe(true);
  });
});
