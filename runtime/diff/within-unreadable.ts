/**
 * The policy warning for `within` rules that met values they cannot read as their kind: a number
 * for `within N` and `within P%`, a datetime for `within DURATION`.
 *
 * Why: such a pair is unequal (LANGUAGE.md 2.3: a value that cannot be read is unequal unless
 * the two values are equal), and that stays so — the values do differ, and the item stays
 * `changed`. But it was decided silently: `booked_at within 5` on untyped ISO text (where
 * `within 5s` was meant) reported drift on every record whose times differed by a second, and
 * an `update` rule rewrote values that were within what the user meant, with nothing in the plan
 * to say why. The plan now says so once per rule, with a count of the records and one example
 * value, not once per record (a million records must not make a million warnings).
 *
 * Determinism: the CSV fast path compares pairs in another order than the generic path (and
 * some pairs it then drops), and both must give the same plan (the same bytes, the same hash).
 * So the notes travel with the changed items (`DiffItem.unreadable`) and are counted over the
 * items the diff keeps, and the example is not the first value met but the least one by a fixed
 * order (a value the hint is about first, then the least value, the desired side first, the
 * path).
 */
import type { IrComparator, IrCompareRule } from '../../language/ir/ir-types.js';
import { describeValue } from '../expressions/value-semantics.js';
import { toInstant, toNumber } from './value-coercion.js';

type WithinComparator = Extract<IrComparator, { kind: 'within' }>;

/** A `within` rule as warnings name it. */
export interface WithinRule {
  comparator: WithinComparator;
  /** The rule's path (or, for a comparator without a known rule, where it was met). */
  path: string;
  at: string | null;
  /** Its place among the policy's rules: warnings follow the rules' order. */
  index: number;
}

/** One value a `within` rule could not read, on one compared pair of records. */
export interface UnreadableNote {
  rule: WithinRule;
  side: 'desired' | 'actual';
  /** Where the value was (the rule's path, or a path below it when the comparison descended). */
  path: string;
  value: unknown;
}

/**
 * The notes of one pair: one note by itself (the common case: one rule, one field), else a
 * list. Why not always a list: a changed item keeps its notes until the diff ends, and with a
 * million such items a list each (grown by `push`: 17 slots) cost about 150 MB more.
 */
export type UnreadableNotes = UnreadableNote | readonly UnreadableNote[];

/**
 * Collects the notes of one pair of records while the record comparer compares it (`note`,
 * called by the comparators; `take` when the pair is done). Why per pair, and counted only
 * later over the items the diff keeps (`unreadableWithinWarnings`): the CSV fast path compares
 * some pairs it then drops (a key that turns out to repeat is a duplicate, not changed) or
 * compares again (a scan that restarts), so counting as comparisons happen would disagree with
 * the generic path.
 */
export class UnreadableWithin {
  private readonly rules = new Map<IrComparator, WithinRule>();
  private current: UnreadableNote | UnreadableNote[] | null = null;

  /**
   * `rules`: the policy's `within` rules, each with a comparator object of its own (the one the
   * comparisons use: a note finds its rule by it), in the policy's order.
   */
  constructor(rules: readonly IrCompareRule[]) {
    rules.forEach((rule, index) => {
      if (rule.comparator.kind === 'within') this.rules.set(rule.comparator, { comparator: rule.comparator, path: rule.path, at: rule.at, index });
    });
  }

  /** `comparator` met `value` on `side` at `path` and could not read it as its kind (the pair differs). */
  note(comparator: WithinComparator, path: string, side: 'desired' | 'actual', value: unknown): void {
    let rule = this.rules.get(comparator);
    if (rule === undefined) {
      rule = { comparator, path, at: null, index: this.rules.size };
      this.rules.set(comparator, rule);
    }
    const note: UnreadableNote = { rule, side, path, value };
    const current = this.current;
    if (current === null) this.current = note;
    else if (Array.isArray(current)) current.push(note);
    else this.current = [current as UnreadableNote, note];
  }

  /** The notes of the pair just compared (undefined: none), and a clean slate for the next one. */
  take(): UnreadableNotes | undefined {
    const notes = this.current;
    if (notes === null) return undefined;
    this.current = null;
    return notes;
  }
}

/** What one rule met over the kept items: how many records, and the example shown. */
interface Tally {
  rule: WithinRule;
  records: number;
  /** The least value the hint is about (datetime text under `within N`, a number under `within DURATION`). */
  hinted: UnreadableNote | null;
  /** The least other value (shown only when no value is `hinted`). */
  other: UnreadableNote | null;
}

/**
 * The policy warnings for the notes of the changed items a diff keeps (`DiffItem.unreadable`,
 * one entry per item): one per rule that met unreadable values, in the order of the rules, with
 * the number of records and the least example (see the module comment), whatever the order of
 * the lists. A value is read (as a datetime or a number, for the hint) and rendered only when
 * it could be a new least example: a million notes take about a tenth of a second, not one.
 */
export function unreadableWithinWarnings(lists: Iterable<UnreadableNotes | undefined>): string[] {
  const tallies = new Map<WithinRule, Tally>();
  for (const entry of lists) {
    if (entry === undefined) continue;
    const notes: readonly UnreadableNote[] = isNoteList(entry) ? entry : [entry];
    for (let i = 0; i < notes.length; i++) {
      const note = notes[i];
      let tally = tallies.get(note.rule);
      if (tally === undefined) {
        tally = { rule: note.rule, records: 0, hinted: null, other: null };
        tallies.set(note.rule, tally);
      }
      // a record counts once for a rule, however many of its values the rule could not read
      let earlier = 0;
      while (earlier < i && notes[earlier].rule !== note.rule) earlier++;
      if (earlier === i) tally.records++;
      // once a value the hint is about is known, only a lesser one can change the example
      if (tally.hinted !== null && !before(note, tally.hinted)) continue;
      if (hinted(note.rule.comparator, note.value)) tally.hinted = note;
      else if (tally.other === null || before(note, tally.other)) tally.other = note;
    }
  }
  return [...tallies.values()]
    .sort((x, y) => x.rule.index - y.rule.index || (x.rule.path < y.rule.path ? -1 : x.rule.path > y.rule.path ? 1 : 0))
    .map(wording);
}

function isNoteList(notes: UnreadableNotes): notes is readonly UnreadableNote[] {
  return Array.isArray(notes);
}

/**
 * The order of examples: the lesser value (text before other values, texts as strings, other
 * values by their rendering), then the desired side, then the path. A total order, so the
 * example does not depend on the order the notes come in; allocation-free for text.
 */
function before(x: UnreadableNote, y: UnreadableNote): boolean {
  const a = x.value;
  const b = y.value;
  if (a !== b) {
    const aText = typeof a === 'string';
    const bText = typeof b === 'string';
    if (aText !== bText) return aText;
    if (aText) return (a as string) < (b as string);
    const ra = describeValue(a);
    const rb = describeValue(b);
    if (ra !== rb) return ra < rb;
  }
  if (x.side !== y.side) return x.side === 'desired';
  return x.path < y.path;
}

/**
 * Whether `comparator` (a `within` rule) can read `value` as its kind: a number or decimal text
 * for `within N`/`within P%`, a datetime (an instant or ISO 8601 text) for `within DURATION`.
 */
export function readsAsWithinKind(comparator: WithinComparator, value: unknown): boolean {
  return 'duration_ms' in comparator ? toInstant(value) !== null : toNumber(value) !== null;
}

/** The value is what the hint speaks of: a datetime under a numeric `within`, a number under `within DURATION`. */
function hinted(comparator: WithinComparator, value: unknown): boolean {
  return 'duration_ms' in comparator ? toNumber(value) !== null : toInstant(value) !== null;
}

/** The rule as written: `booked_at within 5s`. */
export function withinText(comparator: WithinComparator): string {
  if ('absolute' in comparator) return `within ${comparator.absolute}`;
  if ('relative' in comparator) return `within ${Number((comparator.relative * 100).toPrecision(12))}%`;
  return `within ${durationSource(comparator.duration_ms)}`;
}

/** A duration in the largest unit that writes it whole (`120000` → `2m`). */
function durationSource(ms: number): string {
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  for (const [unit, size] of units) if (ms >= size && Number.isInteger(ms / size)) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

function wording(tally: Tally): string {
  const { rule, records } = tally;
  const example = (tally.hinted ?? tally.other)!;
  const comparator = rule.comparator;
  const rulePath = rule.path;
  const duration = 'duration_ms' in comparator;
  const kind = duration ? 'datetimes' : 'numbers';
  const where = example.path === rulePath ? '' : ` at ${example.path}`;
  const one = records === 1;
  const what = duration ? (one ? 'a datetime' : 'datetimes') : one ? 'a number' : 'numbers';
  const some = one ? `1 record has a value that is not ${what}` : `${records} records have values that are not ${what}`;
  let text =
    `${rulePath} ${withinText(comparator)}${rule.at === null ? '' : ` (${rule.at})`} compares ${kind}, but ${some} ` +
    `(e.g. ${example.side} ${describeValue(example.value)}${where}): ${one ? 'it is' : 'they are'} reported as changed`;
  if (tally.hinted !== null) {
    text += duration
      ? `; for numbers write ${rulePath} within N or within N%`
      : `; for datetimes write a duration: ${rulePath} within ${'absolute' in comparator ? `${comparator.absolute}s` : '1m'}`;
  }
  return text;
}
