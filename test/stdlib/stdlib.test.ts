/**
 * The standard library as shipped (`stdlib/*.recon`, ARCHITECTURE.md convention 7): every module
 * checks clean, compiles when a small policy file imports it and uses every part of it (each
 * profile, each source, each let), and is documented (a header comment, and a doc comment on every
 * declaration). Then what the documentation promises: the profiles tolerate exactly what they say,
 * the tag kit's rules decide as its header shows, and a source of the library that runs a program
 * through `exec` runs (with stand-ins for the CLIs on PATH).
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decl } from '../../language/ast.js';
import { DiskModuleHost, MemoryModuleHost } from '../../language/module-host.js';
import { checkFile, compileFile } from '../../language/pipeline.js';
import type { IrDocument } from '../../language/ir/ir-types.js';
import { runPlan, runTests } from '../../runtime/plan/plan-runner.js';
import { REPO_ROOT } from '../helpers/run-cli.js';

const STDLIB = join(REPO_ROOT, 'stdlib');
const MODULES = readdirSync(STDLIB)
  .filter((f) => f.endsWith('.recon'))
  .map((f) => basename(f, '.recon'))
  .sort();
const TODAY = '2026-11-26';
const OBSERVED_AT = '2026-11-26T12:00:00Z';

/** Checks `text` as `/ws/main.recon` of an in-memory workspace; the standard library from disk. */
function compileWorkspaceText(text: string): { ir: IrDocument | null; messages: string[] } {
  const host = new MemoryModuleHost({ '/ws/recon.json': '{}', '/ws/main.recon': text }, STDLIB);
  const compiled = compileFile('/ws/main.recon', host, undefined, { today: TODAY });
  return { ir: compiled.ir, messages: compiled.diagnostics.map((d) => `${d.severity} ${d.code} in ${d.file ?? '?'}@${d.start}: ${d.message}`) };
}

/** The IR of `text`, failing with every diagnostic when there is one. */
function compileClean(text: string): IrDocument {
  const { ir, messages } = compileWorkspaceText(text);
  expect(messages).toEqual([]);
  expect(ir).not.toBeNull();
  return ir!;
}

/** The declarations of a module, parsed. */
function declarationsOf(module: string): Decl[] {
  const checked = checkFile(join(STDLIB, `${module}.recon`), new DiskModuleHost(STDLIB), undefined, { today: TODAY });
  return checked.program.entry.parsed.ast.declarations;
}

describe('the standard library', () => {
  it('has the modules the documentation names', () => {
    expect(MODULES).toEqual(expect.arrayContaining(['cloud', 'kubernetes', 'money', 'tags', 'text', 'timestamps']));
  });

  describe.each(MODULES)('std/%s', (module) => {
    const path = join(STDLIB, `${module}.recon`);

    it('checks clean: no diagnostics at all', () => {
      const { diagnostics } = checkFile(path, new DiskModuleHost(STDLIB), undefined, { today: TODAY });
      expect(diagnostics.map((d) => `${d.code}: ${d.message}`)).toEqual([]);
    });

    it('starts with a header comment that says how to import it', () => {
      const text = readFileSync(path, 'utf8');
      const header = text.split('\n').filter((line, i, lines) => lines.slice(0, i + 1).every((l) => l.startsWith('#')));
      expect(header.length).toBeGreaterThanOrEqual(3);
      expect(header.join('\n')).toContain(`import "std/${module}"`);
    });

    it('documents every declaration with a doc comment of its own', () => {
      const undocumented = declarationsOf(module)
        .filter((d) => d.kind !== 'Import')
        .filter((d) => d.doc === null || d.doc.trim().length < 10)
        .map((d) => ('name' in d && d.name && 'text' in d.name ? d.name.text : d.kind));
      expect(undocumented).toEqual([]);
      expect(declarationsOf(module).length).toBeGreaterThan(0);
    });

    it('compiles when a policy file imports it and uses every profile, source and let', () => {
      const decls = declarationsOf(module);
      const names = (kind: Decl['kind']) => decls.filter((d) => d.kind === kind).map((d) => (d as { name: { text: string } }).name.text);
      const lines = [`import "std/${module}" as lib`, 'source records {', '  from inline([{ id: "1" }])', '  key id', '}'];
      for (const name of names('Let')) lines.push(`let use_${name} = lib.${name}`);
      for (const name of names('Profile')) lines.push(`policy profile_${name} {`, '  desired records', '  actual records', '  compare {', `    use lib.${name}`, '  }', '}');
      for (const name of names('Source')) lines.push(`policy source_${name} {`, `  desired lib.${name}`, `  actual lib.${name}`, '}');
      const ir = compileClean(lines.join('\n') + '\n');
      expect(ir.policies.map((p) => p.name).sort()).toEqual([...names('Profile').map((n) => `profile_${n}`), ...names('Source').map((n) => `source_${n}`)].sort());
      for (const name of names('Source')) expect(ir.sources.map((s) => s.name)).toContain(`lib.${name}`);
    });
  });
});

describe('what the modules promise', () => {
  /** Runs the test blocks of `text` and returns the failures (empty when every test passed). */
  async function failingTests(text: string): Promise<string[]> {
    const ir = compileClean(text);
    const results = await runTests(ir, { observedAt: OBSERVED_AT, env: {} });
    expect(results.length).toBeGreaterThan(0);
    return results.filter((r) => !r.passed).map((r) => `${r.name}: ${[...r.failures, r.error ?? ''].join('; ')}`);
  }

  it('std/text: case, spaces and Unicode form are not drift; other differences are', async () => {
    const failures = await failingTests(`
import "std/text"
source people {
  from inline([])
  key id
}
policy p {
  desired people
  actual people
  compare {
    use text.email
    use text.name
    use text.status
    use text.country
    use text.description
  }
}
test "tolerated" {
  policy p
  desired [{ id: "1", email: "Ada@Example.com ", name: "Zoe\\u0308  M\\u00fcller", status: "SETTLED ", country: "de", description: "one\\n two" }]
  actual [{ id: "1", email: "ada@example.com", name: "Zo\\u00eb M\\u00fcller", status: "settled", country: "DE", description: "one two" }]
  expect no_drift
}
test "still compared" {
  policy p
  desired [{ id: "1", email: "ada@example.com", name: "Ada", status: "settled" }]
  actual [{ id: "1", email: "ada@example.org", name: "Ada", status: "refunded" }]
  expect {
    changed 1
  }
}
`);
    expect(failures).toEqual([]);
  });

  it('std/timestamps: two minutes of skew and other zones are tolerated, three minutes are not; bookkeeping times are ignored', async () => {
    const failures = await failingTests(`
import "std/timestamps"
source a {
  from inline([])
  key id
  fields {
    id: string
    updated_at: datetime
  }
}
source b {
  from inline([])
  key id
}
policy skew {
  desired a
  actual a
  compare {
    use timestamps.updated_at_skew
  }
}
policy utc {
  desired b
  actual b
  compare {
    use timestamps.created_at_utc
  }
}
policy books {
  desired b
  actual b
  compare {
    use timestamps.bookkeeping
  }
}
test "skew within two minutes" {
  policy skew
  desired [{ id: "1", updated_at: "2026-11-01T09:00:00+01:00" }]
  actual [{ id: "1", updated_at: "2026-11-01T08:01:30Z" }]
  expect no_drift
}
test "three minutes apart" {
  policy skew
  desired [{ id: "1", updated_at: "2026-11-01T09:00:00+01:00" }]
  actual [{ id: "1", updated_at: "2026-11-01T08:03:00Z" }]
  expect {
    changed 1
  }
}
test "text in another zone is one instant" {
  policy utc
  desired [{ id: "1", created_at: "2026-11-01T09:00:00+01:00" }]
  actual [{ id: "1", created_at: "2026-11-01T08:00:00Z" }]
  expect no_drift
}
test "bookkeeping times" {
  policy books
  desired [{ id: "1", updated_at: "2026-11-01T09:00:00Z", synced_at: "x", total: 1 }]
  actual [{ id: "1", updated_at: "2026-11-20T09:00:00Z", synced_at: "y", total: 1 }]
  expect no_drift
}
`);
    expect(failures).toEqual([]);
  });

  it('std/kubernetes: containers are matched by name, so order does not matter and the differing one is named', async () => {
    const ir = compileClean(`
import "std/kubernetes"
source manifests {
  from inline([
    { namespace: "shop", name: "api", containers: [{ name: "api", image: "api:2" }, { name: "proxy", image: "envoy:1" }] },
    { namespace: "shop", name: "web", containers: [{ name: "web", image: "web:1" }, { name: "proxy", image: "envoy:1" }] },
  ])
  key namespace, name
}
source running {
  from inline([
    { namespace: "shop", name: "api", containers: [{ name: "proxy", image: "envoy:1" }, { name: "api", image: "api:2" }] },
    { namespace: "shop", name: "web", containers: [{ name: "proxy", image: "envoy:1" }, { name: "web", image: "web:1-hotfix" }] },
  ])
  key namespace, name
}
policy p {
  desired manifests
  actual running
  compare {
    use kubernetes.workload
  }
}
`);
    const plan = await runPlan(ir, { workspaceRoot: '/ws', observedAt: OBSERVED_AT, env: {} });
    const items = plan.policies[0]!.items;
    expect(items.map((i) => i.id)).toEqual(['p/changed/shop,web']);
    expect(items[0]!.fields).toEqual([{ path: 'containers[name=web].image', desired: 'web:1', actual: 'web:1-hotfix' }]);
  });

  it('std/tags: the policy of its header decides fixes, tickets and unowned resources', async () => {
    const failures = await failingTests(`
import "std/tags"
policy azure_tag_compliance {
  mode enforce
  desired tags.azure_required
  actual tags.azure_tagged
  compare {
    use tags.required
  }
  remediate {
    on changed when desired.owner == null => ticket "Unowned resource \${desired.name}"
    on changed when desired.owner matches tags.owner_pattern and desired.cost_center matches tags.cost_center_pattern and desired.environment in tags.environments => update
    on changed => ticket "Tags of \${desired.name}: ask \${desired.owner}"
  }
}
test "valid tags" {
  policy azure_tag_compliance
  desired [{ id: "a", owner: "shop@example.com", cost_center: "CC-1210", environment: "prod" }]
  actual [{ id: "a", owner: "shop@example.com", cost_center: "CC-1210", environment: "prod" }]
  expect no_drift
}
test "known values are written, unknown ones ticketed, unowned ones ticketed" {
  policy azure_tag_compliance
  desired [
    { id: "fix", owner: "shop@example.com", cost_center: "CC-1210", environment: "prod" },
    { id: "ask", owner: "shop@example.com", cost_center: "MARKETING", environment: "prod" },
    { id: "nobody", cost_center: "CC-1210", environment: "prod" },
  ]
  actual [
    { id: "fix", owner: "shop@example.com", cost_center: "cc-1210" },
    { id: "ask", owner: "shop@example.com", cost_center: "MARKETING", environment: "prod" },
    { id: "nobody", cost_center: "CC-1210", environment: "prod" },
  ]
  expect {
    changed 3
    action update on "fix"
    action ticket on "ask"
    action ticket on "nobody"
  }
}
`);
    expect(failures).toEqual([]);
  });
});

describe('sources of the standard library that run programs', () => {
  let workspace: string;
  let bin: string;
  const savedPath = process.env.PATH;

  beforeAll(() => {
    workspace = mkdtempSync(join(tmpdir(), 'recon-stdlib-'));
    bin = join(workspace, 'bin');
    mkdirSync(bin);
    writeFileSync(join(workspace, 'recon.json'), '{}\n');
    const kubectl = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { metadata: { namespace: 'shop', name: 'api', labels: { app: 'api' } }, spec: { replicas: 2, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'api:2' }] } } } },
        { metadata: { namespace: 'kube-system', name: 'coredns' }, spec: { replicas: 2 } },
      ],
    };
    writeFileSync(join(workspace, 'kubectl.json'), JSON.stringify(kubectl));
    // A stand-in kubectl: prints the list for `get deployments`, fails on anything else.
    writeFileSync(
      join(bin, 'kubectl'),
      `#!/usr/bin/env node\nconst args = process.argv.slice(2);\nif (args[0] !== 'get' || args[1] !== 'deployments') { process.stderr.write('unexpected ' + args.join(' ')); process.exit(3); }\nprocess.stdout.write(require('fs').readFileSync(${JSON.stringify(join(workspace, 'kubectl.json'))}, 'utf8'));\n`,
    );
    chmodSync(join(bin, 'kubectl'), 0o755);
    process.env.PATH = `${bin}:${savedPath ?? ''}`;
  });

  afterAll(() => {
    process.env.PATH = savedPath;
    rmSync(workspace, { recursive: true, force: true });
  });

  it('kubernetes.deployments runs kubectl from PATH in the workspace and leaves the system namespaces out', async () => {
    const policyFile = join(workspace, 'cluster.recon');
    writeFileSync(
      policyFile,
      [
        'import "std/kubernetes"',
        'source wanted {',
        '  from inline([{ namespace: "shop", name: "api", replicas: 3, labels: { app: "api" }, selector: { app: "api" }, pod_labels: { app: "api" }, containers: [{ name: "api", image: "api:2" }] }])',
        '  key namespace, name',
        '}',
        'policy p {',
        '  mode enforce',
        '  desired wanted',
        '  actual kubernetes.deployments',
        '  remediate {',
        '    on changed => update',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    const compiled = compileFile(policyFile, new DiskModuleHost(STDLIB), undefined, { today: TODAY });
    expect(compiled.diagnostics).toEqual([]);
    const plan = await runPlan(compiled.ir!, { workspaceRoot: compiled.program.workspaceRoot, observedAt: OBSERVED_AT });
    const policy = plan.policies[0]!;
    expect(policy.summary).toMatchObject({ desired: 1, actual: 1, changed: 1, extra: 0 });
    expect(policy.items[0]!.effect).toEqual({
      kind: 'exec',
      argv: ['kubectl', 'patch', 'deployment', 'api', '-n', 'shop', '--type=merge', '--patch-file=/dev/stdin'],
      stdin: { metadata: { namespace: 'shop', name: 'api' }, spec: { replicas: 3 } },
    });
  });
});
