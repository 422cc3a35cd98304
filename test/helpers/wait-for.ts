/**
 * Waiting in tests for what a server sends in its own time (diagnostics, refresh requests).
 *
 * Why one helper: the language server's tests, in-process and end to end, each polled alike; a
 * timeout now always says what was awaited and, for a spawned server, what it wrote on stderr.
 */

/** Options of `waitFor`. */
export interface WaitForOptions {
  /** What is awaited, for the timeout's message. */
  what?: string;
  timeoutMs?: number;
  /** More to say on a timeout (a spawned server's stderr so far). */
  detail?: () => string;
}

/** Polls `probe` every 10 ms until it gives a value other than undefined; throws after `timeoutMs` (default 10 s). */
export async function waitFor<T>(probe: () => T | undefined, options: WaitForOptions = {}): Promise<T> {
  const { what = 'the condition', timeoutMs = 10_000, detail } = options;
  const started = Date.now();
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}${detail ? `; ${detail()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
