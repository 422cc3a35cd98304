/**
 * The one reader of recon's ISO 8601 datetime grammar: `2026-11-26`, `2026-11-26T12:00`,
 * `2026-11-26 12:00:00.123456+01:00`, `T` (either case) or a space, a `.` or `,` fraction of any
 * length, `Z`/`z`, `±HH`, `±HHMM` or `±HH:MM`, spaces around the text and before the zone.
 *
 * Why one reader: the record reader (`canonicalInstant`, canonical text to the millisecond) and
 * the diff (`parseInstant`, instants to the nanosecond) must agree on which text is a datetime
 * and what its date, time and offset are, or a value the reader accepted could be read otherwise
 * when it is compared. Both take the instant to the second from `epochMillis` and add the
 * fraction at their own precision (milliseconds, nanoseconds).
 *
 * The callers' fast paths for what machines write (`...T12:00:00Z`, `.000Z`) stay with them
 * (`canonicalUtcFastPath`, `parseUtcText`): they accept only text this grammar reads alike, and
 * one shared check made the diff's, which reads the numbers as it checks them, slower.
 */

/** The parts of valid ISO 8601 datetime text (a real date, a time of day, an offset below 24 h). */
export interface IsoDateTimeParts {
  year: number;
  /** 1-12. */
  month: number;
  day: number;
  /** 0 when the text is a date alone (likewise `minute`, `second`). */
  hour: number;
  minute: number;
  second: number;
  /** The fraction of the second as written, all its digits; `''` when there is none. */
  fraction: string;
  /** True when the text names its zone (`Z` or an offset). */
  zoned: boolean;
  /** Minutes east of UTC (0 for `Z` and for no zone). */
  offsetMinutes: number;
}

const ISO_DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days in `month` (1-12) of the Gregorian `year`. */
export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1];
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * The parts of ISO 8601 datetime text (trimmed first), or null when the text does not follow the
 * grammar or names an impossible date, time of day or offset (`2026-02-30`, `24:00`, `+25:00`).
 */
export function readIsoDateTime(text: string): IsoDateTimeParts | null {
  const m = ISO_DATETIME.exec(text.trim());
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = m[11] === undefined ? 0 : Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return {
    year,
    month,
    day,
    hour,
    minute,
    second,
    fraction: m[7] ?? '',
    zoned: m[8] !== undefined || m[9] !== undefined,
    offsetMinutes,
  };
}

/**
 * The instant of the parts to the second (their fraction left out), in milliseconds since the
 * epoch: the offset taken off, a time without a zone read as UTC. Why one function: both callers
 * need it, and `Date.UTC` reads years 0-99 as 1900-1999 (where year 0's leap day is March 1st),
 * so the year is set as written.
 */
export function epochMillis(parts: IsoDateTimeParts): number {
  const date = new Date(0);
  date.setUTCFullYear(parts.year, parts.month - 1, parts.day);
  date.setUTCHours(parts.hour, parts.minute, parts.second, 0);
  return date.getTime() - parts.offsetMinutes * 60_000;
}
