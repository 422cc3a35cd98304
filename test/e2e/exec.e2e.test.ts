/**
 * exec end to end through the built CLI: the kubectl sample with its stand-in `kubectl` on PATH,
 * hostile record values passed through a program (inert, verbatim), and a file path that leaves
 * the workspace refused.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliTestFolders, makeWorkspace } from '../helpers/cli-helpers.js';
import { makeTempDir, REPO_ROOT, runCli } from '../helpers/run-cli.js';

const SAMPLE = join(REPO_ROOT, 'samples', 'exec-kubectl');
const keep = cliTestFolders();

describe('the kubectl sample, with the stand-in kubectl', { timeout: 120_000 }, () => {
  it('plans, scales the drifted deployment with exactly the planned argv, and converges it', async () => {
    const dir = makeTempDir(SAMPLE);
    keep(dir);
    const env = { PATH: `${join(dir, 'fake-kubectl')}:${process.env.PATH ?? ''}`, FAKE_KUBECTL_STATE: join(dir, 'state', 'cluster-state.json') };
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'state'));
    const plan = await runCli(['plan', 'kubectl.recon', '--format', 'json'], { cwd: dir, env });
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(2);
    const items = JSON.parse(plan.stdout).policies[0].items as { id: string; action: string; effect: unknown }[];
    expect(items.map((item) => [item.id, item.action])).toEqual([
      ['shop_deployments/missing/search', 'ticket'],
      ['shop_deployments/extra/debug-shell', 'report'],
      ['shop_deployments/changed/api', 'update'],
      ['shop_deployments/changed/worker', 'ticket'],
    ]);
    expect(items[2].effect).toEqual({
      kind: 'exec',
      argv: ['kubectl', 'scale', 'deployment/api', '--namespace', 'shop', '--replicas=4'],
      stdin: { metadata: { name: 'api' }, spec: { replicas: 4 } },
    });

    const apply = await runCli(['apply', 'kubectl.recon'], { cwd: dir, env });
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(2); // the report item remains drift
    const calls = readFileSync(join(dir, 'state', 'calls.log'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as string[]);
    expect(calls.filter((argv) => argv[0] === 'scale')).toEqual([['scale', 'deployment/api', '--namespace', 'shop', '--replicas=4']]);
    const after = JSON.parse((await runCli(['plan', 'kubectl.recon', '--format', 'json'], { cwd: dir, env })).stdout);
    expect(after.policies[0].items.map((item: { id: string }) => item.id)).not.toContain('shop_deployments/changed/api');
  });

  it('a missing kubectl is one clear error line', async () => {
    const dir = makeTempDir(SAMPLE);
    keep(dir);
    const result = await runCli(['plan', 'kubectl.recon'], { cwd: dir, env: { PATH: '/nonexistent-bin' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('source cluster: cannot run kubectl: not found (is it installed and on PATH?)');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

/** A store program: `list` prints the records; `put` stores stdin; each call is logged (one call at a time: `concurrency 1`). */
const STORE = `
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
const args = process.argv.slice(2);
const state = existsSync('state.json') ? JSON.parse(readFileSync('state.json', 'utf8')) : [];
if (args[0] === 'list') { process.stdout.write(JSON.stringify(state)); process.exit(0); }
const stdin = readFileSync(0, 'utf8');
appendFileSync('calls.jsonl', JSON.stringify({ args, stdin }) + '\\n');
state.push(JSON.parse(stdin));
writeFileSync('state.json', JSON.stringify(state));
`;

const HOSTILE = ['$(touch pwned)', '; touch pwned', '`touch pwned`', '&& touch pwned', "'; touch pwned; '", '"; touch pwned; "', '$(rm -rf /)', '|touch pwned', '\ntouch pwned'];

describe('record values through a program', { timeout: 120_000 }, () => {
  it('are inert: they reach the program verbatim, as arguments and on stdin, and nothing runs', async () => {
    const records = HOSTILE.map((value, index) => ({ id: `h${index}`, note: value, name: value }));
    const dir = makeWorkspace({
      'recon.json': '{}',
      'store.mjs': STORE,
      'wanted.json': JSON.stringify(records),
      'hosts.recon': `
source wanted {
  from json("wanted.json")
  key id
}

source stored {
  from exec("node", ["store.mjs", "list"])
  key id
  write {
    create exec("node", ["store.mjs", "put", "\${key.id}", desired.note, "--name=\${desired.name}"])
  }
}

policy hosts {
  mode enforce
  desired wanted
  actual stored
  remediate {
    on missing => create
  }
  concurrency 1
}
`,
    });
    keep(dir);
    const plan = await runCli(['plan', 'hosts.recon', '--format', 'json'], { cwd: dir });
    expect(plan.code).toBe(2);
    const apply = await runCli(['apply', 'hosts.recon'], { cwd: dir });
    expect(apply.stderr).toBe('');
    expect(apply.code, apply.stdout).toBe(0);
    const calls = readFileSync(join(dir, 'calls.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { args: string[]; stdin: string });
    expect(calls).toHaveLength(HOSTILE.length);
    const byId = new Map(calls.map((call) => [call.args[1], call]));
    HOSTILE.forEach((value, index) => {
      const call = byId.get(`h${index}`)!;
      expect(call.args).toEqual(['put', `h${index}`, value, `--name=${value}`]);
      expect(JSON.parse(call.stdin)).toEqual({ id: `h${index}`, note: value, name: value });
    });
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
    expect(existsSync('/pwned')).toBe(false);
    expect((await runCli(['plan', 'hosts.recon'], { cwd: dir })).code).toBe(0);
  });
});

describe('file paths', { timeout: 120_000 }, () => {
  it('a path that leaves the workspace is refused, by check and by plan', async () => {
    const dir = makeWorkspace({
      'recon.json': '{}',
      'sub/leak.recon': `
source secrets {
  from json("../../etc/passwd")
  key id
}

source mine {
  from inline([{ id: "a" }])
  key id
}

policy leak {
  desired mine
  actual secrets
}
`,
    });
    keep(dir);
    const check = await runCli(['check', 'sub/leak.recon'], { cwd: dir });
    expect(check.code).toBe(1);
    expect(check.stdout + check.stderr).toMatch(/leak\.recon:3:13: error: .*\.\.\/\.\.\/etc\/passwd.*\[path-outside-workspace\]/);
    const plan = await runCli(['plan', 'sub/leak.recon'], { cwd: dir });
    expect(plan.code).toBe(1);
    expect(plan.stdout).not.toContain('root:');
    writeFileSync(join(dir, 'unused'), '');
  });
});
