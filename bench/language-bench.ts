/**
 * Language front-end benchmark (issue: parse + check + compile of a generated 10,000-line file).
 *
 * Prints lex+parse throughput in MB/s beside `JSON.parse` of a JSON document of the same size,
 * measured in the same run as the reference, and the full front end (parse, bind, check,
 * compile) in ms. Goals: lex+parse at no less than 1/4 of JSON.parse's MB/s; the full front end
 * under 60 ms.
 *
 * How it measures: run it bundled (`npm run bench`, or esbuild then node), never through tsx,
 * whose `__name` wrappers around every closure distort Chevrotain. After a warm-up, each subject
 * is called in blocks of consecutive calls, and the blocks of all subjects take turns three
 * times, so a busy machine slows all of them alike; a subject's figure is its best call. Calls
 * of one subject run back to back because the garbage of a heavier neighbour (a 10,000-line
 * front end leaves about 40 MB) would otherwise land in its time as a major collection. No
 * collection is forced between calls either: a forced full collection shrinks the young
 * generation, and the next call then pays for promoting its whole tree (about twice as slow
 * as in a process that has been running).
 */
import { lex } from '../language/lexer.js';
import { parseTokens } from '../language/parser.js';
import { parseFile } from '../language/parse-file.js';
import { MemoryModuleHost } from '../language/module-host.js';
import { compileFile } from '../language/pipeline.js';
import { parityPolicyAndTest, sourcePair } from './generated-policies.js';

/** A realistic policy file of about `lines` lines: sources, profiles, policies and tests. */
export function generateReconFile(lines: number): string {
  const parts: string[] = ['let big_payment = 10000', 'group leads = ["alice@example.com", "bob@example.com"]', ''];
  let i = 0;
  // no part holds a line break: the file has as many lines as parts
  while (parts.length < lines) {
    parts.push(
      ...sourcePair(i),
      `profile cash_${i} {`,
      `  amount within 0.005`,
      `  currency ignore_case`,
      `}`,
      ``,
      ...parityPolicyAndTest(i, { profile: `cash_${i}`, bigPayment: 'big_payment', leads: 'leads', pacing: true }),
    );
    i++;
  }
  return parts.join('\n');
}

/** A JSON document of about `bytes` bytes (an array of records). */
function generateJson(bytes: number): string {
  const items: unknown[] = [];
  let size = 2;
  let i = 0;
  while (size < bytes) {
    const item = { id: `t${i}`, amount: i * 1.25, currency: 'EUR', status: 'settled', tags: ['a', 'b'], nested: { ok: true, n: null } };
    size += JSON.stringify(item).length + 1;
    items.push(item);
    i++;
  }
  return JSON.stringify(items);
}

/** What one run measured: best times in ms, throughputs in MB/s (10^6 bytes). */
export interface LanguageBenchResult {
  lines: number;
  bytes: number;
  /** Lexing alone. */
  lexMs: number;
  /** Lexing and parsing to Chevrotain's CST. */
  lexParseMs: number;
  lexParseMBs: number;
  /** `JSON.parse` of a JSON document of the same size, the reference. */
  jsonMs: number;
  jsonMBs: number;
  /** lexParseMBs / jsonMBs; the goal is at least 0.25. */
  ratio: number;
  /** Text to AST with syntax diagnostics (`parseFile`). */
  parseFileMs: number;
  /** `compileFile`: load (parse, bind), check, compile, validate; the goal is under 60 ms. */
  frontEndMs: number;
  /** Timed calls per subject. */
  rounds: number;
}

/** The measured calls; `run` returns something so the work cannot be optimised away. */
interface Subject {
  name: string;
  run: () => unknown;
  best: number;
}

/** Runs the benchmark and prints its table; `lines` sizes the generated file. */
export function runLanguageBench(options: { lines?: number; rounds?: number; print?: boolean } = {}): LanguageBenchResult {
  const lineCount = options.lines ?? 10_000;
  const rounds = options.rounds ?? 30;
  const text = generateReconFile(lineCount);
  const bytes = Buffer.byteLength(text);
  const json = generateJson(bytes);
  const host = new MemoryModuleHost({ '/bench/recon.json': '{}', '/bench/big.recon': text });
  const compile = (): unknown => {
    const result = compileFile('/bench/big.recon', host);
    if (!result.ir) throw new Error('the generated file did not compile: ' + result.diagnostics.slice(0, 3).map((d) => d.message).join('; '));
    return result.ir;
  };
  const subjects: Subject[] = [
    { name: 'json', run: () => JSON.parse(json), best: Infinity },
    { name: 'lex', run: () => lex(text), best: Infinity },
    { name: 'lexParse', run: () => parseTokens(lex(text).tokens), best: Infinity },
    { name: 'parseFile', run: () => parseFile(text), best: Infinity },
    { name: 'frontEnd', run: compile, best: Infinity },
  ];
  for (let i = 0; i < 5; i++) for (const subject of subjects) subject.run(); // warm up
  let sink: unknown;
  const passes = 3;
  const callsPerBlock = Math.max(1, Math.ceil(rounds / passes));
  for (let pass = 0; pass < passes; pass++) {
    for (const subject of subjects) {
      for (let call = 0; call < callsPerBlock; call++) {
        const start = performance.now();
        sink = subject.run();
        subject.best = Math.min(subject.best, performance.now() - start);
      }
    }
  }
  if (sink === undefined) throw new Error('unreachable');
  const best = (name: string): number => subjects.find((s) => s.name === name)!.best;
  const mb = bytes / 1e6;
  const lexParseMs = best('lexParse');
  const jsonMs = best('json');
  const lexParseMBs = mb / (lexParseMs / 1000);
  const jsonMBs = Buffer.byteLength(json) / 1e6 / (jsonMs / 1000);
  const result: LanguageBenchResult = {
    lines: text.split('\n').length,
    bytes,
    lexMs: best('lex'),
    lexParseMs,
    lexParseMBs,
    jsonMs,
    jsonMBs,
    ratio: lexParseMBs / jsonMBs,
    parseFileMs: best('parseFile'),
    frontEndMs: best('frontEnd'),
    rounds: passes * callsPerBlock,
  };
  if (options.print !== false) printResult(result);
  return result;
}

function printResult(r: LanguageBenchResult): void {
  const mbs = (ms: number): string => `${(r.bytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s`;
  const row = (label: string, ms: number, extra = ''): string => `  ${label.padEnd(44)} ${ms.toFixed(1).padStart(7)} ms  ${extra}`;
  console.log(`language: ${r.lines} lines, ${(r.bytes / 1000).toFixed(0)} KB; best of ${r.rounds} calls each`);
  console.log(row('lex', r.lexMs, mbs(r.lexMs)));
  console.log(row('lex + parse (CST)', r.lexParseMs, mbs(r.lexParseMs)));
  console.log(row('JSON.parse, same size (reference)', r.jsonMs, `${r.jsonMBs.toFixed(1)} MB/s`));
  console.log(`  ratio lex+parse / JSON.parse: ${r.ratio.toFixed(3)} (goal >= 0.25)${r.ratio >= 0.25 ? '' : '  NOT MET'}`);
  console.log(row('parse to AST (parseFile)', r.parseFileMs));
  console.log(row('full front end (parse, bind, check, compile)', r.frontEndMs, `(goal < 60 ms)${r.frontEndMs < 60 ? '' : '  NOT MET'}`));
}

if (import.meta.url === `file://${process.argv[1]}`) runLanguageBench();
