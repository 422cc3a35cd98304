/**
 * One HTTP exchange for the `http` connector and writer: Node's built-in `fetch` (undici) with a
 * timeout that covers the whole exchange, failures classified as transient or not, `Retry-After`
 * read, and answers described in one secret-free line.
 *
 * Why shared: reading pages and writing records meet the same failures (refused connections,
 * slow servers, 429, 503 with `Retry-After`, 4xx) and must describe them the same way, never
 * showing a secret-bearing URL or header: callers pass the URL as it may be shown, and every
 * text from the server goes through the `SecretScrubber`.
 */
import { durationText } from './connector-support.js';
import type { SecretScrubber } from './secret-scrubber.js';
import { decodeUtf8, findInvalidUtf8, type Utf8Problem } from './utf8-text.js';

/** How long one request may take when the source sets no `timeout`. */
export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;

export interface HttpRequest {
  method: string;
  /** The real URL (may hold a secret). */
  url: string;
  /** The URL as messages may show it. */
  shownUrl: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** `follow` (default: reads) or `manual`: a 3xx answer is returned as it is (writes, see http-writer.ts). */
  redirect?: 'follow' | 'manual';
  /** The largest answer read (default `MAX_ANSWER_BYTES`). */
  maxAnswerBytes?: number;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  headers: Headers;
  /** The body, decoded as UTF-8 (bytes that are not UTF-8 as U+FFFD: see `notUtf8`). */
  text: string;
  /**
   * Where the body is not UTF-8 (null when it is). Why kept: `fetch` would replace such bytes
   * with U+FFFD silently; a connector reading records must refuse them (`utf8-text.ts`), while
   * an error message may still quote the body.
   */
  notUtf8?: Utf8Problem | null;
}

/**
 * A request that got no answer: the network failed, it took too long, it was cancelled, recon
 * refused it (`refused`: a URL with credentials, a redirect to another origin, an answer too
 * large, a server certificate not trusted — see `sendHttpRequest`), or it failed in a way that
 * fails again however often it is tried (`failed`: a port `fetch` blocks, a host name that does
 * not exist, a protocol other than http and https, a URL or header `fetch` rejects, a server that
 * does not speak HTTP or TLS as the URL says — see `describeFailure`).
 *
 * Why `transient`: RUNTIME.md section 4 retries only transient failures (network, timeouts,
 * 429, 5xx); reads (http-connector.ts) and writes (http-writer.ts) ask this one flag, so both
 * retry exactly the same failures.
 */
export class HttpExchangeError extends Error {
  constructor(
    message: string,
    readonly reason: 'network' | 'timeout' | 'cancelled' | 'refused' | 'failed',
  ) {
    super(message);
    this.name = 'HttpExchangeError';
  }

  /** Whether another try may succeed: a network failure that passes, or a timeout. */
  get transient(): boolean {
    return this.reason === 'network' || this.reason === 'timeout';
  }
}

/**
 * Network failures that pass (a server restarting, a dropped connection, a DNS server that did
 * not answer in time): retried. Any code not named here or in `PERMANENT_REASONS` is taken for
 * one of these too (it is a network failure, and RUNTIME.md retries those), said with its code.
 */
const NETWORK_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed',
  ECONNABORTED: 'connection aborted',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CLOSED: 'connection closed',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  UND_ERR_BODY_TIMEOUT: 'the answer stalled',
};

/**
 * Failures that fail again however often they are tried: not retried, said at once.
 *
 * ENOTFOUND is here: Node gives it when the name server answers that the name does not exist
 * (NXDOMAIN, or no address for it), which a backoff of seconds does not change — a misspelt
 * host. A name server that did not answer is EAI_AGAIN, which is retried.
 */
const PERMANENT_REASONS: Readonly<Record<string, string>> = {
  ENOTFOUND: 'unknown host: no such name in DNS (ENOTFOUND)',
  ERR_INVALID_URL: 'not a valid URL (ERR_INVALID_URL)',
  UND_ERR_INVALID_ARG: 'the request is not valid (UND_ERR_INVALID_ARG)',
  UND_ERR_NOT_SUPPORTED: 'the request is not supported (UND_ERR_NOT_SUPPORTED)',
  UND_ERR_HEADERS_OVERFLOW: 'the answer\'s headers are too large (UND_ERR_HEADERS_OVERFLOW)',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the server does not speak TLS on this port (ERR_SSL_WRONG_VERSION_NUMBER); should the URL start with http://?',
};

/**
 * Certificate failures of an https request: not transient (the same certificate fails again),
 * so they are refused at once rather than retried, and said in words with the way out. Why:
 * `fetch` gives only a code (`DEPTH_ZERO_SELF_SIGNED_CERT`), which was retried four times.
 */
const CERTIFICATE_REASONS: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its certificate chain ends in a self-signed certificate',
  UNABLE_TO_GET_ISSUER_CERT: 'the issuer of its certificate is unknown',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the issuer of its certificate is unknown',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its certificate cannot be verified',
  CERT_HAS_EXPIRED: 'its certificate has expired',
  CERT_NOT_YET_VALID: 'its certificate is not valid yet',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its certificate is for another host name',
};

/** `the server is not trusted: ... (CODE)`, with how to trust a private certificate authority. */
function certificateProblem(code: string): string {
  const hint = code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID' || code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? '' : '; to trust a private certificate authority, set NODE_EXTRA_CA_CERTS to its PEM file';
  return `the server is not trusted: ${CERTIFICATE_REASONS[code]} (${code})${hint}`;
}

/** The first `code` along `error`'s chain of causes, and the innermost message. */
function causeOf(error: unknown): { code: string | null; message: string | null } {
  let code: string | null = null;
  let message: string | null = null;
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth += 1) {
    const own = (current as { code?: unknown }).code;
    if (code === null && typeof own === 'string') code = own;
    if (current instanceof Error) message = current.message;
    current = (current as { cause?: unknown }).cause;
  }
  return { code, message };
}

/**
 * Why a request got no answer, in words, and whether trying again may help.
 *
 * Why: `fetch` says only `fetch failed` and keeps the reason in `error.cause` — a `code`
 * (ECONNREFUSED, ENOTFOUND, UND_ERR_SOCKET…) or, for what undici refuses itself, only a message
 * (`bad port` for the ports the Fetch standard blocks: 9, 6000, 10080…). Shown as `fetch failed`
 * and retried, a blocked port or a misspelt host took four attempts to end in a message that
 * did not say why. A TypeError without a cause is `fetch` rejecting its arguments (a header
 * value with a line break, a method it does not send), which fails again too; its message is
 * kept without the header value it quotes (the value may hold a secret).
 */
function describeFailure(error: unknown, url: URL | null): { text: string; transient: boolean } {
  const { code, message } = causeOf(error);
  if (code !== null) {
    if (Object.prototype.hasOwnProperty.call(NETWORK_REASONS, code)) return { text: NETWORK_REASONS[code], transient: true };
    if (Object.prototype.hasOwnProperty.call(PERMANENT_REASONS, code)) return { text: PERMANENT_REASONS[code], transient: false };
    if (code.startsWith('HPE_')) return { text: `the server's answer is not HTTP/1.1: ${oneLine(message ?? code)} (${code})`, transient: false };
    if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) return { text: `the TLS connection failed (${code})`, transient: false };
    return { text: message !== null && message !== code ? `${oneLine(message)} (${code})` : code, transient: true };
  }
  const hasCause = error instanceof Error && error.cause !== undefined;
  if (message === 'bad port') {
    const port = url?.port ? `port ${url.port}` : 'this port';
    return { text: `bad port: fetch never connects to ${port} (the Fetch standard blocks it, as browsers do); serve the API on another port`, transient: false };
  }
  if (error instanceof TypeError && !hasCause) {
    const text = error.message.replace(/^Headers\.append: ".*" is an invalid header value\.$/s, 'a header value holds a line break or another character HTTP headers cannot carry');
    return { text: `the request is not valid: ${oneLine(text)}`, transient: false };
  }
  const top = error instanceof Error ? error.message : String(error);
  return { text: hasCause && message !== null && message !== top ? `${oneLine(top)}: ${oneLine(message)}` : oneLine(top), transient: true };
}

/** `text` on one line (a driver's message may span several). */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * `shownUrl` with the password of its user part hidden. Why: a password written into a URL is a
 * secret whether or not it came from `secret()` (the postgres connector treats its connection
 * string's password the same way).
 */
function withoutPassword(shownUrl: string): string {
  try {
    const url = new URL(shownUrl);
    if (url.password === '' || url.password === '***') return shownUrl;
    url.password = '***';
    return url.href;
  } catch {
    return shownUrl;
  }
}

/** How many redirects (within the origin) one request follows, as `fetch` does by default. */
export const MAX_REDIRECTS = 20;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** The request a redirect leads to, as `fetch` would make it (RFC 9110 15.4, Fetch 4.4). */
function redirected(method: string, status: number, headers: Record<string, string>, body: string | undefined) {
  const toGet = (status === 303 && method !== 'GET' && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST');
  if (!toGet) return { method, headers, body };
  const kept = Object.fromEntries(Object.entries(headers).filter(([name]) => !/^content-(type|length|encoding|language|location)$/i.test(name)));
  return { method: 'GET', headers: kept, body: undefined };
}

/**
 * Sends one request and reads the whole answer as text, within `timeoutMs` (connecting, headers,
 * redirects and body together). Throws `HttpExchangeError` when there is no answer.
 *
 * Redirects are followed only within the request's origin. Why: `fetch` drops `Authorization`
 * on a redirect to another origin but sends every other header (`X-Api-Key: ${secret(...)}`)
 * and, for 307/308, the body of a write — so a server (or whoever controls its redirects) could
 * collect the source's secrets, and a write would land on a system the plan never named. A
 * redirect to another origin is refused (`reason: 'refused'`), as a `next` link to another
 * origin is; the message names the origin, so the user can write the final URL in the file.
 */
export async function sendHttpRequest(request: HttpRequest, scrubber: SecretScrubber): Promise<HttpResponse> {
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
  const what = `${request.method} ${withoutPassword(request.shownUrl)}`;
  let url: URL | null = null;
  try {
    url = new URL(request.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new HttpExchangeError(`${what}: unsupported protocol ${url.protocol} (only http: and https: URLs can be requested)`, 'failed');
    }
    if (url.username !== '' || url.password !== '') {
      throw new HttpExchangeError(`${what}: the URL carries credentials (user:password@), which HTTP requests cannot send; put them in a header (headers: { Authorization: ... })`, 'refused');
    }
    let next = { method: request.method, headers: request.headers, body: request.body };
    for (let hops = 0; ; hops += 1) {
      const response = await fetch(url, { ...next, signal, redirect: 'manual' });
      const location = response.headers.get('location');
      if (REDIRECT_STATUSES.has(response.status) && location !== null && request.redirect !== 'manual') {
        await response.body?.cancel();
        let target: URL;
        try {
          target = new URL(location, url);
        } catch {
          throw new HttpExchangeError(scrubber.scrub(`${what}: the server redirected to an invalid URL: ${location}`), 'refused');
        }
        if (target.origin !== url.origin) {
          throw new HttpExchangeError(
            scrubber.scrub(`${what}: the server redirected to another origin (${target.origin}); refusing to send the source's headers or data there (write the URL it should reach in the .recon file)`),
            'refused',
          );
        }
        if (hops >= MAX_REDIRECTS) throw new HttpExchangeError(`${what}: more than ${MAX_REDIRECTS} redirects`, 'refused');
        next = redirected(next.method, response.status, next.headers, next.body);
        url = target;
        continue;
      }
      const bytes = await boundedBody(response, what, request.maxAnswerBytes ?? MAX_ANSWER_BYTES);
      const strict = decodeUtf8(bytes);
      const text = strict ?? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
      const notUtf8 = strict === null ? findInvalidUtf8(bytes) : null;
      return { status: response.status, statusText: response.statusText, headers: response.headers, text, notUtf8 };
    }
  } catch (error) {
    if (error instanceof HttpExchangeError) throw error;
    if (request.signal?.aborted) throw new HttpExchangeError(`${what}: cancelled`, 'cancelled');
    if (timeout.aborted) throw new HttpExchangeError(`${what}: no complete answer within ${durationText(request.timeoutMs)} (timeout)`, 'timeout');
    const { code } = causeOf(error);
    if (code !== null && Object.prototype.hasOwnProperty.call(CERTIFICATE_REASONS, code)) {
      throw new HttpExchangeError(scrubber.scrub(`${what}: ${certificateProblem(code)}`), 'refused');
    }
    const failure = describeFailure(error, url);
    throw new HttpExchangeError(scrubber.scrub(`${what}: ${failure.text}`), failure.transient ? 'network' : 'failed');
  }
}

/**
 * The largest answer read, in bytes. Why a bound: an answer is held whole (as bytes, then text,
 * then parsed JSON, several times its size), so a page of a few hundred MiB exhausts the heap;
 * past about 512 MiB the text cannot even be made (V8's string limit), which surfaced as
 * `ERR_STRING_TOO_LONG`, taken for a network failure and downloaded four times. An answer this
 * large is refused at once (never retried: it would be as large again), saying why.
 */
export const MAX_ANSWER_BYTES = 256 * 1024 * 1024;

/** Bytes as `256 MiB`, `64 KiB` or `100 bytes`. */
function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(1))} MiB`;
  return bytes >= 1024 ? `${Number((bytes / 1024).toFixed(1))} KiB` : `${bytes} bytes`;
}

/** The body of `response`, refused (`reason: 'refused'`) beyond `limit` bytes. */
async function boundedBody(response: Response, what: string, limit: number): Promise<Uint8Array> {
  const tooLarge = (): HttpExchangeError =>
    new HttpExchangeError(`${what}: the answer is larger than ${sizeText(limit)}, more than recon reads in one answer (ask the API for smaller pages)`, 'refused');
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > limit) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (response.body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    // leaving the loop by throwing cancels the stream (the rest is never downloaded)
    if (total > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** Statuses worth another try: 408, 425, 429 and every 5xx except 501 and 505. */
export function isTransientStatus(status: number): boolean {
  if (status === 408 || status === 425 || status === 429) return true;
  return status >= 500 && status <= 599 && status !== 501 && status !== 505;
}

/**
 * Seconds to wait from a `Retry-After` header: a number of seconds or an HTTP date; null when
 * absent or unreadable. Never negative.
 */
export function retryAfterSeconds(value: string | null, now: number = Date.now()): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/** The start of an answer's body, on one line, scrubbed (for messages). */
export function bodySnippet(text: string, scrubber: SecretScrubber, limit = 300): string {
  const line = scrubber.scrub(text).replace(/\s+/g, ' ').trim();
  return line.length > limit ? `${line.slice(0, limit)}…` : line;
}

/** `GET http://host/x answered 404 Not Found: {"error": "..."}`, scrubbed. */
export function describeAnswer(method: string, shownUrl: string, response: HttpResponse, scrubber: SecretScrubber): string {
  const snippet = bodySnippet(response.text, scrubber);
  const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  return scrubber.scrub(`${method} ${shownUrl} answered ${status}${snippet ? `: ${snippet}` : ''}`);
}

/** Waits `ms`, or less when `signal` is aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
