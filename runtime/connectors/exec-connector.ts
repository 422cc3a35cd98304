/**
 * `exec("program", ["arg", ...], items: "items", timeout: 30s)`: reads the JSON a program prints
 * (`kubectl get pods -o json`, a cloud CLI, a script of the workspace).
 *
 * Why this shape:
 * - Never a shell: the program and its arguments are an argv (`program-runner.ts`), so nothing
 *   in an argument is interpreted. The program runs in the folder of the `.recon` file that
 *   declares the source (relative program paths and file arguments mean what they say there),
 *   with the environment recon runs in (less `WITHHELD_VARIABLES`: the approval signing key).
 * - The output is one JSON document (the list at `items`, or the document itself), or — when it
 *   is not — JSON Lines: one object a line, as streaming tools print them. Numbers no double
 *   holds exactly are read as the json connector reads them (`exact-json-numbers.ts`).
 * - A non-zero exit, a timeout (default 60 s; the whole process group is stopped) or output that
 *   is not JSON fails the read with a one-line error quoting the end of stderr, every secret
 *   scrubbed (arguments may use `secret()`).
 * - Never in an untrusted context (the editor's preview of an untrusted workspace): refused
 *   before anything runs.
 */
import type { IrSource } from '../../language/ir/ir-types.js';
import { isPlainObject } from '../expressions/own-properties.js';
import { ConnectorError, type Connector, type ConnectorContext, type ConnectorFactory, type RecordBatch } from './connector.js';
import { batchesOfItems, describeKind, readOptions, sourceLabel, untrustedError } from './connector-support.js';
import {
  DEFAULT_EXEC_TIMEOUT_MS,
  programFolder,
  ProgramStartError,
  runFailure,
  runProgram,
  startFailure,
  type ProgramResult,
} from './program-runner.js';
import { ExactNumberReading, settleLineRecord, type InexactRecordProblem } from './exact-json-numbers.js';
import { readJsonItems } from './json-connector.js';
import { evaluateTracked, scrubbedMessage, SecretScrubber } from './secret-scrubber.js';
import { decodeUtf8, findInvalidUtf8, notUtf8Answer } from './utf8-text.js';

/** An argument as text: strings as they are, numbers and booleans as their JSON text. */
export function argumentText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

/**
 * The records of a program's output: one JSON document, else JSON Lines (with each value's line
 * text and 1-based line number, to read its numbers exactly: `exact-json-numbers.ts`); null when
 * neither.
 */
export function parseProgramOutput(text: string): { document: unknown } | { lines: unknown[]; texts: string[]; lineNumbers: number[] } | null {
  try {
    return { document: JSON.parse(text) };
  } catch {
    const all = text.split(/\r?\n/);
    const values: unknown[] = [];
    const texts: string[] = [];
    const lineNumbers: number[] = [];
    for (let i = 0; i < all.length; i++) {
      const line = all[i]!;
      if (line.trim() === '') continue;
      try {
        values.push(JSON.parse(line));
      } catch {
        return null;
      }
      texts.push(line);
      lineNumbers.push(i + 1);
    }
    if (values.length < 2) return null;
    return { lines: values, texts, lineNumbers };
  }
}

class ExecConnector implements Connector {
  readonly canWrite: boolean;
  private readonly scrubber = new SecretScrubber();

  constructor(
    private readonly source: IrSource,
    private readonly context: ConnectorContext,
  ) {
    this.canWrite = (source.write?.ops.length ?? 0) > 0;
  }

  private fail(message: string, transient = false): ConnectorError {
    return new ConnectorError(`${sourceLabel(this.source)}: ${this.scrubber.scrub(message)}`, this.source.connector.at, transient);
  }

  async *read(): AsyncGenerator<RecordBatch> {
    const { source, context, scrubber } = this;
    if (!context.trusted) throw untrustedError(source, 'exec');
    const options = readOptions(source, context, { items: 'string', timeout: 'number' }, scrubber);
    const args = source.connector.args;
    if (args.length < 1 || args.length > 2) {
      throw this.fail(`exec() takes a program and a list of arguments, got ${args.length} arguments`);
    }
    const evaluator = context.evaluateConnectorValue?.bind(context);
    let program: { value: unknown; redacted: unknown };
    let argv: { value: unknown; redacted: unknown } = { value: [], redacted: [] };
    try {
      program = evaluateTracked(args[0], scrubber, evaluator, (expr) => context.evaluate(expr));
      if (args.length === 2) argv = evaluateTracked(args[1], scrubber, evaluator, (expr) => context.evaluate(expr));
    } catch (error) {
      throw this.fail(`exec(): ${scrubbedMessage(error, scrubber)}`);
    }
    if (typeof program.value !== 'string' || program.value.trim() === '') throw this.fail('exec() needs the program to run (text) as its first argument');
    if (!Array.isArray(argv.value)) throw this.fail(`exec(): the arguments must be a list, got ${describeKind(argv.value)}`);
    const texts = argv.value.map(argumentText);
    const bad = texts.findIndex((text) => text === null);
    if (bad >= 0) throw this.fail(`exec(): argument ${bad + 1} is ${describeKind(argv.value[bad])}, not text`);
    const shownProgram = scrubber.scrub(String(program.redacted));
    const timeoutMs = (options.get('timeout') as number | undefined) ?? DEFAULT_EXEC_TIMEOUT_MS;
    if (!(timeoutMs > 0)) throw this.fail('the timeout must be more than 0');

    let result: ProgramResult;
    try {
      result = await runProgram({
        program: program.value,
        args: texts as string[],
        cwd: programFolder(context.workspaceRoot, source.at),
        env: process.env,
        stdin: null,
        timeoutMs,
        signal: context.signal,
      });
    } catch (error) {
      if (error instanceof ProgramStartError) throw this.fail(startFailure(error, shownProgram, scrubber));
      throw error;
    }
    if (result.cancelled) throw this.fail('reading was cancelled');
    const failure = runFailure(result, shownProgram, timeoutMs, scrubber);
    if (failure !== null) throw this.fail(failure, result.timedOut);

    // decoded strictly: leniently, bytes that are not UTF-8 would become U+FFFD in the records
    const strict = decodeUtf8(result.stdout);
    if (strict === null) throw this.fail(notUtf8Answer(`the output of ${shownProgram}`, findInvalidUtf8(result.stdout)!));
    let text = strict;
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.trim() === '') throw this.fail(`${shownProgram} printed nothing (expected JSON)`);
    const parsed = parseProgramOutput(text);
    if (parsed === null) {
      const start = scrubber.scrub(text.trim().replace(/\s+/g, ' ').slice(0, 120));
      throw this.fail(`${shownProgram} did not print JSON: ${start}`);
    }
    const itemsPath = options.get('items') as string | undefined;
    const label = `the output of ${shownProgram}`;
    if ('document' in parsed) {
      const { items, problems } = readJsonItems(source, text, parsed.document, itemsPath, label);
      yield* batchesOfItems(source, context, items, undefined, { problems, label });
      return;
    }
    const exact = new ExactNumberReading(source);
    const problems = new Map<number, InexactRecordProblem>();
    parsed.lines.forEach((value, i) => {
      if (!isPlainObject(value)) return;
      const detail = settleLineRecord(exact, parsed.texts[i]!, value);
      if (detail !== null) problems.set(i, { detail, line: parsed.lineNumbers[i]! });
    });
    yield* batchesOfItems(source, context, parsed.lines, undefined, { problems, label });
  }
}

/** The `exec` connector factory. */
export const createExecConnector: ConnectorFactory = (source, context) => new ExecConnector(source, context);
