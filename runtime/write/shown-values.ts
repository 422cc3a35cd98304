/**
 * From what a plan shows to what a writer sends: the real values behind `***`.
 *
 * Why: a plan's `effect` is exactly what apply does, except that secrets are shown as `***`
 * (a bearer token in a header, a key in a URL or argument). The writer sends each shown value as
 * it is, unless it holds `***`; then it evaluates the same expression again (the source's
 * `headers`, the write operation's URL or argv) over the item's roots, with real values, and
 * uses the result only if its redacted form is exactly what the plan shows. So the request that
 * goes out is the approved one, with the secrets filled in — or none goes out and the error says
 * why (the source changed since the plan, say).
 *
 * The roots (`desired`, `actual`, `key`, `diff`) are rebuilt from the plan item: the key, and the
 * fields the item records (all of them for missing and extra items, the differing ones for
 * changed items). A secret-bearing value that reads other fields cannot be rebuilt; that is an
 * error, never a guess.
 */
import type { IrExpr, IrSource } from '../../language/ir/ir-types.js';
import { headerTexts } from '../connectors/http-connector.js';
import type { SecretScrubber } from '../connectors/secret-scrubber.js';
import { sourceLabel } from '../connectors/connector-support.js';
import { textOf } from '../decide/effect-builder.js';
import { buildUrl, urlParts } from '../decide/url-template.js';
import { setPath } from '../decide/raw-path.js';
import { evaluateConnectorValue, type ConnectorValue, type EvaluationContext } from '../expressions/expression-evaluator.js';
import { setOwn } from '../expressions/own-properties.js';
import { REDACTED } from '../expressions/secret-redaction.js';
import type { PlanItem } from '../plan/change-plan.js';
import { WriteError, type WriterContext } from './writer.js';

/**
 * The roots of write URLs and argv (`desired`, `actual`, `key`, `diff`), rebuilt from a plan item.
 * With `source` (the actual source written to), `key` is named by it, as the plan's effect was
 * built (`effect-builder.ts`): a missing or changed item's key is named by the desired source,
 * and the two may name their key fields differently (paired by position).
 */
export function itemRoots(item: PlanItem, source?: IrSource): Record<string, unknown> {
  const key = item.key ?? {};
  const writeKey = source ? keyNamedBy(key, source) : key;
  const side = (which: 'desired' | 'actual'): Record<string, unknown> => {
    const record: Record<string, unknown> = { ...(which === 'actual' ? writeKey : key) };
    for (const field of item.fields ?? []) {
      const value = field[which];
      if (value !== null && value !== undefined) setPath(record, field.path, value);
    }
    return record;
  };
  return {
    desired: item.kind === 'extra' ? null : side('desired'),
    actual: item.kind === 'missing' ? null : side('actual'),
    key: item.key === null ? null : writeKey,
    diff: item.kind === 'changed' ? (item.fields ?? []).map((field) => field.path) : [],
  };
}

/** A key object renamed to the source's key paths, by position, when it is named otherwise (same arity). */
function keyNamedBy(key: Record<string, unknown>, source: IrSource): Record<string, unknown> {
  const names = Object.keys(key);
  if (names.length !== source.key.length || names.every((name, k) => name === source.key[k])) return key;
  const renamed: Record<string, unknown> = {};
  source.key.forEach((path, k) => setOwn(renamed, path, key[names[k]!]));
  return renamed;
}

/** Rebuilds real values behind shown ones for one source (see the module comment). */
export class ShownValues {
  private readonly evaluation: EvaluationContext;

  constructor(
    private readonly source: IrSource,
    context: WriterContext,
    private readonly scrubber: SecretScrubber,
  ) {
    this.evaluation = { observedAt: context.observedAt, env: context.env };
  }

  /** Evaluates a connector value over `data`, remembering its secrets for scrubbing. */
  evaluate(expr: IrExpr, data: unknown): ConnectorValue {
    const result = evaluateConnectorValue(expr, this.evaluation, data);
    this.scrubber.add(result.secrets);
    return result;
  }

  /** Learns the secrets of the source's `headers` (so messages can be scrubbed before any request). */
  learnSecrets(data: unknown = {}): void {
    const option = this.source.connector.options.find((candidate) => candidate.name === 'headers');
    if (!option) return;
    try {
      this.evaluate(option.value, data);
    } catch {
      // Reported when a request needs the headers.
    }
  }

  private mismatch(what: string, shown: string): WriteError {
    return new WriteError(
      `${sourceLabel(this.source)}: ${what}: the plan shows ${JSON.stringify(shown)}, which recon cannot rebuild with the secrets filled in ` +
        '(the source changed since the plan, or the value reads fields the plan does not record); plan again',
      false,
    );
  }

  private evaluated(expr: IrExpr, data: unknown, what: string): ConnectorValue {
    try {
      return this.evaluate(expr, data);
    } catch (error) {
      throw new WriteError(`${sourceLabel(this.source)}: ${what}: ${this.scrubber.scrub(error instanceof Error ? error.message : String(error))}`, false);
    }
  }

  /** The real text behind `shown`, evaluated from `expr` over `data` when it holds a secret. */
  text(shown: string, expr: IrExpr | undefined, data: unknown, what: string): string {
    if (!shown.includes(REDACTED)) return shown;
    if (expr === undefined) throw this.mismatch(what, shown);
    const result = this.evaluated(expr, data, what);
    if (textOf(result.redacted) !== shown) throw this.mismatch(what, shown);
    return textOf(result.value);
  }

  /**
   * The real URL behind the shown one, rebuilt from a write operation's URL like the plan built
   * it (record values percent-encoded, then as the client parses it: `buildUrl`) when it holds a secret.
   */
  url(shown: string, expr: IrExpr | undefined, data: unknown, what: string): string {
    if (!shown.includes(REDACTED)) return shown;
    if (expr === undefined) throw this.mismatch(what, shown);
    const parts = urlParts(expr);
    const results = parts.map((part) => this.evaluated(part.expr, data, what));
    const real = buildUrl(parts, results.map((result) => result.value));
    const redacted = buildUrl(parts, results.map((result) => result.redacted));
    if ('error' in real || 'error' in redacted || redacted.url !== shown) throw this.mismatch(what, shown);
    return real.url;
  }

  /** The real request headers behind the shown ones (headers not from the source's option as shown). */
  headers(shown: Readonly<Record<string, string>>, data: unknown): Record<string, string> {
    const real: Record<string, string> = { ...shown };
    const hidden = Object.entries(shown).filter(([, value]) => value.includes(REDACTED));
    if (hidden.length === 0) return real;
    const option = this.source.connector.options.find((candidate) => candidate.name === 'headers');
    if (!option) throw this.mismatch(`header ${hidden[0][0]}`, hidden[0][1]);
    const result = this.evaluated(option.value, data, 'headers');
    const values = headerTexts(result.value);
    const redacted = headerTexts(result.redacted);
    for (const [name, value] of hidden) {
      if (redacted[name] !== value) throw this.mismatch(`header ${name}`, value);
      real[name] = values[name];
    }
    return real;
  }

  /** The real argv behind the shown one, from a write operation's program and arguments. */
  argv(shown: readonly string[], command: IrExpr, args: readonly IrExpr[], data: unknown, what: string): string[] {
    if (!shown.some((part) => part.includes(REDACTED))) return [...shown];
    const real: string[] = [];
    const redacted: string[] = [];
    const program = this.evaluated(command, data, what);
    real.push(textOf(program.value));
    redacted.push(textOf(program.redacted));
    for (const arg of args) {
      const result = this.evaluated(arg, data, what);
      const values = Array.isArray(result.value) ? result.value : [result.value];
      const shownValues = Array.isArray(result.redacted) ? result.redacted : [result.redacted];
      values.forEach((value) => real.push(textOf(value)));
      shownValues.forEach((value) => redacted.push(textOf(value)));
    }
    if (redacted.length !== shown.length || redacted.some((part, index) => part !== shown[index])) {
      throw this.mismatch(what, shown.join(' '));
    }
    return real;
  }
}
