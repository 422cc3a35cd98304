/**
 * What the writers that act at once share (`acting-session.ts`): the start of every action
 * (its label, the refusal of another kind's effect) and the session shape (`commit` hands back
 * what was performed, once).
 */
import { describe, expect, it } from 'vitest';
import type { IrSource } from '../../../language/ir/ir-types.js';
import type { Effect } from '../../../runtime/plan/change-plan.js';
import { createExecWriter } from '../../../runtime/write/exec-writer.js';
import { createHttpWriter } from '../../../runtime/write/http-writer.js';
import type { WriteAction, WriterFactory } from '../../../runtime/write/writer.js';
import { makeSource, OBSERVED_AT } from '../connectors/source-fixture.js';
import { fileAction, writeErrorOf } from './writer-fixture.js';

/** `fileAction`'s item, carrying `effect` instead. */
function actionWith(source: IrSource, effect: NonNullable<Effect>): WriteAction {
  const action = fileAction(source, 'create', { id: 'a' });
  return { ...action, item: { ...action.item, effect }, effect };
}

const cases: { kind: 'http' | 'exec'; factory: WriterFactory; source: IrSource; other: NonNullable<Effect> }[] = [
  {
    kind: 'http',
    factory: createHttpWriter,
    source: makeSource('http', ['http://127.0.0.1:9/things']),
    other: { kind: 'exec', argv: ['true'], stdin: null },
  },
  {
    kind: 'exec',
    factory: createExecWriter,
    source: makeSource('exec', ['true']),
    other: { kind: 'http', method: 'POST', url: 'http://127.0.0.1:9/things', body: null },
  },
];

describe('acting writers', () => {
  for (const { kind, factory, source, other } of cases) {
    it(`${kind}: refuses an effect of another kind, in the shared words, and commits nothing`, async () => {
      const session = await factory(source, { workspaceRoot: '.', observedAt: OBSERVED_AT, env: {} }).open();
      for (const effect of [other, fileAction(source, 'create', { id: 'a' }).effect]) {
        const error = await writeErrorOf(session.perform(actionWith(source, effect)));
        expect(error.message).toBe(`source things: p/missing/a: an ${kind} source cannot perform a ${effect.kind} effect`);
        expect(error.transient).toBe(false);
      }
      expect(await session.commit()).toEqual([]);
      await session.close();
    });
  }
});
