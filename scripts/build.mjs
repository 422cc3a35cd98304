// Builds the CLI bundle (dist/cli.js) with esbuild. Dependencies stay external: the package
// installs them, and native or worker-based ones must not be inlined.
import { build } from 'esbuild';

await build({
  entryPoints: { cli: 'runtime/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
