/**
 * JUnit XML for `recon test --junit OUT.xml`.
 *
 * Why JUnit: every CI system (GitHub Actions reporters, GitLab, Jenkins, Azure) shows JUnit XML
 * as a test tab, so policy tests appear next to the code's own tests with their failure messages.
 */
import type { PolicyTestResult } from '../plan/test-runner.js';

export interface JunitOptions {
  /** The name of the whole run (`testsuites/@name`). Default `recon`. */
  name?: string;
}

/** Escapes text for XML content and attributes, dropping characters XML 1.0 cannot hold. */
export function escapeXml(text: string): string {
  return Array.from(text)
    .filter(isXmlChar)
    .join('')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** True for the characters XML 1.0 allows: tab, newlines, and everything from space on but surrogates and U+FFFE/FFFF. */
function isXmlChar(character: string): boolean {
  const code = character.codePointAt(0) ?? 0;
  if (code === 0x09 || code === 0x0a || code === 0x0d) return true;
  if (code < 0x20) return false;
  if (code >= 0xd800 && code <= 0xdfff) return false;
  return code !== 0xfffe && code !== 0xffff;
}

/**
 * Writes test results as JUnit XML: one `testsuite` per `.recon` file (in the order first seen),
 * one `testcase` per test, a `failure` listing every failed expectation, an `error` when the
 * test could not run at all (a file that does not compile is one such `testcase`, with no policy:
 * its `classname` is the file alone).
 */
export function renderJunit(results: readonly PolicyTestResult[], options: JunitOptions = {}): string {
  const suites = new Map<string, PolicyTestResult[]>();
  for (const result of results) {
    const file = result.file;
    const list = suites.get(file) ?? [];
    list.push(result);
    suites.set(file, list);
  }
  const seconds = (ms: number): string => (ms / 1000).toFixed(3);
  const total = (list: readonly PolicyTestResult[]) => ({
    tests: list.length,
    failures: list.filter((result) => !result.passed && !result.error).length,
    errors: list.filter((result) => result.error).length,
    time: list.reduce((sum, result) => sum + result.durationMs, 0),
  });
  const all = total(results);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<testsuites name="${escapeXml(options.name ?? 'recon')}" tests="${all.tests}" failures="${all.failures}" errors="${all.errors}" time="${seconds(all.time)}">`,
  );
  for (const [file, list] of suites) {
    const t = total(list);
    out.push(
      `  <testsuite name="${escapeXml(file)}" tests="${t.tests}" failures="${t.failures}" errors="${t.errors}" skipped="0" time="${seconds(t.time)}">`,
    );
    for (const result of list) {
      const line = /:(\d+):\d+$/.exec(result.at)?.[1];
      const attributes =
        `name="${escapeXml(result.name)}" classname="${escapeXml(result.policy ? `${file}.${result.policy}` : file)}" time="${seconds(result.durationMs)}" ` +
        `file="${escapeXml(file)}"${line ? ` line="${line}"` : ''}`;
      if (result.passed) {
        out.push(`    <testcase ${attributes}/>`);
        continue;
      }
      out.push(`    <testcase ${attributes}>`);
      if (result.error) {
        out.push(`      <error message="${escapeXml(result.error)}" type="error">${escapeXml(result.error)}</error>`);
      } else {
        const first = result.failures[0] ?? 'the test failed';
        out.push(
          `      <failure message="${escapeXml(first)}" type="expectation">${escapeXml(result.failures.join('\n'))}</failure>`,
        );
      }
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
