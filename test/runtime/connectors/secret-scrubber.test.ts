import { describe, expect, it } from 'vitest';
import { showConnectionString } from '../../../runtime/connectors/postgres-client.js';
import { SecretScrubber } from '../../../runtime/connectors/secret-scrubber.js';

describe('secret scrubber', () => {
  it('removes every known secret, longest first, also URL-encoded', () => {
    const scrubber = new SecretScrubber();
    scrubber.add(['p@ss word/1', 'ab', '']);
    expect(scrubber.scrub('user p@ss word/1 and p%40ss%20word%2F1 and p%40ss+word%2F1 and abc')).toBe('user *** and *** and *** and ***c');
    expect(scrubber.scrubValue({ 'key-ab': ['ab', 1] })).toEqual({ 'key-***': ['***', 1] });
  });

  it('removes a secret as a JSON string quotes it, and as the URL parser encodes it in a path, a query or a password', () => {
    const secret = `a b'c"d\\e<f>`;
    const scrubber = new SecretScrubber();
    scrubber.add([secret]);
    const inUrl = (text: string): string => {
      const url = new URL(`http://h/${text}?t=${text}`);
      url.password = text;
      return url.href;
    };
    expect(scrubber.scrub(inUrl(secret))).toBe('http://:***@h/***?t=***');
    expect(scrubber.scrub(JSON.stringify({ auth: `Bearer ${secret}` }))).toBe('{"auth":"Bearer ***"}');
  });

  it('ignores empty secrets and leaves text alone when none is known', () => {
    const scrubber = new SecretScrubber();
    expect(scrubber.empty).toBe(true);
    scrubber.add(['']);
    expect(scrubber.scrub('nothing to hide')).toBe('nothing to hide');
  });

  it('names a database without its password', () => {
    const scrubber = new SecretScrubber();
    expect(showConnectionString('postgres://app:hunter2@db.example:5432/sales?sslmode=require', scrubber)).toBe('postgres://app@db.example:5432/sales');
    expect(showConnectionString('host=db user=app password=hunter2', scrubber)).toBe('the database (connection string not shown)');
  });
});
