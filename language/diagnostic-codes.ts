/**
 * The one registry of diagnostic codes (ARCHITECTURE.md convention 4).
 *
 * Why one table: the CLI, `--format json`, the language server and the docs (`docs/diagnostics/`)
 * all key on these codes; a code is a stable, kebab-case promise to users. Messages are templates
 * whose `{name}` holes are filled by `diagnostic()`; they quote the offending name.
 */

export type Severity = 'error' | 'warning';

export interface DiagnosticCodeEntry {
  severity: Severity;
  /** Message template; `{hole}`s are filled by the reporting check. */
  message: string;
  /** One or two sentences for the docs page and hover: what it means and how to fix it. */
  docs: string;
}

function entry(severity: Severity, message: string, docs: string): DiagnosticCodeEntry {
  return { severity, message, docs };
}

export const DIAGNOSTIC_CODES = {
  // Syntax (lexer and parser)
  'invalid-encoding': entry('error', 'the file is not UTF-8: {byte} cannot be read as text here{hint}; save the file as UTF-8', 'A .recon file is UTF-8 (LANGUAGE.md section 1). Bytes of another encoding (Latin-1, Windows-1252, UTF-16) would be read as U+FFFD and written back by recon fmt; convert the file, for example with `iconv -f latin1 -t utf-8`.'),
  'syntax-unexpected-character': entry('error', "unexpected character '{char}'", 'The character cannot start any token of the language.'),
  'syntax-bad-number': entry('error', "'{text}' is not a number, duration or percentage (durations end in ms, s, m, h or d)", 'A number directly followed by letters must be a duration: 250ms, 2m, 1.5h.'),
  'syntax-bad-escape': entry('error', "invalid escape '{text}' in a string", 'Strings use JSON escapes: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX.'),
  'syntax-unterminated-string': entry('error', 'unterminated string: a closing " is missing before the end of the line', 'Strings end on the line they start; close the string with ".'),
  'syntax-error': entry('error', '{detail}', 'The text does not follow the grammar of LANGUAGE.md section 6.'),
  'nesting-too-deep': entry('error', 'too deeply nested: {detail}; split it, for example with let constants', 'Expressions may nest up to 100 brackets, parentheses, interpolations and prefix operators, and be up to 1000 operations deep (an `or` of 1000 conditions). Deeper ones would overflow the stack of the checker and the runtime; move parts into `let` constants or use `in [...]`.'),

  // Names and imports (binder)
  'unknown-name': entry('error', "unknown name '{name}'{hint}", 'The name is not a let, a field in scope, a root (desired, actual, key, diff) or a built-in.'),
  'unknown-source': entry('error', "unknown source '{name}'{hint}", 'desired and actual must name a source declared in this file or an imported module.'),
  'unknown-profile': entry('error', "unknown profile '{name}'{hint}", '`use` must name a profile declared in this file or an imported module.'),
  'unknown-group': entry('error', "unknown group '{name}'{hint}", '`requires approval from` must name a declared group.'),
  'unknown-policy': entry('error', "unknown policy '{name}'{hint}", 'A test must name a policy declared in its file.'),
  'unknown-module': entry('error', "unknown module '{name}'{hint}", 'A qualified name module.name must start with the alias of an import.'),
  'duplicate-name': entry('error', "duplicate {kind} '{name}': already declared at line {line}", 'Names must be unique per kind in a file.'),
  'duplicate-statement': entry('error', "'{name}' is given more than once in {where}", 'Each statement of this kind may appear once in its block.'),
  'import-not-found': entry('error', "cannot resolve import '{path}'{hint}", 'Relative imports resolve against the importing file; std/... against the standard library.'),
  'import-cycle': entry('error', "import cycle: {cycle}", 'Modules may not import each other in a cycle.'),
  'import-outside-workspace': entry('error', "import '{path}' leaves the workspace root", 'Imports may not leave the workspace root.'),
  'duplicate-import-alias': entry('error', "import alias '{name}' is already used at line {line}", 'Each import needs its own alias.'),
  'empty-group': entry('warning', "group '{name}' has no members: no one can approve an action that requires approval from it", 'A group lists who may approve; an action that requires approval from an empty group waits forever. Add members or remove the group.'),

  // Sources
  'missing-from': entry('error', "source '{name}' has no 'from' connector", 'Every source needs `from CONNECTOR(...)`.'),
  'missing-key': entry('error', "source '{name}' has no 'key'", 'Every source needs `key FIELD` to match records.'),
  'duplicate-key-field': entry('error', "'{name}' is named twice in the key of source '{source}'", 'A key names each of its fields once: `key account, day`.'),
  'literal-password': entry('warning', "the password in this {what} is written in the file, so `recon compile` prints it and every plan keeps it in its IR{hint}", 'Read passwords from the environment with `secret("NAME")`, which is never printed, logged or written into a plan.'),
  'unknown-connector': entry('error', "unknown connector '{name}'{hint}", 'Connectors of version 1: csv, json, jsonl, yaml, inline, http, postgres, exec.'),
  'unknown-option': entry('error', "unknown option '{name}' for {connector}(){hint}", 'Each connector accepts the options listed in LANGUAGE.md 2.1.'),
  'connector-arguments': entry('error', '{connector}(): {detail}', 'The connector was called with the wrong arguments.'),
  'path-outside-workspace': entry('error', "path '{path}' leaves the workspace root", 'File paths resolve against the declaring file and may not leave the workspace root.'),
  'unknown-type': entry('error', "unknown type '{name}'{hint}", 'Field types: string, number, integer, bool, datetime, json.'),
  'unknown-field': entry('error', "'{name}' is not a field of source '{source}'{hint}", 'A compare rule, condition or key must name a field the typed source has.'),
  'unknown-write-operation': entry('error', "unknown write operation '{name}'{hint}", 'Write operations: create, update, delete, map.'),
  'write-not-supported': entry('error', "{connector} sources write through their connector; a '{op}' operation is only for http and exec", 'csv, json, jsonl, yaml and postgres write natively.'),
  'connector-read-only': entry('error', "{connector} sources are read-only: a '{op}' operation cannot be declared", 'inline sources cannot be written; remediation on them can only ticket, ignore or report.'),
  'write-form-mismatch': entry('error', "{connector} sources write with {expected}", 'http sources write with `create POST "url"`, exec sources with `create exec("program", ["args"])`.'),
  'unknown-http-method': entry('error', "unknown HTTP method '{name}'{hint}", 'Write operations of http sources use POST, PUT, PATCH, DELETE or GET.'),

  // Expressions
  'unknown-function': entry('error', "unknown function '{name}'{hint}", 'See the built-in functions of LANGUAGE.md section 3.'),
  'wrong-arity': entry('error', "{name}() takes {expected} argument(s), got {actual}", 'Call the function with the documented number of arguments.'),
  'type-mismatch': entry('error', '{detail}', 'The operation is applied to values of incompatible types.'),
  'secret-not-allowed': entry('error', "secret() is only allowed in connector arguments and options: here its value would be shown", 'Secrets may appear only where they are never printed: connector URLs, headers and connection strings.'),
  'invalid-regex': entry('error', "invalid regular expression {pattern}: {detail}", 'The right side of `matches` must be a valid regular expression.'),
  'not-constant': entry('error', '{what} must be a constant value', 'Tests, groups and file paths need values known at compile time.'),
  'let-cycle': entry('error', "let '{name}' depends on itself: {cycle}", 'A let may not refer to itself, directly or through other lets.'),
  'function-not-available': entry('error', "{name}() is not available here: {detail}", 'changed() and only() read the differing fields, which exist only in remediation rules and `by` comparators.'),
  'duration-without-unit': entry('warning', '{subject} is read as {value}; {advice}', 'A number without a unit where a duration is meant (the `timeout` of http, postgres and exec sources; a number compared with, added to or subtracted from a duration such as `age(...)`; an argument of `min`/`max` beside a duration) counts milliseconds: `timeout: 5` waits 5 ms, not 5 seconds. Write the unit: `5ms` keeps the meaning, `5s` is what was probably meant. The language server offers both as quick fixes.'),

  // Policies
  'missing-desired': entry('error', "policy '{name}' has no 'desired' source", 'Every policy needs `desired SOURCE`.'),
  'missing-actual': entry('error', "policy '{name}' has no 'actual' source", 'Every policy needs `actual SOURCE`.'),
  'key-arity-mismatch': entry('error', "desired '{desired}' has {desiredArity} key field(s) but actual '{actual}' has {actualArity}", 'Both sides must be keyed by the same number of fields.'),
  'key-order-mismatch': entry('warning', "desired '{desired}' is keyed by {desiredKey} but actual '{actual}' by {actualKey}: keys are matched by position, so records would not match; list the key fields in the same order", 'The key fields of both sides are paired by position, not by name: `key account, day` on one side and `key day, account` on the other compare accounts with days.'),
  'key-type-mismatch': entry(
    'warning',
    "key field '{desiredField}' of desired '{desired}' is declared {desiredType}, but '{actualField}' of actual '{actual}' is declared {actualType}: actual keys are coerced to {desiredType} to match",
    'Keys are matched after coercing the actual key value to the desired type; a value that cannot be coerced makes its record invalid. Declare the same type on both sides (or on one side only).',
  ),
  'unknown-comparator': entry('error', "unknown comparator '{name}'{hint}", 'Comparators: exact, ignore, ignore_case, within, unordered, normalize, by.'),
  'unknown-normalizer': entry('error', "unknown normalizer '{name}'{hint}", 'Normalizers: trim, lower, upper, collapse_space, nfc, round(N), utc.'),
  'invalid-comparator': entry('error', '{detail}', 'The comparator does not fit the field (for example `within 2m` on a number).'),
  'unknown-severity': entry('error', "unknown severity '{name}'{hint}", 'Severities: low, medium, high, critical.'),
  'unknown-mode': entry('error', "unknown mode '{name}'{hint}", 'Modes: audit (never acts) and enforce.'),
  'unknown-default': entry('error', "unknown compare default '{name}'{hint}", 'compare { default exact } or { default ignore }.'),
  'unknown-kind': entry('error', "unknown difference kind '{name}'{hint}", 'Kinds: missing, extra, changed, invalid, any.'),
  'unknown-action': entry('error', "unknown action '{name}'{hint}", 'Actions: create, update, delete, ticket "title", ignore, report.'),
  'action-not-applicable': entry('error', "'{action}' does not apply to {kind} items", 'create fits missing, update fits changed, delete fits extra.'),
  'ticket-needs-title': entry('error', 'ticket needs a title: ticket "..."', 'A ticket action reads `ticket "title"`.'),
  'title-without-ticket': entry('error', "only 'ticket' takes a title; '{action}' does not", 'Write `=> ticket "title"`, or remove the string after the action.'),
  'unreachable-rule': entry('warning', "this rule can never fire: the unconditional rule at line {line} already matches every {kind} item", 'Rules are tried in order; put specific rules before the catch-all.'),
  'source-not-writable': entry('error', "'{action}' writes to '{source}', which cannot be written{detail}", 'inline sources are read-only; http and exec sources need a `write { }` block.'),
  'uncovered-computed-field': entry('error', "'{action}' writes to '{source}', but its computed field '{field}' has no inverse in write { map }", 'A field computed in `select` needs a `map` line for every raw path it reads.'),
  'until-expired': entry('warning', "the exception ended after {date}: this rule no longer matches", 'A rule matches up to and including its `until` day; once that day has passed, known drift is reported again. Renew or remove the rule.'),
  'invalid-date': entry('error', "'{text}' is not a date YYYY-MM-DD", '`until` takes a calendar date.'),
  'until-without-ignore': entry('warning', "'until' only has an effect on 'ignore' rules", 'Exceptions with an expiry are written `=> ignore ... until "YYYY-MM-DD"`.'),
  'unknown-limit': entry('error', "unknown limit '{name}'{hint}", 'Limits: max_changes, max_ratio, max_deletes, on_exceed.'),
  'value-out-of-range': entry('error', '{detail}', 'The value is outside what the statement accepts.'),
  'unknown-rate-unit': entry('error', "unknown rate unit '{name}'{hint}", 'Rates are per s, m or h: `rate 20/s`.'),
  'approval-without-action': entry('warning', "'requires approval' has no effect on '{action}'", 'Only create, update, delete and ticket can wait for approval.'),
  'approval-from-empty-group': entry('error', "group '{name}' has no members: no one can ever approve this '{action}', so it would never run", 'Add members to the group, or name a group that has some.'),
  'invalid-always-reported': entry('warning', "invalid items are always reported: this rule's '{action}' never takes effect (the plan shows them as 'report', with the reason the record is invalid)", 'A record that broke its source rules (a missing or duplicate key, a value that cannot be coerced) is never acted on; fix the record at its source. Remove the rule, or write `on invalid => report`.'),

  // Tests
  'unknown-expectation': entry('error', "unknown expectation '{name}'{hint}", 'expect { missing N  extra N  changed N  invalid N  ignored N  action ACTION on KEY }.'),
  'test-key-arity': entry('error', "the key {key} has {actual} part(s), but policy '{policy}' is keyed by {expected} field(s)", 'A composite key is written as a list with one value per key field: on ["acme", "2026-11-01"].'),

  // Compiler (AST to IR)
  'compile-incomplete': entry('error', 'cannot compile {what}: it is incomplete (fix the syntax errors first)', 'The compiler only turns files that parse into an IR; fix the syntax errors reported for this file.'),
  'invalid-test-key': entry('error', 'a test key must be a string, a number or a list of strings and numbers', 'Write the key of `action ACTION on KEY` as "t1", 42, or ["acme", "2026-11-01"] for a composite key.'),
  'internal-compiler-error': entry('error', 'internal compiler error: {detail}', 'The compiler produced something it should not have; please report it with the .recon file that causes it.'),
} as const satisfies Record<string, DiagnosticCodeEntry>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

/** Where each code's documentation page lives (the language server links to it). */
export function diagnosticDocsPath(code: DiagnosticCode): string {
  return `docs/diagnostics/${code}.md`;
}
