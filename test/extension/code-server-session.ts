/**
 * One real VS Code for an end-to-end test: a code-server process (installed by
 * scripts/setup-vscode-e2e.sh) with a fresh user-data folder, an installed .vsix and a copy of a
 * workspace, shown in headless Chromium through playwright-core.
 *
 * Why a helper: the trusted and the untrusted runs need the same start, stop and log keeping, and
 * code-server's processes (extension host, language server) must die with the test even when it fails.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';

export const E2E_DIR = process.env.RECON_E2E_DIR ?? '/tmp/recon-vscode-e2e';
export const CODE_SERVER = join(E2E_DIR, 'code-server', 'node_modules', '.bin', 'code-server');
const CODE_SERVER_READY = join(E2E_DIR, 'code-server', 'READY');
export const CHROMIUM = process.env.RECON_CHROMIUM ?? '/usr/bin/chromium';

/** What is missing for an end-to-end run (empty when it can run), in words for the skip warning. */
export function missingForE2E(): string[] {
  return [
    ...(existsSync(CODE_SERVER) && existsSync(CODE_SERVER_READY) ? [] : [`code-server (run scripts/setup-vscode-e2e.sh; looked in ${E2E_DIR})`]),
    ...(existsSync(CHROMIUM) ? [] : [`Chromium at ${CHROMIUM} (apt-get install -y chromium)`]),
  ];
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

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SessionOptions {
  vsix: string;
  /** Folder copied as the workspace (the copy is what VS Code opens). */
  workspace: string;
  /** false: workspace trust is on, and VS Code asks whether to trust the folder. */
  trustDisabled: boolean;
  /** Where the session's logs are copied when it stops. */
  logsTo: string;
}

/** A running code-server with a browser page on its workbench. */
export class CodeServerSession {
  readonly page: Page;
  readonly workspace: string;
  private constructor(
    private readonly run: string,
    private readonly process: ChildProcess,
    private readonly browser: Browser,
    page: Page,
    private readonly logsTo: string,
  ) {
    this.page = page;
    this.workspace = join(run, 'workspace');
  }

  static async start(options: SessionOptions): Promise<CodeServerSession> {
    mkdirSync(join(E2E_DIR, 'runs'), { recursive: true });
    const run = mkdtempSync(join(E2E_DIR, 'runs', 'run-'));
    for (const d of ['data/User', 'extensions', 'xdg/config', 'xdg/data', 'tmp']) mkdirSync(join(run, d), { recursive: true });
    writeFileSync(
      join(run, 'data', 'User', 'settings.json'),
      JSON.stringify({
        'security.workspace.trust.enabled': !options.trustDisabled,
        'security.workspace.trust.startupPrompt': 'always',
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
    cpSync(options.workspace, join(run, 'workspace'), { recursive: true });
    // Every side effect of code-server (config, data, sockets) stays in the run folder.
    const env = { ...process.env, XDG_CONFIG_HOME: join(run, 'xdg', 'config'), XDG_DATA_HOME: join(run, 'xdg', 'data'), TMPDIR: join(run, 'tmp') };
    const dirs = ['--user-data-dir', join(run, 'data'), '--extensions-dir', join(run, 'extensions')];

    const installed = execFileSync(CODE_SERVER, [...dirs, '--install-extension', options.vsix], { env, encoding: 'utf8' });
    if (!/successfully installed/i.test(installed)) throw new Error(`installing ${options.vsix} failed:\n${installed}`);

    const port = await freePort();
    const flags = ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', ...dirs];
    if (options.trustDisabled) flags.push('--disable-workspace-trust');
    const child = spawn(CODE_SERVER, [...flags, join(run, 'workspace')], {
      env,
      detached: true, // its own process group: the extension host and the language server go down with it
      stdio: ['ignore', openSync(join(run, 'code-server.log'), 'w'), openSync(join(run, 'code-server.err'), 'w')],
    });
    let browser: Browser | undefined;
    try {
      for (let i = 0; ; i++) {
        const up = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
        if (up) break;
        if (i > 240 || child.exitCode !== null) throw new Error(`code-server did not start; see ${run}/code-server.err`);
        await sleep(250);
      }
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        env: { ...process.env, HOME: join(run, 'xdg'), XDG_CONFIG_HOME: join(run, 'xdg', 'config') },
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      const page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
      await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(join(run, 'workspace'))}`);
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      return new CodeServerSession(run, child, browser, page, options.logsTo);
    } catch (error) {
      await browser?.close().catch(() => {});
      await stopGroup(child);
      throw error;
    }
  }

  /** Waits for the explorer, then gives the workbench the keyboard focus. */
  async ready(): Promise<void> {
    await this.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
    await this.page.locator('.monaco-workbench').click({ position: { x: 750, y: 450 } }).catch(() => {});
  }

  /** Opens a workspace file through Quick Open and waits for its editor. */
  async openFile(name: string): Promise<void> {
    const page = this.page;
    const tab = page.locator(`.tabs-container .tab[aria-label^="${name}"]`).first();
    if ((await tab.count()) > 0) {
      await tab.click();
    } else {
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await input.waitFor({ state: 'visible' });
      await input.fill(name);
      await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
      await page.keyboard.press('Enter');
    }
    await page.locator(`.tabs-container .tab.active[aria-label^="${name}"]`).first().waitFor({ timeout: 30_000 });
    await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor();
  }

  /** Runs a command by its title through the command palette. */
  async runCommand(title: string): Promise<void> {
    const page = this.page;
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Shift+P');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
    await page.keyboard.press('Enter');
  }

  /** Waits until no progress notification with this text is shown (it may come and go quickly). */
  async progressDone(text: string): Promise<void> {
    const toast = this.page.locator('.notifications-toasts .notification-toast', { hasText: text });
    await toast.first().waitFor({ state: 'visible', timeout: 2_000 }).catch(() => {});
    await toast.first().waitFor({ state: 'hidden', timeout: 60_000 });
  }

  /** The text of the webview whose document contains `marker` (webviews live in nested iframes), if any. */
  async webviewText(marker: string): Promise<string | undefined> {
    for (const frame of this.page.frames() as Frame[]) {
      const text = await frame.locator('body').innerText({ timeout: 1_000 }).catch(() => '');
      if (text.includes(marker)) return text;
    }
    return undefined;
  }

  /** Stops browser and code-server; keeps the logs; removes the run folder unless `keep`. */
  async stop(keep: boolean): Promise<void> {
    await this.browser.close().catch(() => {});
    await stopGroup(this.process);
    const logs = join(this.run, 'data', 'logs');
    rmSync(this.logsTo, { recursive: true, force: true });
    mkdirSync(this.logsTo, { recursive: true });
    if (existsSync(logs)) cpSync(logs, this.logsTo, { recursive: true });
    for (const f of ['code-server.log', 'code-server.err']) if (existsSync(join(this.run, f))) cpSync(join(this.run, f), join(this.logsTo, f));
    if (!keep) rmSync(this.run, { recursive: true, force: true });
  }
}

/** Stops a detached child's whole process group: SIGTERM, then SIGKILL after 10 s. */
async function stopGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (!pid) return;
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
    return;
  }
  for (let i = 0; i < 40 && alive(); i++) await sleep(250);
  if (alive()) process.kill(-pid, 'SIGKILL');
}
