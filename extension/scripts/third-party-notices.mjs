// Writes THIRD_PARTY_NOTICES.txt for the .vsix from what esbuild actually bundled.
//
// Why: the bundles carry code of npm packages under MIT, ISC, BSD and Apache-2.0, and the
// build drops their comments (`legalComments: 'none'`). Those licences require their copyright and
// permission notice (and Apache-2.0 its NOTICE file) in every copy, and a .vsix that people
// install is a copy. Listing the packages by hand would drift from what is bundled, so the list
// comes from esbuild's metafile: every input file under a node_modules folder names its package,
// whose package.json gives name, version and licence, and whose LICENSE/LICENCE/COPYING/NOTICE
// files give the texts.
//
// The file is deterministic (sorted, no timestamps, no absolute paths), so two builds of one
// tree write the same bytes. Some packages (pg-types, pgpass) ship no licence file but state their
// copyright and permission notice in a "License" section of their README: that section is
// copied then. A bundled package with neither fails the build: the `license` field and a link
// are not the notice the licences ask to be copied, and a human should look at such a package
// before it ships.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';

/** Names of the files whose text goes into the notices: LICENSE, LICENCE, COPYING, NOTICE (any case, any suffix). */
const LEGAL_FILE = /^(licen[cs]e|copying|notice)([._-].*)?$/i;

/**
 * The "License" section of a package's README (from its heading to the next heading of the same
 * or a higher level), when it holds a copyright line; undefined otherwise.
 */
function readmeLicenseSection(folder) {
  const readme = readdirSync(folder).filter((file) => /^readme(\.(md|markdown|txt))?$/i.test(file)).sort(byCodeUnits)[0];
  if (readme === undefined) return undefined;
  const lines = readFileSync(join(folder, readme), 'utf8').replace(/\r\n?/g, '\n').split('\n');
  const start = lines.findIndex((line) => /^#{1,6}\s*licen[cs]e\s*$/i.test(line));
  if (start < 0) return undefined;
  const level = /^#+/.exec(lines[start])[0].length;
  let end = start + 1;
  while (end < lines.length && !(/^#+\s/.test(lines[end]) && /^#+/.exec(lines[end])[0].length <= level)) end += 1;
  const text = lines.slice(start, end).join('\n').trim();
  return /copyright/i.test(text) ? { file: `${readme} (License section)`, text } : undefined;
}

/** Orders strings by UTF-16 code units, the same on every machine (no locale). */
function byCodeUnits(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The package folder of a bundled input file: the part of its path up to the package's name after
 * the last `node_modules` (a scoped name has two segments). Undefined for the project's own files.
 */
function packageFolderOf(absolutePath) {
  const parts = absolutePath.split(sep);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0 || at + 1 >= parts.length) return undefined;
  const nameLength = parts[at + 1].startsWith('@') ? 2 : 1;
  return parts.slice(0, at + 1 + nameLength).join(sep);
}

/** The repository or homepage URL a package.json names, if any (for the reader; not required). */
function sourceUrl(manifest) {
  const repository = typeof manifest.repository === 'string' ? manifest.repository : manifest.repository?.url;
  return manifest.homepage ?? repository;
}

/** The licence a package.json declares: `license`, or the old `licenses` array / object form. */
function declaredLicense(manifest) {
  if (typeof manifest.license === 'string') return manifest.license;
  if (manifest.license?.type) return manifest.license.type;
  if (Array.isArray(manifest.licenses)) return manifest.licenses.map((l) => l.type ?? l).join(' OR ');
  return 'UNKNOWN';
}

/**
 * Renders the notices for the packages the given esbuild metafiles name.
 *
 * @param {string} root the folder esbuild resolved inputs against (its `absWorkingDir`)
 * @param {{ bundle: string, metafile: import('esbuild').Metafile }[]} bundles each output (as the .vsix names it) with its metafile
 * @param {string} title the first line of the file
 * @returns {string} the file's text
 * @throws {Error} naming every bundled package without a licence file
 */
export function renderThirdPartyNotices(root, bundles, title) {
  /** @type {Map<string, { name: string, version: string, license: string, url?: string, texts: { file: string, text: string }[], bundles: Set<string> }>} */
  const packages = new Map();
  const missing = [];
  for (const { bundle, metafile } of bundles) {
    for (const input of Object.keys(metafile.inputs)) {
      const folder = packageFolderOf(resolve(root, input));
      if (folder === undefined) continue;
      const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
      const key = `${manifest.name}@${manifest.version}`;
      let entry = packages.get(key);
      if (entry === undefined) {
        const texts = readdirSync(folder)
          .filter((file) => LEGAL_FILE.test(file) && statSync(join(folder, file)).isFile())
          .sort(byCodeUnits)
          .map((file) => ({ file, text: readFileSync(join(folder, file), 'utf8').replace(/\r\n?/g, '\n').trimEnd() }));
        if (texts.length === 0) {
          const section = readmeLicenseSection(folder);
          if (section) texts.push(section);
          else missing.push(`${key} (${declaredLicense(manifest)})`);
        }
        entry = { name: manifest.name, version: manifest.version, license: declaredLicense(manifest), url: sourceUrl(manifest), texts, bundles: new Set() };
        packages.set(key, entry);
      }
      entry.bundles.add(bundle);
    }
  }
  if (missing.length > 0) {
    throw new Error(
      `these bundled packages ship no LICENSE, LICENCE, COPYING or NOTICE file and no README "License" section with a copyright line, so their notice cannot go into THIRD_PARTY_NOTICES.txt: ${[...new Set(missing)].sort(byCodeUnits).join(', ')}. Check their licence and add the text by hand, or stop bundling them.`,
    );
  }
  const entries = [...packages.values()].sort((a, b) => byCodeUnits(a.name, b.name) || byCodeUnits(a.version, b.version));
  const rule = '='.repeat(80);
  const lines = [
    title,
    '',
    'The files in dist/ bundle code of the following third-party packages. Each is listed with its',
    'version, the licence its package.json declares, the files of this extension that contain it, and',
    'the text of its licence and notice files, as the package ships them (for a package that ships',
    'none, the License section of its README).',
    '',
    ...entries.map((e) => `- ${e.name} ${e.version} (${e.license})`),
  ];
  for (const e of entries) {
    lines.push('', rule, `${e.name} ${e.version}`, `License: ${e.license}`);
    if (e.url) lines.push(`Source: ${e.url}`);
    lines.push(`Bundled in: ${[...e.bundles].sort(byCodeUnits).join(', ')}`);
    for (const { file, text } of e.texts) lines.push('', `----- ${file} -----`, '', text);
  }
  return `${lines.join('\n')}\n`;
}
