import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IrDocument, IrSource } from '../../../language/ir/ir-types.js';
import type { ChangePlan, PlanItem } from '../../../runtime/plan/change-plan.js';
import { runPlan } from '../../../runtime/plan/plan-runner.js';
import { createExecWriter, EXIT_TEMPFAIL } from '../../../runtime/write/exec-writer.js';
import { createWriter } from '../../../runtime/write/writer-registry.js';
import { WriteError, type WriteAction } from '../../../runtime/write/writer.js';
import { compileOk } from '../../helpers/compile-helpers.js';
import { makeWorkspace } from '../connectors/source-fixture.js';

const OBSERVED_AT = '2026-11-26T12:00:00.000Z';
const TOKEN = 'store-s3cr3t-token';

/**
 * A record store as a program: `list` prints the records, `put ID --token=T` stores the record
 * on stdin, `delete ID` removes one. Each call is logged with its argv, stdin, idempotency key
 * and folder. A file `fail-next` makes the next call fail with the exit code it holds.
 */
const STORE = `
import { existsSync, readFileSync, writeFileSync, appendFileSync, unlinkSync } from 'node:fs';
const [op, id, token] = process.argv.slice(2);
const state = existsSync('state.json') ? JSON.parse(readFileSync('state.json', 'utf8')) : {};
if (op === 'list') { process.stdout.write(JSON.stringify({ items: Object.values(state) })); process.exit(0); }
const stdin = readFileSync(0, 'utf8');
appendFileSync('calls.jsonl', JSON.stringify({ argv: process.argv.slice(2), stdin, key: process.env.RECON_IDEMPOTENCY_KEY ?? null, cwd: process.cwd() }) + '\\n');
if (existsSync('fail-next')) {
  const code = Number(readFileSync('fail-next', 'utf8'));
  unlinkSync('fail-next');
  process.stderr.write('store is busy, token=' + (token ?? '') + '\\n');
  process.exit(code);
}
if (existsSync('hang-next')) { unlinkSync('hang-next'); setTimeout(() => {}, 60000); }
else {
  if (op === 'put') state[id] = { ...(state[id] ?? {}), ...JSON.parse(stdin) };
  if (op === 'delete') delete state[id];
  writeFileSync('state.json', JSON.stringify(state));
}
`;

const RECON = `
source wanted {
  from inline([
    { id: "a", name: "Anna" },
    { id: "$(touch pwned)", name: "; touch pwned" },
    { id: "c", name: "Cleo" },
  ])
  key id
}

source stored {
  from exec("node", ["store.mjs", "list"], items: "items", timeout: 3s)
  key id
  write {
    create exec("node", ["store.mjs", "put", "\${key.id}", "--token=\${secret("STORE_TOKEN")}"])
    update exec("node", ["store.mjs", "put", key.id, "--token=\${secret("STORE_TOKEN")}"])
    delete exec("node", ["store.mjs", "delete", key.id])
  }
}

policy sync {
  desired wanted
  actual stored
  remediate {
    on missing => create
    on changed => update
    on extra => delete
  }
}
`;

describe('exec writer', () => {
  let root: string;
  let cleanup: () => void;
  let ir: IrDocument;
  let stored: IrSource;
  const env = { STORE_TOKEN: TOKEN };

  beforeEach(() => {
    ({ root, cleanup } = makeWorkspace({ 'store.mjs': STORE, 'recon.json': '{}' }));
    writeFileSync(path.join(root, 'state.json'), JSON.stringify({ c: { id: 'c', name: 'Cleo (old)' }, z: { id: 'z', name: 'Zed' } }));
    ir = compileOk(RECON);
    stored = ir.sources.find((source) => source.name === 'stored')!;
  });
  afterEach(() => cleanup());

  const plan = (): Promise<ChangePlan> => runPlan(ir, { workspaceRoot: root, observedAt: OBSERVED_AT, env });
  const actions = (changePlan: ChangePlan): WriteAction[] =>
    changePlan.policies
      .flatMap((policy) => policy.items)
      .filter((item): item is PlanItem & { effect: NonNullable<PlanItem['effect']> } => item.effect !== null)
      .map((item) => ({ item, effect: item.effect, idempotencyKey: `${changePlan.plan_hash}/${item.id}` }));
  const calls = (): { argv: string[]; stdin: string; key: string; cwd: string }[] =>
    readFileSync(path.join(root, 'calls.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  const state = (): unknown => JSON.parse(readFileSync(path.join(root, 'state.json'), 'utf8'));

  it('runs exactly the planned commands, record on stdin, idempotency key in the environment', async () => {
    const first = await plan();
    const all = actions(first);
    expect(all.map((a) => a.item.id)).toEqual(['sync/missing/$(touch pwned)', 'sync/missing/a', 'sync/extra/z', 'sync/changed/c']);
    expect(all[1].effect).toEqual({ kind: 'exec', argv: ['node', 'store.mjs', 'put', 'a', '--token=***'], stdin: { id: 'a', name: 'Anna' } });
    expect(all[2].effect).toEqual({ kind: 'exec', argv: ['node', 'store.mjs', 'delete', 'z'], stdin: null });
    expect(JSON.stringify(first)).not.toContain(TOKEN);

    const session = await createWriter(stored, { workspaceRoot: root, env, observedAt: OBSERVED_AT }).open();
    for (const action of all) await session.perform(action);
    expect((await session.commit()).map((a) => a.item.id)).toEqual(all.map((a) => a.item.id));
    await session.close();

    const log = calls();
    expect(log.map((call) => call.argv)).toEqual([
      ['put', '$(touch pwned)', `--token=${TOKEN}`],
      ['put', 'a', `--token=${TOKEN}`],
      ['delete', 'z'],
      ['put', 'c', `--token=${TOKEN}`],
    ]);
    expect(JSON.parse(log[0].stdin)).toEqual({ id: '$(touch pwned)', name: '; touch pwned' });
    expect(log[2].stdin).toBe('');
    expect(JSON.parse(log[3].stdin)).toEqual({ id: 'c', name: 'Cleo' });
    expect(log.map((call) => call.key)).toEqual(all.map((a) => `${first.plan_hash}/${a.item.id}`));
    expect(log[0].cwd).toBe(root);
    expect(existsSync(path.join(root, 'pwned'))).toBe(false);
    expect(state()).toEqual({
      a: { id: 'a', name: 'Anna' },
      c: { id: 'c', name: 'Cleo' },
      '$(touch pwned)': { id: '$(touch pwned)', name: '; touch pwned' },
    });
    expect((await plan()).drift).toBe(false);
  });

  it('exit 75 is a transient failure (retried with the same key), any other exit a failed action; stderr scrubbed', async () => {
    const [create] = actions(await plan());
    const session = await createExecWriter(stored, { workspaceRoot: root, env, observedAt: OBSERVED_AT }).open();
    writeFileSync(path.join(root, 'fail-next'), String(EXIT_TEMPFAIL));
    const busy = (await session.perform(create).catch((e: unknown) => e)) as WriteError;
    expect(busy).toBeInstanceOf(WriteError);
    expect(busy.transient).toBe(true);
    expect(busy.message).toBe('source stored: sync/missing/$(touch pwned): node exited with code 75: store is busy, token=--token=***');
    await session.perform(create); // the executor's retry
    writeFileSync(path.join(root, 'fail-next'), '3');
    const failed = (await session.perform(create).catch((e: unknown) => e)) as WriteError;
    expect(failed.transient).toBe(false);
    expect(failed.message).toContain('node exited with code 3');
    await session.close();
    const keys = calls().map((call) => call.key);
    expect(new Set(keys).size).toBe(1);
    expect(JSON.stringify(calls().map((c) => c.stdin))).not.toContain(TOKEN);
  });

  it('a program that hangs is stopped at the source timeout: a transient failure', async () => {
    const [create] = actions(await plan());
    const session = await createExecWriter(stored, { workspaceRoot: root, env, observedAt: OBSERVED_AT }).open();
    writeFileSync(path.join(root, 'hang-next'), '');
    const error = (await session.perform(create).catch((e: unknown) => e)) as WriteError;
    await session.close();
    expect(error.message).toBe('source stored: sync/missing/$(touch pwned): node did not finish within 3s (timeout; it was stopped)');
    expect(error.transient).toBe(true);
  });

  it('refuses a plan whose secret-bearing argument no longer matches the source', async () => {
    const [create] = actions(await plan());
    const session = await createExecWriter(stored, { workspaceRoot: root, env, observedAt: OBSERVED_AT }).open();
    const tampered: WriteAction = { ...create, effect: { kind: 'exec', argv: ['node', 'store.mjs', 'put', 'other', '--token=***'], stdin: {} } };
    await expect(session.perform(tampered)).rejects.toThrow(/the plan shows "node store\.mjs put other --token=\*\*\*", which recon cannot rebuild/);
    await session.close();
    expect(existsSync(path.join(root, 'calls.jsonl'))).toBe(false);
  });
});
