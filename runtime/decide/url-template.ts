/**
 * Write URLs (`update PATCH "${env("API")}/users/${key.id}"`): record values go into them as one
 * percent-encoded component each.
 *
 * Why: the values come from the records — often from the actual system itself — and pasted in
 * as they are, a key such as `../admin` made `PATCH /users/../admin`, which every HTTP client
 * normalises to `PATCH /admin`, and `a/b?x=1` added a path segment and a query. A record could
 * thus steer a write (a DELETE) to another resource than the plan's item, and the request sent
 * was not the one the plan showed. So, like a URI template's simple expansion, each part of the
 * interpolation that reads `desired`, `actual`, `key` or `diff` is encoded with
 * `encodeURIComponent` (`a/b` becomes `a%2Fb`, a space `%20`); a part that is a dot segment (`.`,
 * `..`) cannot be a component at all and makes the URL an error. Configuration — literal
 * text, `env(...)`, `secret(...)`, constants — is used as written, and so is a record value
 * that starts the URL (`update PATCH "${actual.self}"`: a link the system gave), which is a
 * whole URL rather than a component of one.
 *
 * The plan's effect (the decider) and the http writer, when it rebuilds a URL holding a secret,
 * both build URLs here, so what the plan shows is what is sent.
 */
import type { IrExpr } from '../../language/ir/ir-types.js';
import { textOf } from '../expressions/value-semantics.js';
import { sentUrl } from './sent-url.js';

/** One part of a URL template: its expression, and whether its text is encoded as a component. */
export interface UrlPart {
  expr: IrExpr;
  encode: boolean;
}

const RECORD_ROOTS = new Set(['desired', 'actual', 'key', 'diff']);

/** Whether an expression reads a record root (`desired`, `actual`, `key`, `diff`). */
export function readsRecord(expr: IrExpr): boolean {
  if (expr === null || typeof expr !== 'object') return false;
  if (Array.isArray(expr)) return expr.some(readsRecord);
  for (const [operation, argument] of Object.entries(expr)) {
    if (operation === 'var') {
      const path = Array.isArray(argument) ? argument[0] : argument;
      if (typeof path === 'string' && RECORD_ROOTS.has(path.split(/[.[]/u)[0]!)) return true;
      if (typeof path !== 'string' && readsRecord(path)) return true;
      if (Array.isArray(argument) && argument.slice(1).some(readsRecord)) return true;
      continue;
    }
    if (readsRecord(argument)) return true;
  }
  return false;
}

/** The parts of a URL expression: an interpolation's arguments, else the expression as one part. */
export function urlParts(expr: IrExpr): UrlPart[] {
  const parts: IrExpr[] =
    expr !== null && typeof expr === 'object' && !Array.isArray(expr) && Object.keys(expr).length === 1 && Array.isArray(expr.concat) ? expr.concat : [expr];
  return parts.map((part, index) => ({ expr: part, encode: index > 0 && readsRecord(part) }));
}

/**
 * The URL from its parts' values (in the order of `parts`): encoded parts percent-encoded.
 * Returns an error message instead when an encoded part is `.` or `..`.
 */
export function joinUrl(parts: readonly UrlPart[], values: readonly unknown[]): { url: string } | { error: string } {
  let url = '';
  for (let i = 0; i < parts.length; i++) {
    const text = textOf(values[i]);
    if (!parts[i]!.encode) {
      url += text;
      continue;
    }
    if (text === '.' || text === '..') return { error: `the record value ${JSON.stringify(text)} cannot be a part of a URL (a dot segment, which a URL resolves away)` };
    url += encodeURIComponent(text);
  }
  return { url };
}

/**
 * The URL the plan shows and apply sends: `joinUrl`, then as the HTTP client parses it
 * (`sent-url.ts`: a `#` or a dot segment left in the written text is an error too). The decider
 * builds the effect's URL here and the http writer rebuilds a URL holding a secret here, so the
 * two cannot differ.
 */
export function buildUrl(parts: readonly UrlPart[], values: readonly unknown[]): { url: string } | { error: string } {
  const joined = joinUrl(parts, values);
  if ('error' in joined) return joined;
  const sent = sentUrl(joined.url);
  return sent.url === null ? { error: sent.problem } : { url: sent.url };
}
