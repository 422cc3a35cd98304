#!/usr/bin/env node
// The installed `recon` command: runs the esbuild bundle (`npm run build` writes dist/cli.js).
import { main } from '../dist/cli.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`recon: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
