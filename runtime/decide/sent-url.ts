/**
 * The URL of an HTTP write as the HTTP client sends it, for the plan's `effect`.
 *
 * Why: the plan's `effect` is exactly what apply does (RUNTIME.md section 3), but `fetch` parses
 * the URL first (WHATWG URL): it resolves `.` and `..` path segments, percent-encodes what a URL
 * cannot hold (a space becomes `%20`) and never sends what follows a `#`. A value interpolated
 * into a write URL — a key read from the actual side, say `../../admin` — would then make the
 * plan show `DELETE …/settlements/../../admin` while apply sends `DELETE …/admin`: another
 * resource than the one reviewed. Such a URL (dot segments in its path, or a `#`) is refused, so
 * the action cannot be applied; any other URL is shown as it is sent.
 */

/** What `sentUrl` decided: the URL to show and send, or why the action cannot be sent. */
export type SentUrl = { url: string; problem: null } | { url: null; problem: string };

/** A path segment that WHATWG URL parsing resolves away: `.`, `..`, or either spelled with `%2e`. */
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

/** The scheme and authority of an absolute URL (`http://host:port`), for finding where its path starts. */
const SCHEME_AND_AUTHORITY = /^[a-z][a-z0-9+.-]*:[\\/]{2}[^\\/?#]*/i;

/**
 * The URL as it is sent (parsed as `fetch` parses it), or the problem that keeps it from being
 * sent as written: a `#` (nothing after it is sent) or a `.`/`..` segment in the path. A URL that
 * does not parse is returned as written: sending it fails with the client's own message.
 */
export function sentUrl(written: string): SentUrl {
  let parsed: URL;
  try {
    parsed = new URL(written);
  } catch {
    return { url: written, problem: null };
  }
  if (written.includes('#')) {
    return { url: null, problem: `${JSON.stringify(written)} holds "#": nothing after it would be sent` };
  }
  const authority = SCHEME_AND_AUTHORITY.exec(written);
  if (authority) {
    const path = written.slice(authority[0].length).split('?')[0];
    const segment = path.split(/[\\/]/).find((part) => DOT_SEGMENT.test(part));
    if (segment !== undefined) {
      return {
        url: null,
        problem: `${JSON.stringify(written)} has the path segment "${segment}", which would be resolved away (it would be sent as ${JSON.stringify(parsed.href)})`,
      };
    }
  }
  return { url: parsed.href, problem: null };
}
