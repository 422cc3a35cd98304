/**
 * The IR as text: what `recon compile` writes and what plans embed.
 *
 * Why one function: RUNTIME.md section 1 promises byte-identical IR for the same input, and the
 * plan's `ir_hash` is taken over it. The compiler builds every object with its keys in one fixed
 * order (the order of `ir-types.ts`) and lists in source or name order, so plain JSON with a
 * fixed layout is stable: two-space indent, `\n` line ends, one trailing newline.
 */
import type { IrDocument } from '../ir/ir-types.js';

/** Stable JSON text of an IR document (2-space indent, trailing newline). */
export function serializeIr(ir: IrDocument): string {
  return `${JSON.stringify(ir, null, 2)}\n`;
}
