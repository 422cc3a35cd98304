/**
 * `test` declarations to `IrTest`.
 *
 * Why the records are folded to plain JSON: `recon test` runs with no I/O at all, the records
 * stand in for both sources, so they must be values, known now (LANGUAGE.md 2.4). They are
 * written as the source presents them (after `select`); the runtime still applies `fields`
 * coercion and `where`. Lets, unary minus, durations (milliseconds) and percentages (fractions)
 * are allowed; anything else is `not-constant`.
 *
 * Expectations: `expect no_drift` is `{no_drift: true}`; a block keeps its counts and actions
 * in the order written. A key is a string, a number or a list of them (a composite key).
 */
import type * as A from '../ast.js';
import type { IrActionKind, IrTest, IrTestKey } from '../ir/ir-types.js';
import type { Module } from '../program.js';
import type { CompileContext } from './compile-context.js';
import { foldConstant, foldString } from './constant-folding.js';

const COUNT_KINDS: ReadonlySet<string> = new Set(['missing', 'extra', 'changed', 'invalid', 'ignored']);
const ACTIONS: ReadonlySet<string> = new Set(['create', 'update', 'delete', 'ticket', 'ignore', 'report']);

type IrExpect = IrTest['expect'];
type ExpectBlock = Extract<IrExpect, { no_drift: false }>;

/**
 * Compiles the test `decl` of `module`. `policies` are the names of the policies the IR holds;
 * a test must name one of them (a policy of its own file). Null after reporting a problem.
 */
export function compileTest(ctx: CompileContext, module: Module, decl: A.TestDecl, policies: ReadonlySet<string>): IrTest | null {
  if (decl.missing || decl.name.missing || decl.policy.missing || decl.policy.name.missing) {
    ctx.incomplete(module, decl, 'this test');
    return null;
  }
  const name = foldString(ctx, module, decl.name, 'a test name');
  const ref = decl.policy;
  const policy = ref.name.text;
  if (ref.module !== null || !policies.has(policy)) {
    const written = ref.module ? `${ref.module.text}.${policy}` : policy;
    ctx.report(module, 'unknown-policy', ref, { name: written, hint: ref.module ? ': a test names a policy of its own file' : '' });
    return null;
  }
  const desired = records(ctx, module, decl.desired, 'desired test data');
  const actual = records(ctx, module, decl.actual, 'actual test data');
  const expect = compileExpect(ctx, module, decl.expect);
  if (name === null || desired === null || actual === null || expect === null) return null;
  return { name, policy, desired, actual, expect, at: ctx.at(module, decl.start) };
}

function records(ctx: CompileContext, module: Module, list: A.ListLiteral, what: string): unknown[] | null {
  const folded = foldConstant(ctx, module, list, what);
  if (!folded.ok) return null;
  return Array.isArray(folded.value) ? folded.value : null;
}

function compileExpect(ctx: CompileContext, module: Module, expect: A.TestDecl['expect']): IrExpect | null {
  if (expect.kind === 'NoDrift') {
    if (expect.word.missing) {
      ctx.incomplete(module, expect, 'this expectation');
      return null;
    }
    if (expect.word.text !== 'no_drift') {
      ctx.report(module, 'unknown-expectation', expect.word, { name: expect.word.text, hint: '' });
      return null;
    }
    return { no_drift: true };
  }
  const block: ExpectBlock = { no_drift: false, counts: [], actions: [] };
  let ok = true;
  for (const entry of expect.entries) {
    if (entry.kind === 'ExpectCount') {
      const count = compileCount(ctx, module, entry);
      if (count) block.counts.push(count);
      else ok = false;
    } else {
      const action = compileAction(ctx, module, entry);
      if (action) block.actions.push(action);
      else ok = false;
    }
  }
  return ok ? block : null;
}

function compileCount(
  ctx: CompileContext,
  module: Module,
  entry: Extract<A.ExpectEntry, { kind: 'ExpectCount' }>,
): ExpectBlock['counts'][number] | null {
  if (entry.name.missing || entry.count.missing) {
    ctx.incomplete(module, entry, 'this expectation');
    return null;
  }
  const kind = entry.name.text;
  if (!COUNT_KINDS.has(kind)) {
    ctx.report(module, 'unknown-expectation', entry.name, { name: kind, hint: '' });
    return null;
  }
  const count = entry.count.value;
  if (!Number.isInteger(count) || count < 0) {
    ctx.report(module, 'value-out-of-range', entry.count, { detail: `${kind} needs a whole number of 0 or more, not ${entry.count.text}` });
    return null;
  }
  return { kind: kind as ExpectBlock['counts'][number]['kind'], count, at: ctx.at(module, entry.start) };
}

function compileAction(
  ctx: CompileContext,
  module: Module,
  entry: Extract<A.ExpectEntry, { kind: 'ExpectAction' }>,
): ExpectBlock['actions'][number] | null {
  if (entry.word.missing || entry.action.missing) {
    ctx.incomplete(module, entry, 'this expectation');
    return null;
  }
  if (entry.word.text !== 'action') {
    ctx.report(module, 'unknown-expectation', entry.word, { name: entry.word.text, hint: '' });
    return null;
  }
  const action = entry.action.text;
  if (!ACTIONS.has(action)) {
    ctx.report(module, 'unknown-action', entry.action, { name: action, hint: '' });
    return null;
  }
  const folded = foldConstant(ctx, module, entry.key, 'a test key');
  if (!folded.ok) return null;
  const key = testKey(folded.value);
  if (key === null) {
    ctx.report(module, 'invalid-test-key', entry.key, {});
    return null;
  }
  return { action: action as IrActionKind, key, requires_approval: entry.requiresApproval, at: ctx.at(module, entry.start) };
}

function testKey(value: unknown): IrTestKey | null {
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' || typeof v === 'number')) {
    return value as (string | number)[];
  }
  return null;
}
