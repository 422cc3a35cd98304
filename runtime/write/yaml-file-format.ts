/**
 * Rewriting a YAML file (`yaml(path, items: "data.rows")`) so that comments and layout survive.
 *
 * Why two layers: records are edited through the `yaml` package's Document API — a changed value
 * is set on the record's node (`setIn`), which keeps the node's quoting style, its comments and
 * the order of its keys; a created record is a node built by `createNode`. But printing the whole
 * Document normalises things the file may have written otherwise (spacing before a comment, the
 * line breaks of a folded scalar), so for a block sequence (`- ` items) only the records that
 * changed are printed: each one's text replaces its own range in the file, a deleted record's
 * lines are cut out (comment lines above it stay), and created records are inserted after the
 * last one, indented like the others. Everything else keeps its bytes. A flow sequence
 * (`[ ... ]`) is printed whole through the Document API, with the indentation and spacing
 * detected from the file.
 *
 * The result is parsed back and compared with the intended records; if the spliced text does not
 * hold exactly them, the whole Document is printed instead. Records that carry an anchor (`&a`)
 * or are an alias (`*a`) are never edited or deleted: the change would reach other records.
 */
import { Document, isAlias, isMap, LineCounter, parseDocument, type Node as YamlNode, type ToStringOptions, type YAMLSeq } from 'yaml';
import { ConnectorError, type RawRecord } from '../connectors/connector.js';
import { itemsAt } from '../connectors/connector-support.js';
import { exactYamlValue, findSequence, inexactYamlNumbers, keepExactYamlIntegers, settleYamlRecord } from '../connectors/yaml-sequence.js';
import { ExactNumberReading } from '../connectors/exact-json-numbers.js';
import { isPlainObject } from '../expressions/own-properties.js';
import type { FileDocument, FileFormat, FileFormatInput } from './file-writer.js';
import { clone, sameValue, type RawEdit } from './raw-record-edits.js';
import { WriteError } from './writer.js';

interface Entry {
  /** Index into the sequence's original items, or -1 for an appended record. */
  original: number;
  value: unknown;
  state: 'same' | 'replaced' | 'removed';
}

/** Printing options that match the file: indentation, sequence indentation, flow padding; no folding. */
export function detectYamlStyle(text: string): ToStringOptions {
  let indent = 0;
  for (const match of text.matchAll(/^( +)[^\s#]/gm)) {
    if (indent === 0 || match[1].length < indent) indent = match[1].length;
  }
  if (indent === 0) indent = 2;
  const keyThenDash = /^( *)[^\s#-][^\n]*:[ \t]*\r?\n(?:[ \t]*(?:#[^\n]*)?\r?\n)*( *)- /m.exec(text);
  const indentSeq = keyThenDash ? keyThenDash[2].length > keyThenDash[1].length : true;
  const flow = /[[{]( ?)[^\s\]}]/.exec(text.replace(/#[^\n]*/g, ''));
  return { indent, indentSeq, lineWidth: 0, minContentWidth: 0, flowCollectionPadding: flow ? flow[1] === ' ' : true };
}

function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** The start of the run of blank lines directly above the line that starts at `lineStart` (`lineStart` when there are none). */
function blankLinesAbove(text: string, lineStart: number): number {
  let start = lineStart;
  while (start > 0) {
    const previous = lineStartOf(text, start - 1);
    if (!/^[ \t]*\r?\n$/.test(text.slice(previous, start))) break;
    start = previous;
  }
  return start;
}

/** The end of the run of blank lines that starts at `offset`, a line start (`offset` when there are none). */
function blankLinesBelow(text: string, offset: number): number {
  if (offset > 0 && text[offset - 1] !== '\n') return offset;
  let end = offset;
  for (;;) {
    const lineFeed = text.indexOf('\n', end);
    if (lineFeed < 0 || !/^[ \t]*\r?$/.test(text.slice(end, lineFeed))) return end;
    end = lineFeed + 1;
  }
}

class YamlDocument implements FileDocument {
  private readonly entries: Entry[];
  private readonly count: number;
  private readonly options: ToStringOptions;

  constructor(
    /** `\ufeff` when the file started with a byte-order mark (written back), else empty. */
    private readonly bom: string,
    private readonly text: string,
    private readonly document: Document.Parsed,
    private readonly sequence: YAMLSeq,
    values: readonly unknown[],
    private readonly itemsPath: string | undefined,
    private readonly label: string,
    private readonly file: string,
    private readonly lineCounter: LineCounter,
    /** Indexes of the records holding numbers no double holds exactly that the source does not carry as text: never matched. */
    private readonly unreadable: ReadonlySet<number>,
  ) {
    this.entries = values.map((value, i) => ({ original: i, value, state: 'same' }));
    this.count = values.length;
    this.options = detectYamlStyle(text);
  }

  get length(): number {
    return this.count;
  }

  forEachRecord(visit: (index: number, raw: RawRecord | null) => void): void {
    for (let i = 0; i < this.count; i++) {
      const value = this.entries[i].value;
      visit(i, isPlainObject(value) && !this.unreadable.has(i) ? value : null);
    }
  }

  recordAt(index: number): RawRecord | null {
    const entry = this.entries[index];
    return entry && entry.state !== 'removed' && isPlainObject(entry.value) ? entry.value : null;
  }

  private node(entry: Entry): YamlNode | null {
    return entry.original >= 0 ? ((this.sequence.items[entry.original] as YamlNode | null) ?? null) : null;
  }

  /** Refuses records that are aliases or carry an anchor: editing them would change others too. */
  private checkEditable(entry: Entry, what: string): void {
    const node = this.node(entry);
    if (node === null) return;
    const where = node.range ? `${this.file}:${this.lineCounter.linePos(node.range[0]).line}` : this.file;
    if (isAlias(node)) throw new WriteError(`${this.label}: ${where}: the record is an alias (*${node.source}); recon does not ${what} aliased records`, false);
    if (node.anchor) throw new WriteError(`${this.label}: ${where}: the record carries the anchor &${node.anchor}; recon does not ${what} anchored records`, false);
  }

  replace(index: number, raw: RawRecord, edits: readonly RawEdit[]): void {
    const entry = this.entries[index];
    this.checkEditable(entry, 'update');
    const node = this.node(entry);
    if (node !== null) {
      if (!isMap(node)) throw new WriteError(`${this.label}: ${this.file}: record ${index + 1} is not a mapping`, false);
      for (const edit of edits) {
        if (edit.remove) node.deleteIn(edit.path);
        else node.setIn(edit.path, edit.value !== null && typeof edit.value === 'object' ? this.document.createNode(clone(edit.value)) : edit.value);
      }
      if (!sameValue(exactYamlValue(node, this.document), raw)) {
        // The edits did not give the intended record (a key spelled differently in YAML, say): replace the node.
        const fresh = this.document.createNode(clone(raw)) as YamlNode;
        if (node.commentBefore) fresh.commentBefore = node.commentBefore;
        fresh.range = node.range;
        this.sequence.items[entry.original] = fresh;
      }
      entry.state = 'replaced';
    }
    entry.value = raw;
  }

  remove(index: number): void {
    const entry = this.entries[index];
    this.checkEditable(entry, 'delete');
    entry.state = 'removed';
  }

  append(raw: RawRecord): number {
    this.entries.push({ original: -1, value: raw, state: 'same' });
    return this.entries.length - 1;
  }

  /** The records the file must hold after the edits, for checking a rendering. */
  private expectedItems(): unknown[] {
    return this.entries.filter((entry) => entry.state !== 'removed').map((entry) => entry.value);
  }

  render(): string {
    if (!this.sequence.flow && this.sequence.items.length > 0) {
      const spliced = this.renderSpliced();
      if (spliced !== null) return this.bom + spliced;
    }
    return this.bom + this.renderWhole();
  }

  /** The whole Document printed, on a copy (render may be called again after a failed commit). */
  private renderWhole(): string {
    // The `yaml` package prints a number from its value, not its text: a number no double holds
    // exactly (`9007199254740993`) would be printed as another one, in records no edit touched.
    const inexact = inexactYamlNumbers(this.document.contents)[0];
    if (inexact !== undefined) {
      throw new WriteError(
        `${this.label}: ${this.file}: cannot rewrite the file without changing the number ${inexact.literal} (beyond double precision) it holds; nothing was written`,
        false,
      );
    }
    const copy = this.document.clone();
    const sequence = findSequence(copy.contents, this.itemsPath);
    if (sequence === null) throw new WriteError(`${this.label}: ${this.file}: internal error: the list of records was lost`, false);
    const removed = this.entries.filter((entry) => entry.original >= 0 && entry.state === 'removed').map((entry) => entry.original);
    for (const index of removed.sort((a, b) => b - a)) sequence.items.splice(index, 1);
    for (const entry of this.entries) {
      if (entry.original < 0 && entry.state !== 'removed') sequence.items.push(copy.createNode(clone(entry.value)));
    }
    // An empty list is written `[]` (there is no other way); the records it receives are
    // written one `- ` item each, as in a list that already held some, not as one flow list.
    if (this.sequence.items.length === 0 && sequence.items.length > 0) sequence.flow = false;
    return copy.toString(this.options);
  }

  /** Prints one record node alone, indented to `column`, without the comment lines above it. */
  private printNode(node: YamlNode, column: number, keepTrailingComment: boolean): string {
    const copy = node.clone() as YamlNode;
    keepExactYamlIntegers(copy);
    copy.commentBefore = undefined;
    copy.spaceBefore = false;
    if (!keepTrailingComment) copy.comment = undefined;
    const single = new Document();
    single.contents = copy;
    // An alias in the record (`plan: *b`) names an anchor set elsewhere in the file: printed
    // alone it is unresolved, which the library refuses by default. It is printed as written; the
    // spliced file is parsed back (with the anchor) and checked below.
    const printed = single.toString({ ...this.options, verifyAliasOrder: false }).replace(/\n$/, '');
    const pad = ' '.repeat(column);
    return printed
      .split('\n')
      .map((line, i) => (i === 0 || line === '' ? line : pad + line))
      .join('\n');
  }

  private renderSpliced(): string | null {
    const { text } = this;
    const eol = text.includes('\r\n') ? '\r\n' : '\n';
    const splices: { start: number; end: number; text: string }[] = [];
    const items = this.sequence.items as (YamlNode | null)[];
    const kept = this.entries.find((entry) => entry.original >= 0 && entry.state !== 'removed');
    const firstKept = kept === undefined ? items.length : kept.original;
    for (const entry of this.entries) {
      if (entry.original < 0 || entry.state === 'same') continue;
      const node = items[entry.original];
      const range = node?.range;
      if (!node || !range) return null;
      const lineStart = lineStartOf(text, range[0]);
      const prefix = text.slice(lineStart, range[0]);
      if (entry.state === 'removed') {
        if (!/^[ \t]*-[ \t]+$/.test(prefix)) return null;
        // A record owns the blank lines above it (as YAML's `spaceBefore` says): they go with it,
        // or deleting the middle record of a spaced list would leave a double blank line, and the
        // last one a blank line before what follows the list. Records deleted from the start of
        // the list take the blank lines below them instead, so the list still starts as it did.
        const beforeKept = entry.original < firstKept;
        const start = beforeKept ? lineStart : blankLinesAbove(text, lineStart);
        const end = beforeKept && firstKept < items.length ? blankLinesBelow(text, range[2]) : range[2];
        splices.push({ start, end, text: '' });
        continue;
      }
      if (!/^[ \t]*(?:-[ \t]+)?$/.test(prefix)) return null;
      const flowItem = isMap(node) && node.flow === true;
      const original = text.slice(range[0], range[1]);
      let printed = this.printNode(node, prefix.length, !flowItem);
      if (!flowItem && /\r?\n$/.test(original)) printed += '\n';
      splices.push({ start: range[0], end: range[1], text: printed.replace(/\n/g, eol) });
    }
    const appended = this.entries.filter((entry) => entry.original < 0 && entry.state !== 'removed');
    if (appended.length > 0) {
      const first = items[0];
      const last = items[items.length - 1];
      if (!first?.range || !last?.range) return null;
      const lineStart = lineStartOf(text, first.range[0]);
      const dash = text.slice(lineStart, first.range[0]);
      if (!/^[ \t]*-[ \t]+$/.test(dash)) return null;
      const at = last.range[2];
      const lastEntry = this.entries.find((entry) => entry.original === items.length - 1);
      const lastRemoved = lastEntry?.state === 'removed';
      // A deleted last record leaves the line break before its line in place.
      const afterBreak = lastRemoved || at === 0 || text[at - 1] === '\n';
      const printed = appended.map((entry) => dash + this.printNode(this.document.createNode(clone(entry.value)) as YamlNode, dash.length, true).replace(/\n/g, eol));
      splices.push({ start: at, end: at, text: (afterBreak ? '' : eol) + printed.join(eol) + eol });
    }
    splices.sort((a, b) => a.start - b.start || a.end - b.end);
    let out = '';
    let cursor = 0;
    for (const splice of splices) {
      if (splice.start < cursor) return null;
      out += text.slice(cursor, splice.start) + splice.text;
      cursor = splice.end;
    }
    out += text.slice(cursor);
    // A file that ended without a line break still does.
    if (!text.endsWith('\n') && out.endsWith('\n')) out = out.slice(0, out.endsWith('\r\n') ? -2 : -1);
    // Check: the new text must hold exactly the intended records.
    const check = parseDocument(out, { prettyErrors: false });
    if (check.errors.length > 0) return null;
    let items2: unknown;
    try {
      items2 = exactYamlValue(findSequence(check.contents, this.itemsPath), check);
    } catch {
      return null;
    }
    return sameValue(items2, this.expectedItems()) ? out : null;
  }
}

/** The `yaml` format: the list at the top level, or at the dotted `items` path. */
export const yamlFileFormat: FileFormat = {
  kind: 'yaml',
  options: { items: 'string' },
  parse(input: FileFormatInput): FileDocument {
    const { source, file } = input;
    // A byte-order mark is not YAML to the parser ("1:4: not valid YAML"): read without it, write it back.
    const bom = input.text.charCodeAt(0) === 0xfeff ? '\ufeff' : '';
    const text = bom ? input.text.slice(1) : input.text;
    const label = `source ${source.name}`;
    const itemsPath = input.options.get('items') as string | undefined;
    const lineCounter = new LineCounter();
    const document = parseDocument(text, { lineCounter, prettyErrors: false });
    const problem = document.errors[0];
    if (problem?.code === 'MULTIPLE_DOCS') {
      // the connector reads such a file (as one list of records); rewriting it is not supported
      throw new WriteError(
        `${label}: ${file} holds several YAML documents (separated by ---): recon reads them as one list of records but cannot rewrite such a file; keep the records in one document for recon to write them`,
        false,
      );
    }
    if (problem) {
      const pos = problem.linePos?.[0] ?? lineCounter.linePos(problem.pos[0]);
      const detail = problem.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      throw new WriteError(`${label}: ${file}:${pos.line}:${pos.col}: not valid YAML: ${detail}`, false);
    }
    let values: unknown[];
    try {
      values = itemsAt(source, document.toJS(), itemsPath);
    } catch (error) {
      if (error instanceof ConnectorError) throw new WriteError(error.message, false);
      throw new WriteError(`${label}: ${file}: ${error instanceof Error ? error.message : String(error)}`, false);
    }
    const sequence = findSequence(document.contents, itemsPath);
    if (sequence === null || sequence.items.length !== values.length) {
      throw new WriteError(`${label}: ${file}: cannot locate the list of records in the document`, false);
    }
    // numbers beyond double precision read as the connector reads them, so that the key index
    // finds the records the plan saw
    const exact = new ExactNumberReading(source);
    const unreadable = new Set<number>();
    values.forEach((value, i) => {
      if (isPlainObject(value) && settleYamlRecord(exact, sequence.items[i], value) !== null) unreadable.add(i);
    });
    return new YamlDocument(bom, text, document, sequence, values, itemsPath, label, file, lineCounter, unreadable);
  },
};
