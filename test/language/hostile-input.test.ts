/**
 * The front end on hostile or unusual input: whatever the file, a wrong `.recon` file gives
 * located diagnostics with a code, never an exception (ARCHITECTURE.md, language/; LANGUAGE.md
 * section 1: source is UTF-8, lines end as editors end them).
 */
import { describe, expect, it } from 'vitest';
import { formatText } from '../../language/formatter.js';
import { decodeSource } from '../../language/source-decoding.js';
import { parseFile } from '../../language/parse-file.js';
import { compileFile } from '../../language/pipeline.js';
import { MemoryModuleHost } from '../../language/module-host.js';
import { LineMap } from '../../language/source-position.js';
import { MAX_EXPRESSION_DEPTH, MAX_TOKEN_NESTING } from '../../language/nesting-limit.js';
import { checkText, only } from '../helpers/language-helpers.js';

const POLICY = (where: string, when = 'true'): string => `source a {
  from inline([{ id: "1", v: 1 }])
  key id
  where ${where}
}
source b {
  from inline([{ id: "1", v: 2 }])
  key id
}
policy p {
  desired a
  actual b
  remediate {
    on changed when ${when} => report
  }
}
`;

function compiles(text: string): boolean {
  const host = new MemoryModuleHost({ '/ws/main.recon': text });
  return compileFile('/ws/main.recon', host, undefined, { today: '2026-11-26' }).ir !== null;
}

describe('nesting limits: deep input is a located error, not a stack overflow', () => {
  const deep: Record<string, string> = {
    parentheses: `let x = ${'('.repeat(10_000)}1${')'.repeat(10_000)}\n`,
    lists: `let x = ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`,
    objects: `let x = ${'{ a: '.repeat(10_000)}1${' }'.repeat(10_000)}\n`,
    interpolations: `let x = ${'"${'.repeat(5_000)}1${'}"'.repeat(5_000)}\n`,
    'minus signs': `let x = ${'-'.repeat(10_000)}1\n`,
    nots: `let x = ${'not '.repeat(10_000)}true\n`,
    'an or of conditions': POLICY(Array.from({ length: 5_000 }, (_, i) => `v == ${i}`).join(' or ')),
    'a chain of additions': `let x = ${Array(100_000).fill('1').join(' + ')}\n`,
    'a member chain': POLICY(`record${'.x'.repeat(5_000)} == null`),
    'calls of calls': `let x = len${'()'.repeat(5_000)}\n`,
  };
  for (const [name, text] of Object.entries(deep)) {
    it(`${name}: one nesting-too-deep error at the place, and every phase still runs`, () => {
      const diagnostics = checkText(text);
      const error = only(diagnostics, 'nesting-too-deep');
      expect(error.severity).toBe('error');
      expect(error.start).toBeGreaterThanOrEqual(0);
      expect(error.end).toBeLessThanOrEqual(text.length);
      expect(error.message).toMatch(/^too deeply nested: .+; split it, for example with let constants$/);
      expect(compiles(text)).toBe(false);
      const formatted = formatText(text);
      expect(formatted.changed).toBe(false);
      expect(formatted.text).toBe(text);
    });
  }

  it('points at the first bracket past the limit', () => {
    const text = `let x = ${'('.repeat(200)}1${')'.repeat(200)}\n`;
    const error = only(checkText(text), 'nesting-too-deep');
    expect(error.start).toBe('let x = '.length + MAX_TOKEN_NESTING);
  });

  it('keeps the rest of the file: later declarations are still checked', () => {
    const text = `let x = ${'['.repeat(500)}${']'.repeat(500)}\nlet y = nope\n`;
    const codes = checkText(text).map((d) => d.code).sort();
    expect(codes).toEqual(['nesting-too-deep', 'unknown-name']);
  });

  it('accepts what is just inside the limits, through check, compile and fmt', () => {
    const chain = Array.from({ length: MAX_EXPRESSION_DEPTH - 20 }, (_, i) => `v == ${i}`).join(' or ');
    const parens = `${'('.repeat(MAX_TOKEN_NESTING - 3)}v > 0${')'.repeat(MAX_TOKEN_NESTING - 3)}`;
    const prefixes = `${'- '.repeat(MAX_TOKEN_NESTING - 5)}v < 5`;
    for (const text of [POLICY(chain, chain.replaceAll('v ==', 'desired.v ==')), POLICY(parens), POLICY(prefixes)]) {
      expect(checkText(text).filter((d) => d.severity === 'error')).toEqual([]);
      expect(compiles(text)).toBe(true);
      const formatted = formatText(text);
      expect(formatted.internalError).toBeUndefined();
      expect(formatText(formatted.text).changed).toBe(false);
    }
  });
});

describe('line ends: \\n, \\r\\n and a lone \\r all end a line', () => {
  it('locates diagnostics on the right line and column in a file with classic Mac line ends', () => {
    const text = 'let a = 1\rlet b = 2\rlet c = nope\r';
    const error = only(checkText(text), 'unknown-name');
    expect(error.line).toBe(3);
    expect(new LineMap(text).lineColumn(error.start)).toEqual({ line: 3, column: 9 });
  });

  it('counts \\r\\n as one line end, and maps LSP positions back inside the line', () => {
    const map = new LineMap('ab\r\ncd\ref\n');
    expect(map.lineCount).toBe(4);
    expect(map.lineColumn(4)).toEqual({ line: 2, column: 1 });
    expect(map.lineColumn(7)).toEqual({ line: 3, column: 1 });
    expect(map.offset({ line: 0, character: 99 })).toBe(2);
    expect(map.offset({ line: 1, character: 99 })).toBe(6);
  });

  it('reads a comment block above a declaration as its documentation, and fmt keeps the meaning', () => {
    const text = 'source a { from inline([{ id: "1" }]) key id }\r# doc of b\rsource b { from inline([{ id: "1" }]) key id }\r\r# doc of p\rpolicy p { desired a actual b }\r';
    const host = new MemoryModuleHost({ '/ws/main.recon': text });
    const ir = compileFile('/ws/main.recon', host).ir!;
    expect(ir.sources.map((s) => s.doc)).toEqual([null, 'doc of b']);
    expect(ir.policies[0]!.doc).toBe('doc of p');
    const formatted = formatText(text);
    expect(formatted.internalError).toBeUndefined();
    expect(formatted.text).toContain('\n\n# doc of p\npolicy p {');
  });

  it('ends an unterminated string at a lone \\r, and a backslash at the end of a line does not swallow the line end', () => {
    for (const text of ['let a = "x\rlet b = 2\r', 'let a = "x\\\nlet b = 2\n']) {
      const diagnostics = checkText(text);
      const unterminated = only(diagnostics, 'syntax-unterminated-string');
      expect(unterminated.line).toBe(1);
      for (const d of diagnostics) expect(d.message).not.toMatch(/[\r\n]/);
    }
  });
});

describe('characters that would garble a message', () => {
  it('shows NUL, a carriage return and a lone surrogate as U+XXXX', () => {
    expect(only(checkText('let a = \u0000 1\n'), 'syntax-unexpected-character').message).toBe("unexpected character 'U+0000'");
    expect(only(checkText('let a = \u007f 1\n'), 'syntax-unexpected-character').message).toBe("unexpected character 'U+007F'");
    expect(only(checkText('let a = \ud800 1\n'), 'syntax-unexpected-character').message).toBe("unexpected character 'U+D800'");
    expect(only(checkText('let a = é\n'), 'syntax-unexpected-character').message).toBe("unexpected character 'é'");
    expect(only(checkText('let a = "\\\u0001"\n'), 'syntax-bad-escape').message).toBe("invalid escape '\\U+0001' in a string");
  });
});

describe('bytes that are not UTF-8', () => {
  it('finds the first bad byte, not a U+FFFD written in the file', () => {
    const bytes = Buffer.concat([Buffer.from('# \uFFFD ok é\nlet a = "caf'), Buffer.from([0xe9]), Buffer.from('"\n')]);
    const decoded = decodeSource(bytes);
    expect(decoded.notUtf8).toEqual({ offset: decoded.text.indexOf('caf') + 3, byte: 0xe9 });
    expect(decodeSource(Buffer.from('let a = "\uFFFD😀"\n')).notUtf8).toBeUndefined();
    expect(decodeSource(Buffer.from([0x61, 0xf0, 0x9f])).notUtf8).toEqual({ offset: 1, byte: 0xf0 });
  });

  it('a parse of the decoded text has the same offsets the diagnostic uses', () => {
    const decoded = decodeSource(Buffer.concat([Buffer.from('let a = 1\nlet b = "'), Buffer.from([0xff]), Buffer.from('"\n')]));
    expect(new LineMap(decoded.text).lineColumn(decoded.notUtf8!.offset)).toEqual({ line: 2, column: 10 });
    expect(parseFile(decoded.text).diagnostics).toEqual([]);
  });
});

describe('numbers JSON cannot hold', () => {
  it('recon check reports 1e309 where it stands (before, only compile did)', () => {
    const text = POLICY('v > 1e309', 'desired.v < 1e400');
    const errors = checkText(text).filter((d) => d.code === 'value-out-of-range');
    expect(errors.map((d) => d.message)).toEqual([
      'the number 1e309 is too large: numbers are at most about 1.8e308',
      'the number 1e400 is too large: numbers are at most about 1.8e308',
    ]);
  });

  it('also in a let, a within tolerance, and a limit', () => {
    const text = `let big = 1e309
source a {
  from inline([{ id: "1", v: 1 }])
  key id
  fields { id: string  v: number }
}
policy p {
  desired a
  actual a
  compare { v within 1e999 }
}
`;
    const errors = checkText(text).filter((d) => d.code === 'value-out-of-range');
    expect(errors.map((d) => d.line)).toEqual([1, 10]);
  });
});

describe('whole numbers a double cannot hold exactly', () => {
  const SOURCE = `source a {
  from inline([{ id: 123456789012345678901234567890, v: 9007199254740993 }, { id: 9007199254740992, v: 100000000000000000000 }])
  key id
  where v < 18014398509481985 and v > -9007199254740993
}
policy p {
  desired a
  actual a
  compare { v within 9007199254740995 }
}
test "t" {
  policy p
  desired [{ id: 36028797018963971, v: 1e30 }]
  actual []
}
`;

  it('are errors located at the literal (they were rounded silently in the IR)', () => {
    const errors = checkText(SOURCE).filter((d) => d.code === 'value-out-of-range');
    expect(errors.map((d) => `${d.line}:${SOURCE.slice(d.start, d.end)}`)).toEqual([
      '2:123456789012345678901234567890',
      '2:9007199254740993',
      '4:18014398509481985',
      '4:9007199254740993',
      '9:9007199254740995',
      '13:36028797018963971',
    ]);
    expect(errors[0]!.severity).toBe('error');
    expect(errors[0]!.message).toBe(
      'the whole number 123456789012345678901234567890 cannot be held exactly (numbers are exact up to 2^53 = 9007199254740992) and would be read as 123456789012345677877719597056; write it as a string, or in exponent form if an approximate value is meant',
    );
  });

  it('are not reported when exact (2^53, 1e20 written out) or written in exponent form', () => {
    const text = SOURCE.replace(/123456789012345678901234567890|9007199254740993|18014398509481985|9007199254740995|36028797018963971/g, '9007199254740992');
    expect(checkText(text).filter((d) => d.code === 'value-out-of-range')).toEqual([]);
  });
});

describe('a key on a source whose fields { } or select { } is empty', () => {
  it('says the block declares no fields, not that paths only go below json fields', () => {
    for (const key of ['id', '"id"']) {
      const text = `source s {\n  from inline([])\n  key ${key}\n  select { }\n}\n`;
      expect(only(checkText(text), 'unknown-field').message).toBe("'id' is not a field of source 's': its fields { } or select { } declares no fields");
    }
    const below = 'source s {\n  from inline([])\n  key a.b\n  fields { a: string }\n}\n';
    expect(only(checkText(below), 'unknown-field').message).toBe("'a.b' is not a field of source 's': paths may only go below json fields");
  });
});
