/**
 * The Chevrotain `CstParser` of the grammar in LANGUAGE.md section 6, with error recovery on.
 *
 * Why a CST first: Chevrotain recovers from syntax errors by re-syncing and inserting tokens, and
 * the CST keeps what it could read; `ast-builder.ts` turns that into the typed AST and marks the
 * invented parts. There is one parser instance (ARCHITECTURE.md convention 2), reset per input.
 *
 * Reading guide: rule names follow the grammar; where the grammar says `NAME`, we consume the
 * token category `NameWord`, so contextual keywords (`key`, `desired`, ...) serve as names.
 */
import { CstParser, LLkLookaheadStrategy, type CstNode, type ILookaheadStrategy, type IOrAlt, type IToken, type IRecognitionException } from 'chevrotain';
import * as T from './tokens.js';

const K = T.Keyword;

/** The alternatives of one `OR`. */
type Alternatives = IOrAlt<unknown>[];

/** The members of Chevrotain's tree builder that `cstInvocationStateUpdate` uses. */
interface ChevrotainTreeBuilder {
  CST_STACK: CstNode[];
  setInitialNodeLocation(node: CstNode): void;
}

/** The most tokens any decision of the grammar looks ahead. */
const MAX_LOOKAHEAD = 3;

/**
 * Chevrotain's own LL(k) lookahead, each decision's function built when the decision is first
 * taken instead of for every decision of the grammar when the parser is built.
 *
 * Why: building them all was about a third of the parser's construction (≈ 10 ms, and most of
 * its garbage) in every command that loads the parser, and one file takes only some of the
 * grammar's decisions (a plan of the benchmark's file: ≈ 5 ms less CPU up to its IR, and no
 * young-generation growth at load). The functions are the ones Chevrotain builds (same
 * strategy, same options), so every parse is the same.
 */
class LazyLookaheadStrategy extends LLkLookaheadStrategy {
  override buildLookaheadForAlternation(options: Parameters<ILookaheadStrategy['buildLookaheadForAlternation']>[0]) {
    let built: ReturnType<ILookaheadStrategy['buildLookaheadForAlternation']> | undefined;
    const build = () => super.buildLookaheadForAlternation(options);
    return function (this: unknown, orAlts?: IOrAlt<unknown>[]) {
      return (built ??= build()).call(this, orAlts);
    };
  }

  override buildLookaheadForOptional(options: Parameters<ILookaheadStrategy['buildLookaheadForOptional']>[0]) {
    let built: ReturnType<ILookaheadStrategy['buildLookaheadForOptional']> | undefined;
    const build = () => super.buildLookaheadForOptional(options);
    return function (this: unknown) {
      return (built ??= build()).call(this);
    };
  }
}

class ReconParser extends CstParser {
  constructor() {
    super(T.allTokenTypes, {
      recoveryEnabled: true,
      maxLookahead: MAX_LOOKAHEAD,
      lookaheadStrategy: new LazyLookaheadStrategy({ maxLookahead: MAX_LOOKAHEAD }),
      // Node offsets let the AST builder take spans without walking subtrees.
      nodeLocationTracking: 'onlyOffset',
      skipValidations: process.env.RECON_VALIDATE_GRAMMAR !== '1',
    });
    this.performSelfAnalysis();
  }

  /**
   * Creates each CST node, replacing Chevrotain's own (an internal method of `CstParser`, same
   * name and contract: push a new node with its initial location on the CST stack).
   *
   * Why: Chevrotain makes a node's `children` with `Object.create(null)`, which V8 stores as a
   * hash table, several times larger than a plain object and slow to copy; on a large file the
   * parse then spends most of its time in garbage collection, and the AST builder in hash
   * lookups. A plain object holds the same keys (token and rule names, none of which is a name
   * of `Object.prototype`). If a Chevrotain release renamed the method this one would simply
   * not be called: the parse stays correct, only slower (a test checks it is in effect).
   */
  cstInvocationStateUpdate(fullRuleName: string): void {
    const internals = this as unknown as ChevrotainTreeBuilder;
    // `location` is set just below; naming it here keeps it inside the node object
    const node: CstNode = { name: fullRuleName, children: {}, location: undefined };
    internals.setInitialNodeLocation(node);
    internals.CST_STACK.push(node);
  }

  // Chevrotain's documented optimisation: the alternatives of each OR, and the bodies of each
  // MANY and OPTION, are built on the rule's first run and reused. Made anew at every call they
  // are arrays and closures for the garbage collector at almost every token.
  private readonly alternatives: Record<string, Alternatives> = {};
  private readonly bodies: Record<string, () => unknown> = {};

  file = this.RULE('file', () => {
    this.MANY((this.bodies.fileMany ??= () => {
      this.OR((this.alternatives.file ??= [
        { ALT: () => this.SUBRULE(this.importDecl) },
        { ALT: () => this.SUBRULE(this.letDecl) },
        { ALT: () => this.SUBRULE(this.groupDecl) },
        { ALT: () => this.SUBRULE(this.sourceDecl) },
        { ALT: () => this.SUBRULE(this.profileDecl) },
        { ALT: () => this.SUBRULE(this.policyDecl) },
        { ALT: () => this.SUBRULE(this.testDecl) },
      ]));
    }));
  });

  importDecl = this.RULE('importDecl', () => {
    this.CONSUME(K.import);
    this.SUBRULE(this.stringLiteral);
    this.OPTION((this.bodies.importDeclOption ??= () => {
      this.CONSUME(K.as);
      this.CONSUME(T.NameWord);
    }));
  });

  letDecl = this.RULE('letDecl', () => {
    this.CONSUME(K.let);
    this.CONSUME(T.NameWord);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expr);
  });

  groupDecl = this.RULE('groupDecl', () => {
    this.CONSUME(K.group);
    this.CONSUME(T.NameWord);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.list);
  });

  ref = this.RULE('ref', () => {
    this.CONSUME(T.NameWord);
    this.OPTION((this.bodies.refOption ??= () => {
      this.CONSUME(T.Dot);
      this.CONSUME2(T.NameWord);
    }));
  });

  // ------------------------------------------------------------ source

  sourceDecl = this.RULE('sourceDecl', () => {
    this.CONSUME(K.source);
    this.CONSUME(T.NameWord);
    this.CONSUME(T.LCurly);
    this.MANY((this.bodies.sourceDeclMany ??= () => {
      this.OR((this.alternatives.sourceDecl ??= [
        { ALT: () => this.SUBRULE(this.fromStmt) },
        { ALT: () => this.SUBRULE(this.keyStmt) },
        { ALT: () => this.SUBRULE(this.fieldsStmt) },
        { ALT: () => this.SUBRULE(this.selectStmt) },
        { ALT: () => this.SUBRULE(this.whereStmt) },
        { ALT: () => this.SUBRULE(this.writeStmt) },
      ]));
    }));
    this.CONSUME(T.RCurly);
  });

  fromStmt = this.RULE('fromStmt', () => {
    this.CONSUME(K.from);
    this.SUBRULE(this.call);
  });

  keyStmt = this.RULE('keyStmt', () => {
    this.CONSUME(K.key);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.path) });
  });

  fieldsStmt = this.RULE('fieldsStmt', () => {
    this.CONSUME(K.fields);
    this.CONSUME(T.LCurly);
    this.MANY((this.bodies.fieldsStmtMany ??= () => this.SUBRULE(this.fieldDecl)));
    this.CONSUME(T.RCurly);
  });

  fieldDecl = this.RULE('fieldDecl', () => {
    this.SUBRULE(this.fieldName);
    this.CONSUME(T.Colon);
    this.CONSUME(T.NameWord);
    this.OPTION((this.bodies.fieldDeclOption ??= () => this.CONSUME(T.Comma)));
  });

  selectStmt = this.RULE('selectStmt', () => {
    this.CONSUME(K.select);
    this.CONSUME(T.LCurly);
    this.MANY((this.bodies.selectStmtMany ??= () => this.SUBRULE(this.selectLine)));
    this.CONSUME(T.RCurly);
  });

  selectLine = this.RULE('selectLine', () => {
    this.SUBRULE(this.fieldName);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expr);
  });

  whereStmt = this.RULE('whereStmt', () => {
    this.CONSUME(K.where);
    this.SUBRULE(this.expr);
  });

  writeStmt = this.RULE('writeStmt', () => {
    this.CONSUME(K.write);
    this.CONSUME(T.LCurly);
    this.MANY((this.bodies.writeStmtMany ??= () => {
      this.OR((this.alternatives.writeStmt ??= [{ ALT: () => this.SUBRULE(this.mapBlock) }, { ALT: () => this.SUBRULE(this.writeOp) }]));
    }));
    this.CONSUME(T.RCurly);
  });

  /** `create POST "url"` | `create exec(...)`; the operation word is checked by the checker. */
  writeOp = this.RULE('writeOp', () => {
    this.CONSUME(T.Identifier);
    this.OR((this.alternatives.writeOp ??= [
      {
        ALT: () => {
          this.CONSUME2(T.Identifier);
          this.SUBRULE(this.stringLiteral);
        },
      },
      { ALT: () => this.SUBRULE(this.call) },
    ]));
  });

  mapBlock = this.RULE('mapBlock', () => {
    this.CONSUME(K.map);
    this.CONSUME(T.LCurly);
    this.MANY((this.bodies.mapBlockMany ??= () => this.SUBRULE(this.mapLine)));
    this.CONSUME(T.RCurly);
  });

  mapLine = this.RULE('mapLine', () => {
    this.SUBRULE(this.path);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expr);
  });

  // ------------------------------------------------------------ profile and policy

  profileDecl = this.RULE('profileDecl', () => {
    this.CONSUME(K.profile);
    this.CONSUME(T.NameWord);
    this.CONSUME(T.LCurly);
    this.MANY((this.bodies.profileDeclMany ??= () => this.SUBRULE(this.compareRule)));
    this.CONSUME(T.RCurly);
  });

  policyDecl = this.RULE('policyDecl', () => {
    this.CONSUME(K.policy);
    this.CONSUME(T.NameWord);
    this.CONSUME(T.LCurly);
    this.MANY((this.bodies.policyDeclMany ??= () => this.SUBRULE(this.policyStmt)));
    this.CONSUME(T.RCurly);
  });

  policyStmt = this.RULE('policyStmt', () => {
    this.OR((this.alternatives.policyStmt ??= [
      {
        ALT: () => {
          this.CONSUME(K.description);
          this.SUBRULE(this.stringLiteral);
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.owner);
          this.SUBRULE2(this.stringLiteral);
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.severity);
          this.CONSUME(T.NameWord);
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.mode);
          this.CONSUME2(T.NameWord);
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.desired);
          this.SUBRULE(this.ref);
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.actual);
          this.SUBRULE2(this.ref);
        },
      },
      { ALT: () => this.SUBRULE(this.compareBlock) },
      { ALT: () => this.SUBRULE(this.remediateBlock) },
      { ALT: () => this.SUBRULE(this.limitsBlock) },
      {
        ALT: () => {
          this.CONSUME(K.retry);
          this.CONSUME(T.NumberLiteral);
          this.OPTION((this.bodies.policyStmtOption ??= () => {
            this.CONSUME(K.backoff);
            this.CONSUME(T.Duration);
            this.CONSUME(T.DotDot);
            this.CONSUME2(T.Duration);
          }));
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.rate);
          this.CONSUME2(T.NumberLiteral);
          this.CONSUME(T.Slash);
          this.CONSUME3(T.NameWord);
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.concurrency);
          this.CONSUME3(T.NumberLiteral);
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.schedule);
          this.CONSUME(K.every);
          this.CONSUME3(T.Duration);
        },
      },
    ]));
  });

  compareBlock = this.RULE('compareBlock', () => {
    this.CONSUME(K.compare);
    this.CONSUME(T.LCurly);
    this.MANY((this.bodies.compareBlockMany ??= () => {
      this.OR((this.alternatives.compareBlock ??= [
        {
          ALT: () => {
            this.CONSUME(K.default);
            this.CONSUME(T.NameWord);
          },
        },
        {
          ALT: () => {
            this.CONSUME(K.use);
            this.SUBRULE(this.ref);
          },
        },
        { ALT: () => this.SUBRULE(this.compareRule) },
      ]));
    }));
    this.CONSUME(T.RCurly);
  });

  compareRule = this.RULE('compareRule', () => {
    this.SUBRULE(this.comparePath);
    this.SUBRULE(this.comparator);
  });

  comparator = this.RULE('comparator', () => {
    this.OR((this.alternatives.comparator ??= [
      {
        ALT: () => {
          this.CONSUME(K.within);
          this.OR2((this.alternatives.comparator2 ??= [
            { ALT: () => this.CONSUME(T.NumberLiteral) },
            { ALT: () => this.CONSUME(T.Percentage) },
            { ALT: () => this.CONSUME(T.Duration) },
          ]));
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.normalize);
          this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.normalizer) });
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.unordered);
          this.OPTION((this.bodies.comparatorOption ??= () => {
            this.CONSUME(K.by);
            this.SUBRULE(this.path);
          }));
        },
      },
      {
        ALT: () => {
          this.CONSUME2(K.by);
          this.SUBRULE(this.expr);
        },
      },
      { ALT: () => this.CONSUME(T.Identifier) },
    ]));
  });

  normalizer = this.RULE('normalizer', () => {
    this.CONSUME(T.NameWord);
    this.OPTION((this.bodies.normalizerOption ??= () => {
      this.CONSUME(T.LParen);
      this.CONSUME(T.NumberLiteral);
      this.CONSUME(T.RParen);
    }));
  });

  remediateBlock = this.RULE('remediateBlock', () => {
    this.CONSUME(K.remediate);
    this.CONSUME(T.LCurly);
    this.MANY((this.bodies.remediateBlockMany ??= () => this.SUBRULE(this.rule)));
    this.CONSUME(T.RCurly);
  });

  rule = this.RULE('rule', () => {
    this.CONSUME(K.on);
    this.CONSUME(T.NameWord);
    this.OPTION((this.bodies.ruleOption ??= () => {
      this.CONSUME(K.when);
      this.SUBRULE(this.expr);
    }));
    this.CONSUME(T.Arrow);
    this.CONSUME2(T.NameWord);
    this.OPTION2((this.bodies.ruleOption2 ??= () => this.SUBRULE(this.stringLiteral)));
    this.OPTION3((this.bodies.ruleOption3 ??= () => {
      this.CONSUME(K.requires);
      this.CONSUME(K.approval);
      this.OPTION4((this.bodies.ruleOption4 ??= () => {
        this.CONSUME(K.from);
        this.SUBRULE(this.ref);
      }));
    }));
    this.OPTION5((this.bodies.ruleOption5 ??= () => {
      this.CONSUME(K.because);
      this.SUBRULE2(this.stringLiteral);
    }));
    this.OPTION6((this.bodies.ruleOption6 ??= () => {
      this.CONSUME(K.until);
      this.SUBRULE3(this.stringLiteral);
    }));
  });

  limitsBlock = this.RULE('limitsBlock', () => {
    this.CONSUME(K.limits);
    this.CONSUME(T.LCurly);
    this.MANY((this.bodies.limitsBlockMany ??= () => this.SUBRULE(this.limitEntry)));
    this.CONSUME(T.RCurly);
  });

  limitEntry = this.RULE('limitEntry', () => {
    this.CONSUME(T.NameWord);
    this.OR((this.alternatives.limitEntry ??= [
      { ALT: () => this.CONSUME(T.NumberLiteral) },
      { ALT: () => this.CONSUME(T.Percentage) },
      { ALT: () => this.CONSUME2(T.NameWord) },
    ]));
  });

  // ------------------------------------------------------------ test

  testDecl = this.RULE('testDecl', () => {
    this.CONSUME(K.test);
    this.SUBRULE(this.stringLiteral);
    this.CONSUME(T.LCurly);
    this.CONSUME(K.policy);
    this.SUBRULE(this.ref);
    this.CONSUME(K.desired);
    this.SUBRULE(this.list);
    this.CONSUME(K.actual);
    this.SUBRULE2(this.list);
    this.CONSUME(K.expect);
    this.OR((this.alternatives.testDecl ??= [
      { ALT: () => this.CONSUME(T.Identifier) },
      {
        ALT: () => {
          this.CONSUME2(T.LCurly);
          this.MANY((this.bodies.testDeclMany ??= () => this.SUBRULE(this.expectEntry)));
          this.CONSUME2(T.RCurly);
        },
      },
    ]));
    this.CONSUME(T.RCurly);
  });

  expectEntry = this.RULE('expectEntry', () => {
    this.OR((this.alternatives.expectEntry ??= [
      {
        // action ACTION on KEY [requires approval]
        ALT: () => {
          this.CONSUME(T.Identifier);
          this.CONSUME(T.NameWord);
          this.CONSUME(K.on);
          this.OR2((this.alternatives.expectEntry2 ??= [
            { ALT: () => this.SUBRULE(this.stringLiteral) },
            { ALT: () => this.CONSUME(T.NumberLiteral) },
            { ALT: () => this.SUBRULE(this.list) },
          ]));
          this.OPTION((this.bodies.expectEntryOption ??= () => {
            this.CONSUME(K.requires);
            this.CONSUME(K.approval);
          }));
        },
      },
      {
        ALT: () => {
          this.CONSUME2(T.NameWord);
          this.CONSUME2(T.NumberLiteral);
        },
      },
    ]));
  });

  // ------------------------------------------------------------ paths and names

  fieldName = this.RULE('fieldName', () => {
    this.OR((this.alternatives.fieldName ??= [{ ALT: () => this.CONSUME(T.NameWord) }, { ALT: () => this.SUBRULE(this.stringLiteral) }]));
  });

  path = this.RULE('path', () => {
    this.SUBRULE(this.fieldName);
    this.pathSteps();
  });

  /** A compare rule's path: `default` and `use` start statements there, so they must be quoted. */
  comparePath = this.RULE('comparePath', () => {
    this.OR((this.alternatives.comparePath ??= [{ ALT: () => this.CONSUME(T.CompareFieldWord) }, { ALT: () => this.SUBRULE(this.stringLiteral) }]));
    this.pathSteps();
  });

  /**
   * The `.name` and `[index]` steps of `path` and `comparePath`, read into the path's own node
   * (not a rule: a node of their own for every path cost more than it told). They end both
   * rules, so error recovery re-syncs exactly as it would in a rule of their own. A bracket's
   * string is labelled `indexString`, apart from a quoted head.
   */
  private pathSteps(): void {
    this.MANY((this.bodies.pathSteps ??= () => {
      this.OR2((this.alternatives.pathSteps ??= [
        {
          ALT: () => {
            this.CONSUME(T.Dot);
            this.CONSUME(T.NameWord);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.LBracket);
            this.OR3((this.alternatives.pathIndex ??= [
              { ALT: () => this.SUBRULE2(this.stringLiteral, { LABEL: 'indexString' }) },
              { ALT: () => this.CONSUME(T.NumberLiteral) },
            ]));
            this.CONSUME(T.RBracket);
          },
        },
      ]));
    }));
  }

  // ------------------------------------------------------------ expressions

  call = this.RULE('call', () => {
    this.CONSUME(T.NameWord);
    this.CONSUME(T.LParen);
    this.OPTION((this.bodies.callOption ??= () => this.SUBRULE(this.args)));
    this.CONSUME(T.RParen);
  });

  args = this.RULE('args', () => {
    this.SUBRULE(this.arg);
    this.MANY((this.bodies.argsMany ??= () => {
      this.CONSUME(T.Comma);
      this.SUBRULE2(this.arg);
    }));
    this.OPTION((this.bodies.argsOption ??= () => this.CONSUME2(T.Comma)));
  });

  arg = this.RULE('arg', () => {
    this.OPTION((this.bodies.argOption ??= () => {
      this.CONSUME(T.NameWord);
      this.CONSUME(T.Colon);
    }));
    this.SUBRULE(this.expr);
  });

  /**
   * An expression is read flat — operands separated by binary operators — and the AST builder
   * applies the precedence of LANGUAGE.md section 3. Why: a rule per precedence level makes
   * Chevrotain build ten nested CST nodes for every literal, and the garbage dominates parse time.
   */
  expr = this.RULE('expr', () => {
    this.SUBRULE(this.operand);
    this.MANY((this.bodies.exprMany ??= () => {
      this.CONSUME(T.BinaryOperator);
      this.SUBRULE2(this.operand);
    }));
  });

  /** `{ not | - } primary { .name | [expr] | (args) }` */
  operand = this.RULE('operand', () => {
    this.MANY((this.bodies.operandMany ??= () => this.CONSUME(T.PrefixOperator)));
    this.SUBRULE(this.primary);
    this.MANY2((this.bodies.operandMany2 ??= () => {
      this.OR((this.alternatives.operand ??= [
        {
          ALT: () => {
            this.CONSUME(T.Dot);
            this.CONSUME(T.NameWord);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.LBracket);
            this.SUBRULE(this.expr);
            this.CONSUME(T.RBracket);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.LParen);
            this.OPTION((this.bodies.operandOption ??= () => this.SUBRULE(this.args)));
            this.CONSUME(T.RParen);
          },
        },
      ]));
    }));
  });

  primary = this.RULE('primary', () => {
    this.OR(
      (this.alternatives.primary ??= [
        { ALT: () => this.CONSUME(T.NameWord) },
        { ALT: () => this.SUBRULE(this.stringLiteral) },
        { ALT: () => this.CONSUME(T.NumberLiteral) },
        { ALT: () => this.CONSUME(T.Duration) },
        { ALT: () => this.CONSUME(T.Percentage) },
        { ALT: () => this.CONSUME(K.true) },
        { ALT: () => this.CONSUME(K.false) },
        { ALT: () => this.CONSUME(K.null) },
        { ALT: () => this.SUBRULE(this.list) },
        { ALT: () => this.SUBRULE(this.object) },
        {
          ALT: () => {
            this.CONSUME(T.LParen);
            this.SUBRULE(this.expr);
            this.CONSUME(T.RParen);
          },
        },
      ]),
    );
  });

  list = this.RULE('list', () => {
    this.CONSUME(T.LBracket);
    this.OPTION((this.bodies.listOption ??= () => {
      this.SUBRULE(this.expr);
      this.MANY((this.bodies.listMany ??= () => {
        this.CONSUME(T.Comma);
        this.SUBRULE2(this.expr);
      }));
      this.OPTION2((this.bodies.listOption2 ??= () => this.CONSUME2(T.Comma)));
    }));
    this.CONSUME(T.RBracket);
  });

  object = this.RULE('object', () => {
    this.CONSUME(T.LCurly);
    this.OPTION((this.bodies.objectOption ??= () => {
      this.SUBRULE(this.objectEntry);
      this.MANY((this.bodies.objectMany ??= () => {
        this.CONSUME(T.Comma);
        this.SUBRULE2(this.objectEntry);
      }));
      this.OPTION2((this.bodies.objectOption2 ??= () => this.CONSUME2(T.Comma)));
    }));
    this.CONSUME(T.RCurly);
  });

  objectEntry = this.RULE('objectEntry', () => {
    this.SUBRULE(this.fieldName);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.expr);
  });

  stringLiteral = this.RULE('stringLiteral', () => {
    this.CONSUME(T.StringStart);
    this.MANY((this.bodies.stringLiteralMany ??= () => {
      this.OR((this.alternatives.stringLiteral ??= [
        { ALT: () => this.CONSUME(T.StringText) },
        { ALT: () => this.CONSUME(T.StringEscapedInterpolation) },
        {
          ALT: () => {
            this.CONSUME(T.InterpolationStart);
            this.SUBRULE(this.expr);
            this.CONSUME(T.InterpolationEnd);
          },
        },
      ]));
    }));
    this.CONSUME(T.StringEnd);
  });
}

/** The one parser instance. */
const parser = new ReconParser();

export interface ParseResult {
  cst: CstNode;
  errors: IRecognitionException[];
}

/** Parses a token stream into a CST; never throws. */
export function parseTokens(tokens: IToken[]): ParseResult {
  parser.input = tokens;
  const cst = parser.file();
  return { cst, errors: [...parser.errors] };
}

/** Names of the grammar rules, for tests that each rule is exercised. */
export function grammarRuleNames(): string[] {
  return Object.keys(parser.getGAstProductions());
}
