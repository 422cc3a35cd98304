/**
 * The extension in a real VS Code: code-server (VS Code's own server, extension host and web
 * workbench) installed by scripts/setup-vscode-e2e.sh, the packaged .vsix installed into it, and
 * the workbench driven through headless Chromium. It checks what a user sees: the server's
 * diagnostics as a squiggle and in the Problems panel, a hover, the "Preview drift" code lens
 * opening the preview, and — in an untrusted workspace — a preview that does not run an `exec`
 * source until the user grants trust. Screenshots go to test-artifacts/vscode/.
 *
 * Runs whenever code-server (in ${RECON_E2E_DIR:-/tmp/recon-vscode-e2e}) and Chromium are there;
 * otherwise it says loudly that it skipped (`.ci/run` installs both). RECON_E2E_VSIX=path tests
 * that .vsix instead of packaging the working tree.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodeServerSession, missingForE2E } from './code-server-session.js';
import { packageExtension, type PackagedExtension } from './extension-package-support.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'extension');
const SHOTS = join(ROOT, 'test-artifacts', 'vscode');
const PREVIEW_MARKER = 'Read-only preview';

const missing = missingForE2E();
if (missing.length > 0) {
  const bar = '!'.repeat(100);
  console.warn(`\n${bar}\n!! SKIPPED test/extension/vscode.e2e.test.ts: the extension was NOT tested in a real VS Code.\n!! Missing: ${missing.join('; ')}\n${bar}\n`);
}

let packaged: Promise<PackagedExtension> | undefined;

/**
 * The .vsix exactly as a user installs it: packaged from the working tree once (under the lock
 * the packaging test shares: packaging rewrites extension/dist/), or RECON_E2E_VSIX.
 */
async function packagedVsix(): Promise<string> {
  const given = process.env.RECON_E2E_VSIX;
  const vsix = given ?? (await (packaged ??= packageExtension())).vsix;
  if (!existsSync(vsix)) throw new Error(`no .vsix at ${vsix}`);
  return vsix;
}

afterAll(async () => (await packaged)?.remove());

/** Shared by both suites: one session at a time, screenshots on failure, logs kept. */
function useSession(workspace: string, trustDisabled: boolean, logsName: string) {
  const state: { session?: CodeServerSession; failed: boolean } = { failed: false };
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    state.session = await CodeServerSession.start({ vsix: await packagedVsix(), workspace: join(FIXTURES, workspace), trustDisabled, logsTo: join(SHOTS, logsName) });
  }, 300_000);
  afterAll(async () => {
    await state.session?.stop(state.failed);
  }, 60_000);
  const step = async (name: string, body: (s: CodeServerSession) => Promise<void>) => {
    const session = state.session!;
    rmSync(join(SHOTS, `failed-${name}.png`), { force: true });
    try {
      await body(session);
    } catch (error) {
      state.failed = true;
      await session.page.screenshot({ path: join(SHOTS, `failed-${name}.png`) }).catch(() => {});
      throw error;
    }
  };
  return step;
}

describe.skipIf(missing.length > 0)('the Recon extension in VS Code (code-server + Chromium)', () => {
  describe('a trusted workspace', () => {
    const step = useSession('vscode-workspace', true, 'logs-trusted');

    it('shows the language server diagnostics as a squiggle and in the Problems panel', async () => {
      await step('diagnostics', async (vs) => {
        const page = vs.page;
        await vs.ready();
        await vs.openFile('broken.recon');
        await page.locator('.editor-instance .monaco-editor .squiggly-error').first().waitFor({ timeout: 60_000 });
        expect((await page.locator('.statusbar-item[id="status.editor.mode"]').innerText()).trim()).toBe('Recon');

        await page.keyboard.press('Control+Shift+M');
        const problems = page.locator('.markers-panel');
        await problems.waitFor({ state: 'visible', timeout: 30_000 });
        await expect.poll(() => problems.innerText(), { timeout: 30_000 }).toContain("unknown source 'nowhere'");
        const text = await problems.innerText();
        expect(text).toContain('broken.recon');
        expect(text).toContain('unknown-source');
        await page.screenshot({ path: join(SHOTS, '1-diagnostics.png') });
        await page.keyboard.press('Control+Shift+M'); // close the panel again
      });
    }, 120_000);

    it('shows hover documentation from the server', async () => {
      await step('hover', async (vs) => {
        const page = vs.page;
        await vs.openFile('parity.recon');
        // `desired ledger` inside the policy: the hover on a source reference describes the source
        const line = page.locator('.editor-instance .monaco-editor .view-line', { hasText: 'desired ledger' });
        await line.waitFor();
        await line.locator('span > span', { hasText: /^ledger$/ }).first().hover();
        const hover = page.locator('.monaco-hover:not(.hidden) .monaco-hover-content').first();
        await hover.waitFor({ state: 'visible', timeout: 30_000 });
        await expect.poll(async () => (await hover.innerText()).trim().length, { timeout: 15_000 }).toBeGreaterThan('ledger'.length);
        expect(await hover.innerText()).toContain('ledger');
        await page.waitForTimeout(400); // the hover fades in
        await page.screenshot({ path: join(SHOTS, '2-hover.png') });
        await page.mouse.move(5, 5);
        await page.keyboard.press('Escape');
      });
    }, 120_000);

    it('runs "Preview drift" from the code lens over a policy and shows the items', async () => {
      await step('preview', async (vs) => {
        const page = vs.page;
        await vs.openFile('parity.recon');
        const lens = page.locator('.codelens-decoration a', { hasText: /Preview drift/ }).first();
        await lens.waitFor({ state: 'visible', timeout: 60_000 });
        await page.screenshot({ path: join(SHOTS, '3-codelens.png') });
        await lens.click();
        await vs.progressDone('previewing drift');

        // The preview opens as a webview panel beside the editor.
        await page.locator('.tabs-container .tab', { hasText: /Drift preview/ }).first().waitFor({ timeout: 60_000 });
        await expect.poll(() => vs.webviewText(PREVIEW_MARKER), { timeout: 60_000 }).toBeDefined();
        const table = (await vs.webviewText(PREVIEW_MARKER))!;
        // ledger.csv against bank.json: a3 is missing, z9 is extra, a2 changed (amount 20 -> 25)
        expect(table).toMatch(/missing/);
        expect(table).toContain('a3');
        expect(table).toContain('z9');
        expect(table).toContain('a2');
        expect(table).not.toMatch(/\ba1\b/); // unchanged records produce no item
        await page.screenshot({ path: join(SHOTS, '4-preview.png') });
      });
    }, 180_000);
    it('runs a test from its "Run test" code lens and lists the result', async () => {
      await step('run-test', async (vs) => {
        const page = vs.page;
        await vs.openFile('parity.recon');
        const lens = page.locator('.codelens-decoration a', { hasText: /^Run test/ }).first();
        await lens.waitFor({ state: 'visible', timeout: 60_000 });
        await lens.click();
        const output = page.locator('.part.panel .monaco-editor .view-lines').first();
        await expect.poll(async () => (await output.innerText().catch(() => '')).replace(/\s+/g, ' '), { timeout: 60_000 }).toContain(
          'PASS an equal record is no drift',
        );
        await page.waitForTimeout(300);
        await page.screenshot({ path: join(SHOTS, '5-run-test.png') });
        await page.keyboard.press('Control+J'); // hide the panel again
      });
    }, 120_000);

    it('shows the rendered plan in a read-only document ("Recon: Show plan")', async () => {
      await step('show-plan', async (vs) => {
        const page = vs.page;
        await vs.openFile('parity.recon');
        await vs.runCommand('Recon: Show plan');
        const tab = page.locator('.tabs-container .tab', { hasText: 'parity.recon.plan.txt' }).first();
        await tab.waitFor({ timeout: 60_000 });
        await tab.click(); // it opened beside, without taking the focus
        const editor = page.locator('.editor-group-container.active .monaco-editor .view-lines').first();
        await expect.poll(async () => (await editor.innerText()).replace(/\s+/g, ' '), { timeout: 30_000 }).toMatch(/parity/);
        const text = (await editor.innerText()).replace(/\s+/g, ' ');
        expect(text).toContain('a3');
        expect(text).toContain('z9');
        await page.waitForTimeout(300);
        await page.screenshot({ path: join(SHOTS, '6-show-plan.png') });
      });
    }, 120_000);
  });

  describe('an untrusted workspace', () => {
    const step = useSession('vscode-untrusted', false, 'logs-untrusted');

    /** Clicks the policy's "Preview drift" lens and returns the panel's text once it matches `expected`. */
    async function previewText(vs: CodeServerSession, expected: RegExp): Promise<string> {
      const page = vs.page;
      await vs.openFile('hosts.recon');
      const lens = page.locator('.codelens-decoration a', { hasText: /Preview drift/ }).first();
      await lens.waitFor({ state: 'visible', timeout: 60_000 });
      await lens.click();
      await vs.progressDone('previewing drift');
      await page.locator('.tabs-container .tab', { hasText: /Drift preview/ }).first().waitFor({ timeout: 60_000 });
      await expect.poll(async () => expected.test((await vs.webviewText(PREVIEW_MARKER)) ?? ''), { timeout: 60_000 }).toBe(true);
      return (await vs.webviewText(PREVIEW_MARKER))!;
    }

    it('previews without running the exec source, and says why', async () => {
      await step('untrusted', async (vs) => {
        const page = vs.page;
        // VS Code asks at start; the user declines: restricted mode, where the extension runs limited.
        await page.getByRole('button', { name: /No, I don.t trust the authors/ }).click({ timeout: 60_000 });
        await vs.ready();
        const text = await previewText(vs, /workspace\s+untrusted/);
        expect(text).not.toContain('rogue-7'); // only the exec source (list-hosts.mjs) knows this host
        expect(text).toMatch(/exec source 'live'/); // the server names the source it did not run
        await page.screenshot({ path: join(SHOTS, '7-untrusted-preview.png') });
      });
    }, 180_000);

    it('tells the running server when the user grants trust', async () => {
      await step('grant-trust', async (vs) => {
        const page = vs.page;
        await vs.runCommand('Workspaces: Manage Workspace Trust');
        await page.getByRole('button', { name: /^Trust( Folder)?$/ }).first().click({ timeout: 30_000 });
        await page.getByText('You trust this folder').waitFor({ timeout: 30_000 });
        await page.keyboard.press('Control+W'); // close the Workspace Trust editor
        // the same server (no restart) now previews as trusted
        await previewText(vs, /workspace\s+trusted/);
      });
    }, 120_000);

    it('runs the exec source once the workspace is trusted', async () => {
      await step('trusted', async (vs) => {
        const text = await previewText(vs, /rogue-7|Status:/);
        expect(text).toContain('rogue-7');
        expect(text).toContain('db-1'); // and the inventory host the program does not list is missing
        await vs.page.screenshot({ path: join(SHOTS, '8-trusted-preview.png') });
      });
    }, 120_000);
  });
});
