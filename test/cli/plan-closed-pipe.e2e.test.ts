/**
 * `recon plan … | head`: the reader closes the pipe before the plan is printed in full. The run
 * must end as it would have (exit 2: drift), with no stack trace on stderr.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, makeTempDir, RECON_BIN, removeTempDir } from '../helpers/run-cli.js';

let dir: string;

beforeAll(async () => {
  await ensureCliBuilt();
  dir = makeTempDir();
  mkdirSync(join(dir, 'data'));
  const desired = Array.from({ length: 3000 }, (_, i) => ({ id: `k${i}`, note: `a note long enough to fill the pipe ${i}` }));
  writeFileSync(join(dir, 'data', 'd.json'), JSON.stringify(desired));
  writeFileSync(join(dir, 'data', 'a.json'), '[]');
  writeFileSync(
    join(dir, 'p.recon'),
    'source d { from json("data/d.json") key id }\nsource a { from json("data/a.json") key id }\npolicy p { mode enforce desired d actual a remediate { on missing => create } }\n',
  );
});

afterAll(() => removeTempDir(dir));

/** Runs `recon plan p.recon ARGS`, closing its standard output after the first chunk. */
function planWithEarlyClose(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [RECON_BIN, 'plan', 'p.recon', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.once('data', () => child.stdout.destroy());
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stderr }));
  });
}

describe('recon plan into a pipe its reader closes', () => {
  for (const format of ['json', 'html']) {
    it(`${format}: exit 2, nothing on stderr`, async () => {
      const r = await planWithEarlyClose(['--format', format]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(2);
    });
  }
});
