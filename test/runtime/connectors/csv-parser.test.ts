/**
 * The shared udsv parser (`csvParser`): what its callers rely on beyond splitting rows.
 */
import { describe, expect, it } from 'vitest';
import { csvParser } from '../../../runtime/connectors/csv-parser.js';

describe('csvParser', () => {
  it('hands each row its own array of values (the fast path keeps a pair\'s first row past its callback)', () => {
    const rows: (string | undefined)[][] = [];
    csvParser(3, ',', '\n').stringArrs('\na,b,c\n"d ""e""",,f\ng,h,i\n', (values: (string | undefined)[]) => {
      rows.push(values);
    });
    expect(rows).toEqual([
      ['a', 'b', 'c'],
      ['d "e"', '', 'f'],
      ['g', 'h', 'i'],
    ]);
    expect(new Set(rows).size).toBe(3);
  });
});
