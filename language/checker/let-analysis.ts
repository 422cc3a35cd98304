/**
 * Facts about `let` constants across the program: their inferred types, whether they use
 * `secret()`, and cycles among them.
 *
 * Why apart: a let is declared once and used in many expressions, possibly of other modules
 * (`alias.name`); computing each fact once per program keeps checking linear, and the cycle guard
 * keeps `let a = b  let b = a` from looping (the cycle itself is reported once, here).
 */
import type * as A from '../ast.js';
import type { Module } from '../program.js';
import type { ValueType } from './builtin-functions.js';
import { constantLet } from './constant-values.js';
import { childExpressions, someExpression } from './expression-walk.js';
import { constantScope } from './expression-scope.js';
import { inferExpressionType, type ExpressionHost } from './expression-types.js';

/** The lets an expression in a let-only scope refers to (bare names and `alias.name`). */
export function referencedLets(expr: A.Expr, module: Module): { decl: A.LetDecl; module: Module; at: A.Expr }[] {
  const found: { decl: A.LetDecl; module: Module; at: A.Expr }[] = [];
  const visit = (e: A.Expr): void => {
    if (e.missing) return;
    if (e.kind === 'NameRef' || e.kind === 'Member') {
      const target = constantLet(e, module);
      if (target) {
        found.push({ ...target, at: e });
        return;
      }
    }
    if (e.kind === 'Call') {
      // the callee of a call names a function, never a let
      for (const a of e.args) visit(a.value);
      return;
    }
    for (const c of childExpressions(e)) visit(c);
  };
  visit(expr);
  return found;
}

/** Whether an expression calls `secret()` itself (not through lets). */
function callsSecret(expr: A.Expr): boolean {
  return someExpression(expr, (e) => e.kind === 'Call' && e.callee.kind === 'NameRef' && e.callee.name.text === 'secret');
}

/** Program-wide let facts, computed lazily and cached. */
export class LetFacts {
  private readonly types = new Map<A.LetDecl, ValueType>();
  private readonly secrets = new Map<A.LetDecl, boolean>();
  private readonly visitingTypes = new Set<A.LetDecl>();
  private readonly visitingSecrets = new Set<A.LetDecl>();

  /** An expression host whose let answers come from these facts; `report` is the caller's. */
  host(report: (d: import('../diagnostics.js').Diagnostic) => void): ExpressionHost {
    return { report, letType: (d, m) => this.type(d, m), letUsesSecret: (d, m) => this.usesSecret(d, m) };
  }

  /** The inferred type of a let's value (`unknown` inside a cycle). */
  type(decl: A.LetDecl, module: Module): ValueType {
    const cached = this.types.get(decl);
    if (cached !== undefined) return cached;
    if (this.visitingTypes.has(decl)) return 'unknown';
    this.visitingTypes.add(decl);
    const type = inferExpressionType(decl.value, { ...constantScope(module), allowSecret: true }, this.host(() => {}));
    this.visitingTypes.delete(decl);
    this.types.set(decl, type);
    return type;
  }

  /** Whether a let's value uses `secret()`, directly or through other lets. */
  usesSecret(decl: A.LetDecl, module: Module): boolean {
    const cached = this.secrets.get(decl);
    if (cached !== undefined) return cached;
    if (this.visitingSecrets.has(decl)) return false;
    this.visitingSecrets.add(decl);
    const uses = callsSecret(decl.value) || referencedLets(decl.value, module).some((r) => this.usesSecret(r.decl, r.module));
    this.visitingSecrets.delete(decl);
    this.secrets.set(decl, uses);
    return uses;
  }
}

/**
 * The let cycles of one module, each once: the lets in the order the cycle runs, starting with
 * the one declared first.
 */
export function findLetCycles(module: Module): A.LetDecl[][] {
  const lets = [...module.symbols.let.values()].sort((a, b) => a.start - b.start);
  const edges = new Map<A.LetDecl, A.LetDecl[]>();
  for (const decl of lets) {
    edges.set(
      decl,
      referencedLets(decl.value, module)
        .filter((r) => r.module === module)
        .map((r) => r.decl),
    );
  }
  const cycles: A.LetDecl[][] = [];
  const seen = new Set<string>();
  const state = new Map<A.LetDecl, 'active' | 'done'>();
  const stack: A.LetDecl[] = [];
  const visit = (decl: A.LetDecl): void => {
    state.set(decl, 'active');
    stack.push(decl);
    for (const next of edges.get(decl) ?? []) {
      const s = state.get(next);
      if (s === 'active') {
        const cycle = stack.slice(stack.indexOf(next));
        const first = cycle.reduce((a, b) => (b.start < a.start ? b : a));
        const rotated = [...cycle.slice(cycle.indexOf(first)), ...cycle.slice(0, cycle.indexOf(first))];
        const id = rotated.map((d) => d.start).join(',');
        if (!seen.has(id)) {
          seen.add(id);
          cycles.push(rotated);
        }
      } else if (s === undefined) {
        visit(next);
      }
    }
    stack.pop();
    state.set(decl, 'done');
  };
  for (const decl of lets) if (!state.has(decl)) visit(decl);
  return cycles;
}
