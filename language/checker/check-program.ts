/**
 * The checker phase (ARCHITECTURE.md: lex -> parse -> bind -> **check** -> compile): every check
 * of LANGUAGE.md section 4 over a loaded program.
 *
 * What holds after it: every module of the program (the entry and each imported module, once)
 * has the checker's diagnostics appended to `module.diagnostics`, each with `file` set. Syntax,
 * import and duplicate-declaration diagnostics come from `loadProgram` and are not repeated. A
 * program whose modules have no error diagnostics can be compiled.
 */
import type * as A from '../ast.js';
import { diagnostic } from '../diagnostics.js';
import type { Program } from '../program.js';
import { CheckContext, ProgramFacts } from './check-context.js';
import { constantValue } from './constant-values.js';
import { constantScope } from './expression-scope.js';
import { findLetCycles } from './let-analysis.js';
import { checkPolicy, checkProfile } from './policy-checks.js';
import { isEmptyGroup } from './remediation-checks.js';
import { checkSource } from './source-checks.js';
import { checkTest, reportNotConstant } from './test-checks.js';

export interface CheckOptions {
  /** `YYYY-MM-DD`: the day `until` dates are compared with; default: today in UTC. */
  today?: string;
}

/**
 * Checks every module of `program`, appending the diagnostics to each module's `diagnostics`.
 * Call it once per loaded program (a second call would add the same diagnostics again).
 */
export function checkProgram(program: Program, options: CheckOptions = {}): void {
  const today = options.today ?? new Date().toISOString().slice(0, 10);
  const facts = new ProgramFacts(program, today);
  for (const module of program.modules.values()) checkModule(new CheckContext(facts, module));
}

function checkModule(ctx: CheckContext): void {
  const before = ctx.module.diagnostics.length;
  checkDeclarations(ctx);
  // the checker's own diagnostics in text order, after those of loading
  const added = ctx.module.diagnostics.splice(before).map((d, i) => ({ d, i }));
  added.sort((a, b) => a.d.start - b.d.start || a.i - b.i);
  ctx.module.diagnostics.push(...added.map((x) => x.d));
}

function checkDeclarations(ctx: CheckContext): void {
  const declarations = ctx.module.parsed.ast.declarations;
  for (const decl of declarations) {
    switch (decl.kind) {
      case 'Let':
        // a let may hold a secret; using it outside connector arguments is reported at the use
        ctx.checkExpr(decl.value, { ...constantScope(ctx.module), allowSecret: true });
        break;
      case 'Group':
        checkGroup(ctx, decl);
        break;
      case 'Source':
        checkSource(ctx, decl);
        break;
      case 'Profile':
        checkProfile(ctx, decl);
        break;
      case 'Policy':
        checkPolicy(ctx, decl);
        break;
      case 'Test':
        checkTest(ctx, decl);
        break;
      case 'Import':
        break;
    }
  }
  for (const cycle of findLetCycles(ctx.module)) {
    const first = cycle[0]!;
    const names = [...cycle.map((d) => d.name.text), first.name.text].join(' -> ');
    ctx.report(diagnostic('let-cycle', first.name.start, first.name.end, { name: first.name.text, cycle: names }));
  }
}

/** Group members: constant strings (who may approve); an empty group is a warning (no approver). */
function checkGroup(ctx: CheckContext, decl: A.GroupDecl): void {
  if (decl.members.missing) return;
  if (isEmptyGroup(decl) && !decl.name.missing) ctx.report(diagnostic('empty-group', decl.name.start, decl.name.end, { name: decl.name.text }));
  ctx.checkExpr(decl.members, constantScope(ctx.module));
  for (const member of decl.members.elements) {
    const value = constantValue(member, ctx.module);
    if (!value.ok) reportNotConstant(ctx, value, 'a group member');
    else if (typeof value.value !== 'string' || value.value === '') {
      ctx.report(diagnostic('type-mismatch', member.start, member.end, { detail: `a group member is a non-empty string (a user or an email), got ${JSON.stringify(value.value)}` }));
    }
  }
}
