/**
 * `http(url, items: "data", next: "links.next", headers: {...}, timeout: 30s)`: reads JSON
 * records from an HTTP API, following `next` pages.
 *
 * Why this shape:
 * - Pages stream: each page's records are handed on as batches before the next page is fetched,
 *   so a large collection never sits in memory whole.
 * - `next` is a dotted path in each answer to the next page's URL, absolute or relative to the
 *   page that gave it; an absent, null or empty value ends the list. A link to another origin is
 *   refused (the request headers, maybe a token, would go there), and so is a link already
 *   followed (a loop), a page that repeats an earlier page's records under a new link, and a
 *   run of `MAX_EMPTY_PAGES_IN_A_ROW` empty pages that still link on: a read must end, and end
 *   with an error rather than with part of the records (the rest would look `extra`).
 * - Reads retry by themselves: network failures that pass (refused or reset connections…),
 *   timeouts, 408, 429 and 5xx are tried up to `READ_ATTEMPTS` times with exponential backoff and
 *   jitter, honouring `Retry-After` (up to `MAX_RETRY_AFTER_S`). Any other 4xx, and a failure
 *   that would fail again (a port `fetch` blocks, an unknown host: `HttpExchangeError.transient`),
 *   is a clear error at once.
 * - `timeout` bounds each request (connecting, headers and body), default 30 s.
 * - Secrets: the URL and `headers` may use `secret()`; messages show the URL redacted and scrub
 *   every secret from what the server says.
 * - Never in an untrusted context (the editor's preview of an untrusted workspace): reading
 *   refuses with a clear error before any request.
 * - Numbers no double holds exactly (beyond 2^53) are read as the json connector reads them
 *   (`exact-json-numbers.ts`): as text in a field declared `string`, else the record is invalid.
 */
import { createHash } from 'node:crypto';
import type { IrSource } from '../../language/ir/ir-types.js';
import { ownValue } from '../expressions/own-properties.js';
import { ConnectorError, type Connector, type ConnectorContext, type ConnectorFactory, type RecordBatch } from './connector.js';
import { BatchBuilder, describeKind, readOptions, sourceLabel, untrustedError } from './connector-support.js';
import { readJsonItems } from './json-connector.js';
import {
  bodySnippet,
  DEFAULT_HTTP_TIMEOUT_MS,
  describeAnswer,
  HttpExchangeError,
  isTransientStatus,
  retryAfterSeconds,
  sendHttpRequest,
  sleep,
  type HttpResponse,
} from './http-client.js';
import { evaluateTracked, scrubbedMessage, SecretScrubber } from './secret-scrubber.js';
import { notUtf8Answer } from './utf8-text.js';

/** Tries per page before a transient failure becomes an error. */
export const READ_ATTEMPTS = 4;
/** First backoff delay; doubled per retry, with ±25% jitter. */
export const READ_BACKOFF_MS = 250;
/** A `Retry-After` longer than this fails the read instead of waiting. */
export const MAX_RETRY_AFTER_S = 60;

/** The request headers of a source (`headers` option), real and as they may be shown. */
export interface EvaluatedHeaders {
  real: Record<string, string>;
  shown: Record<string, string>;
}

/** Header values as text (null as empty), from an evaluated `headers` object. */
export function headerTexts(value: unknown): Record<string, string> {
  const headers: Record<string, string> = {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return headers;
  for (const [name, inner] of Object.entries(value as Record<string, unknown>)) {
    headers[name] = inner === null || inner === undefined ? '' : typeof inner === 'string' ? inner : JSON.stringify(inner);
  }
  return headers;
}

/**
 * After this many pages in a row without records, a next link fails the read. Why: an API whose
 * next link never ends (an offset link that is always given) would be read forever, and so would
 * one whose pages repeat their records under ever new links; a plan must end, with an error
 * rather than with a partial read. A page that repeats an earlier page's records fails at once.
 */
export const MAX_EMPTY_PAGES_IN_A_ROW = 100;

/** Whether the value at `next` names a next page (absent, null and empty end the list). */
function hasNext(next: unknown): boolean {
  return next !== undefined && next !== null && next !== '';
}

/** Reads the value at a dotted path (`links.next`) of an answer, own properties only. */
function valueAt(document: unknown, path: string): unknown {
  let current = document;
  for (const name of path.split('.')) {
    current = ownValue(current, name);
    if (current === undefined) return undefined;
  }
  return current;
}

class HttpConnector implements Connector {
  readonly canWrite: boolean;
  private readonly scrubber = new SecretScrubber();

  constructor(
    private readonly source: IrSource,
    private readonly context: ConnectorContext,
  ) {
    this.canWrite = (source.write?.ops.length ?? 0) > 0;
  }

  private fail(message: string, transient = false, at: string | null = this.source.connector.at): ConnectorError {
    return new ConnectorError(`${sourceLabel(this.source)}: ${this.scrubber.scrub(message)}`, at, transient);
  }

  async *read(): AsyncGenerator<RecordBatch> {
    const { source, context, scrubber } = this;
    if (!context.trusted) throw untrustedError(source, 'http');
    const options = readOptions(source, context, { items: 'string', next: 'string', headers: 'object', timeout: 'number' }, scrubber);
    if (source.connector.args.length !== 1) throw this.fail(`http() takes one URL and options, got ${source.connector.args.length} arguments`);
    const evaluator = context.evaluateConnectorValue?.bind(context);
    let url: { value: unknown; redacted: unknown };
    let headers: EvaluatedHeaders = { real: {}, shown: {} };
    try {
      url = evaluateTracked(source.connector.args[0], scrubber, evaluator, (expr) => context.evaluate(expr));
      const option = source.connector.options.find((candidate) => candidate.name === 'headers');
      if (option) {
        const value = evaluateTracked(option.value, scrubber, evaluator, (expr) => context.evaluate(expr));
        headers = { real: headerTexts(value.value), shown: headerTexts(value.redacted) };
      }
    } catch (error) {
      throw this.fail(scrubbedMessage(error, scrubber));
    }
    if (typeof url.value !== 'string' || url.value.trim() === '') throw this.fail('http() needs a URL (text) as its first argument');
    let page: URL;
    try {
      page = new URL(url.value);
    } catch {
      throw this.fail(`not a valid URL: ${String(url.redacted)}`);
    }
    if (page.protocol !== 'http:' && page.protocol !== 'https:') throw this.fail(`only http and https URLs can be read, not ${page.protocol}`);
    const timeoutMs = (options.get('timeout') as number | undefined) ?? DEFAULT_HTTP_TIMEOUT_MS;
    if (!(timeoutMs > 0)) throw this.fail('the timeout must be more than 0');
    const itemsPath = options.get('items') as string | undefined;
    const nextPath = options.get('next') as string | undefined;

    const requestHeaders = { Accept: 'application/json', ...headers.real };
    let shownUrl = scrubber.scrub(String(url.redacted));
    const visited = new Set<string>();
    /** Digest of each page's records → its page number: a page that repeats one is refused. */
    const pages = new Map<string, number>();
    let emptyInARow = 0;
    let position = 0;
    for (let pageNumber = 1; ; pageNumber += 1) {
      visited.add(page.href);
      const response = await this.fetchPage(page.href, shownUrl, requestHeaders, timeoutMs);
      // fetch would read bytes that are not UTF-8 as U+FFFD, values an update would write back
      if (response.notUtf8) throw this.fail(`GET ${shownUrl}: ${notUtf8Answer('the answer', response.notUtf8)}`);
      let document: unknown;
      try {
        document = JSON.parse(response.text);
      } catch {
        const type = response.headers.get('content-type') ?? 'no content type';
        throw this.fail(`GET ${shownUrl}: the answer is not JSON (${type}): ${bodySnippet(response.text, scrubber, 120)}`);
      }
      const { items, problems } = readJsonItems(source, response.text, document, itemsPath, `the answer of GET ${shownUrl}`);
      if (nextPath !== undefined && nextPath !== '') {
        if (items.length > 0) {
          emptyInARow = 0;
          const digest = createHash('sha256').update(JSON.stringify(items)).digest('base64');
          const earlier = pages.get(digest);
          if (earlier !== undefined) {
            throw this.fail(
              `GET ${shownUrl}: page ${pageNumber} holds the same records as page ${earlier}; the next links do not advance (does the API ignore a parameter of its own links?)`,
            );
          }
          pages.set(digest, pageNumber);
        } else if (++emptyInARow >= MAX_EMPTY_PAGES_IN_A_ROW && hasNext(valueAt(document, nextPath))) {
          throw this.fail(`GET ${shownUrl}: ${emptyInARow} pages in a row held no records, yet each links to a next page; the list does not seem to end`);
        }
      }
      const builder = new BatchBuilder();
      for (let i = 0; i < items.length; i++) {
        const item = items[i];
        position += 1;
        const problem = problems.size === 0 ? undefined : problems.get(i);
        if (problem !== undefined) {
          const error = `GET ${shownUrl}: record ${position} (line ${problem.line} of the answer): ${problem.detail}`;
          builder.addUnreadable({ origin: { position }, error: this.scrubber.scrub(error), salvaged: item as Record<string, unknown> });
        } else if (item !== null && typeof item === 'object' && !Array.isArray(item)) builder.add(item as Record<string, unknown>, { position });
        else builder.addUnreadable({ origin: { position }, error: `GET ${shownUrl}: record ${position} is ${describeKind(item)}, not an object` });
        if (builder.full) yield builder.take();
      }
      if (!builder.empty) yield builder.take();
      if (nextPath === undefined || nextPath === '') return;
      const next = valueAt(document, nextPath);
      if (!hasNext(next)) return;
      if (typeof next !== 'string') throw this.fail(`GET ${shownUrl}: "${nextPath}" holds ${describeKind(next)}, not the URL of the next page`);
      let nextUrl: URL;
      try {
        nextUrl = new URL(next, page);
      } catch {
        throw this.fail(`GET ${shownUrl}: "${nextPath}" is not a URL: ${next}`);
      }
      if (nextUrl.origin !== page.origin) {
        throw this.fail(`GET ${shownUrl}: the next page ${nextUrl.origin} is on another origin than ${page.origin}; refusing to send the source's headers there`);
      }
      if (visited.has(nextUrl.href)) throw this.fail(`GET ${shownUrl}: the next page ${nextUrl.href} was already read (the pages loop)`);
      page = nextUrl;
      shownUrl = scrubber.scrub(nextUrl.href);
    }
  }

  /** One page, with the read retries of the module comment. */
  private async fetchPage(url: string, shownUrl: string, headers: Record<string, string>, timeoutMs: number): Promise<HttpResponse> {
    const { scrubber, context } = this;
    let lastProblem = '';
    for (let attempt = 1; attempt <= READ_ATTEMPTS; attempt += 1) {
      if (context.signal?.aborted) throw this.fail('reading was cancelled');
      let waitMs = READ_BACKOFF_MS * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5);
      try {
        const response = await sendHttpRequest({ method: 'GET', url, shownUrl, headers, timeoutMs, signal: context.signal }, scrubber);
        if (response.status >= 200 && response.status < 300) return response;
        const problem = describeAnswer('GET', shownUrl, response, scrubber);
        if (!isTransientStatus(response.status)) throw this.fail(problem);
        lastProblem = problem;
        const after = retryAfterSeconds(response.headers.get('retry-after'));
        if (after !== null) {
          if (after > MAX_RETRY_AFTER_S) throw this.fail(`${problem} (it asks to retry after ${after}s, more than recon waits while reading)`, true);
          waitMs = after * 1000;
        }
      } catch (error) {
        if (error instanceof ConnectorError) throw error;
        if (error instanceof HttpExchangeError && error.reason === 'cancelled') throw this.fail('reading was cancelled');
        // A refused request (credentials in the URL, a redirect to another origin) would be refused
        // again, and a failed one (a blocked port, an unknown host) would fail again: said at once.
        if (error instanceof HttpExchangeError && !error.transient) throw this.fail(error.message);
        lastProblem = scrubbedMessage(error, scrubber);
      }
      if (attempt < READ_ATTEMPTS) await sleep(waitMs, context.signal);
    }
    throw this.fail(`${lastProblem} (gave up after ${READ_ATTEMPTS} attempts)`, true);
  }
}

/** The `http` connector factory. */
export const createHttpConnector: ConnectorFactory = (source, context) => new HttpConnector(source, context);
