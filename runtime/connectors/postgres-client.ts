/**
 * What the `postgres` connector and writer share: the connection (string evaluated with secrets
 * tracked, a display name without password), how column types map to field types and values,
 * and one-line, secret-free error messages.
 *
 * Why a module of its own: reading (a cursor in a read-only transaction) and writing (statements
 * in bounded transactions) are different jobs, but both must open connections the same way, give
 * the same values for the same columns (a value the reader shows is a value the writer can write
 * back), and describe failures the same way.
 *
 * Column types and field types (values as records hold them):
 *
 * | column type                               | field type | value                              |
 * |-------------------------------------------|------------|------------------------------------|
 * | smallint, integer                          | integer    | number                             |
 * | bigint                                     | integer    | number (text beyond ±2^53-1)       |
 * | numeric, real, double precision, money*    | number     | number (text when digits would be lost, NaN, Infinity) |
 * | boolean                                    | bool       | true / false                       |
 * | timestamp, timestamptz                     | datetime   | ISO 8601 UTC text (`...Z`); a timestamp without zone is UTC |
 * | date                                       | datetime   | `YYYY-MM-DD` text                  |
 * | json, jsonb                                | json       | the parsed value                   |
 * | bytea                                      | string     | `\x...` hex text                   |
 * | anything else (text, varchar, uuid, interval, point, ...) | string | text, as PostgreSQL prints it |
 * | an array of any of these                   | json       | a list of the element values above |
 *
 * (*) money is text in PostgreSQL's own format and stays text.
 *
 * Why arrays are parsed element by element with the same parsers: node-postgres's own array
 * parsers give other values than its scalar ones — `bigint[]` as text always, `numeric[]` as
 * floats (digits lost), `date[]`/`timestamp[]` as `Date`s in the local time zone (a `date`
 * `2026-01-02` read as `2026-01-02T05:00:00Z` in New York), `bytea[]` as buffers — and
 * `interval`/`point` as objects a writer cannot send back. A column must read the same whether
 * it holds one value or a list of them, in any time zone.
 */
import { createRequire } from 'node:module';
import type pg from 'pg';
import type { IrSource } from '../../language/ir/ir-types.js';
import { canonicalInstant } from '../observe/field-coercion.js';
import type { IrFieldType } from '../../language/ir/ir-types.js';
import { sourceLabel } from './connector-support.js';
import type { SecretScrubber } from './secret-scrubber.js';

/** PostgreSQL type OIDs this module maps (from `pg_type`). */
export const PG_TYPE = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  json: 114,
  float4: 700,
  float8: 701,
  varchar: 1043,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
  point: 600,
  circle: 718,
  interval: 1186,
  byteaArray: 1001,
  int8Array: 1016,
  pointArray: 1017,
  dateArray: 1182,
  timestampArray: 1115,
  timestamptzArray: 1185,
  intervalArray: 1187,
  numericArray: 1231,
} as const;

/** The field type a column of type `oid` presents as (see the table in the module comment). */
export function columnFieldType(oid: number): IrFieldType {
  switch (oid) {
    case PG_TYPE.int2:
    case PG_TYPE.int4:
    case PG_TYPE.int8:
      return 'integer';
    case PG_TYPE.numeric:
    case PG_TYPE.float4:
    case PG_TYPE.float8:
      return 'number';
    case PG_TYPE.bool:
      return 'bool';
    case PG_TYPE.timestamp:
    case PG_TYPE.timestamptz:
    case PG_TYPE.date:
      return 'datetime';
    case PG_TYPE.json:
    case PG_TYPE.jsonb:
      return 'json';
    default:
      return 'string';
  }
}

function parseInt8(text: string): number | string {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : text;
}

/** Significant digits of a decimal text (`0012.3400` has 4). */
function significantDigits(text: string): number {
  const digits = text.replace(/^[+-]/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '');
  return digits.replace(/0+$/, '').length;
}

function parseNumeric(text: string): number | string {
  const value = Number(text);
  if (!Number.isFinite(value) || significantDigits(text) > 15) return text;
  return value === 0 ? 0 : value;
}

function parseTimestamp(text: string, withZone: boolean): string {
  const instant = canonicalInstant(withZone ? text : `${text}Z`);
  return instant ?? text;
}

const identity = (text: string): string => text;

/** pg-types' array parser (its `.d.ts` declares it as a plain function, which it is not). */
interface PgArrayParser {
  create(source: string, transform: (entry: string) => unknown): { parse(): unknown[] };
}

/** A parser of an array's text that maps each element (never NULL) with `element`. */
function arrayOf(element: (text: string) => unknown): (text: string) => unknown[] {
  return (text) => (loadPg().types.arrayParser as unknown as PgArrayParser).create(text, element).parse();
}

/**
 * The `pg` module, loaded on first use: loading it costs about 30 ms of start-up, which
 * commands and files without a postgres source should not pay. `pg` is CommonJS, so a
 * synchronous `require` keeps every caller as it is.
 */
let pgModule: typeof pg | undefined;
export function loadPg(): typeof pg {
  return (pgModule ??= createRequire(import.meta.url)('pg') as typeof pg);
}

/**
 * Type parsers for every query of the connector and writer: the module comment's table. Types
 * not named there keep node-postgres's own parsers (int/float/bool/json arrays become lists of
 * those values; text arrays lists of text).
 */
export const RECON_PG_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    if (format === 'binary') return loadPg().types.getTypeParser(oid, 'binary');
    switch (oid) {
      case PG_TYPE.int8:
        return parseInt8;
      case PG_TYPE.numeric:
        return parseNumeric;
      case PG_TYPE.timestamp:
        return (text: string) => parseTimestamp(text, false);
      case PG_TYPE.timestamptz:
        return (text: string) => parseTimestamp(text, true);
      case PG_TYPE.date:
      case PG_TYPE.bytea:
      case PG_TYPE.interval:
      case PG_TYPE.point:
      case PG_TYPE.circle:
        return identity;
      case PG_TYPE.int8Array:
        return arrayOf(parseInt8);
      case PG_TYPE.numericArray:
        return arrayOf(parseNumeric);
      case PG_TYPE.timestampArray:
        return arrayOf((text) => parseTimestamp(text, false));
      case PG_TYPE.timestamptzArray:
        return arrayOf((text) => parseTimestamp(text, true));
      case PG_TYPE.dateArray:
      case PG_TYPE.byteaArray:
      case PG_TYPE.intervalArray:
      case PG_TYPE.pointArray:
        return arrayOf(identity);
      default:
        return loadPg().types.getTypeParser(oid, 'text');
    }
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** The evaluated connection string, and how it may be named in messages. */
export interface PostgresTarget {
  connectionString: string;
  /** `postgres://user@host:5432/db`: no password, no secret. */
  shown: string;
}

/**
 * How a connection string is named in messages: user, host, port and database, never the
 * password (whether or not it came from `secret()`), and scrubbed of every secret.
 */
export function showConnectionString(connectionString: string, scrubber: SecretScrubber): string {
  try {
    const url = new URL(connectionString);
    if (url.password !== '') url.password = '';
    url.search = '';
    url.hash = '';
    return scrubber.scrub(url.toString());
  } catch {
    return 'the database (connection string not shown)';
  }
}

/**
 * The connection string of `source` (its first argument, evaluated with secrets tracked). A
 * password in it is a secret whether or not it came from `secret()`; when a secret gave the user
 * or database name (the whole string from `secret()`, say), that name is scrubbed from messages
 * too (a server repeats them: `database "..." does not exist`). `redacted` is the string as the
 * plan shows it (secrets as `***`): a name written in the file itself is shown there anyway, so
 * it is not scrubbed (`password authentication failed for user "app"`, not `user "***"`, and
 * a user named `postgres` does not turn the scheme into `***://`).
 */
export function postgresTarget(source: IrSource, connectionString: unknown, scrubber: SecretScrubber, fromSecret = false, redacted?: unknown): PostgresTarget {
  if (typeof connectionString !== 'string' || connectionString.trim() === '') {
    throw new PostgresConfigError(`${sourceLabel(source)}: postgres() needs a connection string (like "postgres://user@host:5432/db") as its first argument`);
  }
  if (!parsesAsConnectionString(connectionString)) {
    throw new PostgresConfigError(
      `${sourceLabel(source)}: the connection string is not valid (like "postgres://user@host:5432/db"; a port is a number, and special characters in the user or password are %-encoded); it is not shown, it may hold a password`,
    );
  }
  try {
    const url = new URL(connectionString);
    const parts = [url.password];
    if (fromSecret) {
      const shown = shownUrl(redacted);
      if (shown?.username !== url.username) parts.push(url.username);
      if (shown?.pathname !== url.pathname) parts.push(url.pathname.replace(/^\//, ''));
    }
    for (const part of parts) {
      if (part.length >= 3) scrubber.add([part, safeDecode(part)]);
    }
  } catch {
    // Not a URL (key=value form): node-postgres parses it; nothing of it is shown.
  }
  return { connectionString, shown: showConnectionString(connectionString, scrubber) };
}

/**
 * Whether node-postgres can parse `connectionString` (its own parser, `pg-connection-string`).
 * Why checked here: otherwise the parser's `TypeError: Invalid URL` escapes from `new Client()`
 * when connecting, and the run stops with `error: recon plan: Invalid URL`, no source named.
 */
function parsesAsConnectionString(connectionString: string): boolean {
  let parse: (text: string) => unknown;
  try {
    parse = (connectionStringParser ??= createRequire(createRequire(import.meta.url).resolve('pg'))('pg-connection-string') as { parse(text: string): unknown }).parse;
  } catch {
    return true; // the parser cannot be loaded: connecting reports what is wrong, as before
  }
  try {
    parse(connectionString);
    return true;
  } catch {
    return false;
  }
}
let connectionStringParser: { parse(text: string): unknown } | undefined;

/** The URL of a connection string as the plan shows it, or null. */
function shownUrl(redacted: unknown): URL | null {
  if (typeof redacted !== 'string') return null;
  try {
    return new URL(redacted);
  } catch {
    return null;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A mistake in the source's declaration (not a failure of the database). */
export class PostgresConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PostgresConfigError';
  }
}

/** A new client for `target` (not connected yet): recon's type parsers, a connect timeout. */
export function newClient(target: PostgresTarget): pg.Client {
  return new (loadPg().Client)({
    connectionString: target.connectionString,
    types: RECON_PG_TYPES,
    application_name: 'recon',
    connectionTimeoutMillis: 15_000,
  });
}

/**
 * Ends a client at once, whatever it is doing: `end()` alone waits for the server to close the
 * socket, which a server that stopped answering (or never finished the handshake) never does,
 * so the socket would keep the process alive. node-postgres's own connect timeout destroys the
 * socket the same way (its `connection.stream`).
 */
export function destroyClient(client: pg.Client): void {
  void client.end().catch(() => undefined);
  (client as unknown as { connection?: { stream?: { destroy?: (error: Error) => void } } }).connection?.stream?.destroy?.(new Error('timeout expired'));
}

/** PostgreSQL error fields node-postgres sets (`code` is the SQLSTATE). */
interface PgErrorFields {
  code?: string;
  detail?: string;
  hint?: string;
  position?: string;
  column?: string;
  table?: string;
}

/** Network failures of the socket itself (Node error codes). */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);

/**
 * Whether a failure may pass by itself: the network, the server going away or being overloaded
 * (SQLSTATE classes 08, 53, 57P0x), serialization failures and deadlocks (40001, 40P01).
 */
export function isTransientPgError(error: unknown): boolean {
  const code = (error as PgErrorFields | null)?.code;
  if (typeof code !== 'string') {
    const message = error instanceof Error ? error.message : '';
    return /Connection terminated|connection timeout|timeout expired/i.test(message);
  }
  if (NETWORK_CODES.has(code)) return true;
  return code.startsWith('08') || code.startsWith('53') || /^57P0[1-3]$/.test(code) || code === '40001' || code === '40P01';
}

/**
 * One line describing a database failure, every secret scrubbed: connection failures name the
 * server (`target.shown`), server errors give their message, detail, hint and SQLSTATE.
 */
export function describePgError(error: unknown, target: PostgresTarget, scrubber: SecretScrubber): string {
  const fields = (error ?? {}) as PgErrorFields;
  const code = fields.code;
  const base = error instanceof Error ? error.message : String(error);
  let message: string;
  if (code === 'ECONNREFUSED') message = `cannot connect to ${target.shown}: connection refused (is the server running?)`;
  else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') message = `cannot connect to ${target.shown}: unknown host`;
  else if (typeof code === 'string' && NETWORK_CODES.has(code)) message = `${target.shown}: network error (${code}): ${base}`;
  else if (/timeout expired|connection timeout/i.test(base)) message = `cannot connect to ${target.shown}: timed out`;
  else {
    const parts = [base];
    if (fields.detail) parts.push(`detail: ${fields.detail}`);
    if (fields.hint) parts.push(`hint: ${fields.hint}`);
    message = `${parts.join('; ')}${typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? ` [SQLSTATE ${code}]` : ''}`;
  }
  return scrubber.scrub(message.replace(/\s*\n\s*/g, ' '));
}
