/**
 * Checks of `test` declarations (LANGUAGE.md 2.4): the policy it names, its records (constant
 * objects whose fields the typed sources have), and its expectations.
 *
 * Why: a test that names a misspelt expectation or field would otherwise pass or fail for the
 * wrong reason; `expect { mising 1 }` must be a "did you mean", not a silently ignored line.
 */
import type * as A from '../ast.js';
import { stringText } from '../ast-builder.js';
import { diagnostic } from '../diagnostics.js';
import { resolveRef } from '../program.js';
import type { CheckContext } from './check-context.js';
import { constantValue, type ConstantResult } from './constant-values.js';
import { constantScope } from './expression-scope.js';
import { someExpression } from './expression-walk.js';
import { fieldNameText, type SourceShape } from './source-shape.js';
import { ACTIONS, EXPECT_COUNTS, EXPECT_WORDS, isOneOf } from './vocabulary.js';

/** Reports `not-constant` for a failed constant evaluation, unless its cause is reported already. */
export function reportNotConstant(ctx: CheckContext, result: Extract<ConstantResult, { ok: false }>, what: string): void {
  const node = result.node;
  if (someExpression(node, (e) => e.missing === true)) return;
  // an unknown name, or a secret() call, has its own diagnostic
  if (node.kind === 'NameRef' && !ctx.module.symbols.let.has(node.name.text)) return;
  if (node.kind === 'Member' && node.object.kind === 'NameRef' && ctx.module.imports.some((i) => i.alias === (node.object as A.NameRef).name.text)) return;
  ctx.report(diagnostic('not-constant', node.start, node.end, { what }));
}

/** Checks one test declaration of the context's module. */
export function checkTest(ctx: CheckContext, decl: A.TestDecl): void {
  const testName = decl.name.missing ? '' : stringText(decl.name);
  const policy = ctx.resolve(decl.policy, 'policy', 'unknown-policy');
  let desired: SourceShape | null = null;
  let actual: SourceShape | null = null;
  if (policy) {
    for (const stmt of policy.decl.statements) {
      if (stmt.kind !== 'Desired' && stmt.kind !== 'Actual') continue;
      if (stmt.source.missing) continue;
      const source = resolveRef(policy.module, stmt.source, 'source').resolved;
      if (!source) continue;
      const shape = ctx.facts.shapeOf(source.decl, source.qualifiedName);
      if (stmt.kind === 'Desired') desired ??= shape;
      else actual ??= shape;
    }
  }
  checkRecords(ctx, decl.desired, desired);
  checkRecords(ctx, decl.actual, actual);
  checkExpect(ctx, decl, testName, policy?.qualifiedName ?? null, desired?.key?.length ?? null);
}

function checkRecords(ctx: CheckContext, list: A.ListLiteral, shape: SourceShape | null): void {
  if (list.missing) return;
  ctx.checkExpr(list, constantScope(ctx.module));
  for (const element of list.elements) {
    const value = constantValue(element, ctx.module);
    if (!value.ok) {
      reportNotConstant(ctx, value, 'a test record');
      continue;
    }
    if (value.value === null || typeof value.value !== 'object' || Array.isArray(value.value)) {
      ctx.report(diagnostic('type-mismatch', element.start, element.end, { detail: `a test record is an object { field: value }, got ${Array.isArray(value.value) ? 'a list' : JSON.stringify(value.value)}` }));
      continue;
    }
    const fields = shape?.record.fields;
    if (!fields || element.kind !== 'Object') continue;
    for (const entry of element.entries) {
      if (entry.key.missing) continue;
      const name = fieldNameText(entry.key);
      if (!fields.has(name)) ctx.reportUnknown('unknown-field', entry.key.start, entry.key.end, name, fields.keys(), { source: shape.name });
    }
  }
}

function checkExpect(ctx: CheckContext, decl: A.TestDecl, testName: string, policy: string | null, keyArity: number | null): void {
  const expect = decl.expect;
  if (expect.kind === 'NoDrift') {
    ctx.expectWord('unknown-expectation', expect.word, ['no_drift']);
    return;
  }
  const counts = new Set<string>();
  for (const entry of expect.entries) {
    if (entry.kind === 'ExpectCount') {
      if (!ctx.expectWord('unknown-expectation', entry.name, EXPECT_WORDS)) continue;
      if (!isOneOf(EXPECT_COUNTS, entry.name.text)) {
        ctx.report(diagnostic('unknown-expectation', entry.start, entry.end, { name: ctx.text(entry), hint: ': write action ACTION on KEY' }));
        continue;
      }
      if (counts.has(entry.name.text)) {
        ctx.report(diagnostic('duplicate-statement', entry.name.start, entry.name.end, { name: entry.name.text, where: `the expect block of test "${testName}"` }));
      }
      counts.add(entry.name.text);
      const count = entry.count;
      if (!count.missing && !(Number.isInteger(count.value) && count.value >= 0)) {
        ctx.report(diagnostic('value-out-of-range', count.start, count.end, { detail: `${entry.name.text} takes a whole number of at least 0, got ${count.text}` }));
      }
      continue;
    }
    ctx.expectWord('unknown-expectation', entry.word, ['action']);
    ctx.expectWord('unknown-action', entry.action, ACTIONS);
    checkExpectKey(ctx, entry.key, policy, keyArity);
  }
}

function checkExpectKey(ctx: CheckContext, key: A.Expr, policy: string | null, keyArity: number | null): void {
  if (key.missing) return;
  const parts = key.kind === 'List' ? key.elements : [key];
  for (const part of parts) {
    const value = constantValue(part, ctx.module);
    if (!value.ok) {
      ctx.checkExpr(part, constantScope(ctx.module));
      reportNotConstant(ctx, value, 'a key in an expectation');
    } else if (typeof value.value !== 'string' && typeof value.value !== 'number') {
      ctx.report(diagnostic('type-mismatch', part.start, part.end, { detail: `a key part is a string or a number, got ${JSON.stringify(value.value)}` }));
    }
  }
  if (keyArity !== null && policy !== null && parts.length !== keyArity) {
    ctx.report(diagnostic('test-key-arity', key.start, key.end, { key: ctx.text(key), actual: parts.length, policy, expected: keyArity }));
  }
}
