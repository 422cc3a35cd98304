/**
 * Keeping `secret()` values out of everything a connector or a writer shows.
 *
 * Why a scrubber and not only `redacted` values: the evaluator redacts the values it builds (a
 * URL, headers), but a connector also shows text it did not build — a server's error body, a
 * driver's message, a program's stderr, a `next` link a server echoed — and any of those may
 * repeat a secret (a token in a query string, a password in a connection error). Every message a
 * connector or writer raises goes through `scrub`, which knows every secret value read so far,
 * in its plain and URL-encoded forms.
 */
import type { IrExpr } from '../../language/ir/ir-types.js';
import { REDACTED } from '../expressions/secret-redaction.js';
import type { ConnectorValue } from '../expressions/expression-evaluator.js';

/**
 * The shapes a secret may take in text: as is; as URLs encode it (`encodeURI*`, a form, and what
 * the WHATWG URL parser makes of it in a path, a query or a password — `fetch` sends those, so a
 * server echoing its request line repeats them); and inside a JSON string (a server's JSON error
 * body quoting a header with `"` or `\` in it). Encoded forms are never shorter than the secret,
 * so a form that comes out shorter (a path's `..` removed) is not a form of it.
 */
function variantsOf(secret: string): string[] {
  const variants = new Set<string>([secret, JSON.stringify(secret).slice(1, -1)]);
  const attempts: (() => string)[] = [
    () => encodeURIComponent(secret),
    () => encodeURI(secret),
    () => new URLSearchParams({ s: secret }).toString().slice(2),
    () => new URL(`http://h/?${secret}`).search.slice(1),
    () => new URL(`http://h/${secret}`).pathname.slice(1),
    () => {
      const url = new URL('http://h/');
      url.password = secret;
      return url.password;
    },
  ];
  for (const attempt of attempts) {
    try {
      const variant = attempt();
      if (variant.length >= secret.length) variants.add(variant);
    } catch {
      // A lone surrogate cannot be encoded; the other forms are still scrubbed.
    }
  }
  return [...variants].filter((variant) => variant !== '');
}

/** Collects secret values and removes them from text. */
export class SecretScrubber {
  private readonly secrets = new Set<string>();
  private ordered: string[] = [];

  /** Remembers secret values (empty ones are ignored: they would match everywhere). */
  add(values: Iterable<string>): void {
    let changed = false;
    for (const value of values) {
      if (typeof value !== 'string' || value === '') continue;
      for (const variant of variantsOf(value)) {
        if (!this.secrets.has(variant)) {
          this.secrets.add(variant);
          changed = true;
        }
      }
    }
    if (changed) this.ordered = [...this.secrets].sort((a, b) => b.length - a.length);
  }

  /** Whether any secret is known. */
  get empty(): boolean {
    return this.secrets.size === 0;
  }

  /** `text` with every known secret (longest first) replaced by `***`. */
  scrub(text: string): string {
    let result = text;
    for (const secret of this.ordered) if (result.includes(secret)) result = result.split(secret).join(REDACTED);
    return result;
  }

  /** A deep copy of `value` with every string scrubbed (for JSON shown in messages). */
  scrubValue(value: unknown): unknown {
    if (typeof value === 'string') return this.scrub(value);
    if (Array.isArray(value)) return value.map((inner) => this.scrubValue(inner));
    if (value !== null && typeof value === 'object') {
      const copy: Record<string, unknown> = {};
      for (const [name, inner] of Object.entries(value)) {
        Object.defineProperty(copy, this.scrub(name), { value: this.scrubValue(inner), enumerable: true, writable: true, configurable: true });
      }
      return copy;
    }
    return value;
  }
}

/** What a connector value evaluator looks like (`ConnectorContext.evaluateConnectorValue`). */
export type ConnectorValueEvaluator = (expr: IrExpr, data?: unknown) => ConnectorValue;

/**
 * Evaluates a connector argument or option, remembering the secrets it read in `scrubber`.
 * Without a secret-aware evaluator (`fallback` only), nothing evaluated may be shown: `redacted`
 * is `***` for any text.
 */
export function evaluateTracked(
  expr: IrExpr,
  scrubber: SecretScrubber,
  evaluator: ConnectorValueEvaluator | undefined,
  fallback: (expr: IrExpr) => unknown,
  data?: unknown,
): ConnectorValue {
  if (evaluator) {
    const result = evaluator(expr, data);
    scrubber.add(result.secrets ?? []);
    return result;
  }
  const value = fallback(expr);
  return { value, redacted: hideAll(value), secret: false, secrets: [] };
}

function hideAll(value: unknown): unknown {
  if (typeof value === 'string') return REDACTED;
  if (Array.isArray(value)) return value.map(hideAll);
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [name, inner] of Object.entries(value)) copy[name] = hideAll(inner);
    return copy;
  }
  return value;
}

/** The message of an unknown thrown value, scrubbed. */
export function scrubbedMessage(error: unknown, scrubber: SecretScrubber): string {
  const message = error instanceof Error ? error.message : String(error);
  return scrubber.scrub(message);
}
