/**
 * The .vsix as a user installs it (RUNTIME.md section 6: the extension "starts the bundled server"
 * and "runs with no network access"): what it holds and does not hold, a manifest whose every
 * path is in it, and its bundled server running from an install folder with nothing around it.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import type { DriftPreviewResult } from '../../extension/server/features/drift-preview.js';
import { makeWorkspace, type TestWorkspace } from '../helpers/lsp-helpers.js';
import { createTestDatabase, warnIfSkipped } from '../helpers/postgres-database.js';
import { packageExtension, type PackagedExtension } from './extension-package-support.js';

let packaged: PackagedExtension;

beforeAll(async () => {
  packaged = await packageExtension();
}, 300_000);

afterAll(() => packaged?.remove());

interface Manifest {
  main: string;
  engines: { vscode: string };
  activationEvents: string[];
  contributes: {
    languages: { id: string; extensions: string[]; configuration: string }[];
    grammars: { path: string }[];
    snippets: { path: string }[];
    commands: { command: string }[];
  };
}

describe('the packaged extension (.vsix)', () => {
  it('holds the bundles, the server data and the declarative parts, and no sources, maps, tests or other packages', () => {
    const files = packaged.files;
    for (const file of ['package.json', 'README.md', 'LICENSE', 'THIRD_PARTY_NOTICES.txt', 'dist/extension.cjs', 'dist/server.mjs', 'dist/drift-preview-worker.mjs', 'stdlib/money.recon', 'docs/diagnostics/unknown-source.md']) {
      expect(files).toContain(file);
    }
    const unexpected = files.filter(
      (f) =>
        /\.(ts|map|vsix|mjs\.map|log)$/.test(f) ||
        /(^|\/)(test|tests|client|server|scripts|src)\//.test(f) ||
        /(^|\/)\.(env|npmrc|git)/.test(f) ||
        (f.includes('node_modules/') && !/^dist\/node_modules\/(pg|pg-cursor|pg-connection-string)\/(index\.js|package\.json)$/.test(f)),
    );
    expect(unexpected).toEqual([]);
  });

  it('has a manifest whose main, grammar, snippets and language configuration are in the package', () => {
    const manifest = JSON.parse(readFileSync(join(packaged.installDir, 'package.json'), 'utf8')) as Manifest;
    const paths = [manifest.main, ...manifest.contributes.grammars.map((g) => g.path), ...manifest.contributes.snippets.map((s) => s.path), ...manifest.contributes.languages.map((l) => l.configuration)];
    for (const path of paths) expect(packaged.files).toContain(path.replace(/^\.\//, ''));
    expect(manifest.engines.vscode).toMatch(/^\^1\.\d+\.\d+$/);
    expect(manifest.activationEvents).toContain('onLanguage:recon');
    expect(manifest.contributes.languages[0]).toMatchObject({ id: 'recon', extensions: ['.recon'] });
    expect(manifest.contributes.commands.map((c) => c.command).sort()).toEqual(['recon.previewDrift', 'recon.runTests', 'recon.showPlan']);
  });

  describe('its bundled server, run from the install folder', () => {
    let ws: TestWorkspace | undefined;
    afterAll(() => ws?.remove());

    /** Opens `text` as main.recon in a fresh workspace and previews it with the installed server, trusted. */
    async function previewInstalled(text: string): Promise<DriftPreviewResult> {
      ws?.remove();
      ws = makeWorkspace({ 'main.recon': text });
      const child = spawn(process.execPath, [join(packaged.installDir, 'dist', 'server.mjs'), '--stdio'], { cwd: ws.root, stdio: ['pipe', 'pipe', 'pipe'] });
      const client = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
      client.onNotification('window/logMessage', () => undefined);
      client.onNotification('textDocument/publishDiagnostics', () => undefined);
      client.listen();
      try {
        await client.sendRequest('initialize', { processId: process.pid, rootUri: ws.uri(''), capabilities: {}, initializationOptions: { trusted: true } });
        await client.sendNotification('initialized', {});
        const uri = ws.uri('main.recon');
        await client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'recon', version: 1, text } });
        return (await client.sendRequest('recon/previewDrift', { uri })) as DriftPreviewResult;
      } finally {
        client.dispose();
        child.kill();
      }
    }

    const ordersPolicy = (url: string) => `source orders {
  from postgres("${url}", table: "public.orders", timeout: 2s)
  key id
  fields {
    id: string
  }
}

source wanted {
  from inline([{ id: "o1" }, { id: "o2" }])
  key id
  fields {
    id: string
  }
}

policy orders_exist {
  desired wanted
  actual orders
}
`;

    it('previews a postgres source in a trusted workspace with the pg driver it ships (connection refused, not a missing module)', async () => {
      const result = await previewInstalled(ordersPolicy('postgres://app@127.0.0.1:1/shop'));
      expect(result.status).toBe('error');
      expect(result.message).not.toContain('Cannot find module');
      expect(result.message).toContain('cannot connect to postgres://app@127.0.0.1:1/shop');
    }, 60_000);

    const skipped = warnIfSkipped('the packaged server reading a real PostgreSQL table (test/extension/extension-package.test.ts)');
    it.skipIf(skipped)('reads a real PostgreSQL table through the pg and pg-cursor it ships', async () => {
      const db = await createTestDatabase('vsix');
      try {
        await db.sql('CREATE TABLE public.orders (id text PRIMARY KEY)');
        await db.sql("INSERT INTO public.orders VALUES ('o1'), ('o3')");
        const result = await previewInstalled(ordersPolicy(db.url));
        expect([result.status, result.message]).toEqual(['ok', null]);
        expect(result.policies[0]!.summary).toMatchObject({ desired: 2, actual: 2, unchanged: 1, missing: 1, extra: 1 });
      } finally {
        await db.drop();
      }
    }, 60_000);
  });
});
