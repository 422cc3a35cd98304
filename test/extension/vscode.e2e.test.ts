/**
 * The extension in a real VS Code: code-server (VS Code's own server, extension host and web
 * workbench) installed by scripts/setup-vscode-e2e.sh, the packaged .vsix installed into it, and
 * the workbench driven through headless Chromium. It checks what a user sees: the server's
 * diagnostics as a squiggle and in the Problems panel, a hover, and the "Preview drift" code lens
 * opening the preview. Screenshots go to test-artifacts/vscode/.
 *
 * RECON_E2E_VSIX=path tests that .vsix instead of packaging the working tree.
 * Runs whenever code-server (in ${RECON_E2E_DIR:-/tmp/recon-vscode-e2e}) and Chromium are there;
 * otherwise it says loudly that it skipped (`.ci/run` installs both).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const E2E_DIR = process.env.RECON_E2E_DIR ?? '/tmp/recon-vscode-e2e';
const CODE_SERVER = join(E2E_DIR, 'code-server', 'node_modules', '.bin', 'code-server');
const CODE_SERVER_READY = join(E2E_DIR, 'code-server', 'READY');
const CHROMIUM = process.env.RECON_CHROMIUM ?? '/usr/bin/chromium';
const WORKSPACE_FIXTURE = join(ROOT, 'test', 'fixtures', 'extension', 'vscode-workspace');
const SHOTS = join(ROOT, 'test-artifacts', 'vscode');

const missing = [
  ...(existsSync(CODE_SERVER) && existsSync(CODE_SERVER_READY) ? [] : [`code-server (run scripts/setup-vscode-e2e.sh; looked in ${E2E_DIR})`]),
  ...(existsSync(CHROMIUM) ? [] : [`Chromium at ${CHROMIUM} (apt-get install -y chromium)`]),
];
if (missing.length > 0) {
  const bar = '!'.repeat(100);
  console.warn(`\n${bar}\n!! SKIPPED test/extension/vscode.e2e.test.ts: the extension was NOT tested in a real VS Code.\n!! Missing: ${missing.join('; ')}\n${bar}\n`);
}

/** A TCP port nobody listens on right now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(missing.length > 0)('the Recon extension in VS Code (code-server + Chromium)', () => {
  let run: string;
  let workspace: string;
  let codeServer: ChildProcess | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let failed = false;

  const shot = async (name: string) => {
    await page.screenshot({ path: join(SHOTS, name) });
  };

  /** Runs a step; on failure keeps a screenshot of the moment. */
  async function step<T>(name: string, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      failed = true;
      await page.screenshot({ path: join(SHOTS, `failed-${name}.png`) }).catch(() => {});
      throw error;
    }
  }

  async function openFile(name: string): Promise<void> {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill(name);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator(`.tabs-container .tab.active[aria-label^="${name}"]`).waitFor({ timeout: 30_000 });
    await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor();
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    for (const old of ['1-diagnostics.png', '2-hover.png', '3-codelens.png', '4-preview.png']) rmSync(join(SHOTS, old), { force: true });

    // The .vsix exactly as a user installs it: built and packaged now, or one given by RECON_E2E_VSIX.
    let vsix = process.env.RECON_E2E_VSIX;
    if (!vsix) {
      execFileSync('npm', ['run', '--silent', 'package'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
      const manifest = JSON.parse(readFileSync(join(ROOT, 'extension', 'package.json'), 'utf8')) as { name: string; version: string };
      vsix = join(ROOT, 'extension', `${manifest.name}-${manifest.version}.vsix`);
    }
    expect(existsSync(vsix)).toBe(true);

    // Every side effect of code-server (config, data, sockets) stays in a throw-away folder.
    mkdirSync(join(E2E_DIR, 'runs'), { recursive: true });
    run = mkdtempSync(join(E2E_DIR, 'runs', 'run-'));
    for (const d of ['data/User', 'extensions', 'xdg/config', 'xdg/data', 'tmp']) mkdirSync(join(run, d), { recursive: true });
    writeFileSync(
      join(run, 'data', 'User', 'settings.json'),
      JSON.stringify({
        'security.workspace.trust.enabled': false,
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'update.mode': 'none',
        'editor.hover.delay': 200,
        'recon.trace.server': 'messages',
      }),
    );
    workspace = join(run, 'workspace');
    cpSync(WORKSPACE_FIXTURE, workspace, { recursive: true });
    const env = { ...process.env, XDG_CONFIG_HOME: join(run, 'xdg', 'config'), XDG_DATA_HOME: join(run, 'xdg', 'data'), TMPDIR: join(run, 'tmp') };
    const dirs = ['--user-data-dir', join(run, 'data'), '--extensions-dir', join(run, 'extensions')];

    const installed = execFileSync(CODE_SERVER, [...dirs, '--install-extension', vsix], { env, encoding: 'utf8' });
    expect(installed).toMatch(/successfully installed/i);

    const port = await freePort();
    codeServer = spawn(
      CODE_SERVER,
      ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', ...dirs, workspace],
      // its own process group: the extension host and the language server go down with it
      { env, detached: true, stdio: ['ignore', openSync(join(run, 'code-server.log'), 'w'), openSync(join(run, 'code-server.err'), 'w')] },
    );
    for (let i = 0; ; i++) {
      const up = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
      if (up) break;
      if (i > 240 || codeServer.exitCode !== null) throw new Error(`code-server did not start; see ${run}/code-server.err`);
      await sleep(250);
    }

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      env: { ...process.env, HOME: join(run, 'xdg'), XDG_CONFIG_HOME: join(run, 'xdg', 'config') },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
    await page.locator('.monaco-workbench').click({ position: { x: 750, y: 450 } }).catch(() => {});
  }, 300_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    if (codeServer?.pid) {
      const pid = codeServer.pid;
      const alive = () => {
        try {
          process.kill(-pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // already gone
      }
      for (let i = 0; i < 40 && alive(); i++) await sleep(250);
      if (alive()) process.kill(-pid, 'SIGKILL');
    }
    if (run) {
      // Keep the logs (the "Recon" output channel, the extension host) next to the screenshots.
      const logs = join(run, 'data', 'logs');
      rmSync(join(SHOTS, 'logs'), { recursive: true, force: true });
      if (existsSync(logs)) cpSync(logs, join(SHOTS, 'logs'), { recursive: true });
      for (const f of ['code-server.log', 'code-server.err']) if (existsSync(join(run, f))) cpSync(join(run, f), join(SHOTS, 'logs', f));
      if (!failed) rmSync(run, { recursive: true, force: true });
    }
  }, 60_000);

  it('shows the language server diagnostics as a squiggle and in the Problems panel', async () => {
    await step('diagnostics', async () => {
      await openFile('broken.recon');
      await page.locator('.editor-instance .monaco-editor .squiggly-error').first().waitFor({ timeout: 60_000 });
      const language = await page.locator('.statusbar-item[id="status.editor.mode"]').innerText();
      expect(language.trim()).toBe('Recon');

      await page.keyboard.press('Control+Shift+M');
      const problems = page.locator('.markers-panel');
      await problems.waitFor({ state: 'visible', timeout: 30_000 });
      await expect.poll(() => problems.innerText(), { timeout: 30_000 }).toContain("unknown source 'nowhere'");
      const text = await problems.innerText();
      expect(text).toContain('broken.recon');
      expect(text).toMatch(/unknown-source/);
      await shot('1-diagnostics.png');
      await page.keyboard.press('Control+Shift+M'); // close the panel again
    });
  }, 120_000);

  it('shows hover documentation from the server', async () => {
    await step('hover', async () => {
      await openFile('parity.recon');
      const editor = page.locator('.editor-instance .monaco-editor .view-lines').first();
      // `desired ledger` inside the policy: the hover on a source reference describes the source
      const line = editor.locator('.view-line', { hasText: 'desired ledger' });
      await line.waitFor();
      await line.locator('span > span', { hasText: /^ledger$/ }).first().hover();
      const hover = page.locator('.monaco-hover:not(.hidden) .monaco-hover-content, .monaco-hover:not(.hidden) .hover-contents').first();
      await hover.waitFor({ state: 'visible', timeout: 30_000 });
      await expect.poll(async () => (await hover.innerText()).trim().length, { timeout: 15_000 }).toBeGreaterThan('ledger'.length);
      expect(await hover.innerText()).toContain('ledger');
      await shot('2-hover.png');
      await page.mouse.move(5, 5);
      await page.keyboard.press('Escape');
    });
  }, 120_000);

  it('runs "Preview drift" from the code lens over a policy and shows the items', async () => {
    await step('preview', async () => {
      await openFile('parity.recon');
      const lens = page.locator('.codelens-decoration a', { hasText: /Preview drift/ }).first();
      await lens.waitFor({ state: 'visible', timeout: 60_000 });
      await shot('3-codelens.png');
      await lens.click();

      // The preview opens as a webview panel beside the editor ...
      await page.locator('.tabs-container .tab', { hasText: /Drift preview/ }).first().waitFor({ timeout: 60_000 });
      // ... whose document lives in nested iframes: find the frame that holds the table.
      const frameWithTable = async (): Promise<Frame | undefined> => {
        for (const frame of page.frames()) {
          const text = await frame.locator('body').innerText({ timeout: 1_000 }).catch(() => '');
          if (text.includes('Read-only preview')) return frame;
        }
        return undefined;
      };
      await expect.poll(async () => (await frameWithTable()) !== undefined, { timeout: 60_000 }).toBe(true);
      const frame = (await frameWithTable())!;
      const table = await frame.locator('body').innerText();
      // ledger.csv vs bank.json: a3 is missing, z9 is extra, a2 changed (amount 20 -> 25)
      expect(table).toMatch(/missing/);
      expect(table).toContain('a3');
      expect(table).toContain('z9');
      expect(table).toContain('a2');
      expect(table).not.toContain('a1\t'); // unchanged records produce no item
      await shot('4-preview.png');
    });
  }, 180_000);
});
