/**
 * The third-party notices of the .vsix: the bundles carry code of MIT, ISC, BSD and Apache-2.0
 * packages with their comments dropped, and those licences require their copyright and
 * permission notice (Apache-2.0: its licence and NOTICE) in every copy, so the .vsix must hold
 * THIRD_PARTY_NOTICES.txt naming every package esbuild bundled, with its licence text, and the
 * same bytes from every build of one tree.
 *
 * The packages are found here from esbuild's metafiles (which the build leaves outside the .vsix),
 * independently of the build's own code, and their texts read from node_modules.
 */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { packageExtension, type PackagedExtension } from './extension-package-support.js';

const NOTICES = 'THIRD_PARTY_NOTICES.txt';

let first: PackagedExtension;
let second: PackagedExtension;

beforeAll(async () => {
  first = await packageExtension();
  second = await packageExtension();
}, 600_000);

afterAll(() => {
  first?.remove();
  second?.remove();
});

interface BundledPackage {
  name: string;
  version: string;
  license: string;
  folder: string;
}

/** Every package (name@version) that some metafile names an input file of. */
function bundledPackages(packaged: PackagedExtension): BundledPackage[] {
  const found = new Map<string, BundledPackage>();
  for (const metafile of Object.values(packaged.metafiles)) {
    for (const input of Object.keys(metafile.inputs)) {
      const parts = resolve(REPO_ROOT, input).split(sep);
      const at = parts.lastIndexOf('node_modules');
      if (at < 0) continue;
      const folder = parts.slice(0, at + (parts[at + 1]!.startsWith('@') ? 3 : 2)).join(sep);
      const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { name: string; version: string; license: string };
      found.set(`${manifest.name}@${manifest.version}`, { name: manifest.name, version: manifest.version, license: manifest.license, folder });
    }
  }
  return [...found.values()];
}

/** The part of the notices about one package: from its heading to the next rule. */
function sectionOf(notices: string, pkg: BundledPackage): string | undefined {
  return notices.split(/\n={80}\n/).find((s) => s.startsWith(`${pkg.name} ${pkg.version}\nLicense: ${pkg.license}\n`));
}

const normalized = (text: string) => text.replace(/\r\n?/g, '\n').trimEnd();

describe('the third-party notices of the .vsix', () => {
  it('are in the .vsix', () => {
    expect(first.files).toContain(NOTICES);
  });

  it('come from metafiles that cover every bundle the .vsix holds', () => {
    const bundles = first.files.filter((f) => /^dist\/.*\.(c|m)?js$/.test(f)).sort();
    expect(bundles).toEqual(['dist/drift-preview-worker.mjs', 'dist/extension.cjs', 'dist/node_modules/pg-connection-string/index.js', 'dist/node_modules/pg-cursor/index.js', 'dist/node_modules/pg/index.js', 'dist/server.mjs']);
    expect(Object.keys(first.metafiles).sort()).toEqual(bundles);
    for (const bundle of bundles) expect(Object.keys(first.metafiles[bundle]!.outputs)).toContain(`extension/${bundle}`);
  });

  it('name every bundled package with its version, licence and the text of its licence files', () => {
    const notices = readFileSync(join(first.installDir, NOTICES), 'utf8');
    const packages = bundledPackages(first);
    expect(packages.map((p) => p.name)).toEqual(expect.arrayContaining(['chevrotain', 'ajv', 'json-logic-js', 'vscode-languageclient', 'vscode-languageserver', 'pg', 'pg-cursor', 'yaml', 'udsv']));
    const problems: string[] = [];
    for (const pkg of packages) {
      const section = sectionOf(notices, pkg);
      if (section === undefined) {
        problems.push(`${pkg.name} ${pkg.version}: no section`);
        continue;
      }
      const legal = readdirSync(pkg.folder).filter((f) => /^(licen[cs]e|copying|notice)([._-].*)?$/i.test(f) && statSync(join(pkg.folder, f)).isFile());
      if (legal.length > 0) {
        for (const file of legal) {
          if (!section.includes(`----- ${file} -----\n\n${normalized(readFileSync(join(pkg.folder, file), 'utf8'))}`)) problems.push(`${pkg.name} ${pkg.version}: ${file} text missing`);
        }
      } else {
        // No licence file: the copyright line of the README's License section stands in.
        const readme = readFileSync(join(pkg.folder, 'README.md'), 'utf8');
        const copyright = /^Copyright .*$/m.exec(readme.slice(readme.search(/^#+\s*licen[cs]e\s*$/im)))?.[0];
        if (copyright === undefined || !section.includes(`----- README.md (License section) -----`) || !section.includes(copyright)) problems.push(`${pkg.name} ${pkg.version}: no licence text`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('hold no absolute path of the machine that built them', () => {
    const notices = readFileSync(join(first.installDir, NOTICES), 'utf8');
    // node_modules may be a link to another checkout's: neither folder may show.
    expect(notices).not.toContain(REPO_ROOT);
    expect(notices).not.toContain(dirname(realpathSync(join(REPO_ROOT, 'node_modules'))));
  });

  it('are the same bytes from two builds', () => {
    const a = readFileSync(join(first.installDir, NOTICES));
    const b = readFileSync(join(second.installDir, NOTICES));
    expect(a.length).toBeGreaterThan(10_000);
    expect(a.equals(b)).toBe(true);
  });
});
