/**
 * The built-in functions of expressions (LANGUAGE.md section 3) and the connectors of `from`
 * (section 2.1): names, arities, parameter and result types, options.
 *
 * Why one table: the checker (arity, types, "did you mean"), the compiler (which calls are
 * operations, which connector arguments are paths), hover and completion all read the same facts,
 * so a function or an option added here is known everywhere at once.
 */
import type { IrConnectorKind } from '../ir/ir-types.js';

/**
 * The static type of an expression value. `integer` is a `number`; `duration` is a number of
 * milliseconds; `datetime` is an ISO 8601 instant (text at run time); `json` and `unknown` may
 * hold anything and never cause a type error; `null` is the literal `null`.
 */
export type ValueType =
  | 'string'
  | 'number'
  | 'integer'
  | 'bool'
  | 'datetime'
  | 'json'
  | 'duration'
  | 'list'
  | 'object'
  | 'null'
  | 'unknown';

/** Where a function may be called: `diff` means only where the `diff` root exists (rule contexts). */
export type FunctionAvailability = 'everywhere' | 'diff';

export interface BuiltinFunction {
  name: string;
  /** `round(x, n)`: how the signature is shown in hover, completion and messages. */
  signature: string;
  minArgs: number;
  /** `Infinity` for variadic functions. */
  maxArgs: number;
  /**
   * The types each argument may have (the last entry repeats for variadic functions); an
   * argument of type `unknown`, `json` or `null` is always accepted.
   */
  params: readonly (readonly ValueType[])[];
  /** The result type, possibly depending on the argument types. */
  result: ValueType | ((args: readonly ValueType[]) => ValueType);
  availability: FunctionAvailability;
  /** `all`: every argument must be a constant string, e.g. `env("NAME")`, `changed("path")`. */
  constantStringArgs: 'none' | 'all';
  /** One sentence for hover and completion. */
  doc: string;
}

const NUMERIC: readonly ValueType[] = ['number', 'integer', 'duration'];
const TEXT: readonly ValueType[] = ['string'];
const ORDERED: readonly ValueType[] = ['number', 'integer', 'duration', 'string', 'datetime', 'list'];

/** The common type of values: one known type when all agree, else `unknown`. */
export function commonType(types: readonly ValueType[]): ValueType {
  const known = types.filter((t) => t !== 'null');
  if (known.length === 0) return types.length > 0 ? 'null' : 'unknown';
  const first = known[0]!;
  if (known.every((t) => t === first)) return first;
  if (known.every((t) => t === 'number' || t === 'integer')) return 'number';
  return 'unknown';
}

function fn(
  name: string,
  signature: string,
  minArgs: number,
  maxArgs: number,
  params: readonly (readonly ValueType[])[],
  result: BuiltinFunction['result'],
  doc: string,
  extra: Partial<Pick<BuiltinFunction, 'availability' | 'constantStringArgs'>> = {},
): BuiltinFunction {
  return { name, signature, minArgs, maxArgs, params, result, doc, availability: extra.availability ?? 'everywhere', constantStringArgs: extra.constantStringArgs ?? 'none' };
}

/** Every built-in function of language version 1, by name. */
export const BUILTIN_FUNCTIONS: Readonly<Record<string, BuiltinFunction>> = {
  changed: fn('changed', 'changed("path")', 1, 1, [TEXT], 'bool', 'True when the field at the path (or a path below it) differs.', {
    availability: 'diff',
    constantStringArgs: 'all',
  }),
  only: fn('only', 'only("path", ...)', 1, Infinity, [TEXT], 'bool', 'True when those fields differ and no other does.', {
    availability: 'diff',
    constantStringArgs: 'all',
  }),
  len: fn('len', 'len(value)', 1, 1, [['string', 'list', 'object']], 'integer', 'The length of a string, list or object.'),
  lower: fn('lower', 'lower(text)', 1, 1, [TEXT], 'string', 'The text in lower case.'),
  upper: fn('upper', 'upper(text)', 1, 1, [TEXT], 'string', 'The text in upper case.'),
  trim: fn('trim', 'trim(text)', 1, 1, [TEXT], 'string', 'The text without leading and trailing white space.'),
  round: fn('round', 'round(x, n)', 1, 2, [NUMERIC, ['number', 'integer']], (args) => (args[0] === 'duration' ? 'duration' : 'number'), 'x rounded to n decimals (half away from zero; n defaults to 0).'),
  abs: fn('abs', 'abs(x)', 1, 1, [NUMERIC], (args) => (args[0] === 'duration' ? 'duration' : args[0] === 'integer' ? 'integer' : 'number'), 'The absolute value of x.'),
  min: fn('min', 'min(a, b, ...)', 1, Infinity, [ORDERED], (args) => (args.length === 1 ? 'unknown' : commonType(args)), 'The smallest argument, or the smallest element of one list argument.'),
  max: fn('max', 'max(a, b, ...)', 1, Infinity, [ORDERED], (args) => (args.length === 1 ? 'unknown' : commonType(args)), 'The largest argument, or the largest element of one list argument.'),
  contains: fn('contains', 'contains(haystack, needle)', 2, 2, [['string', 'list'], ['string', 'number', 'integer', 'bool', 'datetime', 'duration', 'list', 'object']], 'bool', 'True when the text contains the substring, or the list the element.'),
  starts_with: fn('starts_with', 'starts_with(text, prefix)', 2, 2, [TEXT, TEXT], 'bool', 'True when the text starts with the prefix.'),
  ends_with: fn('ends_with', 'ends_with(text, suffix)', 2, 2, [TEXT, TEXT], 'bool', 'True when the text ends with the suffix.'),
  coalesce: fn('coalesce', 'coalesce(a, b, ...)', 1, Infinity, [['string', 'number', 'integer', 'bool', 'datetime', 'duration', 'list', 'object']], (args) => commonType(args), 'The first argument that is not null.'),
  now: fn('now', 'now()', 0, 0, [], 'datetime', "The run's observed_at instant (the clock is read once per run)."),
  age: fn('age', 'age(datetime)', 1, 1, [['datetime', 'string']], 'duration', 'The time from the instant to now(), in milliseconds (a duration).'),
  env: fn('env', 'env("NAME")', 1, 1, [TEXT], 'string', 'An environment variable, null when unset.', { constantStringArgs: 'all' }),
  secret: fn('secret', 'secret("NAME")', 1, 1, [TEXT], 'string', 'An environment variable whose value is never shown; only in connector arguments and options.', {
    constantStringArgs: 'all',
  }),
};

/** The names of every built-in function (for "did you mean" and completion). */
export const BUILTIN_FUNCTION_NAMES: readonly string[] = Object.keys(BUILTIN_FUNCTIONS);

/** The built-in function of that name, or undefined. Own properties only: `constructor` is no function. */
export function builtinFunction(name: string): BuiltinFunction | undefined {
  return Object.prototype.hasOwnProperty.call(BUILTIN_FUNCTIONS, name) ? BUILTIN_FUNCTIONS[name] : undefined;
}

/** The result type of a call to `f` with arguments of these types. */
export function functionResultType(f: BuiltinFunction, args: readonly ValueType[]): ValueType {
  return typeof f.result === 'function' ? f.result(args) : f.result;
}

/** The types argument `index` of `f` accepts. */
export function functionParamTypes(f: BuiltinFunction, index: number): readonly ValueType[] {
  return f.params[Math.min(index, f.params.length - 1)] ?? [];
}

// ---------------------------------------------------------------- connectors

export interface ConnectorParam {
  name: string;
  /** The types the value may have. */
  types: readonly ValueType[];
  doc: string;
}

export interface ConnectorSpec {
  name: IrConnectorKind;
  /** Positional parameters, in order. */
  positional: readonly ConnectorParam[];
  /** How many positional arguments are required (the rest are optional). */
  requiredPositional: number;
  options: readonly ConnectorParam[];
  /** Reads and rewrites a file inside the workspace: its first argument is a constant path. */
  file: boolean;
  /**
   * How remediation writes: `native` (the connector writes by itself), `write-block` (needs a
   * matching operation in `write { }`), `none` (read-only).
   */
  writes: 'native' | 'write-block' | 'none';
  /** The form of an operation in `write { }`: `http` (METHOD "url"), `exec` (exec(...)), or none allowed. */
  writeOps: 'http' | 'exec' | 'none';
  doc: string;
}

function param(name: string, types: readonly ValueType[], doc: string): ConnectorParam {
  return { name, types, doc };
}

const PATH = param('path', TEXT, 'The file, relative to the declaring file; it may not leave the workspace root.');
const ITEMS = param('items', TEXT, 'The dotted path of the array of records inside the document.');
const TIMEOUT = param('timeout', ['duration', 'number', 'integer'], 'How long to wait before giving up: a duration, like 30s (a number without a unit counts milliseconds).');

/** Every connector of language version 1, by name (LANGUAGE.md 2.1). */
export const CONNECTORS: Readonly<Record<IrConnectorKind, ConnectorSpec>> = {
  csv: {
    name: 'csv',
    positional: [PATH],
    requiredPositional: 1,
    options: [param('delimiter', TEXT, 'The field separator, one character (default ",").'), param('header', ['bool'], 'Whether the first row names the columns (default true).')],
    file: true,
    writes: 'native',
    writeOps: 'none',
    doc: 'A CSV file: a header row and rows; rewritten atomically.',
  },
  json: { name: 'json', positional: [PATH], requiredPositional: 1, options: [ITEMS], file: true, writes: 'native', writeOps: 'none', doc: 'A JSON file: an array, or the array at `items`; rewritten atomically.' },
  jsonl: { name: 'jsonl', positional: [PATH], requiredPositional: 1, options: [], file: true, writes: 'native', writeOps: 'none', doc: 'A JSON Lines file: one object a line; rewritten atomically.' },
  yaml: { name: 'yaml', positional: [PATH], requiredPositional: 1, options: [ITEMS], file: true, writes: 'native', writeOps: 'none', doc: 'A YAML file, read like json; rewritten atomically.' },
  inline: {
    name: 'inline',
    positional: [param('records', ['list'], 'The records, a constant list of objects.')],
    requiredPositional: 1,
    options: [],
    file: false,
    writes: 'none',
    writeOps: 'none',
    doc: 'Records written in the file itself; read-only.',
  },
  http: {
    name: 'http',
    positional: [param('url', TEXT, 'The URL of the first page.')],
    requiredPositional: 1,
    options: [
      ITEMS,
      param('next', TEXT, 'The dotted path of the next page URL in each response.'),
      param('headers', ['object'], 'Request headers; values may use secret().'),
      TIMEOUT,
    ],
    file: false,
    writes: 'write-block',
    writeOps: 'http',
    doc: 'JSON over HTTP, following `next` pages; writes through `write { }`.',
  },
  postgres: {
    name: 'postgres',
    positional: [param('url', TEXT, 'The connection string; may use secret().')],
    requiredPositional: 1,
    options: [param('table', TEXT, 'The table to read and write.'), param('query', TEXT, 'A query to read (read-only).'), TIMEOUT],
    file: false,
    writes: 'native',
    writeOps: 'none',
    doc: 'A PostgreSQL table or query; INSERT / UPDATE / DELETE by key, in transactions.',
  },
  exec: {
    name: 'exec',
    positional: [param('command', TEXT, 'The program to run (never through a shell).'), param('args', ['list'], 'The arguments, a list of strings.')],
    requiredPositional: 1,
    options: [ITEMS, TIMEOUT],
    file: false,
    writes: 'write-block',
    writeOps: 'exec',
    doc: 'The JSON a program prints; writes through `write { }`.',
  },
};

/** The names of every connector (for "did you mean" and completion). */
export const CONNECTOR_NAMES: readonly IrConnectorKind[] = Object.keys(CONNECTORS) as IrConnectorKind[];

/** The connector of that name, or undefined. */
export function connectorSpec(name: string): ConnectorSpec | undefined {
  return Object.prototype.hasOwnProperty.call(CONNECTORS, name) ? CONNECTORS[name as IrConnectorKind] : undefined;
}
