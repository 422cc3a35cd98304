/**
 * The notices renderer on packages made up for the purpose: which texts it copies for a package,
 * and that a package with no notice to copy stops the build with a message naming it (the
 * packaged file itself is checked by test/extension/extension-notices.test.ts).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

interface Renderer {
  renderThirdPartyNotices(root: string, bundles: { bundle: string; metafile: { inputs: Record<string, unknown>; outputs: Record<string, unknown> } }[], title: string): string;
}
const { renderThirdPartyNotices } = (await import('../../../extension/scripts/third-party-notices.mjs' as string)) as Renderer;

let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

/** A folder with node_modules/NAME holding the given files and a package.json. */
function withPackages(packages: Record<string, Record<string, string>>): string {
  root = mkdtempSync(join(tmpdir(), 'recon-notices-'));
  for (const [name, files] of Object.entries(packages)) {
    const folder = join(root, 'node_modules', name);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'package.json'), JSON.stringify({ name, version: '1.2.3', license: 'MIT' }));
    writeFileSync(join(folder, 'index.js'), '');
    for (const [file, text] of Object.entries(files)) writeFileSync(join(folder, file), text);
  }
  return root;
}

const bundleOf = (...names: string[]) => [{ bundle: 'dist/a.js', metafile: { inputs: Object.fromEntries(names.map((n) => [`node_modules/${n}/index.js`, {}])), outputs: {} } }];

describe('renderThirdPartyNotices', () => {
  it('copies LICENSE and NOTICE texts, and a README License section when there is no licence file, sorted by name', () => {
    const dir = withPackages({
      zed: { 'LICENSE.md': 'Copyright (c) Zed\r\nPermission granted.\r\n', NOTICE: 'Zed notice' },
      '@s/alpha': { 'README.md': '# alpha\n\nUse it.\n\n## License\n\nCopyright 2020 A\n\nMIT terms.\n\n## Other\n\nnot this' },
    });
    const text = renderThirdPartyNotices(dir, bundleOf('zed', '@s/alpha'), 'T');
    expect(text.indexOf('@s/alpha 1.2.3\nLicense: MIT')).toBeLessThan(text.indexOf('zed 1.2.3\nLicense: MIT'));
    expect(text).toContain('----- LICENSE.md -----\n\nCopyright (c) Zed\nPermission granted.\n');
    expect(text).toContain('----- NOTICE -----\n\nZed notice\n');
    expect(text).toContain('----- README.md (License section) -----\n\n## License\n\nCopyright 2020 A\n\nMIT terms.\n');
    expect(text).not.toContain('not this');
    expect(text).not.toContain(dir);
  });

  it('stops with a message naming each package that offers no notice', () => {
    const dir = withPackages({ bare: {}, 'readme-only': { 'README.md': '# readme-only\n\n## License\n\nMIT\n' }, fine: { LICENSE: 'Copyright F' } });
    expect(() => renderThirdPartyNotices(dir, bundleOf('fine', 'readme-only', 'bare'), 'T')).toThrow(
      /no LICENSE, LICENCE, COPYING or NOTICE file and no README "License" section with a copyright line.*: bare@1\.2\.3 \(MIT\), readme-only@1\.2\.3 \(MIT\)\./,
    );
  });
});
