/**
 * Test helpers for writers: a file effect as a plan would carry it, and one session that
 * performs a list of effects and commits them.
 *
 * Why shared: every format's tests stage the same kinds of actions; spelling a `WriteAction`
 * (plan item, effect, idempotency key) in each test would bury what the test is about.
 */
import type { IrSource } from '../../../language/ir/ir-types.js';
import type { PlanItem } from '../../../runtime/plan/change-plan.js';
import { WriteError, type WriteAction, type WriterFactory } from '../../../runtime/write/writer.js';
import { afterEach } from 'vitest';
import { makeWorkspace, OBSERVED_AT } from '../connectors/source-fixture.js';

/** A file action on `source`: `op` on the record with `key`, writing `record` (raw). */
export function fileAction(
  source: IrSource,
  op: 'create' | 'update' | 'delete',
  key: Record<string, unknown>,
  record: Record<string, unknown> = key,
): WriteAction {
  const id = `p/${op === 'create' ? 'missing' : op === 'delete' ? 'extra' : 'changed'}/${Object.values(key).join(',')}`;
  const item: PlanItem = {
    id,
    kind: op === 'create' ? 'missing' : op === 'delete' ? 'extra' : 'changed',
    key,
    side: null,
    fields: [],
    action: op,
    gate: 'auto',
    approvers: null,
    reason: { rule: 1, at: null, because: null },
    precondition: null,
    effect: { kind: 'file', connector: source.connector.kind, path: source.connector.path ?? '', op, key, record },
  };
  return { item, effect: item.effect!, idempotencyKey: `sha256:test/${id}` };
}

/** Opens a session of `factory` for `source` in `root`, performs `actions` in order, commits. */
export async function applyActions(factory: WriterFactory, source: IrSource, root: string, actions: WriteAction[]): Promise<WriteAction[]> {
  const writer = factory(source, { workspaceRoot: root, observedAt: OBSERVED_AT, env: {} });
  const session = await writer.open();
  try {
    for (const action of actions) await session.perform(action);
    return await session.commit();
  } finally {
    await session.close();
  }
}

/** The `WriteError` a promise rejects with (fails the test when it resolves or throws something else). */
export async function writeErrorOf(promise: Promise<unknown>): Promise<WriteError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WriteError) return error;
    throw error;
  }
  throw new Error('expected a WriteError, but the promise resolved');
}

/**
 * `workspace(files)`: a throw-away workspace holding `files`, removed after each test. Call it
 * once at the top level of a test file (it registers the `afterEach`).
 */
export function workspacesRemovedAfterEach(): (files: Record<string, string>) => string {
  let cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups) cleanup();
    cleanups = [];
  });
  return (files) => {
    const ws = makeWorkspace(files);
    cleanups.push(ws.cleanup);
    return ws.root;
  };
}
