import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED_VALIDATOR_PATH, irValidatorSource } from '../../../scripts/generate-ir-validator.js';

describe('the ahead-of-time compiled IR validator', () => {
  it('is exactly what the generator makes from the current schema (run `npx tsx scripts/generate-ir-validator.ts` after changing it)', () => {
    expect(readFileSync(GENERATED_VALIDATOR_PATH, 'utf8')).toBe(irValidatorSource());
  });
});
