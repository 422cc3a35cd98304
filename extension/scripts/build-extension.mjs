// Builds the VS Code extension into extension/dist/ with esbuild, and with `--package` also packs
// it into extension/recon-<version>.vsix with @vscode/vsce. No network is needed for either.
//
// - dist/extension.cjs: the client (extension/client/extension.ts). CommonJS, because the VS Code
//   versions we support (engines ^1.90) load an extension's `main` with require(); `vscode` stays
//   external (the extension host provides it); vscode-languageclient is bundled in.
// - dist/server.mjs: the language server (extension/server/server.ts, started on stdio as
//   `recon lsp --stdio` starts it) with everything it imports (language/, runtime/,
//   vscode-languageserver, chevrotain, ajv, ...) in one ES module file. ESM because the language
//   layer finds its stdlib through import.meta.url; the banner gives the bundled CommonJS
//   dependencies a `require` for Node's built-in modules.
// - dist/drift-preview-worker.mjs: the worker thread in which the server runs drift previews
//   (extension/server/drift-preview-worker.ts, found by the server beside its own file). A worker
//   needs a file of its own; it is bundled the same way.
// - dist/node_modules/pg, pg-cursor and pg-connection-string: the postgres connector loads these
//   at run time with `createRequire(import.meta.url)` (so that commands without a postgres source
//   do not pay for loading them), which esbuild cannot follow into the bundles. Bundled here, each
//   into one CommonJS file, they are what Node's resolution finds from dist/*.mjs; without them a
//   preview of a postgres source in a trusted workspace failed with "Cannot find module 'pg'"
//   (the .vsix holds no node_modules). pg-connection-string is pg's own URL parser, which the
//   connector requires from beside pg to check a URL before connecting; found nowhere, every
//   postgres preview failed with "Cannot find module 'pg-connection-string'". pg's optional
//   bindings (pg-native, pg-cloudflare) stay out.
// - stdlib/ and docs/diagnostics/ are copied beside package.json: the server looks for the package
//   root (a folder holding package.json and stdlib/) above its own file.
// - THIRD_PARTY_NOTICES.txt beside package.json: the name, version, licence and licence/notice
//   texts of every package esbuild put into the files above (from its metafiles; see
//   third-party-notices.mjs), since the bundles drop the packages' own comments and files. Written
//   by every build, so `--package` always ships a fresh one; the metafiles stay in dist/metafiles.json
//   (outside the .vsix) for the tests.
//
// Usage: node extension/scripts/build-extension.mjs [--package] [--watch]
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, context } from 'esbuild';
import { renderThirdPartyNotices } from './third-party-notices.mjs';

const EXTENSION = dirname(dirname(fileURLToPath(import.meta.url)));
const ROOT = dirname(EXTENSION);
const args = new Set(process.argv.slice(2));

function fail(message) {
  process.stderr.write(`build-extension: ${message}\n`);
  process.exit(1);
}

const manifest = JSON.parse(readFileSync(join(EXTENSION, 'package.json'), 'utf8'));
const rootManifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
if (manifest.version !== rootManifest.version) {
  fail(`extension/package.json has version ${manifest.version}, package.json has ${rootManifest.version}: keep them equal`);
}

const clientEntry = join(EXTENSION, 'client', 'extension.ts');
const serverEntry = join(EXTENSION, 'server', 'server.ts');
const workerEntry = join(EXTENSION, 'server', 'drift-preview-worker.ts');
for (const entry of [clientEntry, serverEntry, workerEntry]) {
  if (!existsSync(entry)) fail(`${relative(ROOT, entry)} is missing`);
}

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  // Minified (names kept, so errors still name their classes); the source maps stay out of the .vsix.
  minify: !args.has('--watch'),
  keepNames: true,
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  logLevel: 'warning',
  absWorkingDir: ROOT,
  // Which input files each bundle holds: THIRD_PARTY_NOTICES.txt is written from it.
  metafile: true,
};

/** @type {import('esbuild').BuildOptions} */
const client = {
  ...common,
  entryPoints: [clientEntry],
  outfile: join(EXTENSION, 'dist', 'extension.cjs'),
  format: 'cjs',
  external: ['vscode'],
  // vscode-languageclient ships CommonJS; prefer `main` over `module` like Node's require would.
  mainFields: ['main', 'module'],
};

/** @type {import('esbuild').BuildOptions} */
const esm = {
  ...common,
  format: 'esm',
  mainFields: ['module', 'main'],
  banner: {
    js: "import { createRequire as __reconCreateRequire } from 'node:module'; const require = __reconCreateRequire(import.meta.url);",
  },
};

/** @type {import('esbuild').BuildOptions} */
const server = {
  ...esm,
  // server.ts exports startStdioServer() and starts nothing on import (the CLI's `lsp` command
  // calls it); the bundle's entry calls it, and exits when the client closes the stream.
  stdin: {
    contents: [
      "import { startStdioServer } from './server/server.ts';",
      'startStdioServer().then(() => process.exit(0));',
    ].join('\n'),
    resolveDir: EXTENSION,
    sourcefile: 'server-main.ts',
    loader: 'ts',
  },
  outfile: join(EXTENSION, 'dist', 'server.mjs'),
};

/** @type {import('esbuild').BuildOptions} */
const worker = {
  ...esm,
  entryPoints: [workerEntry],
  outfile: join(EXTENSION, 'dist', 'drift-preview-worker.mjs'),
};

/**
 * The packages the runtime requires by name at run time (see the file comment), each bundled into
 * dist/node_modules/NAME/index.js with a package.json saying CommonJS (extension/package.json,
 * the nearest one otherwise, says `"type": "module"`).
 */
const RUNTIME_REQUIRED = ['pg', 'pg-cursor', 'pg-connection-string'];

async function bundleRuntimeRequired() {
  return Promise.all(
    RUNTIME_REQUIRED.map(async (name) => {
      const folder = join(EXTENSION, 'dist', 'node_modules', name);
      const result = await build({
        ...common,
        sourcemap: false,
        stdin: { contents: `module.exports = require(${JSON.stringify(name)});`, resolveDir: ROOT, sourcefile: `${name}-entry.cjs`, loader: 'js' },
        outfile: join(folder, 'index.js'),
        format: 'cjs',
        mainFields: ['main', 'module'],
        external: ['pg-native', 'pg-cloudflare'],
      });
      writeFileSync(join(folder, 'package.json'), `${JSON.stringify({ name, private: true, type: 'commonjs', main: 'index.js' }, null, 2)}\n`);
      return result;
    }),
  );
}

function copyPackageData() {
  for (const folder of ['stdlib', join('docs', 'diagnostics')]) {
    const from = join(ROOT, folder);
    const to = join(EXTENSION, folder);
    rmSync(to, { recursive: true, force: true });
    if (existsSync(from)) cpSync(from, to, { recursive: true });
  }
}

const NOTICES = join(EXTENSION, 'THIRD_PARTY_NOTICES.txt');

/**
 * Writes THIRD_PARTY_NOTICES.txt from the builds' metafiles, and the metafiles, by bundle, to
 * dist/metafiles.json (not in the .vsix) so that tests can check the notices against what esbuild
 * bundled. A bundled package with no notice to copy stops the build.
 *
 * @param {import('esbuild').BuildResult[]} results the client's, the server's and the worker's
 * @param {import('esbuild').BuildResult[]} required those of RUNTIME_REQUIRED, in its order
 */
function writeNotices(results, required) {
  const named = [
    ...[client, server, worker].map((b, i) => ({ outfile: b.outfile, metafile: results[i].metafile })),
    ...RUNTIME_REQUIRED.map((name, i) => ({ outfile: join(EXTENSION, 'dist', 'node_modules', name, 'index.js'), metafile: required[i].metafile })),
  ].map(({ outfile, metafile }) => ({ bundle: relative(EXTENSION, outfile).split('\\').join('/'), metafile }));
  let text;
  try {
    text = renderThirdPartyNotices(ROOT, named, `Third-party notices for the ${manifest.displayName ?? manifest.name} extension ${manifest.version}`);
  } catch (error) {
    fail(error.message);
  }
  writeFileSync(NOTICES, text);
  writeFileSync(join(EXTENSION, 'dist', 'metafiles.json'), `${JSON.stringify(Object.fromEntries(named.map((b) => [b.bundle, b.metafile])))}\n`);
}

if (args.has('--watch')) {
  copyPackageData();
  const required = await bundleRuntimeRequired();
  const contexts = await Promise.all([context(client), context(server), context(worker)]);
  const first = await Promise.all(contexts.map((c) => c.rebuild()));
  writeNotices(first, required);
  await Promise.all(contexts.map((c) => c.watch()));
  process.stdout.write('build-extension: watching (Ctrl+C to stop)\n');
} else {
  rmSync(join(EXTENSION, 'dist'), { recursive: true, force: true });
  rmSync(NOTICES, { force: true });
  copyPackageData();
  const [clientResult, serverResult, workerResult, required] = await Promise.all([build(client), build(server), build(worker), bundleRuntimeRequired()]);
  writeNotices([clientResult, serverResult, workerResult], required);
  process.stdout.write(
    `build-extension: wrote ${[client, server, worker].map((b) => relative(ROOT, b.outfile)).join(', ')}, ${RUNTIME_REQUIRED.map((n) => `extension/dist/node_modules/${n}`).join(', ')}, ${relative(ROOT, NOTICES)}\n`,
  );

  if (args.has('--package')) {
    const vsix = join(EXTENSION, `${manifest.name}-${manifest.version}.vsix`);
    const vsce = join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
    if (!existsSync(vsce)) fail('@vscode/vsce is not installed (npm install)');
    // --no-dependencies: everything the extension runs is in dist/ already.
    // --allow-missing-repository: the project has no public repository URL to name; without the
    // flag vsce would stop and ask on the terminal.
    execFileSync(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--out', vsix], {
      cwd: EXTENSION,
      stdio: 'inherit',
    });
  }
}
