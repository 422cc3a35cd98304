/**
 * Builds `DiffItem`s and the policy summary, and puts items in their deterministic order.
 *
 * Why shared: the generic hash join (`diff-engine.ts`) and the CSV fast path
 * (`csv-fast-diff.ts`) must produce identical results for the same inputs; both build every item
 * through these functions.
 *
 * Order: kind (missing, extra, changed, invalid), then the key's text (`keyText`, compared by
 * UTF-16 code unit) for keyed items, then for invalid items the side (desired first) and the
 * record's position in its source.
 */
import { keyText } from '../observe/key-text.js';
import type { IrDiffKind, IrSource } from '../../language/ir/ir-types.js';
import { setOwn } from '../expressions/own-properties.js';
import type { InvalidRecord, ObservedRecord } from '../observe/observed-record.js';
import { fastKeyText, isPlainKeyValue, objectMaker, plainKeyText } from '../observe/record-reader.js';
import type { FieldDelta, PlanItem, PolicySummary } from '../plan/change-plan.js';
import type { DiffItem, ItemDecider } from './diff-result.js';
import type { RecordComparer, RecordComparison } from './record-comparer.js';

/** The key fields of a record by name (the source's key paths), for `DiffItem.key`. */
export function keyObject(source: IrSource, values: readonly unknown[]): Record<string, unknown> {
  let make = keyMakers.get(source.key);
  if (make === undefined) {
    make = objectMaker(source.key, true);
    keyMakers.set(source.key, make);
  }
  if (make !== null) return make(values);
  const key: Record<string, unknown> = {};
  for (let i = 0; i < source.key.length; i++) setOwn(key, source.key[i], values[i] ?? null);
  return key;
}

/** The compiled key-object builder of each key list (see `objectMaker`). */
const keyMakers = new WeakMap<readonly string[], ((values: readonly unknown[]) => Record<string, unknown>) | null>();

/** A `missing` item: the desired record has no actual counterpart. */
export function missingItem(desiredSource: IrSource, record: ObservedRecord): DiffItem {
  return missingItemOf(desiredSource, record.key, record.record, record.raw);
}

/** `missingItem` from the parts of the record (see `changedItemOf`). */
export function missingItemOf(desiredSource: IrSource, keyValues: unknown[], record: Record<string, unknown>, raw: Record<string, unknown>): DiffItem {
  return {
    kind: 'missing',
    key: keyObject(desiredSource, keyValues),
    keyValues,
    desired: record,
    actual: null,
    desiredRaw: raw,
    actualRaw: null,
    fields: [],
    diff: [],
    side: null,
    origin: null,
    invalidReason: null,
  };
}

/** An `extra` item: the actual record has no desired counterpart. */
export function extraItem(actualSource: IrSource, record: ObservedRecord): DiffItem {
  return extraItemOf(actualSource, record.key, record.record, record.raw);
}

/** `extraItem` from the parts of the record (see `changedItemOf`). */
export function extraItemOf(actualSource: IrSource, keyValues: unknown[], record: Record<string, unknown>, raw: Record<string, unknown>): DiffItem {
  return {
    kind: 'extra',
    key: keyObject(actualSource, keyValues),
    keyValues,
    desired: null,
    actual: record,
    desiredRaw: null,
    actualRaw: raw,
    fields: [],
    diff: [],
    side: null,
    origin: null,
    invalidReason: null,
  };
}

/** A `changed` item when the pair differs under the rules, else null (unchanged). */
export function changedItem(
  comparer: RecordComparer,
  desiredSource: IrSource,
  desired: ObservedRecord,
  actual: ObservedRecord,
): DiffItem | null {
  const key = comparer.hasByRule ? keyObject(desiredSource, desired.key) : null;
  const comparison = comparer.compare(desired.record, actual.record, key);
  if (comparison.fields.length === 0) return null;
  return changedItemOf(desiredSource, desired.key, desired.record, desired.raw, actual.record, actual.raw, comparison, key);
}

/**
 * The `changed` item of a pair that `comparison` found different, from the parts of the two
 * records (the CSV fast path makes a whole `ObservedRecord` only when it needs one). `key` is the
 * key object when one was made for the comparison (`by` rules see it).
 */
export function changedItemOf(
  desiredSource: IrSource,
  keyValues: unknown[],
  desired: Record<string, unknown>,
  desiredRaw: Record<string, unknown>,
  actual: Record<string, unknown>,
  actualRaw: Record<string, unknown>,
  comparison: RecordComparison,
  key: Record<string, unknown> | null = null,
): DiffItem {
  const item: DiffItem = {
    kind: 'changed',
    key: key ?? keyObject(desiredSource, keyValues),
    keyValues,
    desired,
    actual,
    desiredRaw,
    actualRaw,
    fields: comparison.fields,
    diff: comparison.fields.map((field) => field.path),
    side: null,
    origin: null,
    invalidReason: null,
  };
  if (comparison.warnings.length > 0) item.warnings = comparison.warnings;
  if (comparison.unreadable !== undefined) item.unreadable = comparison.unreadable;
  return item;
}

/** An `invalid` item for a record that broke its source's rules. */
export function invalidItem(source: IrSource, record: InvalidRecord): DiffItem {
  const keyValues = record.key === null ? null : source.key.map((name) => record.key![name] ?? null);
  return {
    kind: 'invalid',
    key: record.key,
    keyValues,
    desired: record.side === 'desired' ? record.record : null,
    actual: record.side === 'actual' ? record.record : null,
    desiredRaw: null,
    actualRaw: null,
    fields: [],
    diff: [],
    side: record.side,
    origin: record.origin,
    invalidReason: record.reason,
  };
}

const MAX_LISTED_POSITIONS = 10;

/**
 * The `invalid` items of records that share a key on one side: each of them, with the reason
 * naming the key and where the others are.
 */
export function duplicateItems(source: IrSource, side: 'desired' | 'actual', records: readonly ObservedRecord[]): DiffItem[] {
  const sorted = [...records].sort((a, b) => a.origin.position - b.origin.position);
  const positions = sorted.map((r) => r.origin.position);
  const listed =
    positions.length > MAX_LISTED_POSITIONS
      ? `${positions.slice(0, MAX_LISTED_POSITIONS).join(', ')} and ${positions.length - MAX_LISTED_POSITIONS} more`
      : positions.join(', ');
  // keys of different types that would share an item id (`diff-engine.ts`), or one key
  const shownKeys = [...new Set(sorted.map((record) => describeKey(keyObject(source, record.key))))];
  return sorted.map((record) => {
    const key = keyObject(source, record.key);
    return {
      kind: 'invalid' as const,
      key,
      keyValues: record.key,
      desired: side === 'desired' ? record.record : null,
      actual: side === 'actual' ? record.record : null,
      desiredRaw: side === 'desired' ? record.raw : null,
      actualRaw: side === 'actual' ? record.raw : null,
      fields: [],
      diff: [],
      side,
      origin: record.origin,
      invalidReason:
        shownKeys.length === 1
          ? `duplicate key ${describeKey(key)}: ${positions.length} records of the ${side} source have it (positions ${listed})`
          : `duplicate key: ${shownKeys.join(' and ')} would share one item id; ${positions.length} records of the ${side} source have them (positions ${listed}); declare the key's type in fields to read them alike`,
    };
  });
}

function describeKey(key: Record<string, unknown>): string {
  return Object.entries(key)
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
    .join(', ');
}

const KIND_RANK: Record<IrDiffKind, number> = { missing: 0, extra: 1, changed: 2, invalid: 3 };

/**
 * `KIND_RANK` by the first character of the kind (`m`, `e`, `c`, `i`: one each), for `rankEntries`.
 * Why: entries come kind after kind (all missing, then all changed, then all extras), and the
 * loop's code, optimised while it had looked up only the first kind's name, was thrown away at
 * the next kind ("wrong name") and compiled again; a character's code reads every kind alike.
 */
const RANK_BY_FIRST_CODE: Uint8Array = (() => {
  const ranks = new Uint8Array(128);
  for (const [kind, rank] of Object.entries(KIND_RANK)) ranks[kind.charCodeAt(0)] = rank;
  return ranks;
})();

/** Sort entries: an item with the text it is ordered by within its kind. */
export interface SortableItem {
  item: DiffItem;
  /** `keyText` for keyed items; ignored for invalid ones. */
  keyText: string;
  /** The item's plan item, when it was decided as it was made (`sortableEntry`). */
  decided?: PlanItem;
}

/**
 * The fields and diff of every decided item (see `sortableEntry`): shared and frozen, since
 * tens of thousands of items would otherwise each hold two empty lists until the plan is made.
 */
const NO_FIELDS: readonly FieldDelta[] = Object.freeze([]);
const NO_PATHS: readonly string[] = Object.freeze([]);

/**
 * The entry of a new item. With a decider the item is decided at once, and the entry keeps the
 * plan item and the item without its records, fields, diff and (but for invalid items) key values
 * (see `DiffResult.decided`); a keyed item's entry is that item itself (`DecidedEntry`).
 */
export function sortableEntry(item: DiffItem, keyText: string, decide: ItemDecider | null): SortableItem {
  if (decide === null) return { item, keyText };
  const decided = decide(item);
  if (isKeyedIdentity(item)) return new DecidedEntry(item.kind as DecidedEntry['kind'], item.key, keyText, decided);
  return { item: identityOf(item.kind, item.key, item.kind === 'invalid' ? item.keyValues : null, item.side, item.origin, item.invalidReason), keyText, decided };
}

/**
 * `sortableEntry(item, fastKeyText(keyValues), decide)`, where a decided item keyed by one text
 * that needs no escaping keeps that text (`PlainKeyEntry`), not its key text: the text is held
 * by the item's key anyway, and the key text is made when it is read (the sort reads each once).
 *
 * Why: tens of thousands of key texts (`["T000000113"]`, 32 bytes each) lived from the item's
 * making to the sort, each copied by the young-generation collector on the way.
 */
export function sortableKeyedEntry(item: DiffItem, keyValues: readonly unknown[], decide: ItemDecider | null): SortableItem {
  if (decide !== null && keyValues.length === 1 && isKeyedIdentity(item)) {
    const only = keyValues[0];
    if (typeof only === 'string' && isPlainKeyValue(only)) return new PlainKeyEntry(item.kind as DecidedEntry['kind'], item.key, only, decide(item));
  }
  return sortableEntry(item, fastKeyText(keyValues), decide);
}

/** True for an item a decided entry can stand for (`DecidedEntry`): keyed, no side, origin or reason. */
function isKeyedIdentity(item: DiffItem): boolean {
  return item.kind !== 'invalid' && item.side === null && item.origin === null && item.invalidReason === null;
}

/**
 * The item without its records, fields, diff and key values that a decided entry stands for
 * (`DiffResult.items` when the diff decides as it goes).
 */
function identityOf(
  kind: DiffItem['kind'],
  key: DiffItem['key'],
  keyValues: DiffItem['keyValues'],
  side: DiffItem['side'],
  origin: DiffItem['origin'],
  invalidReason: DiffItem['invalidReason'],
): DiffItem {
  return {
    kind,
    key,
    // Only invalid items are still read by their key values (`withholdBrokenKeys`).
    keyValues,
    desired: null,
    actual: null,
    desiredRaw: null,
    actualRaw: null,
    fields: NO_FIELDS as FieldDelta[],
    diff: NO_PATHS as string[],
    side,
    origin,
    invalidReason,
  };
}

/**
 * The entry of a decided keyed item (missing, extra, changed): the kind, key, sort text and plan
 * item only — and it is its own identity item (`item` is the entry itself): the members an
 * identity item has besides kind and key (no records, fields, diff, key values, side, origin or
 * reason) are read from the class, the same for every entry.
 *
 * Why: tens of thousands of entries live from the moment their item is made until the diff is
 * sorted, through several young-generation collections that copy every one of them; an entry
 * and an identity item were about 170 bytes, this is 56. Made when the diff's items were listed,
 * the identity items were 40,000 new objects of 120 bytes at 1M records a side (4.8 MB of the
 * heap at the sort, copied by the collector), for a list the plan runner empties at once.
 */
class DecidedEntry implements SortableItem, DiffItem {
  constructor(
    readonly kind: Exclude<IrDiffKind, 'invalid'>,
    readonly key: DiffItem['key'],
    /** The key text (`PlainKeyEntry`: the key's only text, the key text made of it when read). */
    protected readonly text: string,
    readonly decided: PlanItem,
  ) {}

  get keyText(): string {
    return this.text;
  }

  /** The entry itself: its identity item. */
  get item(): DiffItem {
    return this;
  }

  get keyValues(): null {
    return null;
  }

  get desired(): null {
    return null;
  }

  get actual(): null {
    return null;
  }

  get desiredRaw(): null {
    return null;
  }

  get actualRaw(): null {
    return null;
  }

  get fields(): FieldDelta[] {
    return NO_FIELDS as FieldDelta[];
  }

  get diff(): string[] {
    return NO_PATHS as string[];
  }

  get side(): null {
    return null;
  }

  get origin(): null {
    return null;
  }

  get invalidReason(): null {
    return null;
  }
}

/** A `DecidedEntry` whose key is one text that needs no escaping, kept as it is (`sortableKeyedEntry`). */
class PlainKeyEntry extends DecidedEntry {
  override get keyText(): string {
    return plainKeyText(this.text);
  }

  /** The key's only text (its key text is this between `["` and `"]`). */
  get plainText(): string {
    return this.text;
  }
}

/** The kind of an entry's item, without making a decided entry's identity item. */
function kindOf(entry: SortableItem): IrDiffKind {
  return entry instanceof DecidedEntry ? entry.kind : entry.item.kind;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A broken record whose whole key is known withholds that key from the comparison, as duplicates
 * do (LANGUAGE.md 2.1): a typo in one desired row must not make the real actual record `extra` —
 * and deletable — nor a broken actual row make its desired record `missing`. Drops those missing
 * and extra items; both diff paths call this once, after the join.
 */
export function withholdBrokenKeys(entries: SortableItem[]): SortableItem[] {
  const withheld = { desired: new Set<string>(), actual: new Set<string>() };
  for (const entry of entries) {
    if (kindOf(entry) !== 'invalid') continue;
    const item = entry.item;
    if (item.side === null || item.keyValues === null) continue;
    if (item.keyValues.some((value) => value === null || value === undefined || value === '')) continue;
    withheld[item.side].add(keyText(item.keyValues));
  }
  if (withheld.desired.size === 0 && withheld.actual.size === 0) return entries;
  return entries.filter((entry) => {
    const kind = kindOf(entry);
    const text = entry.keyText;
    return !(kind === 'missing' && withheld.actual.has(text)) && !(kind === 'extra' && withheld.desired.has(text));
  });
}

/**
 * Puts items in the deterministic order described in the module comment. A kind whose entries
 * already come in order (files sorted by key) is only checked, not sorted.
 */
export function sortItems(entries: SortableItem[]): DiffItem[] {
  return sortEntries(entries).map((entry) => entry.item);
}

/** `sortItems`, keeping the entries (and the plan items decided with them). */
export function sortEntries(entries: SortableItem[]): SortableItem[] {
  return placeEntries(entries, rankEntries(entries));
}

/**
 * `sortItems(withholdBrokenKeys(entries))` as two lists: the items, and with `withDecided` the
 * plan items decided with them (`SortableItem.decided`), in the same order.
 *
 * Why one function: a large diff has hundreds of thousands of entries scattered over the heap,
 * and every pass over them is mostly cache misses. Here each entry is read once for its kind and
 * text (which kinds are already in order, whether any item is invalid: only then can keys be
 * withheld), then placed by kind, and read once more for the two lists — where withholding,
 * splitting by kind, checking each kind's order and making each list were a pass each.
 */
export function orderedItems(entries: SortableItem[], withDecided: boolean): { items: DiffItem[]; decided: PlanItem[] | null } {
  let ranked = rankEntries(entries);
  if (ranked.counts[3]! > 0) {
    const kept = withholdBrokenKeys(entries);
    if (kept !== entries) {
      entries = kept;
      ranked = rankEntries(entries);
    }
  }
  const sorted = placeEntries(entries, ranked);
  // lists grown by `push` stay packed (a list made at its size has holes until filled, and
  // code reading the plan's items would check every element for one)
  const count = sorted.length;
  const items: DiffItem[] = [];
  const decided: PlanItem[] | null = withDecided ? [] : null;
  for (let i = 0; i < count; i++) {
    const entry = sorted[i]!;
    items.push(entry.item);
    if (decided !== null) decided.push(entry.decided!);
  }
  return { items, decided };
}

/** Each entry's kind rank, how many entries each kind has, and whether each keyed kind comes in strictly increasing text order. */
interface RankedEntries {
  ranks: Uint8Array;
  counts: number[];
  ordered: boolean[];
}

/** Reads each entry once: its kind's rank, and for keyed kinds whether their texts still increase. */
function rankEntries(entries: readonly SortableItem[]): RankedEntries {
  const n = entries.length;
  const ranks = new Uint8Array(n);
  const counts = [0, 0, 0, 0];
  // per keyed rank: the last entry seen, while that kind is still in order
  const last: (SortableItem | null)[] = [null, null, null];
  const ordered = [true, true, true];
  for (let i = 0; i < n; i++) {
    const entry = entries[i]!;
    const rank = RANK_BY_FIRST_CODE[kindOf(entry).charCodeAt(0)];
    ranks[i] = rank;
    counts[rank]++;
    if (rank < 3 && ordered[rank]) {
      const before = last[rank];
      if (before !== null && !keyTextBefore(before, entry)) ordered[rank] = false;
      last[rank] = entry;
    }
  }
  return { ranks, counts, ordered };
}

/**
 * True when `a.keyText < b.keyText`. Two `PlainKeyEntry`s are compared by the texts they keep,
 * without making their key texts (`plainKeyBefore`): a sorted file's items are checked in
 * order this way, and each key text made for it was garbage at once.
 */
function keyTextBefore(a: SortableItem, b: SortableItem): boolean {
  if (a instanceof PlainKeyEntry && b instanceof PlainKeyEntry) return plainKeyBefore(a.plainText, b.plainText);
  return a.keyText < b.keyText;
}

/**
 * `plainKeyText(a) < plainKeyText(b)` for texts `isPlainKeyValue` accepts. The key texts are the
 * texts between `["` and `"]`: they compare as the texts do, but where one text is a prefix of
 * the other — there the shorter one's closing `"` meets the longer one's next character (and
 * `"` sorts after a space or `!`).
 */
export function plainKeyBefore(a: string, b: string): boolean {
  if (a < b) return !b.startsWith(a) || b.charCodeAt(a.length) > 0x22;
  if (a === b) return false;
  return a.startsWith(b) && a.charCodeAt(b.length) < 0x22;
}

/**
 * The entries in the order of `sortItems`: placed by rank in one array (stable), then only a
 * kind that is not already in order is sorted (files sorted by key are only checked).
 */
function placeEntries(entries: readonly SortableItem[], { ranks, counts, ordered }: RankedEntries): SortableItem[] {
  const n = entries.length;
  const starts = [0, counts[0]!, counts[0]! + counts[1]!, counts[0]! + counts[1]! + counts[2]!];
  const next = starts.slice();
  const sorted: SortableItem[] = new Array<SortableItem>(n);
  for (let i = 0; i < n; i++) sorted[next[ranks[i]!]!++] = entries[i]!;
  for (let rank = 0; rank < 3; rank++) {
    // A stable sort: entries with equal texts (never two of one kind in a valid diff) keep
    // their order.
    if (!ordered[rank]) sortByKeyText(sorted, starts[rank]!, starts[rank]! + counts[rank]!);
  }
  if (counts[3]! > 1) {
    const invalid = sorted.slice(starts[3]);
    invalid.sort(
      ({ item: a }, { item: b }) =>
        (a.side === 'actual' ? 1 : 0) - (b.side === 'actual' ? 1 : 0) || (a.origin?.position ?? 0) - (b.origin?.position ?? 0),
    );
    for (let i = 0; i < invalid.length; i++) sorted[starts[3]! + i] = invalid[i]!;
  }
  return sorted;
}

/**
 * Sorts `list[start, end)` by key text (stable). Each entry's key text is read once (a
 * `PlainKeyEntry` makes it when read), then the places are sorted by the texts.
 */
function sortByKeyText(list: SortableItem[], start: number, end: number): void {
  const part = list.slice(start, end);
  const order = Array.from(part, (_, i) => i);
  if (part.every((entry) => entry instanceof PlainKeyEntry)) {
    // keys of one plain text each: sorted by those texts, as their key texts sort
    // (`plainKeyBefore`), without making the key texts
    const texts = part.map((entry) => (entry as PlainKeyEntry).plainText);
    order.sort((a, b) => comparePlainKeys(texts[a]!, texts[b]!) || a - b);
  } else {
    const texts = part.map((entry) => entry.keyText);
    order.sort((a, b) => compareText(texts[a]!, texts[b]!) || a - b);
  }
  for (let i = 0; i < order.length; i++) list[start + i] = part[order[i]!]!;
}

/** `compareText` of the key texts of two plain key values (see `plainKeyBefore`). */
function comparePlainKeys(a: string, b: string): number {
  return a === b ? 0 : plainKeyBefore(a, b) ? -1 : 1;
}

/** The policy summary from the records in scope per side, the unchanged pairs and the items. */
export function summarize(desired: number, actual: number, unchanged: number, items: readonly DiffItem[]): PolicySummary {
  let missing = 0;
  let extra = 0;
  let changed = 0;
  let invalid = 0;
  for (const item of items) {
    switch (item.kind) {
      case 'missing':
        missing++;
        break;
      case 'extra':
        extra++;
        break;
      case 'changed':
        changed++;
        break;
      case 'invalid':
        invalid++;
        break;
    }
  }
  return { desired, actual, unchanged, missing, extra, changed, invalid };
}
