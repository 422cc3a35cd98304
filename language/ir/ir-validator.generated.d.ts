// Types of the generated module beside this file (scripts/generate-ir-validator.ts).
import type { ErrorObject } from 'ajv';

/** ajv's standalone validator of the IR schema: true when valid, else `validate.errors` is set. */
export declare const validate: ((value: unknown) => boolean) & { errors?: ErrorObject[] | null };
export default validate;
