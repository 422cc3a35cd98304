/**
 * Every `.recon` snippet the user documentation shows as a whole file compiles: `recon check`
 * (the built CLI) reports nothing on it. Why: a reader copies these blocks into a file first of
 * all; a snippet that no longer parses, or uses an option the checker refuses, teaches the wrong
 * language. The convention (docs/dev/doc-snippets.md): a fenced block tagged `recon` is a whole
 * file and is checked; one tagged `recon fragment` is a piece of a file (an excerpt, a lone
 * `write { }` block) and is skipped; every fenced block of these pages must carry a tag, so a new
 * snippet cannot escape the check by having none.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliTestFolders, makeWorkspace, runCli } from '../helpers/cli-helpers.js';

const ROOT = join(import.meta.dirname, '../..');
/** The pages whose snippets are checked. */
const PAGES = ['README.md', 'docs/language-reference.md', 'docs/connectors.md', 'docs/ci.md', 'docs/commands.md'];

/** One fenced block of a Markdown page. */
interface FencedBlock {
  page: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The info string (`recon`, `recon fragment`, `sh`, ... or '' when none). */
  info: string;
  text: string;
}

/** The fenced blocks (```) of a Markdown text, indented ones (in list items) included. */
function fencedBlocks(page: string, markdown: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(Math.min(indent, lines[j]!.length - lines[j]!.trimStart().length)));
    blocks.push({ page, line: i + 1, info: open[2]!.trim(), text: body.join('\n') + '\n' });
    i = j;
  }
  return blocks;
}

const blocks = PAGES.flatMap((page) => fencedBlocks(page, readFileSync(join(ROOT, page), 'utf8')));
const checked = blocks.filter((block) => block.info === 'recon');
const keep = cliTestFolders();

describe('the .recon snippets of the user documentation', () => {
  it('finds fenced blocks, every one of them tagged', () => {
    expect(checked.filter((block) => block.page === 'docs/language-reference.md').length).toBeGreaterThan(0);
    expect(blocks.filter((block) => block.info === '').map((block) => `${block.page}:${block.line}`)).toEqual([]);
    for (const block of blocks.filter((b) => b.info.startsWith('recon'))) expect(['recon', 'recon fragment']).toContain(block.info);
  });

  it.each(checked.map((block) => [`${block.page}:${block.line}`, block] as const))('%s checks clean', async (_name, block) => {
    const dir = keep(makeWorkspace({}));
    writeFileSync(join(dir, 'snippet.recon'), block.text);
    const result = await runCli(['check', 'snippet.recon'], { cwd: dir });
    expect({ code: result.code, diagnostics: result.stdout + result.stderr }).toEqual({ code: 0, diagnostics: '1 file checked: 0 errors, 0 warnings\n' });
  });
});
