/**
 * Checking an IR against its JSON Schema, and loading one from text.
 *
 * Why it exists: the runtime trusts the IR's shape completely (the diff and decide stages have
 * no defensive checks), so every IR that is written or read goes through `validateIr` first.
 * Errors name the offending place in the document (`policies[0].compare.rules[2].comparator.kind`)
 * and say in plain words what is wrong, because the person reading them edited a `.recon` file,
 * not the schema.
 *
 * Lives in `language/ir/` next to the types and imports nothing from `runtime/` or the parser,
 * so both halves can use it.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import generatedValidate from './ir-validator.generated.js';
import {
  IR_DATE_PATTERN,
  IR_LOCATION_PATTERN,
  IR_RELATIVE_PATH_PATTERN,
  IR_SCHEMA,
} from './ir-schema.js';
import { FILE_CONNECTORS, IR_VERSION, type IrDocument } from './ir-types.js';

/** One thing wrong with an IR: where (a readable path into the document) and what. */
export interface IrIssue {
  /** `policies[0].remediate[1].when`, or `(document)` for the whole value. */
  path: string;
  /** Plain words: `must be one of "exact", "ignore" (found "fuzzy")`. */
  message: string;
}

/**
 * Thrown when a value or a text is not a valid IR of the supported version. One class for
 * every reason (not JSON, wrong version, schema errors) so callers catch one thing; `issues`
 * has the details, `message` lists them on one line.
 */
export class IrValidationError extends Error {
  override readonly name = 'IrValidationError';
  /** Each problem found, in document order as far as the validator reports it. */
  readonly issues: readonly IrIssue[];

  constructor(message: string, issues: readonly IrIssue[]) {
    super(message);
    this.issues = issues;
  }
}

/** How many issues the message spells out before summarising the rest. */
const MAX_LISTED_ISSUES = 20;

const ROOT_PATH = '(document)';

/**
 * The validator: the schema compiled ahead of time (`scripts/generate-ir-validator.ts`, with
 * `IR_AJV_OPTIONS`), because compiling it at run time cost ~55 ms of every command.
 */
const validator = (): ValidateFunction<IrDocument> => generatedValidate as unknown as ValidateFunction<IrDocument>;

/**
 * Whether the schema an error came from is `expected`. By value, not identity: the generated
 * validator carries its own copies of the schema's objects. Runs only on errors.
 */
function sameSchema(actual: unknown, expected: unknown): boolean {
  return actual === expected || JSON.stringify(actual) === JSON.stringify(expected);
}

/**
 * True when `value` is an IR document of the supported version. For callers that only need a
 * yes or no (a cache check); use `validateIr` to learn what is wrong.
 */
export function isValidIr(value: unknown): value is IrDocument {
  return validator()(value);
}

/**
 * Asserts that `value` is a valid IR document of version `IR_VERSION`.
 *
 * @param origin where the value came from (a file name), put in front of the message.
 * @throws IrValidationError listing every problem as `path: message`.
 */
export function validateIr(value: unknown, origin?: string): asserts value is IrDocument {
  const prefix = origin === undefined ? '' : `${origin}: `;
  const versionIssue = checkVersion(value);
  if (versionIssue !== null) {
    throw new IrValidationError(prefix + versionIssue.message, [versionIssue]);
  }
  const validate = validator();
  if (validate(value)) return;
  const issues = describeErrors(validate.errors ?? [], value);
  const listed = issues.slice(0, MAX_LISTED_ISSUES).map((issue) => `${issue.path}: ${issue.message}`);
  if (issues.length > MAX_LISTED_ISSUES) listed.push(`and ${issues.length - MAX_LISTED_ISSUES} more`);
  const count = issues.length === 1 ? '' : ` (${issues.length} problems)`;
  throw new IrValidationError(`${prefix}invalid IR${count}: ${listed.join('; ')}`, issues);
}

/**
 * Parses and validates an IR from its JSON text (a `.ir.json` file, a cache entry).
 *
 * @param origin where the text came from (a file name), put in front of error messages.
 * @throws IrValidationError when the text is not JSON, is an IR of another version, or does
 *   not match the schema.
 */
export function loadIr(json: string, origin?: string): IrDocument {
  const prefix = origin === undefined ? '' : `${origin}: `;
  let value: unknown;
  try {
    value = JSON.parse(json.charCodeAt(0) === 0xfeff ? json.slice(1) : json);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const message = `the IR is not valid JSON (${reason})`;
    throw new IrValidationError(prefix + message, [{ path: ROOT_PATH, message }]);
  }
  validateIr(value, origin);
  return value;
}

/** The version problem of `value`, or null when it is an object of the supported version. */
function checkVersion(value: unknown): IrIssue | null {
  const supported = `this Recon supports IR version ${IR_VERSION}`;
  if (!isPlainObject(value)) {
    return { path: ROOT_PATH, message: `an IR must be a JSON object, found ${describeType(value)}` };
  }
  if (!Object.hasOwn(value, 'version')) {
    return { path: 'version', message: `the IR has no version; ${supported}` };
  }
  if (value.version !== IR_VERSION) {
    return {
      path: 'version',
      message:
        `IR version ${show(value.version)} found, but ${supported} only; ` +
        'compile the .recon file again with this Recon',
    };
  }
  return null;
}

/** Turns ajv's errors into plain-words issues, dropping the wrappers around the real cause. */
function describeErrors(errors: readonly ErrorObject[], data: unknown): IrIssue[] {
  // A failed `oneOf` explains itself; the failures of its branches would only repeat it.
  const oneOfs = errors.filter((e) => e.keyword === 'oneOf');
  const underOneOf = (error: ErrorObject): boolean =>
    oneOfs.some((o) => o.instancePath === error.instancePath && error.schemaPath.startsWith(`${o.schemaPath}/`));
  const issues: IrIssue[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (underOneOf(error)) continue;
    const issue = describeError(error, data);
    if (issue === null) continue;
    const line = `${issue.path}: ${issue.message}`;
    if (seen.has(line)) continue;
    seen.add(line);
    issues.push(issue);
  }
  return issues;
}

function describeError(error: ErrorObject, data: unknown): IrIssue | null {
  const segments = pointerSegments(error.instancePath);
  const found = valueAt(data, segments);
  const at = (...more: string[]): string => renderPath([...segments, ...more]);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'if':
    case 'propertyNames':
      // Wrappers: the errors of the `then`/`else` branch or of the name itself follow.
      return null;
    case 'required': {
      const name = String(params.missingProperty);
      const why =
        sameSchema(error.parentSchema, IR_SCHEMA.definitions.connector.then)
          ? ` (file connectors ${FILE_CONNECTORS.join(', ')} need it)`
          : '';
      return { path: at(name), message: `is missing (required)${why}` };
    }
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const known = Object.keys(asRecord(asRecord(error.parentSchema).properties));
      const hint = known.length > 0 ? ` (known: ${known.join(', ')})` : '';
      return { path: at(name), message: `is not a known property${hint}` };
    }
    case 'false schema':
      // The schema's one `false`: `path` under a connector that is not a file connector.
      if (error.schemaPath.endsWith('/else/properties/path/false schema')) {
        return { path: at(), message: `is only allowed for file connectors (${FILE_CONNECTORS.join(', ')})` };
      }
      return { path: at(), message: 'is not allowed here' };
    case 'type':
      return { path: at(), message: `must be ${typeWords(params.type)}, found ${describeType(found)}` };
    case 'enum': {
      if (error.propertyName !== undefined) {
        const what = sameSchema(error.parentSchema, IR_SCHEMA.definitions.expr.propertyNames) ? 'operation' : 'name';
        return { path: at(), message: `unknown ${what} ${show(error.propertyName)}` };
      }
      return { path: at(), message: `must be one of ${listValues(params.allowedValues)} (found ${show(found)})` };
    }
    case 'const':
      return { path: at(), message: `must be ${show(params.allowedValue)} (found ${show(found)})` };
    case 'pattern':
      return { path: at(), message: `${patternWords(String(params.pattern))} (found ${show(found)})` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path: at(), message: `must be ${String(params.comparison)} ${String(params.limit)} (found ${show(found)})` };
    case 'minLength':
      return { path: at(), message: params.limit === 1 ? 'must not be empty' : error.message ?? 'is too short' };
    case 'minProperties':
    case 'maxProperties':
      if (sameSchema(error.parentSchema, IR_SCHEMA.definitions.expr)) {
        const keys = isPlainObject(found) ? Object.keys(found).length : 0;
        return {
          path: at(),
          message: `an operation must be an object with exactly one key, the operation name (found ${keys} keys)`,
        };
      }
      return { path: at(), message: error.message ?? 'has the wrong number of properties' };
    case 'discriminator': {
      const tag = String(params.tag);
      const tagValue = isPlainObject(found) && Object.hasOwn(found, tag) ? found[tag] : undefined;
      const allowed = listValues(discriminatorValues(error.parentSchema, tag));
      return tagValue === undefined
        ? { path: at(tag), message: `is missing (required); one of ${allowed}` }
        : { path: at(tag), message: `must be one of ${allowed} (found ${show(tagValue)})` };
    }
    case 'oneOf': {
      const names = exclusiveRequiredNames(error.schema);
      if (names === null) return { path: at(), message: error.message ?? 'matches none of the allowed shapes' };
      const passing = params.passingSchemas;
      const present = Array.isArray(passing) ? passing.map((i) => names[Number(i)]) : [];
      return {
        path: at(),
        message:
          present.length === 0
            ? `must have exactly one of ${listValues(names)} (found none)`
            : `must have only one of ${listValues(names)} (found ${listValues(present)})`,
      };
    }
    default:
      return { path: at(), message: error.message ?? `fails the "${error.keyword}" rule` };
  }
}

/** The tag values of a discriminated `oneOf` in `schema`. */
function discriminatorValues(schema: unknown, tag: string): unknown[] {
  const branches = asRecord(schema).oneOf;
  if (!Array.isArray(branches)) return [];
  return branches.flatMap((branch) => {
    const tagSchema = asRecord(asRecord(asRecord(branch).properties)[tag]);
    if (Array.isArray(tagSchema.enum)) return tagSchema.enum as unknown[];
    return 'const' in tagSchema ? [tagSchema.const] : [];
  });
}

/**
 * For a `oneOf` whose branches each only require one property (`exactlyOne` in the schema):
 * those names, else null.
 */
function exclusiveRequiredNames(branches: unknown): string[] | null {
  if (!Array.isArray(branches)) return null;
  const names: string[] = [];
  for (const branch of branches) {
    const record = asRecord(branch);
    const required = record.required;
    const otherKeys = Object.keys(record).filter((k) => k !== 'required' && k !== 'properties');
    if (otherKeys.length > 0 || !Array.isArray(required) || required.length !== 1) return null;
    names.push(String(required[0]));
  }
  return names;
}

function patternWords(pattern: string): string {
  switch (pattern) {
    case IR_LOCATION_PATTERN:
      return 'must be a location "file:line:col"';
    case IR_DATE_PATTERN:
      return 'must be a date "YYYY-MM-DD"';
    case IR_RELATIVE_PATH_PATTERN:
      return 'must be a path relative to the workspace root (forward slashes, no "..", not absolute)';
    default:
      return `must match the pattern /${pattern}/`;
  }
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  null: 'null',
  array: 'a list',
  object: 'an object',
};

function typeWords(type: unknown): string {
  const types = (Array.isArray(type) ? type : String(type).split(',')).map(String);
  const words = types.map((t) => TYPE_WORDS[t] ?? t);
  return words.length <= 1 ? (words[0] ?? 'valid') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

function describeType(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'string') return `the string ${show(value)}`;
  if (typeof value === 'boolean') return String(value);
  return 'an object';
}

/** A value for a message: JSON, cut short. */
function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function listValues(values: unknown): string {
  return Array.isArray(values) ? values.map((v) => show(v)).join(', ') : show(values);
}

/** JSON Pointer (`/policies/0/at`) to its decoded segments. */
function pointerSegments(pointer: string): string[] {
  if (pointer === '' || pointer === '#') return [];
  return pointer
    .replace(/^#/, '')
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** `["policies", "0", "==="]` to `policies[0]["==="]`. */
function renderPath(segments: readonly string[]): string {
  let out = '';
  for (const segment of segments) {
    if (/^(0|[1-9][0-9]*)$/.test(segment)) out += `[${segment}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? ROOT_PATH : out;
}

function valueAt(data: unknown, segments: readonly string[]): unknown {
  let current = data;
  for (const segment of segments) {
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (isPlainObject(current) && Object.hasOwn(current, segment)) current = current[segment];
    else return undefined;
  }
  return current;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asRecord(value: unknown): Record<string, unknown> {
  return isPlainObject(value) ? value : {};
}
