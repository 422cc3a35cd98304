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
});
