/**
 * The closed sets of words of the language: field types, comparators, normalizers, kinds of
 * difference, actions, severities, modes, limits, rate units, expectations, write operations.
 *
 * Why a table apart from the grammar: the parser accepts any name where these stand (so a typo is
 * one precise "did you mean" instead of a syntax error), and the checker, the compiler, hover and
 * completion need the same lists.
 */
import type { IrActionKind, IrDiffKind, IrFieldType } from '../ir/ir-types.js';

/** Types a `fields` block may declare. */
export const FIELD_TYPES: readonly IrFieldType[] = ['string', 'number', 'integer', 'bool', 'datetime', 'json'];

/** Comparators written as one word. */
export const NAMED_COMPARATORS = ['exact', 'ignore', 'ignore_case'] as const;
/** Every comparator word (for "did you mean" on a misspelt one). */
export const COMPARATOR_WORDS: readonly string[] = [...NAMED_COMPARATORS, 'within', 'unordered', 'normalize', 'by'];

/** Normalizers of `normalize`; `round` takes a number of decimals. */
export const NORMALIZERS = ['trim', 'lower', 'upper', 'collapse_space', 'nfc', 'round', 'utc'] as const;
/** Normalizers that take an argument `(N)`, and those that take none. */
export const NORMALIZERS_WITH_ARGUMENT: readonly string[] = ['round'];

/** `default exact` | `default ignore` in `compare`. */
export const COMPARE_DEFAULTS = ['exact', 'ignore'] as const;

/** Kinds of difference a remediation rule may name (`any`: every kind but invalid). */
export const RULE_KINDS: readonly (IrDiffKind | 'any')[] = ['missing', 'extra', 'changed', 'invalid', 'any'];
/** The kinds `any` covers. */
export const ANY_COVERS: readonly IrDiffKind[] = ['missing', 'extra', 'changed'];

/** Actions of remediation rules. */
export const ACTIONS: readonly IrActionKind[] = ['create', 'update', 'delete', 'ticket', 'ignore', 'report'];
/** Actions that write to the actual source. */
export const WRITING_ACTIONS: readonly IrActionKind[] = ['create', 'update', 'delete'];
/** The one kind each writing action fits (create a missing record, update a changed one, delete an extra one). */
export const ACTION_KIND: Readonly<Record<'create' | 'update' | 'delete', IrDiffKind>> = { create: 'missing', update: 'changed', delete: 'extra' };
/** Actions that can wait for approval. */
export const GATEABLE_ACTIONS: readonly IrActionKind[] = ['create', 'update', 'delete', 'ticket'];

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export const MODES = ['audit', 'enforce'] as const;

export const LIMIT_NAMES = ['max_changes', 'max_ratio', 'max_deletes', 'on_exceed'] as const;
export const ON_EXCEED = ['abort', 'approve'] as const;

export const RATE_UNITS = ['s', 'm', 'h'] as const;

/** Counts an `expect { }` block may assert. */
export const EXPECT_COUNTS = ['missing', 'extra', 'changed', 'invalid', 'ignored'] as const;
/** Every word that may start an expectation. */
export const EXPECT_WORDS: readonly string[] = [...EXPECT_COUNTS, 'action'];

/** Operations of a `write { }` block (besides `map`). */
export const WRITE_OPERATIONS = ['create', 'update', 'delete'] as const;

/** HTTP methods a write operation may use. */
export const HTTP_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE', 'GET'] as const;

/** Whether `word` is one of `words` (a typed membership test for the readonly tuples above). */
export function isOneOf<T extends string>(words: readonly T[], word: string): word is T {
  return (words as readonly string[]).includes(word);
}
