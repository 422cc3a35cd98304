// Builds the CLI bundle (dist/cli.js) with esbuild. Dependencies stay external: the package
// installs them, and native or worker-based ones must not be inlined.
// dist/drift-preview-worker.js is the language server's drift-preview worker thread, which
// `recon lsp` starts from beside dist/cli.js; dist/csv-scan-worker.js is the diff engine's CSV
// fast-path worker, started from beside dist/cli.js.
import { build } from 'esbuild';

await build({
  entryPoints: {
    cli: 'runtime/cli/main.ts',
    'drift-preview-worker': 'extension/server/drift-preview-worker.ts',
    'csv-scan-worker': 'runtime/diff/csv-scan-worker.ts',
  },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
