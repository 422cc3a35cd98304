/**
 * Sources (LANGUAGE.md 2.1): required and duplicate statements, connectors and their arguments,
 * file paths inside the workspace, field types, keys of typed sources, write operations.
 */
import { describe, expect, it } from 'vitest';
import { checkText, expectDiagnostics, lineOf } from '../../helpers/language-helpers.js';

function source(body: string, name = 's'): string {
  return `source ${name} {\n${body}\n}\n`;
}

describe('statements of a source', () => {
  it('needs from and key', () => {
    const [a, b] = expectDiagnostics('source s {\n}\n', [{ code: 'missing-from', line: 1 }, { code: 'missing-key', line: 1 }]);
    expect(a!.message).toBe("source 's' has no 'from' connector");
    expect(b!.message).toBe("source 's' has no 'key'");
  });

  it('reports a statement given twice', () => {
    const text = source('  from csv("a.csv")\n  key id\n  from csv("b.csv")\n  where true\n  where false');
    const [first, second] = expectDiagnostics(text, [
      { code: 'duplicate-statement', line: 4 },
      { code: 'duplicate-statement', line: 6 },
    ]);
    expect(first!.message).toBe("'from' is given more than once in source 's'");
    expect(second!.message).toBe("'where' is given more than once in source 's'");
  });
});

describe('connectors', () => {
  it('reports an unknown connector with a quick fix', () => {
    const text = source('  from csvv("a.csv")\n  key id');
    const [d] = expectDiagnostics(text, [{ code: 'unknown-connector', line: 2 }]);
    expect(d!.message).toBe("unknown connector 'csvv'; did you mean 'csv'?");
    expect(d!.fixes).toEqual([{ title: "Change to 'csv'", start: text.indexOf('csvv'), end: text.indexOf('csvv') + 4, text: 'csv' }]);
  });

  it('accepts every connector of version 1 with its options', () => {
    const text = [
      source('  from csv("a.csv", delimiter: ";", header: true)\n  key id', 'a'),
      source('  from json("a.json", items: "data.rows")\n  key id', 'b'),
      source('  from jsonl("a.jsonl")\n  key id', 'c'),
      source('  from yaml("a.yaml", items: "rows")\n  key id', 'd'),
      source('  from inline([{ id: "1" }, { id: "2", n: -1 }])\n  key id', 'e'),
      source('  from http("http://127.0.0.1/x", items: "data", next: "links.next", headers: { A: "b" }, timeout: 30s)\n  key id', 'f'),
      source('  from postgres(env("DB"), table: "accounts")\n  key id', 'g'),
      source('  from postgres("postgres://h/db", query: "select 1", timeout: 2s)\n  key id', 'h'),
      source('  from exec("kubectl", ["get", "pods", "-o", "json"], items: "items", timeout: 1m)\n  key id', 'i'),
      source('  from exec("./list.sh")\n  key id', 'j'),
    ].join('');
    expectDiagnostics(text, []);
  });

  it('reports an unknown option with a quick fix', () => {
    const text = source('  from http("http://x", itms: "data")\n  key id');
    const [d] = expectDiagnostics(text, [{ code: 'unknown-option', line: 2 }]);
    expect(d!.message).toBe("unknown option 'itms' for http(); did you mean 'items'?");
    expect(d!.fixes?.[0]).toMatchObject({ start: text.indexOf('itms'), text: 'items' });
    expectDiagnostics(source('  from jsonl("a.jsonl", items: "x")\n  key id'), [{ code: 'unknown-option' }]);
  });

  const badArguments: [string, string][] = [
    ['csv()', 'csv(): needs an argument: path'],
    ['csv("a.csv", "b.csv")', 'csv(): takes at most 1 positional argument(s): path'],
    ['csv(delimiter: ";", "a.csv")', 'csv(): positional arguments come before named options'],
    ['csv("a.csv", header: true, header: false)', "csv(): option 'header' is given twice"],
    ['csv(1)', 'csv(): path needs a string, got an integer'],
    ['csv("a.csv", header: "yes")', "csv(): option 'header' needs a boolean, got a string"],
    ['csv("a.csv", delimiter: ";;")', 'csv(): the delimiter is one character'],
    ['http("http://x", timeout: "soon")', "http(): option 'timeout' needs a duration or a number or an integer, got a string"],
    ['inline({ id: 1 })', 'inline(): records needs a list, got an object'],
    ['postgres("postgres://h/db")', "postgres(): needs a 'table' or a 'query' option"],
    ['postgres("postgres://h/db", table: "t", timeout: "x")', "postgres(): option 'timeout' needs a duration or a number or an integer, got a string"],
    ['postgres("postgres://h/db", table: "t", query: "q")', "postgres(): takes a 'table' or a 'query', not both"],
    ['exec("a", ["b"], "c")', 'exec(): takes at most 2 positional argument(s): command, args'],
    ['csv("")', 'csv(): the path is empty'],
  ];
  for (const [call, message] of badArguments) {
    it(`reports ${call}`, () => {
      const [d] = expectDiagnostics(source(`  from ${call}\n  key id`), [{ code: 'connector-arguments', line: 2 }]);
      expect(d!.message).toBe(message);
    });
  }

  it('needs file paths to be constant strings', () => {
    expectDiagnostics(source('  from csv(env("FILE"))\n  key id'), [{ code: 'not-constant', line: 2 }]);
    expectDiagnostics('let dir = "data"\n' + source('  from csv("${dir}/a.csv")\n  key id'), []);
  });

  it('keeps file paths inside the workspace root', () => {
    const [d] = expectDiagnostics(source('  from csv("../outside.csv")\n  key id'), [{ code: 'path-outside-workspace', line: 2 }]);
    expect(d!.message).toBe("path '../outside.csv' leaves the workspace root");
    expectDiagnostics(source('  from json("/etc/passwd")\n  key id'), [{ code: 'path-outside-workspace' }]);
    expectDiagnostics(source('  from csv("data/../a.csv")\n  key id'), []);
  });

  it('resolves paths against the declaring file, inside the root holding recon.json', () => {
    const files = {
      '/ws/recon.json': '{}',
      '/ws/sub/a.recon': source('  from csv("../shared/a.csv")\n  key id', 'a') + source('  from csv("../../x.csv")\n  key id', 'b'),
    };
    const all = expectDiagnostics('import "./sub/a.recon"\n', [{ code: 'path-outside-workspace', file: '/ws/sub/a.recon', line: 6 }], files);
    expect(all[0]!.message).toBe("path '../../x.csv' leaves the workspace root");
  });

  it('needs inline records to be constant objects', () => {
    expectDiagnostics(source('  from inline([{ id: "1" }, 2])\n  key id'), [{ code: 'type-mismatch', line: 2 }]);
    expectDiagnostics(source('  from inline([{ id: now() }])\n  key id'), [{ code: 'not-constant', line: 2 }]);
  });
});

describe('passwords written into connection strings and URLs', () => {
  // they end up in `recon compile` output and in every plan's embedded IR; secret() does not
  it('warns about a literal password in a postgres connection string, suggesting secret()', () => {
    const text = source('  from postgres("postgres://bob:hunter2@db/x", table: "t")\n  key id');
    const [d] = expectDiagnostics(text, [{ code: 'literal-password', line: 2 }]);
    expect(d!.severity).toBe('warning');
    expect(d!.message).toBe(
      'the password in this connection string is written in the file, so `recon compile` prints it and every plan keeps it in its IR; read it from a secret instead: "postgres://user:${secret("NAME")}@host/db"',
    );
    expect([d!.start, d!.end]).toEqual([text.indexOf('"postgres:'), text.indexOf(', table')]);
    // through a let, a concatenation, or as a query parameter
    expectDiagnostics(`let db = "postgres://bob:hunter2@db/x"\n${source('  from postgres(db, table: "t")\n  key id')}`, [{ code: 'literal-password', line: 3 }]);
    expectDiagnostics(source('  from postgres("postgresql://bob:" + "hunter2@db/x", table: "t")\n  key id'), [{ code: 'literal-password', line: 2 }]);
    const [q] = expectDiagnostics(source('  from postgres("postgres://db/x?sslmode=require&password=hunter2", table: "t")\n  key id'), [{ code: 'literal-password', line: 2 }]);
    expect(q!.message).toContain('password=${secret("NAME")}');
  });

  it('warns about a literal password in an http URL, suggesting a header from secret()', () => {
    const [d] = expectDiagnostics(source('  from http("https://u:pw@host/x")\n  key id'), [{ code: 'literal-password', line: 2 }]);
    expect(d!.message).toContain('the password in this URL is written in the file');
    expect(d!.message).toContain('headers: { Authorization: "Bearer ${secret("NAME")}" }');
    const write = source('  from http("https://host/x")\n  key id\n  write {\n    create POST "https://u:pw@host/x"\n  }');
    expectDiagnostics(write, [{ code: 'literal-password', line: 5 }]);
  });

  it('accepts a password from secret() or env(), and URLs without a password', () => {
    const clean = [
      'postgres("postgres://bob:${secret("PG_PASSWORD")}@db/x", table: "t")',
      'postgres("postgres://bob:${env("PG_PASSWORD")}@db/x", table: "t")',
      'postgres("postgres://${secret("PG_USER")}:${secret("PG_PASSWORD")}@db/x", table: "t")',
      'postgres("postgres://bob@db/x", table: "t")',
      'postgres("postgres://bob:@db/x", table: "t")',
      'postgres("postgres://db/x?password=${secret("PW")}", table: "t")',
      'postgres(secret("PG_URL"), table: "t")',
      'postgres("postgres://db/x", table: "t")',
      'http("https://host/x?user=a@b")',
      'http("https://host/x", headers: { Authorization: "Bearer ${secret("TOKEN")}" })',
    ];
    for (const from of clean) expectDiagnostics(source(`  from ${from}\n  key id`), []);
    expectDiagnostics(`let pw = secret("PW")\n${source('  from postgres("postgres://bob:${pw}@db/x", table: "t")\n  key id')}`, []);
  });
});

describe('fields, select and key', () => {
  it('reports an unknown type with a quick fix', () => {
    const text = source('  from csv("a.csv")\n  key id\n  fields { id: string  n: numbr }');
    const [d] = expectDiagnostics(text, [{ code: 'unknown-type', line: 4 }]);
    expect(d!.message).toBe("unknown type 'numbr'; did you mean 'number'?");
    expect(d!.fixes?.[0]).toMatchObject({ start: text.indexOf('numbr'), text: 'number' });
  });

  it('accepts every field type, and quoted field names', () => {
    expectDiagnostics(source('  from csv("a.csv")\n  key id\n  fields { id: string  a: number  b: integer  c: bool  d: datetime  e: json  "cost-center": string }'), []);
  });

  it('reports a field or select line declared twice', () => {
    const [d] = expectDiagnostics(source('  from csv("a.csv")\n  key id\n  fields {\n    id: string\n    id: number\n  }'), [{ code: 'duplicate-name', line: 6 }]);
    expect(d!.message).toBe("duplicate field 'id': already declared at line 5");
    expectDiagnostics(source('  from csv("a.csv")\n  key id\n  select {\n    id = a\n    id = b\n  }'), [{ code: 'duplicate-name', line: 6 }]);
  });

  it('checks key fields of typed sources', () => {
    const text = source('  from csv("a.csv")\n  key acount, day\n  fields { account: string  day: string }');
    const [d] = expectDiagnostics(text, [{ code: 'unknown-field', line: 3 }]);
    expect(d!.message).toBe("'acount' is not a field of source 's'; did you mean 'account'?");
    expect(d!.fixes?.[0]).toMatchObject({ start: text.indexOf('acount'), text: 'account' });
    expectDiagnostics(source('  from csv("a.csv")\n  key meta.id\n  fields { meta: json }'), []);
    expectDiagnostics(source('  from csv("a.csv")\n  key id.x\n  fields { id: string }'), [{ code: 'unknown-field', line: 3 }]);
    // after select, the record has the selected fields only
    expectDiagnostics(source('  from csv("a.csv")\n  key raw_id\n  select { id = raw_id }'), [{ code: 'unknown-field', line: 3 }]);
    expectDiagnostics(source('  from csv("a.csv")\n  key anything'), []);
  });

  it('reports a key that names the same field twice', () => {
    const text = source('  from csv("a.csv")\n  key id, day, id');
    const [d] = expectDiagnostics(text, [{ code: 'duplicate-key-field', line: 3 }]);
    expect(d!.severity).toBe('error');
    expect(d!.message).toBe("'id' is named twice in the key of source 's'");
    expect(d!.start).toBe(text.lastIndexOf('id'));
    expectDiagnostics(source('  from csv("a.csv")\n  key meta.id, meta.id\n  fields { meta: json }'), [{ code: 'duplicate-key-field', line: 3 }]);
    expectDiagnostics(source('  from csv("a.csv")\n  key meta.id, meta.day\n  fields { meta: json }'), []);
  });
});

describe('write blocks', () => {
  const http = (write: string): string => source(`  from http("http://127.0.0.1/x")\n  key id\n  write {\n${write}\n  }`);

  it('accepts http and exec operations and a map', () => {
    expectDiagnostics(http('    create POST "http://127.0.0.1/x"\n    update PATCH "http://127.0.0.1/x/${key.id}"\n    delete DELETE "http://127.0.0.1/x/${key.id}"\n    map { id = id }'), []);
    expectDiagnostics(source('  from exec("./list.sh")\n  key id\n  write {\n    create exec("./apply.sh", ["create"])\n    delete exec("./apply.sh", ["delete", "${key.id}"])\n  }'), []);
    expectDiagnostics(source('  from csv("a.csv")\n  key id\n  write { map { id = id } }'), []);
  });

  it('reports an unknown operation with a quick fix', () => {
    const text = http('    creat POST "http://127.0.0.1/x"');
    const [d] = expectDiagnostics(text, [{ code: 'unknown-write-operation', line: 5 }]);
    expect(d!.fixes?.[0]).toMatchObject({ start: text.indexOf('creat'), text: 'create' });
  });

  it('reports an unknown HTTP method, suggesting its upper case', () => {
    const text = http('    create post "http://127.0.0.1/x"');
    const [d] = expectDiagnostics(text, [{ code: 'unknown-http-method', line: 5 }]);
    expect(d!.message).toBe("unknown HTTP method 'post'; did you mean 'POST'?");
    expect(d!.fixes?.[0]).toMatchObject({ text: 'POST' });
    expectDiagnostics(http('    create SEND "http://127.0.0.1/x"'), [{ code: 'unknown-http-method' }]);
  });

  it('reports an operation or map given twice', () => {
    expectDiagnostics(http('    create POST "http://x"\n    create PUT "http://x"'), [{ code: 'duplicate-statement', line: 6 }]);
    expectDiagnostics(http('    map { a = id }\n    map { b = id }'), [{ code: 'duplicate-statement', line: 6 }]);
    expectDiagnostics(http('    map {\n      a = id\n      a = id\n    }'), [{ code: 'duplicate-statement', line: 7 }]);
  });

  it('reports operations on connectors that write natively or not at all', () => {
    const [d] = expectDiagnostics(source('  from csv("a.csv")\n  key id\n  write { create POST "http://x" }'), [{ code: 'write-not-supported', line: 4 }]);
    expect(d!.message).toBe("csv sources write through their connector; a 'create' operation is only for http and exec");
    expectDiagnostics(source('  from inline([])\n  key id\n  write { delete DELETE "http://x" }'), [{ code: 'connector-read-only', line: 4 }]);
  });

  it('reports the wrong form of operation for the connector', () => {
    expectDiagnostics(http('    create exec("./apply.sh")'), [{ code: 'write-form-mismatch', line: 5 }]);
    expectDiagnostics(source('  from exec("./list.sh")\n  key id\n  write { create POST "http://x" }'), [{ code: 'write-form-mismatch', line: 4 }]);
    expectDiagnostics(source('  from exec("./list.sh")\n  key id\n  write { create run("./apply.sh") }'), [{ code: 'write-form-mismatch', line: 4 }]);
    expectDiagnostics(source('  from exec("./list.sh")\n  key id\n  write { create exec("./apply.sh", timeout: 1s) }'), [{ code: 'unknown-option', line: 4 }]);
  });

  it('checks write URLs against the key fields', () => {
    const text = source('  from http("http://127.0.0.1/x")\n  key id\n  fields { id: string }\n  write { update PUT "http://127.0.0.1/x/${key.idd}" }');
    expectDiagnostics(text, [{ code: 'unknown-field', line: lineOf(text, 'key.idd') }]);
  });

  it('keeps every diagnostic of one source in text order', () => {
    const all = checkText(source('  from csvv("a.csv")\n  key x\n  fields { id: strin }\n  where nope > 1'));
    expect(all.map((d) => d.code)).toEqual(['unknown-connector', 'unknown-field', 'unknown-type', 'unknown-field']);
  });
});
