/**
 * Replaces secret values inside a value by `***`.
 *
 * Why: `secret("NAME")` values are never printed, logged, or written into a plan (LANGUAGE.md
 * 2.1). The evaluator records which secret values an expression read; everything shown to a user
 * (a plan's `effect`, an error message) goes through `redactSecrets` first.
 */

/** The text that stands for a secret wherever one would be shown. */
export const REDACTED = '***';

function redactText(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) if (result.includes(secret)) result = result.split(secret).join(REDACTED);
  return result;
}

function redactDeep(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, secrets));
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(copy, redactText(k, secrets), { value: redactDeep(v, secrets), enumerable: true, writable: true, configurable: true });
    }
    return copy;
  }
  return value;
}

function replaceEveryText(value: unknown): unknown {
  if (typeof value === 'string') return REDACTED;
  if (Array.isArray(value)) return value.map(replaceEveryText);
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(copy, k, { value: replaceEveryText(v), enumerable: true, writable: true, configurable: true });
    }
    return copy;
  }
  // A number or boolean computed from a secret could still leak it.
  return value === null ? null : REDACTED;
}

/**
 * Whether JSON text still shows `secret` as `lower`, `upper` or `trim` (the built-ins that
 * transform text) would make it: compared without case, trimmed, as JSON escapes it.
 */
function showsTransformed(json: string, secret: string): boolean {
  const core = secret.trim();
  if (core === '') return false;
  return json.toLowerCase().includes(JSON.stringify(core).slice(1, -1).toLowerCase());
}

/**
 * A copy of `value` with every occurrence of every secret replaced by `***` (longest secrets
 * first, so a secret containing another is hidden whole). When secrets were read but none occurs
 * literally (the expression transformed the secret, say `upper(secret("X"))`), or a transformed
 * copy is left beside the hidden ones (`"${secret("X")}/${lower(secret("X"))}"`), every text of
 * the value is replaced: showing too little beats leaking a derived secret.
 */
export function redactSecrets(value: unknown, secrets: Iterable<string>): unknown {
  const list = [...new Set(secrets)].filter((s) => s !== '').sort((a, b) => b.length - a.length);
  if (list.length === 0) return value;
  const redacted = redactDeep(value, list);
  const json = JSON.stringify(redacted);
  if (json === JSON.stringify(value) || list.some((secret) => showsTransformed(json, secret))) return replaceEveryText(value);
  return redacted;
}

/** Fewest characters of a secret's start that count as the secret showing (a cut-off quote). */
const SHOWN_HEAD = 4;

/** Replaces every run of `text` that starts a secret (at least `SHOWN_HEAD` characters of it). */
function redactHeads(text: string, secret: string): string {
  const head = secret.slice(0, SHOWN_HEAD);
  let result = '';
  let from = 0;
  for (let at = text.indexOf(head, from); at >= 0; at = text.indexOf(head, from)) {
    let end = at + head.length;
    while (end < text.length && end - at < secret.length && text[end] === secret[end - at]) end++;
    result += `${text.slice(from, at)}${REDACTED}`;
    from = end;
  }
  return result + text.slice(from);
}

/**
 * An error message with the secrets read before the error hidden: each secret, as is and as JSON
 * writes it inside a string, and also its start when a message cut the quoted value short
 * (`describeValue` shows 37 characters and `...`).
 *
 * Why: a failing expression in a connector option (`secret("T") matches secret("T")`, or a type
 * error over a secret the checker could not type) raises a message that quotes the value; the
 * evaluator knows which secrets it read, the caller's scrubber does not yet (it learns them only
 * from a value that evaluated).
 */
export function redactMessage(message: string, secrets: Iterable<string>): string {
  const variants = new Set<string>();
  for (const secret of secrets) {
    if (secret === '') continue;
    variants.add(secret);
    variants.add(JSON.stringify(secret).slice(1, -1));
  }
  const list = [...variants].sort((a, b) => b.length - a.length);
  let result = redactText(message, list);
  for (const secret of list) result = redactHeads(result, secret);
  return result;
}
