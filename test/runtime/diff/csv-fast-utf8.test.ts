/**
 * The CSV fast path and bytes that are not UTF-8: it must end as the generic path does (the run
 * stops, naming the first bad line) even when the bad bytes sit in a row that is the same in both
 * files — one the fast path never reads again — and must not give up on valid multi-byte text
 * that its reads cut in the middle of a character.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utf8WholeEnd } from '../../../runtime/diff/csv-fast-join.js';
import { ensureCliBuilt, runCli } from '../../helpers/run-cli.js';

/** Two files of `rows` rows (≈ 4.6 MB each: the fast path's 8 MiB together), `memo` per row. */
function writeFiles(dir: string, memo: (i: number) => string, rows = 80_000): { desired: Buffer; actual: Buffer } {
  const lines = (shift: number) => {
    const out = ['id,amount,memo'];
    for (let i = 0; i < rows; i++) out.push(`K${String(i + shift).padStart(8, '0')},${(i % 997) + 0.25},${memo(i)}`);
    return Buffer.from(out.join('\n') + '\n');
  };
  return { desired: lines(0), actual: lines(10) };
}

function reconFile(where: boolean): string {
  return `source a {\n  from csv("desired.csv")\n  key id\n${where ? '  where true\n' : ''}}\nsource b {\n  from csv("actual.csv")\n  key id\n}\npolicy p {\n  mode audit\n  desired a\n  actual b\n}\n`;
}

describe('the CSV fast path on bytes that are not UTF-8', () => {
  let dir: string;
  beforeAll(async () => {
    await ensureCliBuilt();
    dir = mkdtempSync(join(tmpdir(), 'recon-fast-utf8-'));
    writeFileSync(join(dir, 'recon.json'), '{}\n');
    writeFileSync(join(dir, 'fast.recon'), reconFile(false));
    writeFileSync(join(dir, 'generic.recon'), reconFile(true));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const plan = (file: string) => runCli(['plan', file, '--format', 'json'], { cwd: dir, env: { RECON_TRACE: '1' } });

  /** Writes the files with `bad` in place of the first byte of row `row`'s memo, in both files. */
  const writeWithBadBytes = (row: number, bad: number[], inHeader = false) => {
    const { desired, actual } = writeFiles(dir, () => 'memo text '.repeat(4));
    const patch = (bytes: Buffer): Buffer => {
      if (inHeader) return Buffer.concat([Buffer.from('id,amount,m'), Buffer.from(bad), bytes.subarray('id,amount,me'.length)]);
      const at = bytes.indexOf(`K${String(row).padStart(8, '0')},`);
      const memo = bytes.indexOf('memo', at);
      return Buffer.concat([bytes.subarray(0, memo), Buffer.from(bad), bytes.subarray(memo + bad.length)]);
    };
    writeFileSync(join(dir, 'desired.csv'), patch(desired));
    // A bad header only in the desired file: the generic path reads both sources at once, and
    // with two bad headers either error may come first.
    writeFileSync(join(dir, 'actual.csv'), inHeader ? actual : patch(actual));
  };

  it('stops as the generic path does for a Latin-1 byte in a row equal on both sides', async () => {
    writeWithBadBytes(50_000, [0xe9]);
    const [fast, generic] = await Promise.all([plan('fast.recon'), plan('generic.recon')]);
    expect(fast.code).toBe(1);
    expect(fast.stdout).toBe('');
    // Both files hold the byte, and both sides are read at once: either side may be the one named.
    expect(fast.stderr).toMatch(/diff path: generic \([ab]: bytes that are not valid UTF-8/);
    const message = /source (a: desired|b: actual)\.csv:50002:18: not valid UTF-8 \(byte 0xE9\): the file must be UTF-8/;
    expect(fast.stderr).toMatch(message);
    expect(generic.code).toBe(1);
    expect(generic.stderr).toMatch(message);
  }, 120_000);

  it('stops for a character cut short at the end of the actual file, and for a bad header', async () => {
    const { desired, actual } = writeFiles(dir, () => 'memo text '.repeat(4));
    writeFileSync(join(dir, 'desired.csv'), desired);
    writeFileSync(join(dir, 'actual.csv'), Buffer.concat([actual, Buffer.from('K99999999,1,caf'), Buffer.from([0xc3])]));
    const cut = await plan('fast.recon');
    expect(cut.code).toBe(1);
    expect(cut.stderr).toMatch(/diff path: generic \(b: bytes that are not valid UTF-8/);
    expect(cut.stderr).toContain('source b: actual.csv:80002:16: not valid UTF-8 (it ends inside a character)');

    writeWithBadBytes(0, [0xe9], true);
    const header = await plan('fast.recon');
    expect(header.code).toBe(1);
    expect(header.stderr).toContain('diff path: generic (source a: the header row is not valid UTF-8)');
    expect(header.stderr).toContain('source a: desired.csv:1:12: not valid UTF-8 (byte 0xE9)');
  }, 120_000);

  it('takes valid multi-byte text whose characters its reads cut, with the generic path’s result', async () => {
    // dense 2-, 3- and 4-byte characters: every read boundary is likely to fall inside one
    const { desired, actual } = writeFiles(dir, (i) => `é€😀${i % 7}`.repeat(6));
    writeFileSync(join(dir, 'desired.csv'), desired);
    writeFileSync(join(dir, 'actual.csv'), actual);
    const [fast, generic] = await Promise.all([plan('fast.recon'), plan('generic.recon')]);
    expect(fast.code, fast.stderr).toBe(2);
    expect(fast.stderr).toContain('diff path: fast');
    expect(generic.code, generic.stderr).toBe(2);
    const items = (stdout: string) => (JSON.parse(stdout) as { policies: { summary: unknown; items: unknown[] }[] }).policies[0]!;
    expect(items(fast.stdout).summary).toEqual(items(generic.stdout).summary);
    expect(items(fast.stdout).items).toEqual(items(generic.stdout).items);
  }, 120_000);
});

describe('utf8WholeEnd', () => {
  it('ends before a character the bytes cut short, and nowhere else', () => {
    const bytes = Buffer.from('aé€😀');
    // offsets: a 0 | é 1-2 | € 3-5 | 😀 6-9
    const expected = [0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10];
    for (let end = 0; end <= bytes.length; end++) expect(utf8WholeEnd(bytes, end)).toBe(expected[end]);
    // continuation bytes with no start: left to the check, which rejects them
    expect(utf8WholeEnd(Buffer.from([0x61, 0x80, 0x80, 0x80, 0x80]), 5)).toBe(5);
  });
});
