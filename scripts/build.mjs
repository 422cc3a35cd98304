// Builds the CLI bundle (dist/cli.js and its chunks) with esbuild.
// - Pure-JS dependencies are bundled in (see `external` for the exceptions), and each command's
//   module is a chunk loaded when that command runs, so start-up stays small.
// - dist/drift-preview-worker.js is the language server's drift-preview worker thread, which
//   `recon lsp` starts from beside dist/cli.js; dist/csv-scan-worker.js is the diff engine's CSV
//   fast-path worker, started from beside dist/cli.js.
import { readdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunks of earlier builds (their names carry a content hash) would pile up.
for (const name of (() => { try { return readdirSync('dist'); } catch { return []; } })()) {
  if (/-[A-Z0-9]{8}\.js(\.map)?$/.test(name)) rmSync(`dist/${name}`);
}
rmSync('dist/chunks', { recursive: true, force: true });

await build({
  entryPoints: {
    cli: 'runtime/cli/main.ts',
    'drift-preview-worker': 'extension/server/drift-preview-worker.ts',
    'csv-scan-worker': 'runtime/diff/csv-scan-worker.ts',
  },
  outdir: 'dist',
  bundle: true,
  // Commands are imported on demand (runtime/cli/main.ts); shared code goes to chunk files.
  // Chunks sit beside cli.js, so modules that find a file next to themselves (the workers,
  // stdlib/) work from any chunk.
  splitting: true,
  chunkNames: '[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Pure-JS dependencies are bundled: loading chevrotain's ESM tree file by file alone took
  // 0.2 s of every command's start-up. pg stays external (its optional native binding).
  mainFields: ['module', 'main'],
  external: ['pg', 'pg-cursor', 'pg-native', '@duckdb/node-api'],
  banner: { js: "import { createRequire as __reconCreateRequire } from 'node:module'; const require = __reconCreateRequire(import.meta.url);" },
  sourcemap: true,
  // Without comments and layout the chunks are a quarter smaller, and V8 keeps each module's
  // source in memory: a chunk whose comments held one character beyond Latin-1 ('—', '≈') was
  // stored two bytes a character. Names stay (stack traces read as before; source maps map lines).
  minifyWhitespace: true,
  logLevel: 'warning',
});
