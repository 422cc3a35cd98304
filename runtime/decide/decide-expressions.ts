/**
 * The three ways the decider evaluates IR expressions, bound to one run's context.
 *
 * Why a small port: conditions (`when`) become false with a warning when they fail; `map` lines
 * need real values; everything the plan shows (write URLs, headers, argv, ticket titles) must go
 * through secret redaction. Naming the three keeps each call site from choosing wrongly, and lets
 * the decider's tests substitute a fake when they test rules alone.
 */
import type { IrExpr } from '../../language/ir/ir-types.js';
import {
  evaluate,
  evaluateCondition,
  evaluateConnectorValue,
  type EvaluationContext,
} from '../expressions/expression-evaluator.js';

export interface DecideExpressions {
  /** A `when`: its truth, or false with a warning when it cannot be evaluated. */
  condition(expr: IrExpr, data: Record<string, unknown>): { value: boolean; warning: string | null };
  /** A value with nothing hidden (`map` lines); null with a warning when it cannot be evaluated. */
  value(expr: IrExpr, data: Record<string, unknown>): { value: unknown; warning: string | null };
  /** A value as the plan may show it: every secret it read replaced by `***`. */
  shown(expr: IrExpr, data: Record<string, unknown>): { value: unknown; warning: string | null };
}

/** The decider's expressions over the runtime evaluator, for one run (`observed_at`, env). */
export function createDecideExpressions(context: EvaluationContext): DecideExpressions {
  return {
    condition(expr, data) {
      try {
        return evaluateCondition(expr, data, context);
      } catch (error) {
        return { value: false, warning: messageOf(error) };
      }
    },
    value(expr, data) {
      try {
        return { value: evaluate(expr, data, context), warning: null };
      } catch (error) {
        return { value: null, warning: messageOf(error) };
      }
    },
    shown(expr, data) {
      try {
        return { value: evaluateConnectorValue(expr, context, data).redacted, warning: null };
      } catch (error) {
        return { value: null, warning: messageOf(error) };
      }
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
