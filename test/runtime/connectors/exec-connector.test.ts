import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IrExpr } from '../../../language/ir/ir-types.js';
import { ConnectorError } from '../../../runtime/connectors/connector.js';
import { createConnector, createConnectorContext } from '../../../runtime/connectors/connector-registry.js';
import { programFolder } from '../../../runtime/connectors/program-runner.js';
import { connectorFor, makeSource, makeWorkspace, OBSERVED_AT, readAll } from './source-fixture.js';

/** Prints its arguments and working folder as records; `--fail`, `--sleep`, `--lines`, `--text` change what it does. */
const PRINTER = `
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
const args = process.argv.slice(2);
if (args[0] === '--fail') { process.stderr.write('line one\\n\\nwarning: ignore me\\nfatal: bad thing with ' + args[1] + '\\n'); process.exit(3); }
if (args[0] === '--sleep') {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
  writeFileSync('grandchild.pid', String(child.pid));
  setTimeout(() => {}, 30000);
} else if (args[0] === '--lines') {
  process.stdout.write('{"id": "a"}\\n{"id": "b"}\\n');
} else if (args[0] === '--text') {
  process.stdout.write('hello, not json');
} else {
  process.stdout.write(JSON.stringify({ items: args.map((arg, i) => ({ id: 'r' + i, arg })), cwd: process.cwd() }));
}
`;

/** Whether a process runs (a zombie waiting for its reaper does not). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

describe('exec connector', () => {
  let cleanup: (() => void) | null = null;
  afterEach(() => {
    cleanup?.();
    cleanup = null;
  });

  const workspace = (): string => {
    const ws = makeWorkspace({ 'tools/printer.mjs': PRINTER, 'tools/recon.json': '' });
    cleanup = ws.cleanup;
    return ws.root;
  };
  const source = (args: IrExpr[], options: Record<string, IrExpr> = { items: 'items' }) =>
    makeSource('exec', ['node', ['printer.mjs', ...args]], { options, at: 'tools/hosts.recon:2:1' });

  it('runs the program in the folder of the declaring file and reads the list at items', async () => {
    const root = workspace();
    const { records } = await readAll(connectorFor(source(['one', 2 as unknown as IrExpr]), root));
    expect(records).toEqual([
      { id: 'r0', arg: 'one' },
      { id: 'r1', arg: '2' },
    ]);
    expect(programFolder(root, 'tools/hosts.recon:2:1')).toBe(path.join(root, 'tools'));
    expect(programFolder(root, '../outside.recon:1:1')).toBe(root);
  });

  it('passes shell syntax through as inert, verbatim arguments', async () => {
    const root = workspace();
    const hostile = ['$(touch pwned)', '; touch pwned', '`touch pwned`', '| touch pwned', "' && touch pwned '", '*', '$HOME'];
    const { records } = await readAll(connectorFor(source(hostile), root));
    expect(records.map((r) => r.arg)).toEqual(hostile);
    expect(existsSync(path.join(root, 'tools', 'pwned'))).toBe(false);
    expect(existsSync(path.join(root, 'pwned'))).toBe(false);
  });

  it('reads JSON Lines output', async () => {
    const root = workspace();
    const { records } = await readAll(connectorFor(source(['--lines'], {}), root));
    expect(records).toEqual([{ id: 'a' }, { id: 'b' }]);
  });

  it('reports a non-zero exit with the end of stderr, trimmed, secrets scrubbed', async () => {
    const root = workspace();
    const error = await readAll(connectorFor(source(['--fail', { secret: ['API_KEY'] }]), root, { API_KEY: 'key-s3cr3t' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as Error).message).toBe('source things: node exited with code 3: line one | warning: ignore me | fatal: bad thing with ***');
  });

  it('stops a program that runs too long, with everything it started', async () => {
    const root = workspace();
    const started = Date.now();
    const error = await readAll(connectorFor(source(['--sleep'], { timeout: 1500 }), root)).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(8000);
    expect((error as ConnectorError).message).toBe('source things: node did not finish within 1.5s (timeout; it was stopped)');
    expect((error as ConnectorError).transient).toBe(true);
    const grandchild = Number(readFileSync(path.join(root, 'tools', 'grandchild.pid'), 'utf8'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(alive(grandchild)).toBe(false);
  });

  it('reports a program that is not there, and output that is not JSON', async () => {
    const root = workspace();
    const missing = makeSource('exec', ['no-such-program-recon', []], { at: 'tools/hosts.recon:2:1' });
    await expect(readAll(connectorFor(missing, root))).rejects.toThrow('source things: cannot run no-such-program-recon: not found (is it installed and on PATH?)');
    await expect(readAll(connectorFor(source(['--text'], {}), root))).rejects.toThrow('source things: node did not print JSON: hello, not json');
  });

  it('never runs in an untrusted context', async () => {
    const root = workspace();
    const connector = createConnector(
      source(['--sleep']),
      createConnectorContext({ workspaceRoot: root, trusted: false, observedAt: OBSERVED_AT }),
    );
    await expect(readAll(connector)).rejects.toThrow('source things: exec sources are not run in an untrusted workspace (trust the workspace to read it)');
    expect(existsSync(path.join(root, 'tools', 'grandchild.pid'))).toBe(false);
  });
});
