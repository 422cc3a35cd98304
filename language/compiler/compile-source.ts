/**
 * `source` declarations to `IrSource`.
 *
 * Why the compiler resolves so much here: the runtime must be able to read and write a source
 * from the IR alone, on any machine, from any working directory. So file paths are resolved
 * against the declaring file and stored relative to the workspace root (LANGUAGE.md 2.1), every
 * expression is compiled in the scope it stands in (select over the raw record, where over the
 * presented one, map over the record to write, write URLs over the rule roots), and the facts
 * the runtime needs to write back through `select` (`reads`, `plainPath`, `writable`) are
 * computed once.
 *
 * Choices made here:
 * - Connector arguments and options are compiled as expressions (`secret("X")` stays the
 *   operation `{"secret": ["X"]}` for the runtime to evaluate and redact); only the path of a
 *   file connector must be a constant string.
 * - `reads` lists the raw paths a select expression reads, in order of first use, each the
 *   longest static path (`tags[k]` reads `tags`), and `""` for a read of the whole record
 *   (`len(record)`, `record[k]`), which no `map` line can cover. A name that is a let is not a
 *   read (as for the checker: the let is a constant, nothing to write back), though at run
 *   time a raw field of that name would shadow it.
 * - HTTP methods are written upper-case (`post` is `POST`).
 * - `writable` is true for connectors that write natively (csv, json, jsonl, yaml, postgres)
 *   and for http and exec sources whose `write` block has at least one operation.
 * - Statements given twice (the checker reports them): the first `from` and `key` count;
 *   `fields`, `select` and `write` blocks are joined in order; the first `where` counts.
 */
import { dirname, relative, resolve } from 'node:path';
import type * as A from '../ast.js';
import { stringText } from '../ast-builder.js';
import { FILE_CONNECTORS, type IrConnector, type IrConnectorKind, type IrExpr, type IrFieldType, type IrSource, type IrWriteOp } from '../ir/ir-types.js';
import { isInside, type Module } from '../program.js';
import { toPosix, type CompileContext } from './compile-context.js';
import { compileExpression, plainRawPath } from './compile-expression.js';
import { foldString } from './constant-folding.js';
import { pathText } from './field-path-text.js';

const CONNECTOR_KINDS: ReadonlySet<string> = new Set<IrConnectorKind>(['csv', 'json', 'jsonl', 'yaml', 'inline', 'http', 'postgres', 'exec']);
/** Connectors that write records themselves, without a `write { }` block. */
const NATIVE_WRITERS: ReadonlySet<IrConnectorKind> = new Set<IrConnectorKind>(['csv', 'json', 'jsonl', 'yaml', 'postgres']);
const FIELD_TYPES: ReadonlySet<string> = new Set<IrFieldType>(['string', 'number', 'integer', 'bool', 'datetime', 'json']);
const WRITE_OPS: ReadonlySet<string> = new Set(['create', 'update', 'delete']);

/** The text of a field name written as a name or a string. */
export function fieldNameText(name: A.Name | A.StringLiteral): string {
  return name.kind === 'Name' ? name.text : stringText(name);
}

/**
 * The fields a source's presented record is known to have: its declared `fields` and the
 * names its `select` builds; null when it has neither (an untyped source: any name may be a
 * field). The checker types `where` and `map` by the same rule.
 */
export function knownFields(decl: A.SourceDecl): Set<string> | null {
  if (!decl.statements.some((s) => s.kind === 'Fields' || s.kind === 'Select')) return null;
  const names = new Set<string>();
  for (const statement of decl.statements) {
    if (statement.kind === 'Fields') for (const field of statement.fields) names.add(fieldNameText(field.name));
    if (statement.kind === 'Select') for (const line of statement.lines) names.add(fieldNameText(line.name));
  }
  return names;
}

/**
 * Compiles the source `decl` of `module`, named `qualifiedName` in the IR. Returns null (after
 * reporting) when it has no usable `from` or `key`.
 */
export function compileSource(ctx: CompileContext, module: Module, decl: A.SourceDecl, qualifiedName: string): IrSource | null {
  if (decl.missing || decl.name.missing) {
    ctx.incomplete(module, decl, `source '${qualifiedName}'`);
    return null;
  }
  const statements = decl.statements;
  const from = statements.find((s): s is A.FromStmt => s.kind === 'From');
  const key = statements.find((s): s is A.KeyStmt => s.kind === 'Key');
  if (!from) ctx.report(module, 'missing-from', decl.name, { name: decl.name.text });
  if (!key) ctx.report(module, 'missing-key', decl.name, { name: decl.name.text });
  const connector = from ? compileConnector(ctx, module, from) : null;
  if (!connector || !key) return null;

  const fields = compileFields(ctx, module, statements);
  const presented = knownFields(decl);
  const selectLines = statements.flatMap((s) => (s.kind === 'Select' ? s.lines : []));
  const hasSelect = statements.some((s) => s.kind === 'Select');
  const where = statements.find((s): s is A.WhereStmt => s.kind === 'Where');
  const writes = statements.filter((s): s is A.WriteStmt => s.kind === 'Write');

  const write = writes.length === 0 ? null : compileWrite(ctx, module, writes, presented);
  const writable =
    NATIVE_WRITERS.has(connector.kind) || ((connector.kind === 'http' || connector.kind === 'exec') && (write?.ops.length ?? 0) > 0);

  return {
    name: qualifiedName,
    connector,
    key: key.paths.map((path) => {
      if (path.missing) ctx.incomplete(module, path, 'this key');
      return pathText(path);
    }),
    fields,
    select: hasSelect ? selectLines.map((line) => compileSelectLine(ctx, module, line)) : null,
    where: where
      ? {
          expr: compileExpression(ctx, module, where.condition, { kind: 'record', fields: presented }),
          at: ctx.at(module, where.start),
        }
      : null,
    write,
    writable,
    doc: decl.doc,
    at: ctx.at(module, decl.start),
  };
}

function compileFields(ctx: CompileContext, module: Module, statements: A.SourceStmt[]): IrSource['fields'] {
  const blocks = statements.filter((s): s is A.FieldsStmt => s.kind === 'Fields');
  if (blocks.length === 0) return null;
  const fields: { name: string; type: IrFieldType }[] = [];
  for (const field of blocks.flatMap((b) => b.fields)) {
    if (field.missing || field.type.missing) {
      ctx.incomplete(module, field, 'this field');
      continue;
    }
    const type = field.type.text;
    if (!FIELD_TYPES.has(type)) {
      ctx.report(module, 'unknown-type', field.type, { name: type, hint: '' });
      continue;
    }
    fields.push({ name: fieldNameText(field.name), type: type as IrFieldType });
  }
  return fields;
}

function compileConnector(ctx: CompileContext, module: Module, from: A.FromStmt): IrConnector | null {
  const call = from.call;
  const callee = call.callee;
  if (call.missing || callee.kind !== 'NameRef' || callee.missing) {
    ctx.incomplete(module, from, 'this connector');
    return null;
  }
  const name = callee.name.text;
  if (!CONNECTOR_KINDS.has(name)) {
    ctx.report(module, 'unknown-connector', callee, { name, hint: '' });
    return null;
  }
  const kind = name as IrConnectorKind;
  const positional = call.args.filter((a) => a.name === null);
  const named = call.args.filter((a) => a.name !== null);
  const constant = { kind: 'constant' } as const;
  let path: string | null = null;
  let rest = positional;
  if (FILE_CONNECTORS.includes(kind)) {
    const first = positional[0];
    if (!first) {
      ctx.report(module, 'connector-arguments', call, { connector: kind, detail: `the file path is missing: ${kind}("data/file.${kind}")` });
      return null;
    }
    path = filePath(ctx, module, kind, first.value);
    if (path === null) return null;
    rest = positional.slice(1);
  }
  return {
    kind,
    ...(path === null ? {} : { path }),
    args: rest.map((arg) => compileExpression(ctx, module, arg.value, constant)),
    options: named.map((arg) => ({
      name: arg.name!.text,
      value: compileExpression(ctx, module, arg.value, constant),
      at: ctx.at(module, arg.start),
    })),
    at: ctx.at(module, call.start),
  };
}

/** The path of a file connector: constant, resolved against the declaring file, inside the root. */
function filePath(ctx: CompileContext, module: Module, kind: IrConnectorKind, expr: A.Expr): string | null {
  const text = foldString(ctx, module, expr, `the path of ${kind}()`);
  if (text === null) return null;
  if (text.trim() === '') {
    ctx.report(module, 'connector-arguments', expr, { connector: kind, detail: 'the file path is empty' });
    return null;
  }
  if (text.includes('\\')) {
    ctx.report(module, 'connector-arguments', expr, { connector: kind, detail: `write the path with forward slashes: "${text.replace(/\\/g, '/')}"` });
    return null;
  }
  const root = ctx.program.workspaceRoot;
  const absolute = resolve(dirname(module.path), text);
  if (absolute === root || !isInside(root, absolute)) {
    ctx.report(module, 'path-outside-workspace', expr, { path: text });
    return null;
  }
  return toPosix(relative(root, absolute));
}

function compileSelectLine(ctx: CompileContext, module: Module, line: A.SelectLine): NonNullable<IrSource['select']>[number] {
  const reads: string[] = [];
  const expr = compileExpression(ctx, module, line.value, { kind: 'record', fields: null, reads });
  return {
    name: fieldNameText(line.name),
    expr,
    reads: [...new Set(reads)],
    plainPath: plainRawPath(module, line.value),
    at: ctx.at(module, line.start),
  };
}

function compileWrite(ctx: CompileContext, module: Module, writes: A.WriteStmt[], presented: ReadonlySet<string> | null): NonNullable<IrSource['write']> {
  const ops: IrWriteOp[] = [];
  const map: NonNullable<IrSource['write']>['map'] = [];
  for (const item of writes.flatMap((w) => w.items)) {
    if (item.kind === 'Map') {
      for (const line of item.lines) {
        if (line.path.missing) ctx.incomplete(module, line.path, 'this map line');
        map.push({
          path: pathText(line.path),
          expr: compileExpression(ctx, module, line.value, { kind: 'record', fields: presented }),
          at: ctx.at(module, line.start),
        });
      }
      continue;
    }
    const op = compileWriteOp(ctx, module, item);
    if (op) ops.push(op);
  }
  return { ops, map, at: ctx.at(module, writes[0]!.start) };
}

function compileWriteOp(ctx: CompileContext, module: Module, item: A.WriteOp): IrWriteOp | null {
  if (item.op.missing) {
    ctx.incomplete(module, item, 'this write operation');
    return null;
  }
  const op = item.op.text;
  if (!WRITE_OPS.has(op)) {
    ctx.report(module, 'unknown-write-operation', item.op, { name: op, hint: '' });
    return null;
  }
  const rule = { kind: 'rule' } as const;
  const at = ctx.at(module, item.start);
  if (item.method && item.url) {
    if (item.method.missing || item.url.missing) {
      ctx.incomplete(module, item, 'this write operation');
      return null;
    }
    return {
      op: op as IrWriteOp['op'],
      http: { method: item.method.text.toUpperCase(), url: compileExpression(ctx, module, item.url, rule) },
      at,
    };
  }
  const call = item.call;
  if (!call || call.missing) {
    ctx.incomplete(module, item, 'this write operation');
    return null;
  }
  const callee = call.callee;
  if (callee.kind !== 'NameRef' || callee.name.text !== 'exec') {
    const name = callee.kind === 'NameRef' ? callee.name.text : 'this call';
    ctx.report(module, 'connector-arguments', callee, { connector: name, detail: 'a write operation is METHOD "url" or exec("program", ["args"])' });
    return null;
  }
  const positional = call.args.filter((a) => a.name === null);
  const command = positional[0];
  if (!command) {
    ctx.report(module, 'connector-arguments', call, { connector: 'exec', detail: 'the program is missing: exec("program", ["args"])' });
    return null;
  }
  let args: IrExpr[] = [];
  const list = positional[1];
  if (list) {
    const compiled = compileExpression(ctx, module, list.value, rule);
    if (!Array.isArray(compiled)) {
      ctx.report(module, 'connector-arguments', list.value, { connector: 'exec', detail: 'the arguments must be a list: exec("program", ["arg", ...])' });
      return null;
    }
    args = compiled;
  }
  return { op: op as IrWriteOp['op'], exec: { command: compileExpression(ctx, module, command.value, rule), args }, at };
}
