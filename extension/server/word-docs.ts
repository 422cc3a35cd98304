/**
 * One-paragraph documentation of every keyword and every word of the language's closed
 * vocabularies (comparators, normalizers, actions, kinds, ...), for hover and completion.
 *
 * Why a table in the editor layer: the checker needs the word lists (`vocabulary.ts`) but not
 * their prose; hover and completion need both, and must say the same thing (LANGUAGE.md is the
 * source of every sentence here).
 */
import type { WordCategory } from './semantic-index.js';

/** Each keyword: a usage line and what it means. */
export const KEYWORD_DOCS: Readonly<Record<string, { usage: string; doc: string }>> = {
  import: { usage: 'import "std/money"  |  import "./shared.recon" as src', doc: 'Loads a module: the standard library (`std/...`) or a file relative to this one. Its declarations are reached as `alias.name`; the alias defaults to the file name.' },
  as: { usage: 'import "./shared/sources.recon" as src', doc: 'Names the alias an imported module is reached by.' },
  let: { usage: 'let NAME = EXPR', doc: 'A constant, usable in any expression of the file (a field of the record shadows a let of the same name).' },
  group: { usage: 'group NAME = ["alice@example.com", ...]', doc: 'A group of people who may approve actions (`requires approval from GROUP`).' },
  source: { usage: 'source NAME { from ... key ... }', doc: 'A named, typed view of a set of records in some system: where they are read (`from`), how they are identified (`key`), typed (`fields`), built (`select`), filtered (`where`) and written (`write`).' },
  profile: { usage: 'profile NAME { PATH COMPARATOR ... }', doc: 'A named, reusable set of compare rules, included in a policy with `use NAME`.' },
  policy: { usage: 'policy NAME { desired S  actual S  compare { } remediate { } }', doc: 'Compares a desired source with an actual source and decides what to do about each difference. In a test, `policy NAME` names the policy under test.' },
  test: { usage: 'test "name" { policy P  desired [...]  actual [...]  expect ... }', doc: 'A policy unit test run by `recon test` with no I/O: its records replace both sources; limits do not apply.' },
  from: { usage: 'from CONNECTOR(args, option: value)', doc: 'Where a source reads its records: csv, json, jsonl, yaml, inline, http, postgres or exec. In `requires approval from GROUP`, the group that may approve.' },
  key: { usage: 'key FIELD [, FIELD ...]', doc: 'The field(s) that identify a record. A record whose key is absent, null or empty, or whose key another record of the same side shares, is invalid. In expressions, `key` is the key fields of the item.' },
  fields: { usage: 'fields { NAME: TYPE ... }', doc: 'Declares field types (string, number, integer, bool, datetime, json); values are coerced to them, and a present value that cannot be coerced makes its record invalid.' },
  select: { usage: 'select { NAME = EXPR ... }', doc: 'Builds each record from the raw one; bare names refer to the raw record. Without it records are used as read.' },
  where: { usage: 'where EXPR', doc: 'Keeps only the records for which the condition holds (after select and fields); the others are out of scope: neither compared nor touched.' },
  write: { usage: 'write { create POST "url"  update PATCH "url"  delete DELETE "url"  map { } }', doc: 'How remediation writes to an http or exec source; `map` builds the raw record from the record to write.' },
  map: { usage: 'map { RAW_PATH = EXPR ... }', doc: 'The inverse of computed `select` fields: builds the raw record to write (bare names are fields of the record to write).' },
  description: { usage: 'description "..."', doc: 'What the policy guarantees, shown in plans and reports.' },
  owner: { usage: 'owner "team@example.com"', doc: 'Who answers for the policy.' },
  severity: { usage: 'severity low | medium | high | critical', doc: 'How serious drift of this policy is.' },
  mode: { usage: 'mode audit | enforce', doc: '`audit` (the default) never acts: the plan shows what enforce would do. `enforce` lets `recon apply` act.' },
  desired: { usage: 'desired SOURCE', doc: 'The source holding the desired state. In conditions, `desired` is the desired record of the item (null when absent).' },
  actual: { usage: 'actual SOURCE', doc: 'The source holding the actual state, which remediation writes to. In conditions, `actual` is the actual record of the item (null when absent).' },
  compare: { usage: 'compare { default exact  use PROFILE  PATH COMPARATOR ... }', doc: 'How matched records are compared: every desired field except the key, exactly, unless a rule says otherwise.' },
  remediate: { usage: 'remediate { on KIND [when EXPR] => ACTION ... }', doc: 'Rules tried in order; the first whose kind matches and whose `when` holds decides. No match: report.' },
  limits: { usage: 'limits { max_changes N  max_ratio N%  max_deletes N  on_exceed abort|approve }', doc: 'The blast radius: when more acting items are planned, every action of the policy is blocked (abort) or gated behind approval (approve).' },
  retry: { usage: 'retry N backoff MIN..MAX', doc: 'Attempts per action, with exponential backoff and jitter between the bounds; only transient failures are retried.' },
  backoff: { usage: 'retry 3 backoff 200ms..10s', doc: 'The bounds of the exponential backoff between attempts.' },
  rate: { usage: 'rate N/s | N/m | N/h', doc: 'Actions per second, minute or hour against the actual side.' },
  concurrency: { usage: 'concurrency N', doc: 'Actions in flight at once.' },
  schedule: { usage: 'schedule every DURATION', doc: 'How often `recon watch` plans and applies this policy.' },
  every: { usage: 'schedule every 15m', doc: 'The interval of the schedule.' },
  within: { usage: 'PATH within 0.005 | 1% | 2m', doc: 'Equal when the difference is at most a number (absolute), a percentage of the desired value, or a duration (datetimes).' },
  normalize: { usage: 'PATH normalize trim, lower', doc: 'Applies normalizers to both values, then compares exactly.' },
  unordered: { usage: 'PATH unordered [by FIELD]', doc: 'Lists compared as multisets; `by FIELD` matches list elements on that field and compares each pair exactly.' },
  by: { usage: 'PATH by EXPR  |  PATH unordered by FIELD', doc: 'A custom equality over `desired` and `actual`; after `unordered`, the field list elements are matched on.' },
  on: { usage: 'on missing | extra | changed | invalid | any', doc: 'The kind of difference a remediation rule handles (`any`: every kind but invalid). In tests, `action ACTION on KEY` names the item.' },
  when: { usage: 'on KIND when EXPR => ACTION', doc: 'The condition under which the rule decides; over `desired`, `actual`, `key` and `diff`.' },
  requires: { usage: '=> ACTION requires approval [from GROUP]', doc: 'Gates the action behind approval.' },
  approval: { usage: 'requires approval [from GROUP]', doc: 'The action waits for an approval of this plan item; `from GROUP` restricts who may give it.' },
  because: { usage: '=> ignore because "..."', doc: 'The reason shown with the decision.' },
  until: { usage: '=> ignore until "YYYY-MM-DD"', doc: 'After that day the exception no longer matches (and the checker warns), so known drift cannot be muted forever.' },
  expect: { usage: 'expect no_drift  |  expect { missing N  action ACTION on KEY ... }', doc: 'What the test asserts about the decided plan of its records.' },
  default: { usage: 'default exact | ignore', doc: 'How fields no rule names are compared: exactly (the default), or not at all.' },
  use: { usage: 'use PROFILE', doc: "Includes a profile's rules; a rule in the policy overrides the profile's rule for the same path." },
  and: { usage: 'a and b', doc: 'Logical and (short-circuit).' },
  or: { usage: 'a or b', doc: 'Logical or (short-circuit).' },
  not: { usage: 'not a', doc: 'Logical not.' },
  in: { usage: 'x in list  |  "sub" in text', doc: 'Membership: an element of a list, or a substring of a string.' },
  matches: { usage: 'text matches "regex"', doc: 'Regular-expression test; the pattern is checked at check time.' },
  true: { usage: 'true', doc: 'The boolean true.' },
  false: { usage: 'false', doc: 'The boolean false.' },
  null: { usage: 'null', doc: 'No value; a missing field and null are equal. `==` is null-safe: null equals only null.' },
};

/** The words of each closed vocabulary, with what each means. */
export const WORD_DOCS: Readonly<Record<WordCategory, Readonly<Record<string, string>>>> = {
  comparator: {
    exact: 'Equal when the values are equal (after coercion to the declared type). The default.',
    ignore: 'The field is never compared.',
    ignore_case: 'Text compared without regard to case.',
    within: 'Equal when the difference is at most a number, a percentage of the desired value, or a duration.',
    unordered: 'Lists compared as multisets (`unordered by FIELD`: elements matched on FIELD).',
    normalize: 'Normalizers applied to both sides, then an exact comparison.',
    by: 'A custom equality expression over `desired` and `actual`.',
  },
  normalizer: {
    trim: 'Removes leading and trailing white space.',
    lower: 'Lower-cases text.',
    upper: 'Upper-cases text.',
    collapse_space: 'Turns every run of white space into one space.',
    nfc: 'Unicode normalization form C (composed characters).',
    round: '`round(N)`: rounds numbers to N decimals.',
    utc: 'Converts datetimes to UTC.',
  },
  'compare-default': {
    exact: 'Fields no rule names are compared exactly (the default).',
    ignore: 'Only the fields that rules name are compared.',
  },
  kind: {
    missing: 'The key is in desired but not in actual.',
    extra: 'The key is in actual but not in desired.',
    changed: 'Both sides have the key and at least one compared field differs.',
    invalid: 'A record that broke its source rules (no key, a shared key, a value that cannot be coerced).',
    any: 'Every kind but invalid.',
  },
  action: {
    create: 'Write the desired record to the actual source (fits missing items).',
    update: 'Write the differing fields to the actual record (fits changed items).',
    delete: 'Remove the actual record (fits extra items).',
    ticket: 'Open a ticket in the ticket sink: `ticket "title"`.',
    ignore: 'Known and accepted: not drift (`because` says why, `until` when that ends).',
    report: 'Shown as drift, nothing done. The default when no rule matches, and what invalid items get.',
  },
  severity: { low: 'Low severity.', medium: 'Medium severity.', high: 'High severity.', critical: 'Critical severity.' },
  mode: { audit: 'Never acts: the plan shows what enforce would do (the default).', enforce: '`recon apply` may act on the plan.' },
  type: {
    string: 'Text.',
    number: 'A number (CSV text is coerced; "10.0" equals 10).',
    integer: 'A whole number.',
    bool: 'true or false.',
    datetime: 'An ISO 8601 instant; compared as instants whatever the zone.',
    json: 'Any JSON value; paths may go below it.',
  },
  limit: {
    max_changes: 'The most acting items (create, update, delete) the policy may plan.',
    max_ratio: 'The most acting items as a share of the desired records in scope (with none, any action exceeds it).',
    max_deletes: 'The most deletes the policy may plan.',
    on_exceed: 'What happens when a limit is exceeded: abort (block every action, the default) or approve (gate every action).',
  },
  'on-exceed': { abort: 'Block every acting item of the policy (plan and apply exit 4).', approve: 'Gate every acting item of the policy behind approval.' },
  'rate-unit': { s: 'Per second.', m: 'Per minute.', h: 'Per hour.' },
  expectation: {
    no_drift: 'The run has no drift: no item whose action is not ignore.',
    missing: 'Exactly N missing items.',
    extra: 'Exactly N extra items.',
    changed: 'Exactly N changed items.',
    invalid: 'Exactly N invalid items.',
    ignored: 'Exactly N ignored items.',
    action: '`action ACTION on KEY [requires approval]`: the item with that key has that action (and is, or is not, gated by approval).',
  },
  'write-op': {
    create: 'How a missing record is created: `create POST "url"` or `create exec("prog", [...])`.',
    update: 'How a changed record is updated.',
    delete: 'How an extra record is deleted.',
  },
  'http-method': { POST: 'HTTP POST.', PUT: 'HTTP PUT.', PATCH: 'HTTP PATCH.', DELETE: 'HTTP DELETE.', GET: 'HTTP GET.' },
};

/** The documentation of a word of a category, or of a keyword, or null. */
export function wordDoc(category: WordCategory, word: string): string | null {
  const table = WORD_DOCS[category];
  return Object.prototype.hasOwnProperty.call(table, word) ? table[word]! : null;
}

/** A keyword's documentation, or null (own properties only). */
export function keywordDoc(word: string): { usage: string; doc: string } | null {
  return Object.prototype.hasOwnProperty.call(KEYWORD_DOCS, word) ? KEYWORD_DOCS[word]! : null;
}

/** Names of the roots of conditions and what they are. */
export const ROOT_DOCS: Readonly<Record<string, string>> = {
  desired: 'The desired record of the item (null when it is missing on the desired side).',
  actual: 'The actual record of the item (null when it is missing on the actual side).',
  key: 'The key fields of the item.',
  diff: 'The paths of the fields that differ (a list of strings); see changed() and only().',
};
