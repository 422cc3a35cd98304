/**
 * What the writers that act at once (HTTP, exec) share.
 *
 * - The session shape: `perform` changes the remote system, so `commit` has nothing left to make
 *   durable and only hands back what was performed since the last commit, for the executor to
 *   record as applied.
 * - The start of every action: the label its messages start with (`source: item id`), the
 *   refusal of an effect of another kind, and the source's write operation for the item's
 *   action; so both writers word these alike and find their operation the same way.
 * - The source's `timeout` option, which bounds each action.
 */
import type { IrSource, IrWriteOp } from '../../language/ir/ir-types.js';
import { sourceLabel } from '../connectors/connector-support.js';
import type { SecretScrubber } from '../connectors/secret-scrubber.js';
import { evaluateConnectorValue } from '../expressions/expression-evaluator.js';
import type { Effect } from '../plan/change-plan.js';
import type { ShownValues } from './shown-values.js';
import { WriteError, type WriteAction, type WriterContext, type WriteSession } from './writer.js';

/** The effect kinds of writers that act at once. */
export type ActingKind = 'http' | 'exec';

/** An action as an acting session performs it (made by `ActingWriteSession.perform`). */
export interface ActingAction<K extends ActingKind> {
  action: WriteAction;
  /** The action's effect, of the session's kind. */
  effect: Extract<NonNullable<Effect>, { kind: K }>;
  /** What every message about the action starts with: `source: item id`. */
  label: string;
  /** The source's write operation of the session's kind for the item's action, if it declares one. */
  op: IrWriteOp | undefined;
}

/** The source's `timeout` option (a duration in milliseconds), or the default. */
export function sourceTimeoutMs(source: IrSource, context: WriterContext, fallback: number): number {
  const option = source.connector.options.find((candidate) => candidate.name === 'timeout');
  if (!option) return fallback;
  let value: unknown;
  try {
    value = evaluateConnectorValue(option.value, { observedAt: context.observedAt, env: context.env }).value;
  } catch {
    value = null;
  }
  if (typeof value !== 'number' || !(value > 0)) {
    throw new WriteError(`${sourceLabel(source)}: the timeout option (${option.at}) must be a duration of more than 0`, false);
  }
  return value;
}

/**
 * A session that acts at once: subclasses implement `act` for their effect kind, and get the
 * action's label, effect and write operation already checked and found (this module's comment).
 */
export abstract class ActingWriteSession<K extends ActingKind> implements WriteSession {
  private performed: WriteAction[] = [];

  /** The effect kind the session performs (`http`, `exec`). */
  protected abstract readonly kind: K;

  constructor(
    protected readonly source: IrSource,
    protected readonly context: WriterContext,
    protected readonly shownValues: ShownValues,
    /** Knows every secret the source read, to keep them out of messages. */
    protected readonly scrubber: SecretScrubber,
    /** How long one attempt of an action may take (the source's `timeout`). */
    protected readonly timeoutMs: number,
  ) {}

  /** Performs the action on the remote system; throws a `WriteError` on failure. */
  protected abstract act(target: ActingAction<K>, signal?: AbortSignal): Promise<void>;

  async perform(action: WriteAction, signal?: AbortSignal): Promise<void> {
    const { kind, source } = this;
    const label = `${sourceLabel(source)}: ${action.item.id}`;
    const effect = action.effect;
    if (effect.kind !== kind) throw new WriteError(`${label}: an ${kind} source cannot perform a ${effect.kind} effect`, false);
    const op = source.write?.ops.find((candidate) => candidate.op === action.item.action && candidate[kind]);
    await this.act({ action, effect: effect as ActingAction<K>['effect'], label, op }, signal);
    this.performed.push(action);
  }

  async commit(): Promise<WriteAction[]> {
    return this.performed.splice(0);
  }

  async close(): Promise<void> {
    this.performed = [];
  }
}
