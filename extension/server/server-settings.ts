/**
 * What the client may tell the server: settings (`recon.*` in VS Code), initialization options,
 * workspace trust, and where diagnostic codes are documented.
 *
 * Why trust is not a setting: a workspace's own settings file could claim trust; trust comes only
 * from the client (`initializationOptions.trusted`, then the `recon/workspaceTrust` notification).
 * A client that says nothing is untrusted: previews then never run `exec`, `http` or `postgres` sources.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultStdlibRoot } from '../../language/module-host.js';
import { diagnosticDocsPath, type DiagnosticCode } from '../../language/diagnostic-codes.js';

/** The settings the server reads (section `recon` of `workspace/configuration`). */
export interface ServerSettings {
  preview: {
    /** How long a drift preview may run, in milliseconds (setting `recon.preview.timeBudget`, in seconds). */
    timeBudgetMs: number;
    /** The most records a preview reads from each source (`recon.preview.recordCap`). */
    recordCap: number;
  };
}

export const DEFAULT_SETTINGS: ServerSettings = { preview: { timeBudgetMs: 10_000, recordCap: 100_000 } };

/** What `initializationOptions` may hold (every field optional). */
export interface ReconInitializationOptions {
  /** Whether the workspace is trusted (VS Code workspace trust); default false. */
  trusted?: boolean;
  /** Base URL of the diagnostic docs (`<base>/<code>.md`); default: the package's `docs/diagnostics/` as a file URL. */
  docsBaseUrl?: string;
  /** Initial settings, same shape as the `recon` configuration section. */
  settings?: unknown;
  /** Milliseconds to wait after the last edit before re-checking and publishing diagnostics (default 120). */
  diagnosticsDelayMs?: number;
}

function positive(value: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.min(value, max) : fallback;
}

/**
 * Reads the `recon` configuration section (`{ preview: { timeBudget, recordCap } }`, or the
 * flattened keys `preview.timeBudget` VS Code sometimes sends); anything invalid keeps its default.
 */
export function parseSettings(raw: unknown, base: ServerSettings = DEFAULT_SETTINGS): ServerSettings {
  if (raw === null || typeof raw !== 'object') return base;
  const record = raw as Record<string, unknown>;
  const preview = (record.preview && typeof record.preview === 'object' ? record.preview : {}) as Record<string, unknown>;
  const timeBudget = preview.timeBudget ?? record['preview.timeBudget'];
  const recordCap = preview.recordCap ?? record['preview.recordCap'];
  return {
    preview: {
      timeBudgetMs: typeof timeBudget === 'number' ? positive(timeBudget, base.preview.timeBudgetMs / 1000, 3600) * 1000 : base.preview.timeBudgetMs,
      recordCap: Math.floor(positive(recordCap, base.preview.recordCap)),
    },
  };
}

/**
 * How diagnostic codes link to their documentation (`codeDescription.href`).
 *
 * Choice: a `file://` URL of `docs/diagnostics/<code>.md` inside the installed package (found
 * beside the package's `stdlib/` folder), because the server runs with no network and the docs
 * ship with the package; a client may point elsewhere with `initializationOptions.docsBaseUrl`.
 */
export function docsLinker(docsBaseUrl?: string): (code: string) => string | null {
  if (docsBaseUrl) {
    const base = docsBaseUrl.replace(/\/+$/, '');
    return (code) => `${base}/${code}.md`;
  }
  const root = packageRoot();
  return (code) => pathToFileURL(join(root, diagnosticDocsPath(code as DiagnosticCode))).href;
}

/** The package's root folder (holding `package.json` and `stdlib/`). */
export function packageRoot(): string {
  const stdlib = defaultStdlibRoot();
  const root = dirname(stdlib);
  return existsSync(join(root, 'package.json')) ? root : process.cwd();
}
