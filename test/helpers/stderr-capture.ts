/**
 * Keeping what a test writes on `process.stderr` instead of printing it.
 *
 * Why: the fast path's trace lines (`RECON_DIFF_TRACE`, `RECON_TRACE`) are the only outside sign
 * of the way a diff went (which path, a restarted scan, a table built again); tests read them.
 */
import { afterEach, beforeEach, vi } from 'vitest';

/** The chunks written on stderr during the current test of the calling file. */
export interface CapturedStderr {
  readonly lines: string[];
  /** Forgets what was captured so far (between two runs in one test). */
  clear(): void;
}

/** Captures stderr during each test of the calling file (registers its own hooks). */
export function captureStderr(): CapturedStderr {
  const lines: string[] = [];
  const captured: CapturedStderr = { lines, clear: () => void (lines.length = 0) };
  beforeEach(() => {
    captured.clear();
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  return captured;
}
