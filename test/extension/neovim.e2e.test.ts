/**
 * Another editor than VS Code: Neovim's built-in LSP client (Debian's `neovim`, headless) starts
 * the built `recon lsp --stdio`, attaches it to a `.recon` buffer, receives its diagnostics and
 * asks for a hover. Skipped, loudly, where `nvim` is not installed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cursor, makeWorkspace, markAt, type TestWorkspace } from '../helpers/lsp-helpers.js';
import { SAMPLE, SAMPLE_DATA } from './server/fixtures.js';
import { ensureServerBuilt, RECON_BIN } from './lsp-e2e-support.js';

const NVIM = (() => {
  const found = spawnSync('nvim', ['--version'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.split('\n')[0]! : null;
})();
if (!NVIM) console.warn('neovim.e2e: SKIPPED — `nvim` is not installed (apt-get install -y neovim); the Neovim LSP end-to-end test did not run');

/** Starts the server from Neovim's LSP client, attaches it to the file, and writes what it saw as JSON. */
const CHECK_LUA = `
local result = { diagnostics = {}, hover = nil }
local ok, err = pcall(function()
  local client_id = vim.lsp.start_client({
    name = 'recon',
    cmd = { vim.env.RECON_NODE, vim.env.RECON_BIN, 'lsp', '--stdio' },
    root_dir = vim.env.RECON_ROOT,
  })
  assert(client_id, 'the client did not start')
  vim.cmd('edit ' .. vim.fn.fnameescape(vim.env.RECON_FILE))
  local bufnr = vim.api.nvim_get_current_buf()
  vim.bo[bufnr].filetype = 'recon'
  assert(vim.lsp.buf_attach_client(bufnr, client_id), 'the client did not attach')
  vim.wait(20000, function() return #vim.diagnostic.get(bufnr) > 0 end, 50)
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local lsp = d.user_data and d.user_data.lsp or {}
    table.insert(result.diagnostics, {
      message = d.message, lnum = d.lnum, col = d.col, severity = d.severity,
      code = d.code or lsp.code, source = d.source or lsp.source,
    })
  end
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = tonumber(vim.env.RECON_HOVER_LINE), character = tonumber(vim.env.RECON_HOVER_CHAR) },
  }
  local responses = vim.lsp.buf_request_sync(bufnr, 'textDocument/hover', params, 10000)
  for _, response in pairs(responses or {}) do
    if response.result and response.result.contents then result.hover = response.result.contents.value end
  end
  vim.lsp.stop_client(client_id)
end)
if not ok then result.error = tostring(err) end
local file = io.open(vim.env.RECON_OUT, 'w')
file:write(vim.fn.json_encode(result))
file:close()
vim.cmd('qall!')
`;

let ws: TestWorkspace;
beforeAll(async () => {
  if (!NVIM) return;
  await ensureServerBuilt();
  ws = makeWorkspace({ ...SAMPLE_DATA, 'main.recon': SAMPLE.replace('actual gateway', 'actual gatway'), 'check.lua': CHECK_LUA });
}, 120_000);
afterAll(() => ws?.remove());

describe.skipIf(!NVIM)(`Neovim (${NVIM ?? 'not installed'}) with recon lsp --stdio`, () => {
  it('attaches the server to a .recon buffer and shows its diagnostics and hovers', () => {
    const hoverAt = cursor(markAt(SAMPLE, 'desired.am<|>ount')).position;
    const out = ws.path('result.json');
    writeFileSync(out, '');
    const run = spawnSync('nvim', ['--headless', '--clean', '-u', 'NONE', '-c', `luafile ${ws.path('check.lua')}`], {
      cwd: ws.root,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        ...process.env,
        RECON_NODE: process.execPath,
        RECON_BIN,
        RECON_ROOT: ws.root,
        RECON_FILE: ws.path('main.recon'),
        RECON_OUT: out,
        RECON_HOVER_LINE: String(hoverAt.line),
        RECON_HOVER_CHAR: String(hoverAt.character),
        XDG_STATE_HOME: ws.path('.nvim-state'),
        XDG_DATA_HOME: ws.path('.nvim-data'),
        XDG_CACHE_HOME: ws.path('.nvim-cache'),
      },
    });
    const result = JSON.parse(readFileSync(out, 'utf8') || '{}') as {
      diagnostics?: { message: string; lnum: number; col: number; severity: number; code?: string; source?: string }[];
      hover?: string;
      error?: string;
    };
    expect(result.error, `nvim stderr: ${run.stderr}`).toBeUndefined();
    const line = SAMPLE.split('\n').findIndex((l) => l.includes('actual gateway'));
    expect(result.diagnostics).toEqual([
      expect.objectContaining({ message: "unknown source 'gatway'; did you mean 'gateway'?", lnum: line, col: 9, severity: 1 }),
    ]);
    expect(result.hover).toContain('**field** of source `ledger`');
  });
});
