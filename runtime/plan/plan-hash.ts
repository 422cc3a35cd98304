/**
 * Content hashes of a change plan (RUNTIME.md sections 1 and 3).
 *
 * Why: approvals are bound to `plan_hash`, so the hash must change exactly when what the plan
 * would do changes — never because the clock moved. `observed_at` (and the hash itself) are
 * left out; everything else, the IR included, is hashed as canonical JSON (sorted keys), so the
 * hash does not depend on key order and can be re-verified from a saved plan.
 *
 * Why it streams: a plan of a million-record diff holds tens of thousands of items. Its
 * canonical text is fed into one incremental SHA-256 item by item — never one string — and the
 * items, whose shape the plan builder fixes, are written by a fast path that knows their keys'
 * sorted order (any other shape goes through the general canonical writer: same text).
 */
import type { IrDocument } from '../../language/ir/ir-types.js';
import {
  documentedItemShape,
  isDocumentedField,
  isDocumentedReason,
  ITEM_HAS_FLAPPING,
  ITEM_HAS_WARNINGS,
  type ChangePlan,
  type PlanItem,
} from './change-plan.js';
import { CanonicalHashStream, canonicalText, hasFixedJsonText, isEscaped, jsonString, sha256OfCanonical } from './canonical-json.js';

/** `sha256:` of the canonical JSON of the IR: identifies what the plan was made from. */
export function computeIrHash(ir: IrDocument): string {
  return sha256OfCanonical(ir);
}

/**
 * `sha256:` over the plan without `plan_hash` and `observed_at`: the canonical JSON of the plan
 * object with those two members left out, whatever else it holds.
 */
export function computePlanHash(plan: Omit<ChangePlan, 'plan_hash'> | ChangePlan): string {
  const stream = new CanonicalHashStream();
  const members = plan as unknown as Record<string, unknown>;
  const names = Object.keys(members)
    .filter((name) => name !== 'observed_at' && name !== 'plan_hash')
    .sort();
  writeMembers(stream, members, names, (name, value) => {
    if (name !== 'policies' || !Array.isArray(value)) return false;
    writePolicies(stream, value);
    return true;
  });
  return stream.digest();
}

/**
 * `{…}` of the object's members `names` (in that order) that are not `undefined`; `write` may
 * write a member's value itself (returning true), else the general canonical writer does.
 */
function writeMembers(
  stream: CanonicalHashStream,
  object: Record<string, unknown>,
  names: readonly string[],
  write: (name: string, value: unknown) => boolean,
): void {
  stream.raw('{');
  let first = true;
  for (const name of names) {
    const value = object[name];
    if (value === undefined) continue;
    stream.raw((first ? '' : ',') + jsonString(name) + ':');
    first = false;
    if (!write(name, value)) stream.value(value);
  }
  stream.raw('}');
}

/** The `policies` list: each policy's members in sorted order, its `items` one by one. */
function writePolicies(stream: CanonicalHashStream, policies: readonly unknown[]): void {
  stream.raw('[');
  for (let p = 0; p < policies.length; p++) {
    if (p > 0) stream.raw(',');
    const policy = policies[p];
    if (!isKeyedObject(policy)) {
      stream.raw(canonicalText(policy));
      continue;
    }
    writeMembers(stream, policy, Object.keys(policy).sort(), (name, value) => {
      if (name !== 'items' || !Array.isArray(value)) return false;
      stream.raw('[');
      for (let i = 0; i < value.length; i++) stream.raw(i === 0 ? canonicalItem(value[i]) : ',' + canonicalItem(value[i]));
      stream.raw(']');
      return true;
    });
  }
  stream.raw(']');
}

/** An object the canonical writer treats member by member (not null, a list or a date). */
function isKeyedObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);
}

/**
 * The canonical text of one plan item. Fast path: an item in its documented form
 * (`documentedItemShape`) is written member by member in sorted name order — `action approvers
 * effect fields flapping gate id key kind precondition reason side warnings` — with its
 * `fields` and `reason` likewise. Anything else is written by `canonicalText`; both give the
 * same text. Members that repeat from item to item (kind, action, gate, a reason's message…)
 * reuse the text of the item before when their value is the same (`repeatedText`), and so do
 * the runs of constant text between the values that vary (id, key, fields, precondition): the
 * head up to `fields` (`itemHead`), `gate` and `id`'s name, `kind` and `precondition`'s name,
 * the reason and the side (`reasonSideText`). A plain string's quotes are joined to the text
 * around it. Why: the hash flattens every piece of the joined text before it hashes it, so
 * fewer, longer pieces cost less twice (measured at 1M records a side: the plan hash phase
 * 200 → 165 ms of CPU).
 */
function canonicalItem(value: unknown): string {
  const shape = documentedItemShape(value);
  if (shape < 0) return canonicalText(value);
  const item = value as PlanItem;
  let text = itemHead(item.action, item.approvers, item.effect) + canonicalFields(item.fields);
  if (shape & ITEM_HAS_FLAPPING) text += ',"flapping":' + canonicalText(item.flapping);
  const gate = repeatedText(GATE, item.gate);
  if (gate !== lastGate) {
    lastGate = gate;
    gateId = ',"gate":' + gate + ',"id":';
    gateIdQuote = gateId + '"';
  }
  const id = item.id;
  const idPlain = typeof id === 'string' && !isEscaped(id);
  const kind = repeatedText(KIND, item.kind);
  if (kind !== lastKind) {
    lastKind = kind;
    kindPrecondition = ',"kind":' + kind + ',"precondition":';
  }
  // id, key, kind: a plain id's closing quote joined to the text after it
  text += idPlain ? gateIdQuote + id + '","key":' + canonicalKey(item.key) : gateId + canonicalText(id) + ',"key":' + canonicalKey(item.key);
  const precondition = item.precondition;
  const reasonSide = reasonSideText(item.reason, item.side);
  text +=
    typeof precondition === 'string' && !isEscaped(precondition)
      ? kindPrecondition + '"' + precondition + '","reason":' + reasonSide
      : kindPrecondition + canonicalText(precondition) + ',"reason":' + reasonSide;
  if (shape & ITEM_HAS_WARNINGS) text += ',"warnings":' + canonicalText(item.warnings);
  return text + '}';
}

/**
 * `REASON,"side":SIDE` (after `"reason":`): the same for the items one rule decides, so made
 * once while the reason's members and the side repeat (when they are all plain values).
 */
function reasonSideText(reason: unknown, side: unknown): string {
  if (!isDocumentedReason(reason)) return canonicalText(reason) + ',"side":' + repeatedText(SIDE, side);
  const { rule, at, because, message } = reason;
  if (rule === lastRule && at === lastAt && because === lastBecause && message === lastMessage && side === lastSide && lastReasonSide !== '') return lastReasonSide;
  const text = canonicalReason(reason) + ',"side":' + repeatedText(SIDE, side);
  if (hasFixedJsonText(rule) && hasFixedJsonText(at) && hasFixedJsonText(because) && (message === undefined || hasFixedJsonText(message)) && hasFixedJsonText(side)) {
    lastRule = rule;
    lastAt = at;
    lastBecause = because;
    lastMessage = message;
    lastSide = side;
    lastReasonSide = text;
  }
  return text;
}

let lastRule: unknown = undefined;
let lastAt: unknown = undefined;
let lastBecause: unknown = undefined;
let lastMessage: unknown = undefined;
let lastSide: unknown = undefined;
let lastReasonSide = '';


/** The texts made for the last gate and kind: `,"gate":GATE,"id":` (and with a quote after), `,"kind":KIND,"precondition":`. */
let lastGate = '';
let gateId = '';
let gateIdQuote = '';
let lastKind = '';
let kindPrecondition = '';

/**
 * `{"action":ACTION,"approvers":APPROVERS,"effect":EFFECT,"fields":`: the same for the items one
 * rule decides without an effect, so made once for them.
 */
function itemHead(action: unknown, approvers: unknown, effect: unknown): string {
  if (effect === null && action === headAction && approvers === headApprovers && headText !== '') return headText;
  const text = '{"action":' + repeatedText(ACTION, action) + ',"approvers":' + repeatedText(APPROVERS, approvers) + ',"effect":' + canonicalText(effect) + ',"fields":';
  if (effect === null && (action === null || typeof action === 'string') && (approvers === null || typeof approvers === 'string')) {
    headAction = action;
    headApprovers = approvers;
    headText = text;
  }
  return text;
}

let headAction: unknown = undefined;
let headApprovers: unknown = undefined;
let headText = '';

/**
 * An item's `key`: a plain object of one member (the usual key) as `{"NAME":VALUE}`, the head
 * made for the key before reused; any other key by `canonicalText`.
 */
function canonicalKey(key: unknown): string {
  if (key === null || typeof key !== 'object' || Array.isArray(key) || key instanceof Date) return canonicalText(key);
  const names = Object.keys(key);
  if (names.length !== 1) return canonicalText(key);
  const name = names[0]!;
  const member = (key as Record<string, unknown>)[name];
  if (member === undefined) return '{}';
  if (name !== keyName) {
    keyName = name;
    keyHead = '{' + jsonString(name) + ':';
    keyHeadQuote = keyHead + '"';
  }
  return typeof member === 'string' && !isEscaped(member) ? keyHeadQuote + member + '"}' : keyHead + canonicalText(member) + '}';
}

let keyName: string | null = null;
let keyHead = '';
let keyHeadQuote = '';

/** `repeatedText` slots: the members whose values repeat from item to item. */
const ACTION = 0;
const APPROVERS = 1;
const GATE = 2;
const KIND = 3;
const SIDE = 4;
const AT = 5;
const BECAUSE = 6;
const MESSAGE = 7;

/** The last string seen in each slot, and its text. */
const lastStrings: (string | null)[] = [null, null, null, null, null, null, null, null];
const lastTexts: string[] = ['', '', '', '', '', '', '', ''];

/**
 * `canonicalText(value)`, for a string the text made for the last same string in its slot.
 * Why: a plan's items share a handful of kinds, actions, gates and reasons, and deciding each
 * string's escaping anew (a regular expression call) was a fifth of the hash's cost.
 */
function repeatedText(slot: number, value: unknown): string {
  if (typeof value !== 'string') return canonicalText(value);
  if (value === lastStrings[slot]) return lastTexts[slot]!;
  const text = jsonString(value);
  lastStrings[slot] = value;
  lastTexts[slot] = text;
  return text;
}

/** An item's `fields`: each `{ path, desired, actual }` as `{"actual":…,"desired":…,"path":…}`. */
function canonicalFields(fields: unknown): string {
  if (!Array.isArray(fields)) return canonicalText(fields);
  const length = fields.length;
  if (length === 0) return '[]';
  // each element with what comes before it (`[` or `,`) joined to its first constant text
  let text = '';
  for (let i = 0; i < length; i++) {
    const field: unknown = fields[i];
    text += isDocumentedField(field) ? canonicalField(i, field.path, field.desired, field.actual) : (i === 0 ? '[' : ',') + canonicalText(field);
  }
  return text + ']';
}

/** The texts that end a field of a given `path`: after a string value that needs no escaping (its closing quote included), and after any other value's text. */
interface PathEnds {
  path: string;
  /** `","path":PATH}` */
  afterString: string;
  /** `,"path":PATH}` */
  afterValue: string;
}

/**
 * The `PathEnds` of the field at each position of the last `fields` written: the items of a
 * policy list the same field names in the same order, so this is nearly always a hit.
 */
const pathEnds: PathEnds[] = [];

function pathEndsAt(position: number, path: string): PathEnds {
  const known = pathEnds[position];
  if (known !== undefined && known.path === path) return known;
  const afterValue = ',"path":' + jsonString(path) + '}';
  const ends: PathEnds = { path, afterString: '"' + afterValue, afterValue };
  // the first few hundred positions: a longer list is rare, and the entries stay small
  if (position < 256) pathEnds[position] = ends;
  return ends;
}

/**
 * One documented field's text. Strings that need no escaping and nulls (most values) are
 * written with their quotes inside the constant text around them, and the end (`path`) is the
 * text made for the same name at the same position before: a third of the string joins of
 * writing each value as its own quoted text, and these joins were most of the hash's cost.
 */
function canonicalField(position: number, path: unknown, desired: unknown, actual: unknown): string {
  const first = position === 0;
  if (typeof path !== 'string') {
    return (first ? '[{"actual":' : ',{"actual":') + valueText(actual) + ',"desired":' + valueText(desired) + ',"path":' + canonicalText(path) + '}';
  }
  const ends = pathEndsAt(position, path);
  const desiredIsPlain = typeof desired === 'string' && !isEscaped(desired);
  if (actual === null) {
    if (desiredIsPlain) return (first ? '[{"actual":null,"desired":"' : ',{"actual":null,"desired":"') + desired + ends.afterString;
    return (first ? '[{"actual":null,"desired":' : ',{"actual":null,"desired":') + valueText(desired) + ends.afterValue;
  }
  const head =
    typeof actual === 'string' && !isEscaped(actual)
      ? (first ? '[{"actual":"' : ',{"actual":"') + actual + '","desired":'
      : (first ? '[{"actual":' : ',{"actual":') + valueText(actual) + ',"desired":';
  if (desired === null) return head + 'null' + ends.afterValue;
  if (desiredIsPlain) return head + '"' + desired + ends.afterString;
  return head + valueText(desired) + ends.afterValue;
}

/**
 * `canonicalText` of a field value, with the usual kinds (strings, numbers, null) first: a small
 * function the field writer inlines, where the general one is a call.
 */
function valueText(value: unknown): string {
  if (typeof value === 'string') return jsonString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? '' + value : 'null';
  return value === null ? 'null' : canonicalText(value);
}

/** An item's `reason`: `{ rule, at, because[, message] }` in sorted order. */
function canonicalReason(reason: unknown): string {
  if (!isDocumentedReason(reason)) return canonicalText(reason);
  return (
    '{"at":' +
    repeatedText(AT, reason.at) +
    ',"because":' +
    repeatedText(BECAUSE, reason.because) +
    (reason.message !== undefined ? ',"message":' + repeatedText(MESSAGE, reason.message) : '') +
    ',"rule":' +
    canonicalText(reason.rule) +
    '}'
  );
}
