/**
 * What every check of one module shares: where to report, how to say "did you mean" with a
 * quick fix, how to resolve a reference, how to check an expression, and the program-wide facts
 * (let types, source shapes) computed once.
 *
 * Why: the checks are split by declaration kind (sources, policies, remediation, tests); this
 * keeps each of them about its rules, not about plumbing, and makes every "unknown X" diagnostic
 * carry the same kind of hint and fix.
 */
import type * as A from '../ast.js';
import { diagnostic, type Diagnostic, type DiagnosticFix } from '../diagnostics.js';
import type { DiagnosticCode } from '../diagnostic-codes.js';
import { resolveRef, type Module, type Program, type Resolved, type SymbolKind } from '../program.js';
import { didYouMean } from '../suggest.js';
import type { ValueType } from './builtin-functions.js';
import type { ExpressionScope } from './expression-scope.js';
import { checkExpression, type ExpressionHost } from './expression-types.js';
import { LetFacts } from './let-analysis.js';
import { sourceShape, type SourceShape } from './source-shape.js';

/** Facts shared by the checks of every module of one program. */
export class ProgramFacts {
  readonly lets = new LetFacts();
  private readonly shapes = new Map<A.SourceDecl, SourceShape>();

  constructor(
    readonly program: Program,
    /** `YYYY-MM-DD`: the day `until` dates are compared with. */
    readonly today: string,
  ) {}

  /** The shape of a source, computed once. */
  shapeOf(decl: A.SourceDecl, qualifiedName: string): SourceShape {
    let shape = this.shapes.get(decl);
    if (!shape) {
      shape = sourceShape(decl, qualifiedName);
      this.shapes.set(decl, shape);
    }
    return shape.name === qualifiedName ? shape : { ...shape, name: qualifiedName, record: { ...shape.record, source: qualifiedName }, keyRecord: { ...shape.keyRecord, source: qualifiedName } };
  }
}

/** A "Change to 'x'" quick fix replacing [start, end). */
export function changeTo(start: number, end: number, suggestion: string): DiagnosticFix[] {
  return [{ title: `Change to '${suggestion}'`, start, end, text: suggestion }];
}

/** The checking context of one module. */
export class CheckContext {
  private readonly host: ExpressionHost;

  constructor(
    readonly facts: ProgramFacts,
    readonly module: Module,
  ) {
    this.host = facts.lets.host((d) => this.report(d));
  }

  get program(): Program {
    return this.facts.program;
  }

  /** Adds a diagnostic to the module, with its file. */
  report(d: Diagnostic): void {
    this.module.diagnostics.push({ ...d, file: this.module.path });
  }

  /** Reports `code` for an unknown `name` at [start, end), with "did you mean" and its quick fix. */
  reportUnknown(code: DiagnosticCode, start: number, end: number, name: string, candidates: Iterable<string>, args: Record<string, string | number> = {}): void {
    const { hint, suggestion } = didYouMean(name, candidates);
    this.report(diagnostic(code, start, end, { ...args, name, hint }, suggestion ? changeTo(start, end, suggestion) : undefined));
  }

  /** Reports a name node that is not one of `words` (unless the node is missing); true when known. */
  expectWord(code: DiagnosticCode, name: A.Name, words: readonly string[], args: Record<string, string | number> = {}): boolean {
    if (name.missing) return false;
    if (words.includes(name.text)) return true;
    this.reportUnknown(code, name.start, name.end, name.text, words, args);
    return false;
  }

  /** Checks an expression in a scope; returns its inferred type. */
  checkExpr(expr: A.Expr, scope: ExpressionScope): ValueType {
    return checkExpression(expr, scope, this.host);
  }

  /** 1-based line of an offset in this module. */
  line(offset: number): number {
    return this.module.lines.lineColumn(offset).line;
  }

  /**
   * Resolves a reference, reporting `code` (with "did you mean") when it names nothing, or
   * `unknown-module` for an unknown alias. An import that failed is already reported: silent.
   */
  resolve<K extends SymbolKind>(ref: A.Ref, kind: K, code: DiagnosticCode): Resolved<K> | null {
    if (ref.missing || ref.name.missing || ref.module?.missing) return null;
    const result = resolveRef(this.module, ref, kind);
    if (result.resolved) return result.resolved;
    if (result.unknownModule) {
      const alias = ref.module!;
      this.reportUnknown('unknown-module', alias.start, alias.end, alias.text, result.candidates);
      return null;
    }
    if (ref.module && !this.module.imports.find((i) => i.alias === ref.module!.text)?.module) return null;
    const written = ref.module ? `${ref.module.text}.${ref.name.text}` : ref.name.text;
    this.reportUnknown(code, ref.start, ref.end, written, result.candidates);
    return null;
  }

  /** The shape of a resolved source. */
  shapeOf(resolved: Resolved<'source'>): SourceShape {
    return this.facts.shapeOf(resolved.decl, resolved.qualifiedName);
  }

  /** The source text of a node (for messages). */
  text(node: A.Span): string {
    return this.module.parsed.text.slice(node.start, node.end);
  }
}
