import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAst, formatText, FORMAT_LINE_WIDTH } from '../../language/formatter.js';
import { parseFile } from '../../language/parse-file.js';

const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(`../fixtures/language/${name}`, import.meta.url)), 'utf8');
const SPEC = fixture('spec-section2.recon');
const SPEC_FORMATTED = fixture('spec-section2.formatted.recon');

// ------------------------------------------------------------------ helpers

/** The AST without source locations (`start`/`end` anywhere); docs and everything else kept. */
function stripLocations(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripLocations);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => key !== 'start' && key !== 'end' && key !== 'comments')
      .map(([key, value]) => [key, key === 'doc' && typeof value === 'string' ? value.replace(/[ \t]+$/gm, '') : stripLocations(value)]),
  );
}

/** Comment texts in order; the formatter drops trailing blanks, as it does at the end of every line. */
function commentTexts(text: string): string[] {
  return parseFile(text).ast.comments.map((c) => c.text.trimEnd());
}

/** Formats `input` and checks the three guarantees: it parses, means the same, keeps comments, is stable. */
function formatChecked(input: string): string {
  const before = parseFile(input);
  expect(before.diagnostics, 'the test input itself must parse').toEqual([]);
  const result = formatText(input);
  expect(result.internalError).toBeUndefined();
  expect(result.diagnostics).toEqual([]);
  expect(result.changed).toBe(result.text !== input);
  const after = parseFile(result.text);
  expect(after.diagnostics).toEqual([]);
  expect(stripLocations(after.ast)).toEqual(stripLocations(before.ast));
  expect(commentTexts(result.text)).toEqual(commentTexts(input));
  const again = formatText(result.text);
  expect(again.text).toBe(result.text);
  expect(again.changed).toBe(false);
  return result.text;
}

/** Dedents a template literal so expected outputs can be written in place. */
function src(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = String.raw({ raw: strings }, ...values).replace(/^\n/, '');
  const lines = raw.split('\n');
  const margin = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(margin)).join('\n').replace(/[ ]+$/, '');
}

const IN_STRING_MODE = new Set(['StringStart', 'StringText', 'StringEscapedInterpolation', 'InterpolationEnd']);

/**
 * Rebuilds a file from its tokens (its own comments dropped), choosing what goes between two
 * tokens with `between(i)`; inside strings tokens stay glued together. With `declarationsOnOwnLine`,
 * every declaration starts a line (see the parser quirk in the last describe block).
 */
function relayout(text: string, between: (i: number) => string, declarationsOnOwnLine = false): string {
  const parsed = parseFile(text);
  const declStarts = new Set(parsed.ast.declarations.map((d) => d.start));
  const tokens = parsed.tokens;
  let out = '';
  tokens.forEach((t, i) => {
    out += t.image;
    if (i === tokens.length - 1) return;
    if (IN_STRING_MODE.has(t.tokenType.name)) return;
    const gap = between(i);
    out += declarationsOnOwnLine && declStarts.has(tokens[i + 1]!.startOffset) && !gap.endsWith('\n') ? gap + '\n' : gap;
  });
  return out + '\n';
}

// ------------------------------------------------------------------ the spec examples

describe('formatText on the examples of LANGUAGE.md section 2', () => {
  it('prints the canonical layout (golden file) and keeps every guarantee', () => {
    const out = formatChecked(SPEC);
    expect(out).toBe(SPEC_FORMATTED);
  });

  it('keeps trailing comments on their line, with one space before them', () => {
    const out = formatChecked(SPEC);
    expect(out).toContain('  mode enforce # audit (default: never acts) | enforce\n');
    expect(out).toContain('import "std/money" # standard library module; its names are money.<name>\n');
    expect(out).toContain('    on_exceed abort # ... blocks every action');
  });

  it('keeps the doc comment of the policy attached (hover text survives)', () => {
    const out = formatChecked(SPEC);
    const policy = parseFile(out).ast.declarations.find((d) => d.kind === 'Policy')!;
    expect(policy.doc).toBe('Every ledger entry must be settled at the gateway with the same amount.');
  });

  it('breaks a call that does not fit in 100 columns one argument per line, with a trailing comma', () => {
    const out = formatChecked(SPEC);
    expect(out).toContain(src`
      from http(
          "http://127.0.0.1:8080/settlements",
          items: "data",
          next: "links.next",
          headers: { Authorization: "Bearer \${secret("GATEWAY_TOKEN")}" },
        )`);
    // only remediation rules (which have no place to break) and trailing comments pass 100 columns
    const long = out.split('\n').filter((l) => l.replace(/ #.*$/, '').length > FORMAT_LINE_WIDTH);
    expect(long.length).toBeGreaterThan(0);
    for (const l of long) expect(l.trimStart()).toMatch(/^on /);
  });

  it('is already canonical once formatted', () => {
    const result = formatText(SPEC_FORMATTED);
    expect(result.changed).toBe(false);
    expect(result.text).toBe(SPEC_FORMATTED);
  });
});

// ------------------------------------------------------------------ badly laid out inputs

describe('badly laid out inputs', () => {
  const specWithoutComments = relayout(SPEC, () => ' ');

  it('everything on one line comes out in the canonical layout', () => {
    expect(specWithoutComments.split('\n').length).toBe(2);
    const out = formatChecked(specWithoutComments);
    // the same as the golden file without its comments and the blank lines inside blocks
    const expected = formatText(relayout(SPEC_FORMATTED, () => '\n')).text;
    expect(out).toBe(expected);
    expect(out).toContain(src`
      source ledger {
        from csv("data/ledger.csv")
        key txn_id
        fields {
          txn_id: string
    `);
  });

  it('random indentation and line breaks between tokens do not matter', () => {
    const canonical = formatChecked(specWithoutComments);
    fc.assert(
      fc.property(fc.array(fc.constantFrom(' ', '\n', '\n      ', '\t', '   \n  \n'), { minLength: 1, maxLength: 50 }), (gaps) => {
        const messy = relayout(SPEC, (i) => gaps[i % gaps.length]!);
        const out = formatChecked(messy);
        // blank lines are the only thing the author's layout may add
        expect(out.replace(/\n\n+/g, '\n')).toBe(canonical.replace(/\n\n+/g, '\n'));
      }),
      { numRuns: 25 },
    );
  });

  it('a comment after every token: all kept, in order, and the result is stable', () => {
    let n = 0;
    const noisy = relayout(SPEC, () => ` # c${n++}\n`);
    expect(commentTexts(noisy).length).toBeGreaterThan(300);
    formatChecked(noisy);
  });

  it('comments at random places with random layout', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(' ', '\n', '  # x\n', '\n# own line\n', '\n\n   # after a blank\n\n', ' #\n'), { minLength: 1, maxLength: 40 }), (gaps) => {
        formatChecked(relayout(SPEC, (i) => gaps[i % gaps.length]!, true));
      }),
      { numRuns: 40 },
    );
  });
});

// ------------------------------------------------------------------ layout rules

describe('canonical layout', () => {
  it('indents by two spaces, one statement per line, `{` on the statement line', () => {
    const out = formatChecked('source s{from csv( "a.csv" )key id   where   x>1 and(y<2)}');
    expect(out).toBe(src`
      source s {
        from csv("a.csv")
        key id
        where x > 1 and (y < 2)
      }
    `);
  });

  it('separates top-level declarations by one blank line, keeping adjacent imports, lets and groups adjacent', () => {
    const out = formatChecked('import "a"\nimport "b" as b\nlet x = 1\nlet y = 2\n\n\n\nlet z = 3 group g = ["a"]\nprofile p { a exact }\nprofile q { b exact }');
    expect(out).toBe(src`
      import "a"
      import "b" as b

      let x = 1
      let y = 2

      let z = 3

      group g = ["a"]

      profile p {
        a exact
      }

      profile q {
        b exact
      }
    `);
  });

  it('keeps one blank line inside blocks where the author had some, none after `{` or before `}`', () => {
    const out = formatChecked('policy p {\n\n\n  desired a\n\n\n\n  actual b\n  mode audit\n\n}');
    expect(out).toBe(src`
      policy p {
        desired a

        actual b
        mode audit
      }
    `);
  });

  it('keeps short lists and objects on one line, without trailing commas', () => {
    const out = formatChecked('let a = [ 1 , 2 , 3 , ]\nlet b = {x:1,"odd key":[ ],}\nlet c = {}\nlet d = []');
    expect(out).toBe(src`
      let a = [1, 2, 3]
      let b = { x: 1, "odd key": [] }
      let c = {}
      let d = []
    `);
  });

  it('breaks a long list one element per line with a trailing comma, and nested ones only as needed', () => {
    const items = Array.from({ length: 12 }, (_, i) => `"member-number-${i}@example.com"`);
    const out = formatChecked(`group g = [${items.join(',')}]`);
    expect(out).toBe(`group g = [\n${items.map((x) => `  ${x},\n`).join('')}]\n`);
  });

  it('puts test records one object per line when there are two or more', () => {
    const out = formatChecked(
      'test "t" { policy p desired [{id: "1"}, {id: "2", n: 1}] actual [{id: "1"}] expect { missing 1 action create on "2" } }',
    );
    expect(out).toBe(src`
      test "t" {
        policy p
        desired [
          { id: "1" },
          { id: "2", n: 1 },
        ]
        actual [{ id: "1" }]
        expect {
          missing 1
          action create on "2"
        }
      }
    `);
  });

  it('keeps each record of a list of records on one line, even past 100 columns', () => {
    const record = '{ txn_id: "t1", amount: 10.00, currency: "EUR", status: "settled", booked_at: "2026-11-01T08:00:00Z", tags: ["a", "b"] }';
    const out = formatChecked(`test "t" { policy p desired [${record}] actual [] expect no_drift }`);
    expect(out).toBe(`test "t" {\n  policy p\n  desired [\n    ${record},\n  ]\n  actual []\n  expect no_drift\n}\n`);
    // but an object that is not a record breaks like any other
    const long = formatChecked(`let o = ${record}`);
    expect(long.split('\n').length).toBeGreaterThan(5);
    expect(long).toContain('  tags: ["a", "b"],\n}');
  });

  it('keeps a call flat when only the rest of a long statement overflows', () => {
    const rule = `on changed when only("booked_at") and changed("memo") => ticket "${'x'.repeat(60)}" because "long enough to overflow"`;
    const out = formatChecked(`policy p { remediate { ${rule} } }`);
    expect(out).toContain(`    ${rule}\n`);
  });

  it('prints every statement form canonically', () => {
    const input = src`
      source s {
        from exec("prog", ["a", "b"], timeout: 5s)
        key account ,  day
        fields { "cost-center" : string , n:number }
        select { "cost-center" = record["cost-center"]  n = -x % 3 }
        write { create exec("create", []) update PATCH "u/\${key.id}"  map { a.b[0]["c d"] = n } }
      }
      profile p { "default" ignore  tags unordered  items unordered by sku  x within 10%  y normalize trim , round( 2 )  z by desired.z==actual.z }
      policy q {
        compare { default ignore use money.cents "use" exact }
        remediate { on any when not changed("a") or diff == [] => ticket "T \${key.id}" requires approval because "b" until "2030-01-01" }
        limits { max_ratio 5%  on_exceed approve }
        retry 3  rate 5 / m  schedule every 1h  concurrency 2
      }
    `;
    expect(formatChecked(input)).toBe(src`
      source s {
        from exec("prog", ["a", "b"], timeout: 5s)
        key account, day
        fields {
          "cost-center": string
          n: number
        }
        select {
          "cost-center" = record["cost-center"]
          n = -x % 3
        }
        write {
          create exec("create", [])
          update PATCH "u/\${key.id}"
          map {
            a.b[0]["c d"] = n
          }
        }
      }

      profile p {
        "default" ignore
        tags unordered
        items unordered by sku
        x within 10%
        y normalize trim, round(2)
        z by desired.z == actual.z
      }

      policy q {
        compare {
          default ignore
          use money.cents
          "use" exact
        }
        remediate {
          on any when not changed("a") or diff == [] => ticket "T \${key.id}" requires approval because "b" until "2030-01-01"
        }
        limits {
          max_ratio 5%
          on_exceed approve
        }
        retry 3
        rate 5/m
        schedule every 1h
        concurrency 2
      }
    `);
  });

  it('turns CRLF line ends into LF and drops trailing blanks', () => {
    expect(formatChecked('let a = 1   # one   \r\n\r\n\r\nlet b = [\r\n  2,\r\n]\r\n')).toBe('let a = 1 # one\n\nlet b = [2]\n');
  });

  it('prints empty blocks as `{}`', () => {
    expect(formatChecked('source s {  }\nprofile p {\n}')).toBe('source s {}\n\nprofile p {}\n');
  });
});

// ------------------------------------------------------------------ literals, names, parentheses

describe('literals, names and parentheses', () => {
  it('prints numbers, durations and percentages as written', () => {
    const out = formatChecked('let a = 10.00\nlet b = 1e6\nlet c = 1.5h\nlet d = 250ms\nlet e = 10%\nlet f = 007');
    expect(out).toBe('let a = 10.00\nlet b = 1e6\nlet c = 1.5h\nlet d = 250ms\nlet e = 10%\nlet f = 007\n');
  });

  it('re-escapes strings canonically', () => {
    expect(formatChecked('let a = "\\u0041\\/b\\u00e9"')).toBe('let a = "A/bé"\n');
    expect(formatChecked('let a = "tab\\there \\"q\\" back\\\\slash \\u0001"')).toBe('let a = "tab\\there \\"q\\" back\\\\slash \\u0001"\n');
  });

  it('keeps invisible characters escaped (bidi overrides, zero-width, line separators, no-break spaces, DEL, C1)', () => {
    // written as escapes, they stay escapes: decoded, a bidi override would reorder the line on
    // screen (Trojan Source) and the others would vanish or break the line in an editor
    const escapes = '\\u202e \\u200b \\u2028 \\u2029 \\u00a0 \\ufeff \\u007f \\u0085 \\u2066 \\udb40\\udc01';
    expect(formatChecked(`let a = "${escapes}"`)).toBe(`let a = "${escapes}"\n`);
    // written raw, they become escapes (the same string, now visible)
    expect(formatChecked('let a = "x\u202ey\u200bz\u2028w\u00a0v\u{E0001}"')).toBe('let a = "x\\u202ey\\u200bz\\u2028w\\u00a0v\\udb40\\udc01"\n');
    // visible text outside ASCII stays as it is, decoded
    expect(formatChecked('let a = "\\u00e9 é 😀 日本"')).toBe('let a = "é é 😀 日本"\n');
  });

  it('keeps a literal ${ as $${ and a $ before an interpolation distinct from it', () => {
    expect(formatChecked('let a = "cost: $${x} and $5"')).toBe('let a = "cost: $${x} and $5"\n');
    expect(formatChecked('let a = "$$${x}"')).toBe('let a = "$$${x}"\n');
    // a "$" just before an interpolation must not merge with it into "$${"
    const out = formatChecked('let a = "\\u0024${b}"');
    expect(out).toBe('let a = "\\u0024${b}"\n');
    expect(parseFile(out).ast.declarations[0]).toMatchObject({ value: { parts: ['$', { kind: 'NameRef' }] } });
  });

  it('re-prints interpolations from their expressions, nested strings and objects included', () => {
    expect(formatChecked('let a = "Bearer ${ secret( "T" ) } ${ {k:1}.k } ${"in${ 1+2 }ner"}"')).toBe(
      'let a = "Bearer ${secret("T")} ${{ k: 1 }.k} ${"in${1 + 2}ner"}"\n',
    );
  });

  it('keeps interpolations on one line even inside a long string', () => {
    const long = 'x'.repeat(120);
    const out = formatChecked(`let a = "${long}\${f([1, 2, 3], { a: [{b: 1}, {b: 2}] })}"`);
    expect(out.split('\n').length).toBe(2);
  });

  it('keeps the author\'s parentheses, redundant ones included', () => {
    expect(formatChecked('let a = ( (1 + 2) ) * 3\nlet b = 1 + (2 * 3)\nlet c = -(1 - 2)\nlet d = not (a and b)')).toBe(
      'let a = ((1 + 2)) * 3\nlet b = 1 + (2 * 3)\nlet c = -(1 - 2)\nlet d = not (a and b)\n',
    );
  });

  it('spaces binary operators, keeps unary ones tight, and keeps modulo apart from percentages', () => {
    expect(formatChecked('let a = 10 %3+- -2*x.y[0](1)')).toBe('let a = 10 % 3 + --2 * x.y[0](1)\n');
    expect(formatChecked('let a = x in[1,2] or y matches"^a"')).toBe('let a = x in [1, 2] or y matches "^a"\n');
  });

  it('copies a path string holding an interpolation as written (the AST keeps only its text)', () => {
    expect(formatChecked('source s { key tags["a${ x }b"], "c"  }')).toBe('source s {\n  key tags["a${ x }b"], "c"\n}\n');
  });

  it('keeps quoted names quoted (reserved words, default/use, non-identifiers)', () => {
    const out = formatChecked('source s { fields { "in": string "a b": json key: string } key "in" }\nprofile p { "default" ignore "use" exact "in" exact }');
    expect(out).toContain('    "in": string\n    "a b": json\n    key: string\n');
    expect(out).toContain('  key "in"\n');
    expect(out).toContain('  "default" ignore\n  "use" exact\n  "in" exact\n');
  });
});

// ------------------------------------------------------------------ comments

describe('comments', () => {
  it('keeps comments inside blocks, at the end of blocks and at the end of the file', () => {
    const input = src`
      # about s
      source s { # after the brace
        # before key
        key id # after key

        # end of block
      } # after the block
      # end of file
    `;
    expect(formatChecked(input)).toBe(src`
      # about s
      source s {
        # after the brace
        # before key
        key id # after key

        # end of block
      } # after the block
      # end of file
    `);
  });

  it('keeps comments in lists, objects and calls, breaking them', () => {
    const input = 'let a = [1, # one\n 2 # two\n]\nlet b = { # open\n x: 1 }\nlet c = f( # args\n 1, 2)\nlet d = [\n # only a comment\n]';
    expect(formatChecked(input)).toBe(src`
      let a = [
        1, # one
        2, # two
      ]
      let b = {
        # open
        x: 1,
      }
      let c = f(
        # args
        1,
        2,
      )
      let d = [
        # only a comment
      ]
    `);
  });

  it('keeps a comment in the middle of a statement, continuing the statement on the next line', () => {
    const out = formatChecked('policy p { remediate { on missing # why\n => create } }');
    expect(out).toContain('# why\n');
    expect(commentTexts(out)).toEqual(['# why']);
  });

  it('keeps a comment inside an interpolation, moving it after the string', () => {
    const out = formatChecked('let a = "x${ 1 # inside\n }y"\nlet b = 2');
    expect(out).toBe('let a = "x${1}y" # inside\nlet b = 2\n');
  });

  it('puts several comments from inside an interpolation after it, without making them a doc', () => {
    const out = formatChecked('let s = "${1 # a\n # b\n}"\nlet t = 2\nlet u = "${2 # c\n}"');
    expect(out).toBe('let s = "${1}" # a\n# b\n\nlet t = 2\nlet u = "${2}" # c\n');
    expect(parseFile(out).ast.declarations.map((d) => d.doc)).toEqual([null, null, null]);
  });

  it('keeps doc comments attached, and separated comments separated', () => {
    const input = '# file header\n\n# doc of s\n# second line\nsource s { key id }\nlet a = 1 # not a doc\nlet b = 2';
    const out = formatChecked(input);
    expect(out).toBe('# file header\n\n# doc of s\n# second line\nsource s {\n  key id\n}\n\nlet a = 1 # not a doc\nlet b = 2\n');
    const decls = parseFile(out).ast.declarations;
    expect(decls.map((d) => d.doc)).toEqual(['doc of s\nsecond line', null, null]);
  });

  it('formats a file holding only comments, and an empty file', () => {
    expect(formatChecked('  # one\n\n\n   # two  ')).toBe('# one\n\n# two\n');
    expect(formatText('').text).toBe('');
    expect(formatText('\n\n  \n').text).toBe('');
  });
});

describe('layout of continuations and nested lists', () => {
  it('indents the line after a comment in the middle of a statement one level from the statement', () => {
    expect(formatChecked('group g = # c\n["a"]')).toBe('group g = # c\n  ["a"]\n');
    expect(formatChecked('policy p { remediate { on missing # why\n => create } }')).toBe(src`
      policy p {
        remediate {
          on missing => # why
            create
        }
      }
    `);
    // several comments: every continuation line at the same level
    expect(formatChecked('let x = 1 + # a\n # b\n 2')).toBe('let x = 1 + # a\n  # b\n  2\n');
  });

  it('indents a list that breaks after such a comment as part of the continuation', () => {
    const items = Array.from({ length: 8 }, (_, i) => `"member-number-${i}@example.com"`);
    const out = formatChecked(`group g = # who\n[${items.join(', ')}]`);
    expect(out).toBe(`group g = # who\n  [\n${items.map((x) => `    ${x},\n`).join('')}  ]\n`);
    expect(formatChecked('test "t" { policy p desired # two\n [{id: "1"}, {id: "2"}] actual [] expect no_drift }')).toBe(src`
      test "t" {
        policy p
        desired # two
          [
            { id: "1" },
            { id: "2" },
          ]
        actual []
        expect no_drift
      }
    `);
  });

  it('keeps a list or object that is the only argument of a call against its parentheses', () => {
    expect(formatChecked('source s { from inline([{id: "1", name: "a"}, {id: "2", name: "b"}]) key id }')).toBe(src`
      source s {
        from inline([
          { id: "1", name: "a" },
          { id: "2", name: "b" },
        ])
        key id
      }
    `);
    const items = Array.from({ length: 8 }, (_, i) => `"field-number-${i}"`);
    expect(formatChecked(`policy p { remediate { on changed when only([${items.join(', ')}]) => update } }`)).toBe(
      `policy p {\n  remediate {\n    on changed when only([\n${items.map((x) => `      ${x},\n`).join('')}    ]) => update\n  }\n}\n`,
    );
    // with a comment around the argument, the call breaks as usual
    expect(formatChecked('let a = f( # c\n [1])')).toBe('let a = f(\n  # c\n  [1],\n)\n');
  });

  it('breaks a list or object that holds a list of records, instead of hanging the records from a flat line', () => {
    expect(formatChecked('let x = { rows: [{a: 1}, {b: 2}] }')).toBe(src`
      let x = {
        rows: [
          { a: 1 },
          { b: 2 },
        ],
      }
    `);
    expect(formatChecked('let y = [[{a: 1}, {b: 2}], [1]]')).toBe(src`
      let y = [
        [
          { a: 1 },
          { b: 2 },
        ],
        [1],
      ]
    `);
  });

  it('keeps a list of records inside a record on the record\'s line', () => {
    const record = '{ name: "api", containers: [{ name: "api", image: "api:2" }, { name: "proxy", image: "envoy:1" }] }';
    expect(formatChecked(`test "t" { policy p desired [${record}] actual [${record}, { name: "web" }] expect no_drift }`)).toBe(src`
      test "t" {
        policy p
        desired [
          ${record},
        ]
        actual [
          ${record},
          { name: "web" },
        ]
        expect no_drift
      }
    `);
    expect(formatChecked(`source s { from inline([${record}, ${record}]) key name }`)).toBe(
      `source s {\n  from inline([\n    ${record},\n    ${record},\n  ])\n  key name\n}\n`,
    );
  });
});

// ------------------------------------------------------------------ files with errors

describe('files with syntax errors', () => {
  it('are returned unchanged, with their diagnostics', () => {
    const broken = 'source s {\n  key\n  from csv("a.csv"\n}\nlet   x =   [1,2';
    const result = formatText(broken);
    expect(result.text).toBe(broken);
    expect(result.changed).toBe(false);
    expect(result.diagnostics.length).toBeGreaterThan(0);
    expect(result.diagnostics.every((d) => d.severity === 'error')).toBe(true);
  });

  it('lexical errors too (a bad number, a bad escape, an unterminated string)', () => {
    for (const broken of ['let a = 2min', 'let a = "\\x"', 'let a = "open\nlet b = 1']) {
      const result = formatText(broken);
      expect(result.text).toBe(broken);
      expect(result.changed).toBe(false);
      expect(result.diagnostics.length).toBeGreaterThan(0);
    }
  });

  it('never throws, whatever the input', () => {
    const pieces = ['source', 'policy', 'let', 'x', '=', '{', '}', '[', ']', '(', ')', ',', '"a${', '"', '}"', '# c\n', '\n', ' ', '1', '2m', '10%', 'on', '=>', 'key', ':', '.', 'not', '-'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), (parts) => {
        const input = parts.join(' ');
        const result = formatText(input);
        if (result.diagnostics.length > 0) expect(result.text).toBe(input);
        else expect(parseFile(result.text).diagnostics).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('formatAst leaves a parse with errors as its text', () => {
    const parsed = parseFile('let a = = 1');
    expect(formatAst(parsed)).toBe('let a = = 1');
  });
});

// ------------------------------------------------------------------ the safety net

describe('the meaning check of formatText', () => {
  it('formats a file whose comment sits inside a declaration that a later one shares a line with', () => {
    // `# c` sits inside `let a`; `let b` does not start its line, so it has no doc
    const input = 'let a =\n# c\n1 let b = 2\n';
    expect(parseFile(input).ast.declarations[1]!.doc).toBeNull();
    const result = formatText(input);
    expect(result.internalError).toBeUndefined();
    expect(result.text).toContain('# c');
    expect(formatText(result.text).changed).toBe(false);
  });
});
