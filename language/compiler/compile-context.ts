/**
 * What every part of the compiler shares while compiling one program: the program, the
 * diagnostics found so far, and the conversion of offsets into the IR's `at` locations.
 *
 * Why a context object: the compiler never throws on odd input (a program that did not check
 * clean, a recovered node), it reports and goes on; collecting every report in one place lets
 * `compileProgram` decide once, at the end, whether an IR can be returned. Locations are computed
 * here only, so every `at` of the IR follows the same rule: the file relative to the workspace
 * root with forward slashes, or `std/<name>.recon` for a standard library module.
 */
import { relative, sep } from 'node:path';
import type { Span } from '../ast.js';
import type { DiagnosticCode } from '../diagnostic-codes.js';
import { diagnostic, type Diagnostic } from '../diagnostics.js';
import type { IrLocation } from '../ir/ir-types.js';
import { canonicalPath } from '../module-host.js';
import { isInside, type Module, type Program } from '../program.js';
import { formatLocation } from '../source-position.js';
import { LetGuard } from './let-lookup.js';

/** Forward slashes whatever the platform: the IR is the same on every machine. */
export function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

export class CompileContext {
  /** Everything reported while compiling, in the order found. */
  readonly diagnostics: Diagnostic[] = [];
  /** The lets being expanded (inlined or folded), to stop on cycles. */
  readonly letGuard: LetGuard = new LetGuard(this);
  private readonly labels = new Map<Module, string>();
  private readonly stdlibRoots: string[];

  constructor(readonly program: Program) {
    const root = program.host.stdlibRoot;
    const canonical = canonicalPath(root);
    this.stdlibRoots = canonical === root ? [root] : [root, canonical];
  }

  /**
   * The file part of a location: relative to the workspace root (forward slashes), or
   * `std/<name>.recon` for a module of the standard library.
   */
  fileLabel(module: Module): string {
    let label = this.labels.get(module);
    if (label === undefined) {
      label = this.computeLabel(module.path);
      this.labels.set(module, label);
    }
    return label;
  }

  private computeLabel(path: string): string {
    for (const root of this.stdlibRoots) {
      if (isInside(root, path) && path !== root) return `std/${toPosix(relative(root, path))}`;
    }
    const rel = relative(this.program.workspaceRoot, path);
    return toPosix(rel === '' ? path : rel);
  }

  /** `file:line:col` of an offset in `module`. */
  at(module: Module, offset: number): IrLocation {
    return formatLocation(this.fileLabel(module), module.lines, offset);
  }

  /** Records a diagnostic from the registry at `span` of `module`. */
  report(module: Module, code: DiagnosticCode, span: Span, args: Record<string, string | number> = {}): void {
    this.diagnostics.push({ ...diagnostic(code, span.start, span.end, args), file: module.path });
  }

  /**
   * Records that error recovery invented `span` (a `missing` node): the program did not parse,
   * so no IR can be made of it. The syntax error itself was reported by the parser.
   */
  incomplete(module: Module, span: Span, what: string): void {
    const duplicate = this.diagnostics.some(
      (d) => d.code === 'compile-incomplete' && d.file === module.path && d.start === span.start,
    );
    if (!duplicate) this.report(module, 'compile-incomplete', span, { what });
  }
}
