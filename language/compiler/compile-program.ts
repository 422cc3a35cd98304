/**
 * The compiler's entry point: a checked program to its IR document.
 *
 * Why it compiles only what the entry file needs: the IR is everything `plan`, `approve`,
 * `apply` and `test` need, and nothing else. That is the entry module's policies (in
 * declaration order) and tests (in declaration order); the sources those policies name as
 * `desired` and `actual`, imported ones under their qualified names (`src.gateway`), sorted by
 * qualified name; and the groups their rules name in `requires approval from`, sorted the same
 * way. Profiles are flattened into each policy's compare rules and lets are inlined into the
 * expressions that use them, so neither appears in the IR.
 *
 * It runs after the checker and expects a program that checked clean, but it never throws: on
 * odd input it reports diagnostics (the checker's codes where they fit, `not-constant`,
 * `compile-incomplete`) and returns no IR. The IR it does return always passes `validateIr`;
 * should it not (a compiler bug), that is reported as `internal-compiler-error`.
 */
import type * as A from '../ast.js';
import { stringText } from '../ast-builder.js';
import { hasErrors, type Diagnostic } from '../diagnostics.js';
import { IR_VERSION, type IrDocument, type IrGroup, type IrPolicy, type IrSource, type IrTest } from '../ir/ir-types.js';
import { validateIr } from '../ir/ir-validate.js';
import type { Module, Program } from '../program.js';
import { CompileContext } from './compile-context.js';
import { compilePolicy, type PolicyUses } from './compile-policy.js';
import { compileSource } from './compile-source.js';
import { compileTest } from './compile-test.js';
import { foldConstant } from './constant-folding.js';

export { serializeIr } from './serialize-ir.js';

/** What compiling gives: the IR, or null when any error was reported; and every diagnostic. */
export interface CompileResult {
  ir: IrDocument | null;
  /** The compiler's own diagnostics (the checker's are in each module's `diagnostics`). */
  diagnostics: Diagnostic[];
}

/**
 * Compiles the entry module of `program` to an IR document (see the module comment for what
 * it holds). Deterministic: the same program gives an equal IR, and `serializeIr` gives the
 * same bytes for it. Never throws.
 */
export function compileProgram(program: Program): CompileResult {
  const ctx = new CompileContext(program);
  const entry = program.entry;
  try {
    const ir = buildIr(ctx, entry);
    if (hasErrors(ctx.diagnostics)) return { ir: null, diagnostics: ctx.diagnostics };
    try {
      validateIr(ir);
    } catch (error) {
      ctx.report(entry, 'internal-compiler-error', { start: 0, end: 0 }, { detail: messageOf(error) });
      return { ir: null, diagnostics: ctx.diagnostics };
    }
    return { ir, diagnostics: ctx.diagnostics };
  } catch (error) {
    ctx.report(entry, 'internal-compiler-error', { start: 0, end: 0 }, { detail: messageOf(error) });
    return { ir: null, diagnostics: ctx.diagnostics };
  }
}

function buildIr(ctx: CompileContext, entry: Module): IrDocument {
  const declarations = entry.parsed.ast.declarations;
  const uses: PolicyUses = { sources: new Map(), groups: new Map() };

  const policies: IrPolicy[] = [];
  for (const decl of declarations) {
    if (decl.kind !== 'Policy' || entry.symbols.policy.get(decl.name.text) !== decl) continue;
    const policy = compilePolicy(ctx, entry, decl, uses);
    if (policy) policies.push(policy);
  }

  const policyNames = new Set(entry.symbols.policy.keys());
  const tests: IrTest[] = [];
  for (const decl of declarations) {
    if (decl.kind !== 'Test' || entry.symbols.test.get(stringText(decl.name)) !== decl) continue;
    const test = compileTest(ctx, entry, decl, policyNames);
    if (test) tests.push(test);
  }

  const sources: IrSource[] = [];
  for (const name of sortedKeys(uses.sources)) {
    const { module, decl } = uses.sources.get(name)!;
    const source = compileSource(ctx, module, decl, name);
    if (source) sources.push(source);
  }

  const groups: IrGroup[] = [];
  for (const name of sortedKeys(uses.groups)) {
    const { module, decl } = uses.groups.get(name)!;
    const group = compileGroup(ctx, module, decl, name);
    if (group) groups.push(group);
  }

  return { version: IR_VERSION, file: ctx.fileLabel(entry), sources, groups, policies, tests };
}

function compileGroup(ctx: CompileContext, module: Module, decl: A.GroupDecl, name: string): IrGroup | null {
  const folded = foldConstant(ctx, module, decl.members, `the members of group '${name}'`);
  if (!folded.ok) return null;
  const members = Array.isArray(folded.value) ? folded.value : [];
  const strings = members.filter((m): m is string => typeof m === 'string');
  if (strings.length !== members.length) {
    ctx.report(module, 'type-mismatch', decl.members, { detail: `the members of group '${name}' must be strings` });
    return null;
  }
  return { name, members: strings, at: ctx.at(module, decl.start) };
}

/** Map keys in code-unit order: the same on every machine and locale. */
function sortedKeys(map: ReadonlyMap<string, unknown>): string[] {
  return [...map.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
