import { mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveWorkspacePath, resolveWorkspacePathSync, WorkspacePathError } from '../../../runtime/workspace/workspace-paths.js';
import { makeWorkspace } from '../connectors/source-fixture.js';

const ws = makeWorkspace({ 'data/a.csv': 'id\n', 'other/b.csv': 'id\n' });
const outside = makeWorkspace({ 'secret.txt': 'x' });
const root = realpathSync(ws.root);
symlinkSync(path.join(outside.root, 'secret.txt'), path.join(root, 'data/evil.csv'));
symlinkSync(outside.root, path.join(root, 'escape'));
symlinkSync(path.join(root, 'other'), path.join(root, 'data/inside'));
mkdirSync(path.join(root, 'empty'));
afterAll(() => {
  ws.cleanup();
  outside.cleanup();
});

const both = [
  ['async', (p: string) => resolveWorkspacePath(root, p)],
  ['sync', async (p: string) => resolveWorkspacePathSync(root, p)],
] as const;

describe.each(both)('resolveWorkspacePath (%s)', (_name, resolve) => {
  it('resolves files inside the root', async () => {
    expect(await resolve('data/a.csv')).toBe(path.join(root, 'data/a.csv'));
    expect(await resolve('./data/../data/a.csv')).toBe(path.join(root, 'data/a.csv'));
  });

  it('resolves a file that does not exist yet', async () => {
    expect(await resolve('empty/new/file.json')).toBe(path.join(root, 'empty/new/file.json'));
  });

  it('follows symbolic links that stay inside', async () => {
    expect(await resolve('data/inside/b.csv')).toBe(path.join(root, 'other/b.csv'));
  });

  it('refuses .. escapes', async () => {
    await expect(resolve('../../etc/passwd')).rejects.toThrow(WorkspacePathError);
    await expect(resolve('data/../../x')).rejects.toThrow(/leaves the workspace root/);
  });

  it('refuses absolute paths', async () => {
    await expect(resolve('/etc/passwd')).rejects.toThrow(/"\/etc\/passwd" is absolute; paths must be relative to the workspace root/);
    await expect(resolve('C:\\Windows\\win.ini')).rejects.toThrow(/is absolute/);
  });

  it('refuses symbolic links that lead outside, to files or through folders', async () => {
    await expect(resolve('data/evil.csv')).rejects.toThrow(/leads outside the workspace root .* \(through a symbolic link to /);
    await expect(resolve('escape/secret.txt')).rejects.toThrow(/leads outside the workspace root/);
    await expect(resolve('escape/not-yet.txt')).rejects.toThrow(/leads outside the workspace root/);
  });

  it('refuses empty paths and NUL characters', async () => {
    await expect(resolve('')).rejects.toThrow(/must not be empty/);
    await expect(resolve('a\0b')).rejects.toThrow(/NUL/);
  });
});
