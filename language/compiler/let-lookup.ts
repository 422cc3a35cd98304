/**
 * Finding the `let` a name means, and guarding against lets that refer to themselves.
 *
 * Why shared: lets are inlined both where an expression is compiled to JsonLogic and where a
 * value must be known at compile time (test data, file paths); both must resolve `name` and
 * `alias.name` the same way and must stop, with one `let-cycle` report, on `let a = b  let b = a`
 * (the checker reports it too, but the compiler never loops or throws on a program that did not
 * check clean).
 */
import type { LetDecl, Span } from '../ast.js';
import type { Module } from '../program.js';
import type { CompileContext } from './compile-context.js';

/** A resolved let: where it lives and how it is named from the referring module. */
export interface LetTarget {
  module: Module;
  decl: LetDecl;
  /** `name`, or `alias.name` when reached through an import. */
  qualifiedName: string;
}

/** The let `name` declared in `module`, or null. */
export function findLet(module: Module, name: string): LetTarget | null {
  const decl = module.symbols.let.get(name);
  return decl ? { module, decl, qualifiedName: name } : null;
}

/** Whether `name` is the alias of a resolved import of `module`. */
export function isImportAlias(module: Module, name: string): boolean {
  return module.imports.some((i) => i.alias === name && i.module !== null);
}

/** The let `alias.name` of an import of `module`, or null. */
export function findImportedLet(module: Module, alias: string, name: string): LetTarget | null {
  const imported = module.imports.find((i) => i.alias === alias)?.module;
  if (!imported) return null;
  const decl = imported.symbols.let.get(name);
  return decl ? { module: imported, decl, qualifiedName: `${alias}.${name}` } : null;
}

/**
 * Tracks the lets being expanded, per context. `enter` returns false (after reporting
 * `let-cycle` at `use`) when `target` is already being expanded.
 */
export class LetGuard {
  private readonly stack: LetTarget[] = [];
  private readonly reported = new Set<LetDecl>();

  constructor(private readonly ctx: CompileContext) {}

  enter(target: LetTarget, from: Module, use: Span): boolean {
    const index = this.stack.findIndex((t) => t.decl === target.decl);
    if (index < 0) {
      this.stack.push(target);
      return true;
    }
    if (!this.reported.has(target.decl)) {
      this.reported.add(target.decl);
      const cycle = [...this.stack.slice(index), target].map((t) => t.decl.name.text).join(' -> ');
      this.ctx.report(from, 'let-cycle', use, { name: target.decl.name.text, cycle });
    }
    return false;
  }

  leave(): void {
    this.stack.pop();
  }
}
