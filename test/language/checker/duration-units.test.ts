/**
 * `duration-without-unit`: a number without a unit where a duration is meant is read as
 * milliseconds (LANGUAGE.md section 1), so `timeout: 5` waits 5 ms. The checker warns at the
 * number with two rewrites (`5ms`, today's meaning, then `5s`); files with a unit stay clean.
 */
import { describe, expect, it } from 'vitest';
import type { DiagnosticFix } from '../../../language/diagnostics.js';
import { checkText, expectDiagnostics, lineOf, only } from '../../helpers/language-helpers.js';
import { withWhen } from './checker-fixtures.js';

const CONNECTORS: Record<string, string> = {
  http: 'http("https://api.example.com/x", items: "data", timeout: TIMEOUT)',
  postgres: 'postgres("postgres://app@db/app", table: "orders", timeout: TIMEOUT)',
  exec: 'exec("./list.sh", ["--all"], timeout: TIMEOUT)',
};

function sourceWith(connector: string, timeout: string, prelude = ''): string {
  return `${prelude}source s {\n  from ${CONNECTORS[connector]!.replace('TIMEOUT', timeout)}\n  key id\n}\n`;
}

/** `text` with every fix applied (non-overlapping, applied from the end). */
function applyFixes(text: string, fixes: readonly DiagnosticFix[]): string {
  let result = text;
  for (const fix of [...fixes].sort((a, b) => b.start - a.start)) result = result.slice(0, fix.start) + fix.text + result.slice(fix.end);
  return result;
}

describe('a connector timeout without a unit', () => {
  for (const connector of Object.keys(CONNECTORS)) {
    it(`${connector}: timeout: 5 is warned about at the number, with the 5ms and 5s rewrites`, () => {
      const text = sourceWith(connector, '5');
      const d = only(expectDiagnostics(text, [{ code: 'duration-without-unit', line: 2 }]), 'duration-without-unit');
      expect(d.severity).toBe('warning');
      expect(d.message).toBe('timeout: 5 is read as 5 ms; write 5ms, or 5s if seconds were meant');
      const at = text.indexOf('timeout: 5') + 'timeout: '.length;
      expect([d.start, d.end]).toEqual([at, at + 1]);
      expect(d.fixes).toEqual([
        { title: "Change to '5ms' (milliseconds, as it is read now)", start: at, end: at + 1, text: '5ms' },
        { title: "Change to '5s' (seconds)", start: at, end: at + 1, text: '5s' },
      ]);
      for (const fix of d.fixes!) {
        const fixed = applyFixes(text, [fix]);
        expect(fixed).toContain(`timeout: ${fix.text})`);
        expectDiagnostics(fixed, []);
      }
    });

    for (const clean of ['5s', '5ms', '2m', '1.5h', '2 * 30s', 't * 1s']) {
      it(`${connector}: timeout: ${clean} is clean`, () => {
        expectDiagnostics(sourceWith(connector, clean, 'let t = 5\n'), []);
      });
    }
  }

  // The connectors refuse a timeout that is not above 0 when `recon plan` runs; the checker says so first.
  for (const [timeout, shown] of [['0', '0'], ['0s', '0s'], ['-5s', '-5s'], ['t', 't']] as const) {
    it(`timeout: ${timeout} (not above 0) is a value-out-of-range error at the value`, () => {
      const text = sourceWith('http', timeout, 'let t = 0ms\n');
      const d = only(expectDiagnostics(text, [{ code: 'value-out-of-range', line: 3 }]), 'value-out-of-range');
      expect(d.message).toBe(`timeout must be above 0, got ${shown}`);
      const at = text.indexOf(`timeout: ${timeout}`) + 'timeout: '.length;
      expect([d.start, d.end]).toEqual([at, at + timeout.length]);
    });
  }

  it('a decimal or exponent number gets rewrites a duration literal can spell', () => {
    const text = `${sourceWith('http', '2.5')}${sourceWith('exec', '1e3').replace('source s', 'source e')}`;
    const [a, b] = expectDiagnostics(text, [
      { code: 'duration-without-unit', line: 2 },
      { code: 'duration-without-unit', line: lineOf(text, '1e3') },
    ]);
    expect(a!.message).toBe('timeout: 2.5 is read as 2.5 ms; write 2.5ms, or 2.5s if seconds were meant');
    expect(b!.message).toBe('timeout: 1e3 is read as 1000 ms; write 1000ms, or 1000s if seconds were meant');
    expect(b!.fixes!.map((f) => f.text)).toEqual(['1000ms', '1000s']);
    expectDiagnostics(applyFixes(text, [a!.fixes![1]!, b!.fixes![1]!]), []);
  });

  it('a number from a let is warned about at the option, with the advice to multiply by its unit', () => {
    const text = sourceWith('postgres', 'wait', 'let wait = 30\n');
    const d = only(expectDiagnostics(text, [{ code: 'duration-without-unit', line: 3 }]), 'duration-without-unit');
    expect(d.message).toBe('timeout: wait is read as 30 ms; multiply it by 1s if it counts seconds, or by 1ms to keep milliseconds');
    expect(d.start).toBe(text.indexOf('timeout: wait') + 'timeout: '.length);
    expect(d.fixes).toBeUndefined();
  });
});

describe('a number literal beside a duration in an expression', () => {
  const warned: [string, string][] = [
    ['age(desired.at) > 30', '30 compared with a duration is read as 30 ms; write 30ms, or 30s if seconds were meant'],
    ['30 <= age(desired.at)', '30 compared with a duration is read as 30 ms; write 30ms, or 30s if seconds were meant'],
    ['age(desired.at) == (30)', '30 compared with a duration is read as 30 ms; write 30ms, or 30s if seconds were meant'],
    ['age(desired.at) + 30 > 1h', '30 added to a duration is read as 30 ms; write 30ms, or 30s if seconds were meant'],
    ['age(desired.at) - 30 > 1h', '30 subtracted from a duration is read as 30 ms; write 30ms, or 30s if seconds were meant'],
    ['30 - age(desired.at) < 1h', '30 with a duration subtracted from it is read as 30 ms; write 30ms, or 30s if seconds were meant'],
    ['max(age(desired.at), 30) > 1h', '30 in max() with a duration is read as 30 ms; write 30ms, or 30s if seconds were meant'],
  ];
  for (const [condition, message] of warned) {
    it(`warns: ${condition}`, () => {
      const text = withWhen(condition);
      const d = only(expectDiagnostics(text, [{ code: 'duration-without-unit', line: lineOf(text, condition) }]), 'duration-without-unit');
      expect(d.message).toBe(message);
      const at = text.indexOf(condition) + condition.search(/\b30\b/);
      expect([d.start, d.end]).toEqual([at, at + 2]);
      expect(d.fixes!.map((f) => f.text)).toEqual(['30ms', '30s']);
      for (const fix of d.fixes!) expectDiagnostics(applyFixes(text, [fix]), []);
    });
  }

  const clean = [
    'age(desired.at) > 30s',
    'age(desired.at) > 30ms',
    'age(desired.at) > 0',
    'age(desired.at) > 2 * 1h',
    'age(desired.at) / 1000 > 30',
    'round(age(desired.at) / 60000, 0) > 30',
    'desired.amount > 30 and desired.count + 1 > 2',
    'min(desired.amount, 30) > 1',
  ];
  for (const condition of clean) {
    it(`is clean: ${condition}`, () => {
      expectDiagnostics(withWhen(condition), []);
    });
  }

  it('a let holding the sum is warned about once, where the number is written', () => {
    const prelude = 'let limit = 1h + 5\n';
    const text = withWhen('age(desired.at) > limit and age(actual.at) > limit', prelude);
    const found = checkText(text).filter((d) => d.code === 'duration-without-unit');
    expect(found.map((d) => [d.line, d.start])).toEqual([[1, prelude.indexOf('5')]]);
  });
});
