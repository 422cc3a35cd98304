/**
 * A small Wadler-style document algebra and its renderer, for `recon fmt`.
 *
 * Why a document algebra: "a list on one line when it fits in 100 columns, else one element per
 * line" is a decision that depends on where the list ends up, which the AST printer does not
 * know. The printer describes the alternatives (groups, soft lines); the renderer picks, group by
 * group, the flat form when the rest of the line fits, exactly like Prettier's algorithm.
 *
 * Comments: a line comment runs to the end of its line, so a group that holds one can never be
 * flat. `propagateBreaks` marks such groups broken before rendering; the width of a trailing
 * comment is not counted when deciding whether a group fits (a long comment after a short list
 * does not break the list). A group broken by force breaks the groups around it, likewise.
 */

/** A line break in a broken group; a space (`soft: false`) or nothing (`soft: true`) in a flat one. */
export interface LineDoc {
  k: 'line';
  soft: boolean;
}
/** A line break in every layout; breaks every enclosing group. */
export interface HardlineDoc {
  k: 'hardline';
}
/** An empty line in a broken group; nothing in a flat one (a blank line the author left between elements). */
export interface BlankDoc {
  k: 'blank';
}
export interface IndentDoc {
  k: 'indent';
  doc: Doc;
}
/**
 * Printed flat when it fits on the rest of the line, else broken; `broken: true` forces the latter,
 * `keepFlat: true` the former (unless it holds a comment).
 */
export interface GroupDoc {
  k: 'group';
  doc: Doc;
  broken: boolean;
  keepFlat: boolean;
}
export interface IfBreakDoc {
  k: 'ifBreak';
  broken: Doc;
  flat: Doc;
}
/**
 * A `#` comment. Separated from text before it on the same line by one space; something after it
 * must start a new line (the printer always puts a line break after one). Breaks enclosing groups.
 */
export interface CommentDoc {
  k: 'comment';
  text: string;
}

export type Doc = string | Doc[] | LineDoc | HardlineDoc | BlankDoc | IndentDoc | GroupDoc | IfBreakDoc | CommentDoc;

export const line: LineDoc = { k: 'line', soft: false };
export const softline: LineDoc = { k: 'line', soft: true };
export const hardline: HardlineDoc = { k: 'hardline' };
export const blank: BlankDoc = { k: 'blank' };

export function indent(doc: Doc): IndentDoc {
  return { k: 'indent', doc };
}
export function group(doc: Doc, options: { broken?: boolean; keepFlat?: boolean } = {}): GroupDoc {
  return { k: 'group', doc, broken: options.broken ?? false, keepFlat: options.keepFlat ?? false };
}
export function ifBreak(broken: Doc, flat: Doc = ''): IfBreakDoc {
  return { k: 'ifBreak', broken, flat };
}
export function comment(text: string): CommentDoc {
  return { k: 'comment', text };
}

/**
 * Marks broken every group that contains a hard line break, a comment or a group broken by force
 * (`broken: true`); returns whether `doc` does.
 *
 * Why a forced break counts: a group printed flat around a broken one would leave the broken
 * one's lines hanging from a line that goes on after its closer (`{ rows: [` ... `] }`), indented
 * from where the outer group started rather than from the line that opens the inner one.
 */
export function propagateBreaks(doc: Doc): boolean {
  if (typeof doc === 'string') return false;
  if (Array.isArray(doc)) {
    let hard = false;
    for (const part of doc) if (propagateBreaks(part)) hard = true;
    return hard;
  }
  switch (doc.k) {
    case 'hardline':
    case 'comment':
      return true;
    case 'line':
    case 'blank':
      return false;
    case 'indent':
      return propagateBreaks(doc.doc);
    case 'ifBreak': {
      const a = propagateBreaks(doc.broken);
      const b = propagateBreaks(doc.flat);
      return a || b;
    }
    case 'group': {
      const hard = propagateBreaks(doc.doc);
      if (hard) doc.broken = true;
      return doc.broken;
    }
  }
}

type Mode = 'flat' | 'break';
interface Command {
  indent: number;
  mode: Mode;
  doc: Doc;
}

/**
 * Whether `next` printed flat fits in `width` columns together with what directly follows it on
 * the line: the rest up to its next line break or its next space. Stopping at a space keeps a call
 * like `changed("a")` in a long remediation rule flat: breaking it would not make the rule fit, it
 * would only scatter it; a list followed by `]`, `)` or `,` still counts those.
 */
function fits(next: Command, rest: Command[], width: number): boolean {
  let remaining = width;
  const stack: Command[] = [next];
  let restIndex = rest.length;
  let inRest = false;
  while (remaining >= 0) {
    let cmd = stack.pop();
    if (!cmd) {
      if (restIndex === 0) return true;
      cmd = rest[--restIndex]!;
      inRest = true;
    }
    const { doc, mode, indent: ind } = cmd;
    if (typeof doc === 'string') {
      const space = inRest ? doc.indexOf(' ') : -1;
      if (space >= 0) return remaining - space >= 0;
      remaining -= doc.length;
      continue;
    }
    if (Array.isArray(doc)) {
      for (let i = doc.length - 1; i >= 0; i--) stack.push({ indent: ind, mode, doc: doc[i]! });
      continue;
    }
    switch (doc.k) {
      case 'line':
        if (mode === 'break') return true;
        if (!doc.soft) remaining -= 1;
        break;
      case 'hardline':
        return true;
      case 'blank':
        if (mode === 'break') return true;
        break;
      case 'indent':
        stack.push({ indent: ind + 2, mode, doc: doc.doc });
        break;
      case 'group':
        stack.push({ indent: ind, mode: doc.broken ? 'break' : mode, doc: doc.doc });
        break;
      case 'ifBreak':
        stack.push({ indent: ind, mode, doc: mode === 'break' ? doc.broken : doc.flat });
        break;
      case 'comment':
        // a trailing comment ends the line; its width does not decide the layout
        return true;
    }
  }
  return false;
}

/**
 * Renders a document in `width` columns with two-space indentation. Lines never end in spaces.
 * Call `propagateBreaks` first (done here).
 */
export function render(doc: Doc, width: number): string {
  propagateBreaks(doc);
  const lines: string[] = [];
  let current = '';
  const newline = (ind: number): void => {
    lines.push(current.trimEnd());
    current = ' '.repeat(ind);
  };
  const stack: Command[] = [{ indent: 0, mode: 'break', doc }];
  while (stack.length > 0) {
    const { doc: d, mode, indent: ind } = stack.pop()!;
    if (typeof d === 'string') {
      current += d;
      continue;
    }
    if (Array.isArray(d)) {
      for (let i = d.length - 1; i >= 0; i--) stack.push({ indent: ind, mode, doc: d[i]! });
      continue;
    }
    switch (d.k) {
      case 'line':
        if (mode === 'flat') {
          if (!d.soft) current += ' ';
        } else {
          newline(ind);
        }
        break;
      case 'hardline':
        newline(ind);
        break;
      case 'blank':
        if (mode === 'break') newline(0);
        break;
      case 'indent':
        stack.push({ indent: ind + 2, mode, doc: d.doc });
        break;
      case 'group': {
        if (mode === 'flat' && !d.broken) {
          stack.push({ indent: ind, mode: 'flat', doc: d.doc });
          break;
        }
        const flat: Command = { indent: ind, mode: 'flat', doc: d.doc };
        const chosen: Mode = !d.broken && (d.keepFlat || fits(flat, stack, width - current.length)) ? 'flat' : 'break';
        stack.push({ indent: ind, mode: chosen, doc: d.doc });
        break;
      }
      case 'ifBreak':
        stack.push({ indent: ind, mode, doc: mode === 'break' ? d.broken : d.flat });
        break;
      case 'comment':
        current = current.trim() === '' ? current + d.text : current.trimEnd() + ' ' + d.text;
        break;
    }
  }
  lines.push(current.trimEnd());
  return lines.join('\n');
}

/** Renders a document on one line, every group flat (for interpolations inside strings). */
export function renderFlat(doc: Doc): string {
  if (typeof doc === 'string') return doc;
  if (Array.isArray(doc)) return doc.map(renderFlat).join('');
  switch (doc.k) {
    case 'line':
      return doc.soft ? '' : ' ';
    case 'hardline':
      return '\n';
    case 'blank':
      return '';
    case 'indent':
    case 'group':
      return renderFlat(doc.doc);
    case 'ifBreak':
      return renderFlat(doc.flat);
    case 'comment':
      return doc.text;
  }
}
