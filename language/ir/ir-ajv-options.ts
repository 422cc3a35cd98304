/**
 * The ajv options the IR schema is compiled with. One constant, because the validator is
 * compiled ahead of time (`scripts/generate-ir-validator.ts`) and the test that keeps the
 * generated module in sync must compile it the same way.
 */
export const IR_AJV_OPTIONS = {
  allErrors: true,
  strict: true,
  // Expressions and test keys are unions of JSON types; each is spelt as one `type` list
  // rather than an `anyOf`, which keeps error reports to one line per mistake.
  allowUnionTypes: true,
  discriminator: true,
  // Errors carry the schema objects they come from, which is how `describeError` tells
  // which rule failed (ajv's `schemaPath` is relative to the referenced definition).
  verbose: true,
} as const;
