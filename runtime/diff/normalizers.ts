/**
 * The normalizers of `normalize F, G, ...` (LANGUAGE.md 2.3): applied in order to both sides,
 * then the values are compared exactly.
 *
 * Why values a normalizer does not apply to pass through unchanged: `lower` on a number or
 * `round(2)` on text that is not a number has nothing to do, and failing there would turn a
 * tolerance rule into a source of errors. Lists are normalized element by element (`tags
 * normalize lower` compares tag lists case-insensitively), and objects value by value, their
 * field names kept (`labels ignore_case` compares a map of labels case-insensitively, as it
 * compares a list of them; a nested rule such as `meta.x exact` under `meta ignore_case` gives
 * `meta`'s other fields the same reading at every depth).
 *
 * - `trim`: removes white space at both ends.
 * - `lower`, `upper`: Unicode default case mapping.
 * - `collapse_space`: every run of white space becomes one space (ends are kept; add `trim`).
 * - `nfc`: Unicode normalization form C (composed), so `é` typed two ways is one text.
 * - `round(N)`: numbers (and decimal text) rounded half away from zero to N decimals.
 * - `utc`: a datetime (instant or ISO text) becomes the same instant written in UTC.
 */
import type { IrNormalizer } from '../../language/ir/ir-types.js';
import { roundHalfAwayFromZero } from '../expressions/arithmetic-operations.js';
import { isPlainObject, setOwn } from '../expressions/own-properties.js';
import { Instant, parseInstant, toNumber } from './value-coercion.js';

const WHITE_SPACE_RUN = /\s+/g;

/** Applies one normalizer to one value. */
export function applyNormalizer(value: unknown, normalizer: IrNormalizer): unknown {
  if (Array.isArray(value)) return value.map((element) => applyNormalizer(element, normalizer));
  if (isPlainObject(value)) {
    const normalized: Record<string, unknown> = {};
    for (const name of Object.keys(value)) setOwn(normalized, name, applyNormalizer(value[name], normalizer));
    return normalized;
  }
  switch (normalizer.name) {
    case 'trim':
      return typeof value === 'string' ? value.trim() : value;
    case 'lower':
      return typeof value === 'string' ? value.toLowerCase() : value;
    case 'upper':
      return typeof value === 'string' ? value.toUpperCase() : value;
    case 'collapse_space':
      return typeof value === 'string' ? value.replace(WHITE_SPACE_RUN, ' ') : value;
    case 'nfc':
      return typeof value === 'string' ? value.normalize('NFC') : value;
    case 'round': {
      if (typeof value !== 'number' && typeof value !== 'string') return value;
      const n = toNumber(value);
      return n === null ? value : roundHalfAwayFromZero(n, normalizer.digits);
    }
    case 'utc': {
      if (value instanceof Instant) return value;
      if (typeof value !== 'string') return value;
      const instant = parseInstant(value);
      return instant === null ? value : instant.toISOString();
    }
  }
}

/** Applies normalizers in order. */
export function applyNormalizers(value: unknown, normalizers: readonly IrNormalizer[]): unknown {
  let result = value;
  for (const normalizer of normalizers) result = applyNormalizer(result, normalizer);
  return result;
}
