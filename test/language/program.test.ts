import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskModuleHost } from '../../language/module-host.js';
import { loadProgram } from '../../language/program.js';

let scratch: string | undefined;
afterEach(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});

/** A workspace (`ws/`, with `recon.json`) next to a folder outside it (`outside/`). */
function workspace(): { ws: string; outside: string } {
  scratch = mkdtempSync(join(tmpdir(), 'recon-program-'));
  const ws = join(scratch, 'ws');
  const outside = join(scratch, 'outside');
  mkdirSync(join(ws, 'shared'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(ws, 'recon.json'), '{}');
  writeFileSync(join(ws, 'shared', 'consts.recon'), 'let inside = 1\n');
  writeFileSync(join(outside, 'consts.recon'), 'let outside = 2\n');
  return { ws, outside };
}

const codes = (entry: string): string[] => [...loadProgram(entry, new DiskModuleHost()).modules.values()].flatMap((m) => m.diagnostics.map((d) => `${d.code} ${d.message}`));

describe('imports and the workspace root', () => {
  it('refuses an import that leaves the root through a symbolic link, as one written with ../ is', () => {
    const { ws, outside } = workspace();
    symlinkSync(join(outside, 'consts.recon'), join(ws, 'linked.recon'));
    symlinkSync(outside, join(ws, 'linkdir'));
    writeFileSync(join(ws, 'main.recon'), 'import "./linked.recon" as a\nimport "./linkdir/consts.recon" as b\nimport "../outside/consts.recon" as c\n');
    expect(codes(join(ws, 'main.recon'))).toEqual([
      "import-outside-workspace import './linked.recon' leaves the workspace root",
      "import-outside-workspace import './linkdir/consts.recon' leaves the workspace root",
      "import-outside-workspace import '../outside/consts.recon' leaves the workspace root",
    ]);
  });

  it('follows a symbolic link that stays inside the root, and a root reached through one', () => {
    const { ws } = workspace();
    symlinkSync(join(ws, 'shared'), join(ws, 'alias'));
    writeFileSync(join(ws, 'main.recon'), 'import "./alias/consts.recon" as a\nlet x = a.inside\n');
    expect(codes(join(ws, 'main.recon'))).toEqual([]);
    const rootLink = join(scratch!, 'ws-link');
    symlinkSync(ws, rootLink);
    expect(codes(join(rootLink, 'main.recon'))).toEqual([]);
  });

  it('imports only .recon files: a CSV, a folder or a path without the extension is not parsed as a module', () => {
    const { ws } = workspace();
    writeFileSync(join(ws, 'data.csv'), 'id,v\n1,2\n');
    writeFileSync(join(ws, 'main.recon'), 'import "./data.csv" as d\nimport "./shared" as s\nimport "./shared/consts" as c\n');
    expect(codes(join(ws, 'main.recon'))).toEqual([
      "import-not-found cannot resolve import './data.csv': an import names a .recon file",
      "import-not-found cannot resolve import './shared': an import names a .recon file (./shared.recon?)",
      "import-not-found cannot resolve import './shared/consts': an import names a .recon file (./shared/consts.recon?)",
    ]);
  });

  it('names a missing file relative to the workspace root, never by its absolute path', () => {
    const { ws } = workspace();
    writeFileSync(join(ws, 'main.recon'), 'import "./shared/nope.recon" as n\n');
    const messages = codes(join(ws, 'main.recon'));
    expect(messages).toEqual(["import-not-found cannot resolve import './shared/nope.recon' (looked for shared/nope.recon in the workspace)"]);
    expect(messages.join('')).not.toContain(ws);
  });

  it('keeps std/ inside the standard library: std/../ does not load another file as a standard module', () => {
    const { ws } = workspace();
    const host = new DiskModuleHost(join(ws, 'stdlib'));
    mkdirSync(join(ws, 'stdlib'));
    writeFileSync(join(ws, 'stdlib', 'money.recon'), 'let cents = 1\n');
    writeFileSync(join(ws, 'main.recon'), 'import "std/../shared/consts" as c\nimport "std/money"\n');
    const program = loadProgram(join(ws, 'main.recon'), host);
    const messages = [...program.modules.values()].flatMap((m) => m.diagnostics.map((d) => `${d.code} ${d.message}`));
    expect(messages).toEqual(["import-not-found cannot resolve import 'std/../shared/consts': the standard library has no module '../shared/consts'"]);
    expect([...program.modules.keys()].some((p) => p.endsWith('consts.recon'))).toBe(false);
  });
});
