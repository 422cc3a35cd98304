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
 * A copy of `value` with every occurrence of every secret replaced by `***` (longest secrets
 * first, so a secret containing another is hidden whole). When secrets were read but none occurs
 * literally (the expression transformed the secret, say `upper(secret("X"))`), every text of the
 * value is replaced: showing too little beats leaking a derived secret.
 */
export function redactSecrets(value: unknown, secrets: Iterable<string>): unknown {
  const list = [...new Set(secrets)].filter((s) => s !== '').sort((a, b) => b.length - a.length);
  if (list.length === 0) return value;
  const redacted = redactDeep(value, list);
  if (JSON.stringify(redacted) === JSON.stringify(value)) return replaceEveryText(value);
  return redacted;
}
