import { describe, expect, it } from 'vitest';
import type { PolicyTestResult } from '../../../runtime/plan/test-runner.js';
import { escapeXml, renderJunit } from '../../../runtime/render/junit.js';

function result(partial: Partial<PolicyTestResult>): PolicyTestResult {
  return { name: 't', file: 'a.recon', policy: 'p', at: 'a.recon:3:1', passed: true, failures: [], warnings: [], durationMs: 1.5, ...partial };
}

describe('renderJunit', () => {
  it('drops characters XML cannot hold and escapes markup', () => {
    expect(escapeXml('a\u0001b\u0008c\td\ne <&>"\'')).toBe('abc\td\ne &lt;&amp;&gt;&quot;&apos;');
    expect(escapeXml('emoji 😀 ok')).toBe('emoji 😀 ok');
  });

  it('groups test cases by file, in the order first seen, with times in seconds', () => {
    const xml = renderJunit([
      result({ name: 'one', file: 'a.recon', durationMs: 1500 }),
      result({ name: 'two', file: 'b.recon', passed: false, failures: ['first', 'second'], at: 'b.recon:9:1' }),
      result({ name: 'three', file: 'a.recon' }),
    ]);
    const suites = [...xml.matchAll(/<testsuite name="([^"]+)" tests="(\d+)" failures="(\d+)"/g)].map((m) => m.slice(1));
    expect(suites).toEqual([
      ['a.recon', '2', '0'],
      ['b.recon', '1', '1'],
    ]);
    expect(xml).toContain('<testcase name="one" classname="a.recon.p" time="1.500" file="a.recon" line="3"/>');
    expect(xml).toContain('<failure message="first" type="expectation">first\nsecond</failure>');
    expect(xml).toContain('time="1.503"');
  });

  it('writes an empty run', () => {
    expect(renderJunit([])).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="recon" tests="0" failures="0" errors="0" time="0.000">\n</testsuites>\n');
  });
});
