/**
 * The writer of `http` sources: sends each action's request — the plan's `http` effect — at once.
 *
 * Why this shape:
 * - Exactly the approved request: method, URL, headers and JSON body as the effect shows them,
 *   plus `Idempotency-Key` (the action's `plan_hash` + item id). Values shown as `***` are filled
 *   in with the real secrets only when rebuilding them gives exactly what the plan shows
 *   (`shown-values.ts`).
 * - Retries belong to the executor (the policy's `retry` and `backoff`): a transient failure —
 *   a network failure that passes, a timeout, 408, 429, 5xx — is a `WriteError` with `transient`
 *   set (a blocked port or an unknown host is not: `HttpExchangeError.transient`) and the
 *   server's `Retry-After` in `retryAfterSeconds`. Every attempt carries the same
 *   `Idempotency-Key`, so a server that honours it applies the change once even when an answer
 *   was lost. Other 4xx answers fail the action with the status and the start of the answer.
 * - Idempotent outcomes: a DELETE answered 404 or 410 succeeded already (the record is gone).
 * - Redirects are not followed: a followed 301/302 turns a POST into a GET (whose 200 would be
 *   taken for success), and a 307 re-sends a PATCH or DELETE to a URL nobody approved. A 3xx
 *   answer fails the action (not transient) and says where it pointed.
 * - Remote, so not staged: `perform` acts at once and `commit` returns what was performed since
 *   the last commit.
 * - Secrets never appear in a message: the URL is the shown one, and the server's words are
 *   scrubbed of every secret the source read.
 */
import type { IrSource } from '../../language/ir/ir-types.js';
import {
  DEFAULT_HTTP_TIMEOUT_MS,
  describeAnswer,
  HttpExchangeError,
  isTransientStatus,
  retryAfterSeconds,
  sendHttpRequest,
} from '../connectors/http-client.js';
import { SecretScrubber } from '../connectors/secret-scrubber.js';
import { itemRoots, ShownValues } from './shown-values.js';
import { ActingWriteSession, sourceTimeoutMs, type ActingAction } from './acting-session.js';
import { WriteError, type Writer, type WriterContext, type WriteSession } from './writer.js';

class HttpWriteSession extends ActingWriteSession<'http'> {
  protected readonly kind = 'http';

  protected async act({ action, effect, label, op }: ActingAction<'http'>, signal?: AbortSignal): Promise<void> {
    const { scrubber } = this;
    const data = itemRoots(action.item, this.source);
    const url = this.shownValues.url(effect.url, op?.http?.url, data, `${label}: the URL`);
    const headers = this.shownValues.headers(effect.headers ?? {}, data);
    headers['Idempotency-Key'] = action.idempotencyKey;
    const hasBody = effect.body !== null && effect.body !== undefined;
    if (hasBody && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
    const method = effect.method.toUpperCase();
    let response;
    try {
      response = await sendHttpRequest(
        {
          method,
          url,
          shownUrl: scrubber.scrub(effect.url),
          headers,
          body: hasBody ? JSON.stringify(effect.body) : undefined,
          timeoutMs: this.timeoutMs,
          signal,
          redirect: 'manual',
        },
        scrubber,
      );
    } catch (error) {
      if (error instanceof HttpExchangeError) throw new WriteError(`${label}: ${scrubber.scrub(error.message)}`, error.transient);
      throw new WriteError(`${label}: ${scrubber.scrub(error instanceof Error ? error.message : String(error))}`, true);
    }
    const ok = (response.status >= 200 && response.status < 300) || (method === 'DELETE' && (response.status === 404 || response.status === 410));
    if (!ok) {
      const problem = `${label}: ${describeAnswer(method, scrubber.scrub(effect.url), response, scrubber)}`;
      if (isTransientStatus(response.status)) throw new WriteError(problem, true, retryAfterSeconds(response.headers.get('retry-after')));
      if (response.status >= 300 && response.status < 400) {
        const location = response.headers.get('location');
        throw new WriteError(
          `${problem} (a redirect${location ? ` to ${scrubber.scrub(location)}` : ''}: recon sends a write only to the URL the plan shows; put the final URL in the source's write { })`,
          false,
        );
      }
      throw new WriteError(problem, false);
    }
  }
}

class HttpWriter implements Writer {
  readonly staged = false;

  constructor(
    private readonly source: IrSource,
    private readonly context: WriterContext,
  ) {}

  async open(): Promise<WriteSession> {
    const scrubber = new SecretScrubber();
    const shownValues = new ShownValues(this.source, this.context, scrubber);
    shownValues.learnSecrets();
    return new HttpWriteSession(this.source, this.context, shownValues, scrubber, sourceTimeoutMs(this.source, this.context, DEFAULT_HTTP_TIMEOUT_MS));
  }
}

/** The `http` writer factory (a `WriterFactory`). */
export function createHttpWriter(source: IrSource, context: WriterContext): Writer {
  return new HttpWriter(source, context);
}
