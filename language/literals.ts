/**
 * Units of duration literals (LANGUAGE.md section 1): their value in expressions is milliseconds.
 * Shared by the AST builder, the checker's messages and the formatter.
 */
export const DURATION_UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
