/**
 * `observeKeyStates` skips, before the read pipeline, raw records whose key text cannot be a
 * wanted key (`direct-key.ts`). These tests check that the answers are those of the full pass:
 * quoted keys, keys shared by two rows (ambiguous), an invalid row of a wanted key, and raw values
 * that are not text (a JSON number under `id: string`) are all still seen.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { observeKeyStates } from '../../../runtime/apply/key-state.js';
import { sha256OfCanonical } from '../../../runtime/plan/canonical-json.js';
import { compileOk } from '../../helpers/compile-helpers.js';

const recon = (actual: string) => `
source want {
  from csv("desired.csv")
  key id
  fields { id: string  n: integer }
}
source have {
  from ${actual}
  key id
  fields { id: string  n: integer }
}
policy p {
  mode enforce
  desired want
  actual have
  remediate {
    on changed => update
  }
}
`;

describe('observeKeyStates with keys read from raw text', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'recon-key-state-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const context = () => ({ workspaceRoot: dir, observedAt: '2026-11-27T00:00:00Z', env: {}, trusted: true });

  it('answers quoted, shared, invalid and unchanged keys as the full pass does', async () => {
    writeFileSync(join(dir, 'desired.csv'), 'id,n\n"a,1",1\nb,2\nc,3\nd,4\ne,5\n');
    writeFileSync(join(dir, 'actual.csv'), 'id,n\n"a,1",1\nb,9\nc,3\nc,3\nd,oops\ne,5\nz,0\n');
    const ir = compileOk(recon('csv("actual.csv")'));
    const states = await observeKeyStates(ir, ir.policies[0]!, new Set(['a%2C1', 'b', 'c', 'd']), context());
    expect(states.get('a%2C1')).toEqual({ converged: true, actualFingerprint: sha256OfCanonical({ id: 'a,1', n: '1' }), ambiguous: false, drift: null });
    expect(states.get('b')).toMatchObject({ converged: false, drift: 'changed', ambiguous: false });
    expect(states.get('c')).toMatchObject({ converged: false, ambiguous: true });
    expect(states.get('d')).toMatchObject({ converged: false, actualFingerprint: null });
    expect(states.has('e')).toBe(false);
  });

  it('keeps raw values that are not text (a JSON number under id: string)', async () => {
    writeFileSync(join(dir, 'desired.csv'), 'id,n\n5,1\n6,2\n');
    writeFileSync(join(dir, 'actual.jsonl'), '{"id":5,"n":1}\n{"id":6,"n":3}\n');
    const ir = compileOk(recon('jsonl("actual.jsonl")'));
    const states = await observeKeyStates(ir, ir.policies[0]!, new Set(['5', '6']), context());
    expect(states.get('5')).toMatchObject({ converged: true, ambiguous: false });
    expect(states.get('6')).toMatchObject({ converged: false, drift: 'changed' });
  });
});
