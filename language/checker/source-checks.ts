/**
 * Checks of `source` declarations (LANGUAGE.md 2.1): the connector and its arguments, `key`,
 * `fields`, `select`, `where` and `write`.
 *
 * Why each check: a source is the only place that touches the outside world, so what can be known
 * statically is checked here — a misspelt connector or option, a file path that would leave the
 * workspace, a key field a typed source lacks, a write operation the connector cannot perform.
 */
import { dirname, resolve } from 'node:path';
import type * as A from '../ast.js';
import { diagnostic } from '../diagnostics.js';
import { isInside } from '../program.js';
import { CONNECTOR_NAMES, connectorSpec, type ConnectorSpec } from './builtin-functions.js';
import { changeTo, type CheckContext } from './check-context.js';
import { constantValue } from './constant-values.js';
import { bareNumber, expressionWithoutUnit, literalWithoutUnit } from './duration-units.js';
import { literalPassword, writtenText } from './literal-credentials.js';
import { connectorScope, mapScope, ruleScope, selectScope, whereScope } from './expression-scope.js';
import { describeType, typeFits } from './expression-types.js';
import { fieldNameText, missingPathOn, pathText, untypedRecord, type SourceShape } from './source-shape.js';
import { FIELD_TYPES, HTTP_METHODS, WRITE_OPERATIONS, isOneOf } from './vocabulary.js';

const STATEMENT_WORDS: Record<A.SourceStmt['kind'], string> = {
  From: 'from',
  Key: 'key',
  Fields: 'fields',
  Select: 'select',
  Where: 'where',
  Write: 'write',
};

/** Checks one source declaration of the context's module. */
export function checkSource(ctx: CheckContext, decl: A.SourceDecl): void {
  const shape = ctx.facts.shapeOf(decl, decl.name.text);
  const where = `source '${decl.name.text}'`;
  const seen = new Set<string>();
  for (const stmt of decl.statements) {
    const word = STATEMENT_WORDS[stmt.kind];
    if (seen.has(word)) ctx.report(diagnostic('duplicate-statement', stmt.start, stmt.start + word.length, { name: word, where }));
    seen.add(word);
  }
  if (!decl.name.missing) {
    if (!seen.has('from')) ctx.report(diagnostic('missing-from', decl.name.start, decl.name.end, { name: decl.name.text }));
    if (!seen.has('key')) ctx.report(diagnostic('missing-key', decl.name.start, decl.name.end, { name: decl.name.text }));
  }
  for (const stmt of decl.statements) {
    switch (stmt.kind) {
      case 'From':
        checkConnector(ctx, stmt.call);
        break;
      case 'Key':
        checkKey(ctx, stmt, shape);
        break;
      case 'Fields':
        checkFields(ctx, stmt);
        break;
      case 'Select':
        checkSelect(ctx, stmt, decl);
        break;
      case 'Where':
        ctx.checkExpr(stmt.condition, whereScope(ctx.module, shape.record));
        break;
      case 'Write':
        checkWrite(ctx, stmt, shape, where);
        break;
    }
  }
}

/** A path (key, compare rule) must be a field of a typed record, or lie below a json field. */
export function checkFieldPath(ctx: CheckContext, path: A.Path, shape: SourceShape): void {
  const missing = missingPathOn(shape.record, path);
  if (!missing) return;
  if (missing.candidates.length > 0) {
    ctx.reportUnknown('unknown-field', missing.start, missing.end, missing.name, missing.candidates, { source: shape.name });
  } else {
    // no candidates: the first step of an empty `fields { }` or `select { }`, or a step below a field
    const hint = shape.record.fields?.size === 0 ? ': its fields { } or select { } declares no fields' : ': paths may only go below json fields';
    ctx.report(diagnostic('unknown-field', missing.start, missing.end, { name: missing.name, source: shape.name, hint }));
  }
}

/**
 * The key's paths: fields of a typed source, each named once. Why once: `key id, id` makes a
 * two-part key whose parts are always equal, which the other side's key is then paired with by
 * position — a typo for a composite key that would silently match nothing or the wrong records.
 */
function checkKey(ctx: CheckContext, stmt: A.KeyStmt, shape: SourceShape): void {
  const named = new Set<string>();
  for (const path of stmt.paths) {
    checkFieldPath(ctx, path, shape);
    if (path.missing) continue;
    const text = pathText(path);
    if (named.has(text)) ctx.report(diagnostic('duplicate-key-field', path.start, path.end, { name: text, source: shape.name }));
    named.add(text);
  }
}

function checkFields(ctx: CheckContext, stmt: A.FieldsStmt): void {
  const lines = new Map<string, number>();
  for (const field of stmt.fields) {
    if (!field.name.missing) {
      const name = fieldNameText(field.name);
      const previous = lines.get(name);
      if (previous !== undefined) ctx.report(diagnostic('duplicate-name', field.name.start, field.name.end, { kind: 'field', name, line: previous }));
      else lines.set(name, ctx.line(field.start));
    }
    ctx.expectWord('unknown-type', field.type, FIELD_TYPES);
  }
}

function checkSelect(ctx: CheckContext, stmt: A.SelectStmt, decl: A.SourceDecl): void {
  const lines = new Map<string, number>();
  const scope = selectScope(ctx.module, decl.name.text);
  for (const line of stmt.lines) {
    if (!line.name.missing) {
      const name = fieldNameText(line.name);
      const previous = lines.get(name);
      if (previous !== undefined) ctx.report(diagnostic('duplicate-name', line.name.start, line.name.end, { kind: 'select field', name, line: previous }));
      else lines.set(name, ctx.line(line.start));
    }
    ctx.checkExpr(line.value, scope);
  }
}

// ---------------------------------------------------------------- connectors

/** Checks `from CONNECTOR(...)`: the connector, its positional arguments and options, file paths. */
export function checkConnector(ctx: CheckContext, call: A.CallExpr): void {
  const scope = connectorScope(ctx.module);
  const types = call.args.map((a) => ctx.checkExpr(a.value, scope));
  const callee = call.callee;
  if (callee.missing || callee.kind !== 'NameRef') return;
  const spec = connectorSpec(callee.name.text);
  if (!spec) {
    ctx.reportUnknown('unknown-connector', callee.start, callee.end, callee.name.text, CONNECTOR_NAMES);
    return;
  }
  const fail = (node: A.Span, detail: string): void => ctx.report(diagnostic('connector-arguments', node.start, node.end, { connector: spec.name, detail }));
  const positional: { arg: A.Argument; type: (typeof types)[number] }[] = [];
  const options = new Map<string, A.Argument>();
  call.args.forEach((arg, i) => {
    const type = types[i]!;
    if (arg.name === null) {
      if (options.size > 0) fail(arg, 'positional arguments come before named options');
      positional.push({ arg, type });
      const param = spec.positional[positional.length - 1];
      if (param && !typeFits(type, param.types)) fail(arg.value, `${param.name} needs ${param.types.map(describeType).join(' or ')}, got ${describeType(type)}`);
      return;
    }
    if (arg.name.missing) return;
    const option = spec.options.find((o) => o.name === arg.name!.text);
    if (!option) {
      const known = spec.options.map((o) => o.name);
      const suffix = known.length === 0 ? `: ${spec.name}() takes no options` : '';
      const { start, end, text } = arg.name;
      const candidates = known;
      if (suffix) ctx.report(diagnostic('unknown-option', start, end, { name: text, connector: spec.name, hint: suffix }));
      else ctx.reportUnknown('unknown-option', start, end, text, candidates, { connector: spec.name });
      return;
    }
    if (options.has(option.name)) fail(arg.name, `option '${option.name}' is given twice`);
    options.set(option.name, arg);
    if (!typeFits(type, option.types)) fail(arg.value, `option '${option.name}' needs ${option.types.map(describeType).join(' or ')}, got ${describeType(type)}`);
    else if (option.types.includes('duration')) {
      if (type === 'number' || type === 'integer') checkDurationUnit(ctx, option.name, arg.value);
      checkDurationAboveZero(ctx, option.name, arg.value);
    }
  });
  if (positional.length < spec.requiredPositional) {
    const names = spec.positional.slice(0, spec.requiredPositional).map((p) => p.name).join(', ');
    fail(call, `needs ${spec.requiredPositional === 1 ? 'an argument' : `${spec.requiredPositional} arguments`}: ${names}`);
  } else if (positional.length > spec.positional.length) {
    fail(positional[spec.positional.length]!.arg, `takes at most ${spec.positional.length} positional argument(s): ${spec.positional.map((p) => p.name).join(', ')}`);
  }
  if (spec.file && positional[0]) checkFilePath(ctx, spec, positional[0].arg.value);
  if (spec.name === 'inline' && positional[0]) checkInlineRecords(ctx, positional[0].arg.value);
  if (spec.name === 'csv') {
    const delimiter = options.get('delimiter');
    if (delimiter) {
      const value = constantValue(delimiter.value, ctx.module);
      if (value.ok && typeof value.value === 'string' && [...value.value].length !== 1) fail(delimiter.value, 'the delimiter is one character');
    }
  }
  if ((spec.name === 'postgres' || spec.name === 'http') && positional[0]) checkLiteralPassword(ctx, spec.name, positional[0].arg.value);
  if (spec.name === 'postgres' && positional.length >= 1) {
    const table = options.get('table');
    const query = options.get('query');
    if (!table && !query) fail(call, "needs a 'table' or a 'query' option");
    if (table && query) fail(query, "takes a 'table' or a 'query', not both");
  }
}

/**
 * Warns about a number without a unit given to a duration option (`timeout: 5`, read as 5 ms):
 * a literal gets the `5ms` / `5s` quick fixes, another number (`timeout: t`) the advice to
 * multiply it by its unit. See duration-units.ts.
 */
function checkDurationUnit(ctx: CheckContext, option: string, value: A.Expr): void {
  const subject = `${option}: ${ctx.text(value)}`;
  const literal = bareNumber(value);
  if (literal) {
    const warning = literalWithoutUnit(subject, literal);
    if (warning) ctx.report(warning);
    return;
  }
  const constant = constantValue(value, ctx.module);
  const warning = expressionWithoutUnit(subject, value, constant.ok && typeof constant.value === 'number' ? constant.value : null);
  if (warning) ctx.report(warning);
}

/**
 * A duration option that is not above 0 (`timeout: 0s`, `timeout: -5`) is an error here, where
 * the connector would refuse it only when `recon plan` runs: `recon check` must not pass a file
 * that every run then rejects.
 */
function checkDurationAboveZero(ctx: CheckContext, option: string, value: A.Expr): void {
  const constant = constantValue(value, ctx.module);
  if (!constant.ok || typeof constant.value !== 'number' || constant.value > 0) return;
  ctx.report(diagnostic('value-out-of-range', value.start, value.end, { detail: `${option} must be above 0, got ${ctx.text(value)}` }));
}

/**
 * Warns about a password written into a postgres connection string or an http URL: it would be
 * printed by `recon compile` and kept in every plan's IR (see literal-credentials.ts). The hint
 * says what to write instead: for postgres, the password from `secret()`; for http, a header
 * from `secret()` — an http request refuses a URL with `user:password@` whatever its origin.
 */
function checkLiteralPassword(ctx: CheckContext, connector: 'postgres' | 'http', expr: A.Expr): void {
  if (expr.missing) return;
  const where = literalPassword(writtenText(expr, ctx.module));
  if (where === null) return;
  const hint =
    connector === 'http'
      ? `; send it in a header read from a secret instead, headers: { Authorization: "Bearer \${secret("NAME")}" } (an http request with user:password@ in its URL is refused)`
      : where === 'query'
        ? '; read it from a secret instead: password=${secret("NAME")}'
        : '; read it from a secret instead: "postgres://user:${secret("NAME")}@host/db"';
  ctx.report(diagnostic('literal-password', expr.start, expr.end, { what: connector === 'http' ? 'URL' : 'connection string', hint }));
}

/** A file connector's path: a constant string that stays inside the workspace root. */
function checkFilePath(ctx: CheckContext, spec: ConnectorSpec, expr: A.Expr): void {
  if (expr.missing) return;
  const value = constantValue(expr, ctx.module);
  if (!value.ok) {
    ctx.report(diagnostic('not-constant', expr.start, expr.end, { what: `the path of ${spec.name}()` }));
    return;
  }
  if (typeof value.value !== 'string') return; // reported as a type mismatch
  if (value.value === '') {
    ctx.report(diagnostic('connector-arguments', expr.start, expr.end, { connector: spec.name, detail: 'the path is empty' }));
    return;
  }
  const root = ctx.module.isStdlib ? ctx.program.host.stdlibRoot : ctx.program.workspaceRoot;
  const absolute = resolve(dirname(ctx.module.path), value.value);
  if (!isInside(root, absolute)) {
    ctx.report(diagnostic('path-outside-workspace', expr.start, expr.end, { path: value.value }));
  }
}

/** `inline([...])`: a constant list of objects. */
function checkInlineRecords(ctx: CheckContext, expr: A.Expr): void {
  if (expr.missing) return;
  const value = constantValue(expr, ctx.module);
  if (!value.ok) {
    ctx.report(diagnostic('not-constant', value.node.start, value.node.end, { what: 'the records of inline()' }));
    return;
  }
  if (!Array.isArray(value.value)) return; // reported as a type mismatch
  const elements = expr.kind === 'List' ? expr.elements : [];
  value.value.forEach((record, i) => {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      const at = elements[i] ?? expr;
      ctx.report(diagnostic('type-mismatch', at.start, at.end, { detail: `a record of inline() is an object, got ${Array.isArray(record) ? 'a list' : record === null ? 'null' : `a ${typeof record === 'boolean' ? 'bool' : typeof record}`}` }));
    }
  });
}

// ---------------------------------------------------------------- write

function checkWrite(ctx: CheckContext, stmt: A.WriteStmt, shape: SourceShape, where: string): void {
  const spec = shape.connector ? connectorSpec(shape.connector) : undefined;
  const urlScope = ruleScope(ctx.module, { desired: untypedRecord('desired'), actual: shape.record, key: shape.keyRecord });
  const ops = new Set<string>();
  let maps = 0;
  for (const item of stmt.items) {
    if (item.kind === 'Map') {
      maps++;
      if (maps > 1) ctx.report(diagnostic('duplicate-statement', item.start, item.start + 3, { name: 'map', where: `the write block of ${where}` }));
      checkMap(ctx, item, shape, where);
      continue;
    }
    const op = item.op;
    let known = false;
    if (!op.missing) {
      known = ctx.expectWord('unknown-write-operation', op, WRITE_OPERATIONS);
      if (known) {
        if (ops.has(op.text)) ctx.report(diagnostic('duplicate-statement', op.start, op.end, { name: op.text, where: `the write block of ${where}` }));
        ops.add(op.text);
      }
    }
    if (item.url) ctx.checkExpr(item.url, urlScope);
    if (item.call) for (const arg of item.call.args) ctx.checkExpr(arg.value, urlScope);
    if (!spec || !known) continue;
    if (spec.writeOps === 'none') {
      if (spec.writes === 'none') ctx.report(diagnostic('connector-read-only', op.start, op.end, { connector: spec.name, op: op.text }));
      else ctx.report(diagnostic('write-not-supported', op.start, op.end, { connector: spec.name, op: op.text }));
      continue;
    }
    if (spec.writeOps === 'http') checkHttpOp(ctx, item);
    else checkExecOp(ctx, item);
  }
}

function checkHttpOp(ctx: CheckContext, item: A.WriteOp): void {
  if (!item.method || item.call) {
    const at = item.call ?? item;
    ctx.report(diagnostic('write-form-mismatch', at.start, at.end, { connector: 'http', expected: `METHOD "url", like: ${item.op.text} POST "https://..."` }));
    return;
  }
  if (item.url) checkLiteralPassword(ctx, 'http', item.url);
  if (item.method.missing) return;
  if (!isOneOf(HTTP_METHODS, item.method.text)) {
    const upper = item.method.text.toUpperCase();
    if (isOneOf(HTTP_METHODS, upper)) {
      ctx.report(diagnostic('unknown-http-method', item.method.start, item.method.end, { name: item.method.text, hint: `; did you mean '${upper}'?` }, changeTo(item.method.start, item.method.end, upper)));
    } else {
      ctx.reportUnknown('unknown-http-method', item.method.start, item.method.end, item.method.text, HTTP_METHODS);
    }
  }
}

function checkExecOp(ctx: CheckContext, item: A.WriteOp): void {
  const call = item.call;
  const callee = call?.callee;
  if (!call || !callee || callee.kind !== 'NameRef' || (callee.name.text !== 'exec' && !callee.missing)) {
    const at = call?.callee ?? item;
    ctx.report(diagnostic('write-form-mismatch', at.start, at.end, { connector: 'exec', expected: `exec("program", ["args"]), like: ${item.op.text} exec("./apply.sh", ["${item.op.text}"])` }));
    return;
  }
  const positional = call.args.filter((a) => a.name === null);
  for (const arg of call.args) {
    if (arg.name && !arg.name.missing) ctx.report(diagnostic('unknown-option', arg.name.start, arg.name.end, { name: arg.name.text, connector: 'exec', hint: ': a write operation takes no options' }));
  }
  if (positional.length < 1 || positional.length > 2) {
    ctx.report(diagnostic('connector-arguments', call.start, call.end, { connector: 'exec', detail: `a write operation takes the program and an optional list of arguments, got ${positional.length} argument(s)` }));
  }
}

function checkMap(ctx: CheckContext, block: A.MapBlock, shape: SourceShape, where: string): void {
  const scope = mapScope(ctx.module, shape.record);
  const paths = new Set<string>();
  for (const line of block.lines) {
    if (!line.path.missing) {
      const text = pathText(line.path);
      if (paths.has(text)) ctx.report(diagnostic('duplicate-statement', line.path.start, line.path.end, { name: text, where: `the map of ${where}` }));
      paths.add(text);
    }
    ctx.checkExpr(line.value, scope);
  }
}
