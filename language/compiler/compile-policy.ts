/**
 * `policy` declarations to `IrPolicy`, with profiles flattened into the compare rules.
 *
 * Why every field gets a value here: the runtime applies the IR as written and has no defaults
 * of its own, so the defaults a user relies on when leaving a statement out are decided in one
 * place, the table below (LANGUAGE.md 2.3 where it speaks, otherwise what Terraform or Cloud
 * Custodian users would expect: cautious, never acting by surprise).
 *
 * | field           | when the policy does not say                    | notes                                   |
 * |-----------------|-------------------------------------------------|-----------------------------------------|
 * | `description`   | `null`                                          |                                         |
 * | `owner`         | `null`                                          |                                         |
 * | `severity`      | `medium`                                        |                                         |
 * | `mode`          | `audit` (never acts)                            | LANGUAGE.md 2.3                         |
 * | `compare`       | `default exact`, no rules                       | LANGUAGE.md 2.3                         |
 * | `remediate`     | no rules (every item is `report`)               | LANGUAGE.md 2.3                         |
 * | `limits`        | `max_changes`, `max_ratio`, `max_deletes` null, `on_exceed abort` | a limits block sets only what it names |
 * | `retry`         | 3 attempts, backoff 200 ms to 10 s              | `retry N` alone keeps that backoff      |
 * | `rate`          | `null` (no limit)                               | `rate 20/s` is `{count 20, per "s", per_second 20}` |
 * | `concurrency`   | 4 actions in flight                             |                                         |
 * | `schedule_ms`   | `null` (`recon watch` does not run it)          |                                         |
 *
 * Compare rules: the rules of every `use`d profile and the rules written in the policy, in the
 * order they appear, each profile rule carrying `profile` (`cash`, `money.cents`). For a path
 * named more than once, one rule survives, at its own position: the last rule written in the
 * policy, or, when the policy writes none for that path, the rule of the last profile that has
 * one. So a rule in the policy overrides a profile's rule for the same path wherever the `use`
 * stands.
 *
 * Other choices: `max_ratio` takes a percentage (`10%`) or a fraction (`0.1`); when a statement
 * is given twice (the checker reports it) the first counts, except `compare` and `remediate`
 * blocks, which are joined in order (rule indexes run on across them) and `limits` entries, of
 * which the last counts.
 */
import type * as A from '../ast.js';
import type {
  IrActionKind,
  IrCompareRule,
  IrComparator,
  IrDiffKind,
  IrLimits,
  IrNormalizer,
  IrPolicy,
  IrRemediationRule,
} from '../ir/ir-types.js';
import { IR_DATE_PATTERN } from '../ir/ir-schema.js';
import { resolveRef, type Module } from '../program.js';
import type { CompileContext } from './compile-context.js';
import { compileExpression } from './compile-expression.js';
import { foldString } from './constant-folding.js';
import { pathText } from './field-path-text.js';

/** The defaults of the table above, for callers (and tests) that need them. */
export const POLICY_DEFAULTS = {
  severity: 'medium',
  mode: 'audit',
  compareDefault: 'exact',
  limits: { max_changes: null, max_ratio: null, max_deletes: null, on_exceed: 'abort' },
  retry: { attempts: 3, backoff_min_ms: 200, backoff_max_ms: 10_000 },
  rate: null,
  concurrency: 4,
  schedule_ms: null,
} as const satisfies {
  severity: IrPolicy['severity'];
  mode: IrPolicy['mode'];
  compareDefault: IrPolicy['compare']['default'];
  limits: IrLimits;
  retry: IrPolicy['retry'];
  rate: IrPolicy['rate'];
  concurrency: number;
  schedule_ms: number | null;
};

/** What a policy refers to outside itself, collected for the IR's `sources` and `groups`. */
export interface PolicyUses {
  /** Sources by qualified name. */
  sources: Map<string, { module: Module; decl: A.SourceDecl }>;
  /** Groups named by `requires approval from`, by qualified name. */
  groups: Map<string, { module: Module; decl: A.GroupDecl }>;
}

const SEVERITIES: ReadonlySet<string> = new Set(['low', 'medium', 'high', 'critical']);
const MODES: ReadonlySet<string> = new Set(['audit', 'enforce']);
const RULE_KINDS: ReadonlySet<string> = new Set(['missing', 'extra', 'changed', 'invalid', 'any']);
const ACTIONS: ReadonlySet<string> = new Set(['create', 'update', 'delete', 'ticket', 'ignore', 'report']);
const SIMPLE_NORMALIZERS: ReadonlySet<string> = new Set(['trim', 'lower', 'upper', 'collapse_space', 'nfc', 'utc']);
const RATE_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 };
const DATE = new RegExp(IR_DATE_PATTERN);

/**
 * Compiles the policy `decl` of `module`, recording the sources and groups it uses in `uses`.
 * Returns null (after reporting) when a required part is missing or unresolved.
 */
export function compilePolicy(ctx: CompileContext, module: Module, decl: A.PolicyDecl, uses: PolicyUses): IrPolicy | null {
  return new PolicyCompiler(ctx, module, uses).compile(decl);
}

/**
 * Compiles one compare rule written in `module` (a policy's or a profile's), or null after
 * reporting an unknown comparator or normalizer.
 */
export function compileCompareRule(ctx: CompileContext, module: Module, rule: A.CompareRule, profile: string | null): IrCompareRule | null {
  if (rule.missing || rule.path.missing) {
    ctx.incomplete(module, rule, 'this compare rule');
    return null;
  }
  const comparator = compileComparator(ctx, module, rule.comparator);
  if (!comparator) return null;
  return { path: pathText(rule.path), comparator, profile, at: ctx.at(module, rule.start) };
}

function compileComparator(ctx: CompileContext, module: Module, comparator: A.Comparator): IrComparator | null {
  switch (comparator.kind) {
    case 'NamedComparator': {
      const name = comparator.name.text;
      if (comparator.name.missing) {
        ctx.incomplete(module, comparator, 'this comparator');
        return null;
      }
      if (name === 'exact' || name === 'ignore' || name === 'ignore_case') return { kind: name };
      ctx.report(module, 'unknown-comparator', comparator.name, { name, hint: '' });
      return null;
    }
    case 'Within': {
      const value = comparator.value;
      if (value.missing || !Number.isFinite(value.value) || value.value < 0) {
        if (value.missing) ctx.incomplete(module, comparator, 'this comparator');
        else ctx.report(module, 'value-out-of-range', value, { detail: `within needs a tolerance of 0 or more, not ${value.text}` });
        return null;
      }
      if (value.kind === 'Percent') return { kind: 'within', relative: value.value };
      if (value.kind === 'Duration') return { kind: 'within', duration_ms: value.value };
      return { kind: 'within', absolute: value.value };
    }
    case 'Normalize': {
      const normalizers: IrNormalizer[] = [];
      for (const normalizer of comparator.normalizers) {
        const compiled = compileNormalizer(ctx, module, normalizer);
        if (!compiled) return null;
        normalizers.push(compiled);
      }
      return { kind: 'normalize', normalizers };
    }
    case 'Unordered':
      if (comparator.by?.missing) {
        ctx.incomplete(module, comparator, 'this comparator');
        return null;
      }
      return { kind: 'unordered', by: comparator.by ? pathText(comparator.by) : null };
    case 'ByComparator':
      return { kind: 'by', expr: compileExpression(ctx, module, comparator.expr, { kind: 'rule' }) };
  }
}

function compileNormalizer(ctx: CompileContext, module: Module, normalizer: A.Normalizer): IrNormalizer | null {
  if (normalizer.missing || normalizer.name.missing) {
    ctx.incomplete(module, normalizer, 'this normalizer');
    return null;
  }
  const name = normalizer.name.text;
  if (name === 'round') {
    const digits = normalizer.arg;
    if (!digits || !Number.isInteger(digits.value) || digits.value < 0) {
      ctx.report(module, 'invalid-comparator', digits ?? normalizer, { detail: 'round needs a whole number of digits: normalize round(2)' });
      return null;
    }
    return { name: 'round', digits: digits.value };
  }
  if (SIMPLE_NORMALIZERS.has(name)) {
    if (normalizer.arg) {
      ctx.report(module, 'invalid-comparator', normalizer.arg, { detail: `the normalizer ${name} takes no argument` });
      return null;
    }
    return { name: name as Exclude<IrNormalizer['name'], 'round'> };
  }
  ctx.report(module, 'unknown-normalizer', normalizer.name, { name, hint: '' });
  return null;
}

/** One candidate compare rule, before overrides are settled. */
interface RuleEntry {
  rule: IrCompareRule;
  fromPolicy: boolean;
}

class PolicyCompiler {
  private failed = false;

  constructor(
    private readonly ctx: CompileContext,
    private readonly module: Module,
    private readonly uses: PolicyUses,
  ) {}

  compile(decl: A.PolicyDecl): IrPolicy | null {
    const { ctx, module } = this;
    if (decl.missing || decl.name.missing) {
      ctx.incomplete(module, decl, 'this policy');
      return null;
    }
    const first = <K extends A.PolicyStmt['kind']>(kind: K): Extract<A.PolicyStmt, { kind: K }> | undefined =>
      decl.statements.find((s): s is Extract<A.PolicyStmt, { kind: K }> => s.kind === kind);
    const all = <K extends A.PolicyStmt['kind']>(kind: K): Extract<A.PolicyStmt, { kind: K }>[] =>
      decl.statements.filter((s): s is Extract<A.PolicyStmt, { kind: K }> => s.kind === kind);

    const desired = this.source(decl, first('Desired'), 'missing-desired');
    const actual = this.source(decl, first('Actual'), 'missing-actual');
    const description = first('Description');
    const owner = first('Owner');

    const policy: IrPolicy = {
      name: decl.name.text,
      description: description ? this.text(description.value, 'the description') : null,
      owner: owner ? this.text(owner.value, 'the owner') : null,
      severity: this.choice(first('Severity')?.value, SEVERITIES, 'unknown-severity', POLICY_DEFAULTS.severity),
      mode: this.choice(first('Mode')?.value, MODES, 'unknown-mode', POLICY_DEFAULTS.mode),
      desired: desired ?? '',
      actual: actual ?? '',
      compare: this.compare(all('Compare')),
      remediate: this.remediate(all('Remediate')),
      limits: this.limits(all('Limits')),
      retry: this.retry(first('Retry')),
      rate: this.rate(first('Rate')),
      concurrency: this.concurrency(first('Concurrency')),
      schedule_ms: this.schedule(first('Schedule')),
      doc: decl.doc,
      at: ctx.at(module, decl.start),
    };
    return this.failed || desired === null || actual === null ? null : policy;
  }

  /** The qualified name of `desired`/`actual`, recording the source as used. */
  private source(decl: A.PolicyDecl, stmt: { source: A.Ref } | undefined, missingCode: 'missing-desired' | 'missing-actual'): string | null {
    if (!stmt) {
      this.ctx.report(this.module, missingCode, decl.name, { name: decl.name.text });
      return null;
    }
    const ref = stmt.source;
    if (ref.missing || ref.name.missing) {
      this.ctx.incomplete(this.module, ref, 'this source reference');
      return null;
    }
    const { resolved } = resolveRef(this.module, ref, 'source');
    if (!resolved) {
      this.ctx.report(this.module, 'unknown-source', ref, { name: refText(ref), hint: '' });
      return null;
    }
    if (!this.uses.sources.has(resolved.qualifiedName)) {
      this.uses.sources.set(resolved.qualifiedName, { module: resolved.module, decl: resolved.decl });
    }
    return resolved.qualifiedName;
  }

  private text(value: A.StringLiteral, what: string): string | null {
    return foldString(this.ctx, this.module, value, what);
  }

  private choice<T extends string>(
    name: A.Name | undefined,
    allowed: ReadonlySet<string>,
    code: 'unknown-severity' | 'unknown-mode',
    fallback: T,
  ): T {
    if (!name) return fallback;
    if (name.missing) {
      this.ctx.incomplete(this.module, name, 'this statement');
      return fallback;
    }
    if (allowed.has(name.text)) return name.text as T;
    this.ctx.report(this.module, code, name, { name: name.text, hint: '' });
    return fallback;
  }

  private compare(blocks: Extract<A.PolicyStmt, { kind: 'Compare' }>[]): IrPolicy['compare'] {
    let compareDefault: IrPolicy['compare']['default'] = POLICY_DEFAULTS.compareDefault;
    let defaultSeen = false;
    const entries: RuleEntry[] = [];
    for (const item of blocks.flatMap((b) => b.items)) {
      if (item.kind === 'CompareDefault') {
        const value = item.value.text;
        if (item.value.missing) this.ctx.incomplete(this.module, item, 'this compare default');
        else if (value !== 'exact' && value !== 'ignore') this.ctx.report(this.module, 'unknown-default', item.value, { name: value, hint: '' });
        else if (!defaultSeen) compareDefault = value;
        defaultSeen = true;
      } else if (item.kind === 'CompareUse') {
        entries.push(...this.profileRules(item));
      } else {
        const rule = compileCompareRule(this.ctx, this.module, item, null);
        if (rule) entries.push({ rule, fromPolicy: true });
      }
    }
    const winner = new Map<string, number>();
    entries.forEach((entry, index) => {
      const previous = winner.get(entry.rule.path);
      if (previous === undefined || entry.fromPolicy || !entries[previous]!.fromPolicy) winner.set(entry.rule.path, index);
    });
    return { default: compareDefault, rules: entries.filter((entry, index) => winner.get(entry.rule.path) === index).map((e) => e.rule) };
  }

  private profileRules(use: A.CompareUse): RuleEntry[] {
    const ref = use.profile;
    if (ref.missing || ref.name.missing) {
      this.ctx.incomplete(this.module, use, 'this use');
      return [];
    }
    const { resolved } = resolveRef(this.module, ref, 'profile');
    if (!resolved) {
      this.ctx.report(this.module, 'unknown-profile', ref, { name: refText(ref), hint: '' });
      return [];
    }
    const entries: RuleEntry[] = [];
    for (const rule of resolved.decl.rules) {
      const compiled = compileCompareRule(this.ctx, resolved.module, rule, resolved.qualifiedName);
      if (compiled) entries.push({ rule: compiled, fromPolicy: false });
    }
    return entries;
  }

  private remediate(blocks: Extract<A.PolicyStmt, { kind: 'Remediate' }>[]): IrRemediationRule[] {
    const rules: IrRemediationRule[] = [];
    for (const rule of blocks.flatMap((b) => b.rules)) {
      const compiled = this.rule(rule, rules.length + 1);
      if (compiled) rules.push(compiled);
      else this.failed = true;
    }
    return rules;
  }

  private rule(rule: A.RemediationRule, index: number): IrRemediationRule | null {
    const { ctx, module } = this;
    if (rule.missing || rule.on.missing || rule.action.missing) {
      ctx.incomplete(module, rule, 'this remediation rule');
      return null;
    }
    const on = rule.on.text;
    if (!RULE_KINDS.has(on)) {
      ctx.report(module, 'unknown-kind', rule.on, { name: on, hint: '' });
      return null;
    }
    const action = rule.action.text;
    if (!ACTIONS.has(action)) {
      ctx.report(module, 'unknown-action', rule.action, { name: action, hint: '' });
      return null;
    }
    if (action === 'ticket' && !rule.title) {
      ctx.report(module, 'ticket-needs-title', rule.action, {});
      return null;
    }
    let group: string | null = null;
    const groupRef = rule.approval?.group ?? null;
    if (groupRef) {
      const { resolved } = resolveRef(module, groupRef, 'group');
      if (!resolved) {
        ctx.report(module, 'unknown-group', groupRef, { name: refText(groupRef), hint: '' });
        return null;
      }
      group = resolved.qualifiedName;
      if (!this.uses.groups.has(group)) this.uses.groups.set(group, { module: resolved.module, decl: resolved.decl });
    }
    let until: string | null = null;
    if (rule.until) {
      until = foldString(ctx, module, rule.until, 'the until date');
      if (until !== null && !DATE.test(until)) {
        ctx.report(module, 'invalid-date', rule.until, { text: until });
        return null;
      }
    }
    const rule_ = { kind: 'rule' } as const;
    return {
      index,
      on: on as IrDiffKind | 'any',
      when: rule.when ? compileExpression(ctx, module, rule.when, rule_) : null,
      action: action as IrActionKind,
      title: action === 'ticket' && rule.title ? compileExpression(ctx, module, rule.title, rule_) : null,
      approval: { required: rule.approval !== null, group },
      because: rule.because ? compileExpression(ctx, module, rule.because, rule_) : null,
      until,
      at: ctx.at(module, rule.start),
    };
  }

  private limits(blocks: Extract<A.PolicyStmt, { kind: 'Limits' }>[]): IrLimits {
    const limits: IrLimits = { ...POLICY_DEFAULTS.limits };
    for (const entry of blocks.flatMap((b) => b.entries)) {
      if (entry.missing || entry.name.missing || entry.value.missing) {
        this.ctx.incomplete(this.module, entry, 'this limit');
        continue;
      }
      const name = entry.name.text;
      const value = entry.value;
      switch (name) {
        case 'max_changes':
        case 'max_deletes':
          if (value.kind === 'Number' && Number.isInteger(value.value) && value.value >= 0) limits[name] = value.value;
          else this.outOfRange(value, `${name} needs a whole number of 0 or more`);
          break;
        case 'max_ratio':
          if ((value.kind === 'Percent' || value.kind === 'Number') && Number.isFinite(value.value) && value.value >= 0) {
            limits.max_ratio = value.value;
          } else {
            this.outOfRange(value, 'max_ratio needs a percentage like 10%');
          }
          break;
        case 'on_exceed':
          if (value.kind === 'Name' && (value.text === 'abort' || value.text === 'approve')) limits.on_exceed = value.text;
          else this.outOfRange(value, 'on_exceed is abort or approve');
          break;
        default:
          this.ctx.report(this.module, 'unknown-limit', entry.name, { name, hint: '' });
          this.failed = true;
      }
    }
    return limits;
  }

  private retry(stmt: Extract<A.PolicyStmt, { kind: 'Retry' }> | undefined): IrPolicy['retry'] {
    const retry: IrPolicy['retry'] = { ...POLICY_DEFAULTS.retry };
    if (!stmt) return retry;
    const attempts = stmt.attempts;
    if (attempts.missing) this.ctx.incomplete(this.module, stmt, 'this retry');
    else if (!Number.isInteger(attempts.value) || attempts.value < 1) this.outOfRange(attempts, 'retry needs a whole number of attempts, 1 or more');
    else retry.attempts = attempts.value;
    if (stmt.backoff) {
      const { min, max } = stmt.backoff;
      if (min.missing || max.missing) {
        this.ctx.incomplete(this.module, stmt, 'this retry');
      } else if (!Number.isFinite(max.value) || min.value > max.value) {
        this.outOfRange(stmt.backoff.max, `the backoff ${min.text}..${max.text} must not end before it starts`);
      } else {
        retry.backoff_min_ms = min.value;
        retry.backoff_max_ms = max.value;
      }
    }
    return retry;
  }

  private rate(stmt: Extract<A.PolicyStmt, { kind: 'Rate' }> | undefined): IrPolicy['rate'] {
    if (!stmt) return POLICY_DEFAULTS.rate;
    if (stmt.count.missing || stmt.unit.missing) {
      this.ctx.incomplete(this.module, stmt, 'this rate');
      return null;
    }
    const unit = stmt.unit.text;
    const seconds = RATE_SECONDS[unit];
    if (seconds === undefined) {
      this.ctx.report(this.module, 'unknown-rate-unit', stmt.unit, { name: unit, hint: '' });
      this.failed = true;
      return null;
    }
    const count = stmt.count.value;
    if (!Number.isFinite(count) || count <= 0) {
      this.outOfRange(stmt.count, 'rate needs a count above 0');
      return null;
    }
    return { count, per: unit as 's' | 'm' | 'h', per_second: count / seconds };
  }

  private concurrency(stmt: Extract<A.PolicyStmt, { kind: 'Concurrency' }> | undefined): number {
    if (!stmt) return POLICY_DEFAULTS.concurrency;
    if (stmt.value.missing) this.ctx.incomplete(this.module, stmt, 'this concurrency');
    else if (Number.isInteger(stmt.value.value) && stmt.value.value >= 1) return stmt.value.value;
    else this.outOfRange(stmt.value, 'concurrency needs a whole number, 1 or more');
    return POLICY_DEFAULTS.concurrency;
  }

  private schedule(stmt: Extract<A.PolicyStmt, { kind: 'Schedule' }> | undefined): number | null {
    if (!stmt) return POLICY_DEFAULTS.schedule_ms;
    if (stmt.every.missing) this.ctx.incomplete(this.module, stmt, 'this schedule');
    else if (Number.isFinite(stmt.every.value) && stmt.every.value > 0) return stmt.every.value;
    else this.outOfRange(stmt.every, 'schedule every needs a duration above 0');
    return null;
  }

  private outOfRange(node: A.Span, detail: string): void {
    this.ctx.report(this.module, 'value-out-of-range', node, { detail });
    this.failed = true;
  }
}

/** `name` or `module.name`, as written. */
export function refText(ref: A.Ref): string {
  return ref.module ? `${ref.module.text}.${ref.name.text}` : ref.name.text;
}
