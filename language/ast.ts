/**
 * The typed AST of a `.recon` file: a discriminated union on `kind` (ARCHITECTURE.md convention 3).
 *
 * Why: every later phase (binder, checker, compiler, formatter, language server) reads this and
 * never the CST. Every node has `start`/`end`: 0-based offsets, `end` exclusive. A node that error
 * recovery had to invent is marked `missing: true` (its offsets are those of where it should be);
 * checks skip it so one syntax error does not cascade into many.
 */

export interface Span {
  start: number;
  end: number;
}

interface NodeBase extends Span {
  missing?: boolean;
}

/** A name as written (an identifier or contextual keyword). */
export interface Name extends NodeBase {
  kind: 'Name';
  text: string;
}

/** `NAME` or `module.NAME` (LANGUAGE.md `ref`). */
export interface Ref extends NodeBase {
  kind: 'Ref';
  module: Name | null;
  name: Name;
}

// ---------------------------------------------------------------- expressions

/** A string literal; `parts` alternate decoded text and interpolated expressions. */
export interface StringLiteral extends NodeBase {
  kind: 'String';
  parts: (string | Expr)[];
}

export interface NumberLiteral extends NodeBase {
  kind: 'Number';
  value: number;
  text: string;
}

/** `250ms`, `2m`: value in milliseconds. */
export interface DurationLiteral extends NodeBase {
  kind: 'Duration';
  value: number;
  text: string;
}

/** `10%`: value as a fraction (0.1). */
export interface PercentLiteral extends NodeBase {
  kind: 'Percent';
  value: number;
  text: string;
}

export interface BoolLiteral extends NodeBase {
  kind: 'Bool';
  value: boolean;
}

export interface NullLiteral extends NodeBase {
  kind: 'Null';
}

export interface ListLiteral extends NodeBase {
  kind: 'List';
  elements: Expr[];
}

export interface ObjectEntry extends NodeBase {
  kind: 'ObjectEntry';
  key: Name | StringLiteral;
  value: Expr;
}

export interface ObjectLiteral extends NodeBase {
  kind: 'Object';
  entries: ObjectEntry[];
}

/** A bare name in an expression: a field, a root, a let or a function. */
export interface NameRef extends NodeBase {
  kind: 'NameRef';
  name: Name;
}

/** `object.property` */
export interface MemberExpr extends NodeBase {
  kind: 'Member';
  object: Expr;
  property: Name;
}

/** `object[index]` */
export interface IndexExpr extends NodeBase {
  kind: 'Index';
  object: Expr;
  index: Expr;
}

export interface Argument extends NodeBase {
  kind: 'Argument';
  /** `name: value` for named options, null for positional arguments. */
  name: Name | null;
  value: Expr;
}

export interface CallExpr extends NodeBase {
  kind: 'Call';
  callee: Expr;
  args: Argument[];
}

export type BinaryOperator = 'or' | 'and' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'matches' | '+' | '-' | '*' | '/' | '%';

export interface BinaryExpr extends NodeBase {
  kind: 'Binary';
  operator: BinaryOperator;
  left: Expr;
  right: Expr;
}

export interface UnaryExpr extends NodeBase {
  kind: 'Unary';
  operator: 'not' | '-';
  operand: Expr;
}

/** `( expr )`, kept so the formatter preserves the author's grouping. */
export interface ParenExpr extends NodeBase {
  kind: 'Paren';
  expr: Expr;
}

export type Expr =
  | StringLiteral
  | NumberLiteral
  | DurationLiteral
  | PercentLiteral
  | BoolLiteral
  | NullLiteral
  | ListLiteral
  | ObjectLiteral
  | NameRef
  | MemberExpr
  | IndexExpr
  | CallExpr
  | BinaryExpr
  | UnaryExpr
  | ParenExpr;

// ---------------------------------------------------------------- paths

export type PathSegment =
  | { kind: 'field'; name: string; quoted: boolean; start: number; end: number }
  | { kind: 'index'; value: string | number; start: number; end: number };

/** A field path: `amount`, `metadata.labels.app`, `tags["cost-center"]`, `items[0].sku`, `"default"`. */
export interface Path extends NodeBase {
  kind: 'Path';
  segments: PathSegment[];
}

// ---------------------------------------------------------------- declarations

interface DeclBase extends NodeBase {
  /** The comment block directly above the declaration, without `#`, or null. */
  doc: string | null;
}

export interface ImportDecl extends DeclBase {
  kind: 'Import';
  path: StringLiteral;
  alias: Name | null;
}

export interface LetDecl extends DeclBase {
  kind: 'Let';
  name: Name;
  value: Expr;
}

export interface GroupDecl extends DeclBase {
  kind: 'Group';
  name: Name;
  members: ListLiteral;
}

export interface FromStmt extends NodeBase {
  kind: 'From';
  call: CallExpr;
}
export interface KeyStmt extends NodeBase {
  kind: 'Key';
  paths: Path[];
}
export interface FieldDecl extends NodeBase {
  kind: 'FieldDecl';
  name: Name | StringLiteral;
  type: Name;
}
export interface FieldsStmt extends NodeBase {
  kind: 'Fields';
  fields: FieldDecl[];
}
export interface SelectLine extends NodeBase {
  kind: 'SelectLine';
  name: Name | StringLiteral;
  value: Expr;
}
export interface SelectStmt extends NodeBase {
  kind: 'Select';
  lines: SelectLine[];
}
export interface WhereStmt extends NodeBase {
  kind: 'Where';
  condition: Expr;
}
/** `create POST "url"` or `update exec("prog", ["arg"])`. */
export interface WriteOp extends NodeBase {
  kind: 'WriteOp';
  op: Name;
  method: Name | null;
  url: StringLiteral | null;
  call: CallExpr | null;
}
export interface MapLine extends NodeBase {
  kind: 'MapLine';
  path: Path;
  value: Expr;
}
export interface MapBlock extends NodeBase {
  kind: 'Map';
  lines: MapLine[];
}
export interface WriteStmt extends NodeBase {
  kind: 'Write';
  items: (WriteOp | MapBlock)[];
}

export type SourceStmt = FromStmt | KeyStmt | FieldsStmt | SelectStmt | WhereStmt | WriteStmt;

export interface SourceDecl extends DeclBase {
  kind: 'Source';
  name: Name;
  statements: SourceStmt[];
}

export type Comparator =
  /** `exact`, `ignore`, `ignore_case`, or a misspelling for the checker to report. */
  | { kind: 'NamedComparator'; name: Name; start: number; end: number }
  | { kind: 'Within'; value: NumberLiteral | PercentLiteral | DurationLiteral; start: number; end: number }
  | { kind: 'Normalize'; normalizers: Normalizer[]; start: number; end: number }
  | { kind: 'Unordered'; by: Path | null; start: number; end: number }
  | { kind: 'ByComparator'; expr: Expr; start: number; end: number };

export interface Normalizer extends NodeBase {
  kind: 'Normalizer';
  name: Name;
  arg: NumberLiteral | null;
}

export interface CompareRule extends NodeBase {
  kind: 'CompareRule';
  path: Path;
  comparator: Comparator;
}

export interface ProfileDecl extends DeclBase {
  kind: 'Profile';
  name: Name;
  rules: CompareRule[];
}

export interface CompareDefault extends NodeBase {
  kind: 'CompareDefault';
  value: Name;
}
export interface CompareUse extends NodeBase {
  kind: 'CompareUse';
  profile: Ref;
}

export interface RemediationRule extends NodeBase {
  kind: 'Rule';
  on: Name;
  when: Expr | null;
  action: Name;
  /** The title of `ticket "title"`. */
  title: StringLiteral | null;
  /** `requires approval [from GROUP]`; null without. */
  approval: { start: number; end: number; group: Ref | null } | null;
  because: StringLiteral | null;
  until: StringLiteral | null;
}

export interface LimitEntry extends NodeBase {
  kind: 'LimitEntry';
  name: Name;
  value: NumberLiteral | PercentLiteral | Name;
}

export type PolicyStmt =
  | { kind: 'Description'; value: StringLiteral; start: number; end: number }
  | { kind: 'Owner'; value: StringLiteral; start: number; end: number }
  | { kind: 'Severity'; value: Name; start: number; end: number }
  | { kind: 'Mode'; value: Name; start: number; end: number }
  | { kind: 'Desired'; source: Ref; start: number; end: number }
  | { kind: 'Actual'; source: Ref; start: number; end: number }
  | { kind: 'Compare'; items: (CompareDefault | CompareUse | CompareRule)[]; start: number; end: number }
  | { kind: 'Remediate'; rules: RemediationRule[]; start: number; end: number }
  | { kind: 'Limits'; entries: LimitEntry[]; start: number; end: number }
  | { kind: 'Retry'; attempts: NumberLiteral; backoff: { min: DurationLiteral; max: DurationLiteral } | null; start: number; end: number }
  | { kind: 'Rate'; count: NumberLiteral; unit: Name; start: number; end: number }
  | { kind: 'Concurrency'; value: NumberLiteral; start: number; end: number }
  | { kind: 'Schedule'; every: DurationLiteral; start: number; end: number };

export interface PolicyDecl extends DeclBase {
  kind: 'Policy';
  name: Name;
  statements: PolicyStmt[];
}

export type ExpectEntry =
  | { kind: 'ExpectCount'; name: Name; count: NumberLiteral; start: number; end: number }
  /** `word` is what stood before the action: `action`, or a misspelling for the checker to report. */
  | { kind: 'ExpectAction'; word: Name; action: Name; key: Expr; requiresApproval: boolean; start: number; end: number };

export interface TestDecl extends DeclBase {
  kind: 'Test';
  name: StringLiteral;
  policy: Ref;
  desired: ListLiteral;
  actual: ListLiteral;
  /** `word` is `no_drift`, or a misspelling for the checker to report. */
  expect: { kind: 'NoDrift'; word: Name; start: number; end: number } | { kind: 'ExpectBlock'; entries: ExpectEntry[]; start: number; end: number };
}

export type Decl = ImportDecl | LetDecl | GroupDecl | SourceDecl | ProfileDecl | PolicyDecl | TestDecl;

export interface Comment extends Span {
  text: string;
}

export interface ReconFile extends NodeBase {
  kind: 'File';
  declarations: Decl[];
  /** Every comment of the file, in order (the formatter re-emits them). */
  comments: Comment[];
}

/** Any node that has a `kind`, for generic walkers. */
export type AnyNode = ReconFile | Decl | SourceStmt | PolicyStmt | Expr | Name | Ref | Path | Argument | ObjectEntry
  | FieldDecl | SelectLine | WriteOp | MapLine | MapBlock | CompareRule | CompareDefault | CompareUse | RemediationRule
  | LimitEntry | Normalizer;
