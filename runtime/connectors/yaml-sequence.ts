/**
 * The part of the `yaml` package the yaml connector and the yaml writer share: the Document
 * entry points and `findSequence`.
 *
 * Why its own module: `yaml` is about 260 KB of code, and the connector registry is loaded by
 * every `recon plan`; the connector imports this module when it first reads a YAML file, so a
 * plan of other sources never compiles or runs the package.
 */
import { isMap, isScalar, isSeq, type Document, type Node as YamlNode, type YAMLSeq } from 'yaml';
import { holdsLargeNumber, isExactLiteral, type ExactNumberReading, type JsonPathStep } from './exact-json-numbers.js';

export { LineCounter, parseAllDocuments, parseDocument } from 'yaml';

/**
 * The sequence node at the dotted `items` path of a YAML document (null when there is none):
 * the connector takes its records' line numbers from it, the yaml writer edits it in place.
 */
export function findSequence(root: unknown, itemsPath: string | undefined): YAMLSeq | null {
  let node = root;
  if (itemsPath) {
    for (const name of itemsPath.split('.')) {
      if (isMap(node)) node = node.get(name, true);
      else if (isSeq(node) && /^(?:0|[1-9][0-9]*)$/.test(name)) node = node.items[Number(name)];
      else return null;
    }
  }
  return isSeq(node) ? node : null;
}

/**
 * True when the YAML number text `source` means exactly the double `value` it was read as — or
 * is not what `value` was read from (an edited scalar keeps its old `source`).
 */
function isExactYamlNumber(source: string, value: number): boolean {
  const text = source.startsWith('+') ? source.slice(1) : source;
  if (Number(text) !== value) return true;
  if (/^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(text)) return isExactLiteral(text, value);
  if (/^0x[0-9a-fA-F]+$|^0o[0-7]+$/.test(text)) return Number.isInteger(value) && BigInt(text) === BigInt(value);
  return true; // `.inf`, `.nan`: meant as they are read
}

/**
 * The number scalars under `node` (a record's node) whose text no double holds exactly
 * (`9007199254740993`, `0x20000000000001`), with their paths from it — YAML's counterpart of
 * `findInexactLiterals`: the `yaml` package reads such a number as the nearest double, as
 * `JSON.parse` does, so the yaml connector and writer settle them as the json ones do.
 */
export function inexactYamlNumbers(node: unknown): { path: JsonPathStep[]; literal: string }[] {
  const found: { path: JsonPathStep[]; literal: string }[] = [];
  const walk = (current: unknown, path: JsonPathStep[]): void => {
    if (isMap(current)) {
      for (const pair of current.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (typeof key === 'string' || typeof key === 'number') walk(pair.value, [...path, String(key)]);
      }
    } else if (isSeq(current)) {
      current.items.forEach((item, i) => walk(item, [...path, i]));
    } else if (isScalar(current) && typeof current.value === 'number' && typeof current.source === 'string' && !isExactYamlNumber(current.source, current.value)) {
      found.push({ path, literal: current.source });
    }
  };
  walk(node, []);
  return found;
}

/**
 * Settles a record read from YAML (`value`, from `node`) as `ExactNumberReading.settle` does:
 * null when it holds no number the source cannot carry as text (carried ones now hold their
 * text), else the problem. Cheap when the record holds no number of 2^53 or more.
 */
export function settleYamlRecord(reading: ExactNumberReading, node: unknown, value: Record<string, unknown>): string | null {
  if (!holdsLargeNumber(value)) return null;
  const literals = inexactYamlNumbers(node);
  return literals.length === 0 ? null : reading.settle(value, literals);
}

/**
 * The JS value of a node with every number no double holds exactly as its text (as records read
 * by `settleYamlRecord` hold them): what the yaml writer checks its edits against.
 */
export function exactYamlValue(node: YamlNode | null | undefined, document: Document): unknown {
  if (node === null || node === undefined) return undefined;
  const value: unknown = node.toJS(document);
  if (!holdsLargeNumber(value)) return value;
  for (const { path, literal } of inexactYamlNumbers(node)) {
    if (path.length === 0) return literal;
    let parent: unknown = value;
    for (const step of path.slice(0, -1)) parent = parent === null || typeof parent !== 'object' ? undefined : (parent as Record<string, unknown>)[step as string];
    const last = path[path.length - 1]!;
    if (parent !== null && typeof parent === 'object' && typeof (parent as Record<string, unknown>)[last as string] === 'number') {
      (parent as Record<string, unknown>)[last as string] = literal;
    }
  }
  return value;
}

/**
 * Makes the integers under `node` (a copy about to be printed) that no double holds exactly
 * print as written: the `yaml` package prints a number from its value, so `9007199254740993`
 * would print as `9007199254740992`; a BigInt of its digits prints them. Other such numbers
 * (`0x…`, fractions) are left: the writer's check of the printed text then refuses to write.
 */
export function keepExactYamlIntegers(node: unknown): void {
  if (isMap(node)) {
    for (const pair of node.items) keepExactYamlIntegers(pair.value);
  } else if (isSeq(node)) {
    for (const item of node.items) keepExactYamlIntegers(item);
  } else if (isScalar(node) && typeof node.value === 'number' && typeof node.source === 'string' && /^[-+]?\d+$/.test(node.source)) {
    if (!isExactYamlNumber(node.source, node.value)) node.value = BigInt(node.source);
  }
}
