/**
 * The canonical JSON writer and plan hash as they were before they were made fast (a frozen
 * copy, kept only for tests): the streaming, fast-path implementation must give the same text
 * and the same `plan_hash` for every value, or saved plans and approvals would stop verifying.
 */
import { createHash, type Hash } from 'node:crypto';

/** The canonical text, written the old way: one recursive writer, keys sorted per object. */
export function referenceCanonicalJson(value: unknown): string {
  const sink = new ReferenceSink(null);
  sink.write(value);
  return sink.text;
}

/** `sha256:` of the old canonical text, hashed in chunks as before. */
export function referenceSha256OfCanonical(value: unknown): string {
  const hash = createHash('sha256');
  const sink = new ReferenceSink(hash);
  sink.write(value);
  sink.flush();
  return 'sha256:' + hash.digest('hex');
}

/** The old `computePlanHash`: the plan without `observed_at` and `plan_hash`, as canonical JSON. */
export function referencePlanHash(plan: object): string {
  const { observed_at: _observedAt, ...rest } = plan as Record<string, unknown>;
  const hashed: Record<string, unknown> = { ...rest };
  delete hashed.plan_hash;
  return referenceSha256OfCanonical(hashed);
}

class ReferenceSink {
  text = '';
  constructor(private readonly hash: Hash | null) {}

  flush(): void {
    if (this.hash !== null && this.text.length > 0) {
      this.hash.update(this.text, 'utf8');
      this.text = '';
    }
  }

  write(value: unknown): void {
    if (value === null || value === undefined) {
      this.text += 'null';
      return;
    }
    switch (typeof value) {
      case 'string':
        this.text += JSON.stringify(value);
        return;
      case 'number':
        this.text += Number.isFinite(value) ? JSON.stringify(value) : 'null';
        return;
      case 'boolean':
        this.text += value ? 'true' : 'false';
        return;
      case 'bigint':
        this.text += JSON.stringify(value.toString());
        return;
      case 'function':
      case 'symbol':
        this.text += 'null';
        return;
      default:
        break;
    }
    if (value instanceof Date) {
      this.text += Number.isNaN(value.getTime()) ? 'null' : JSON.stringify(value.toISOString());
      return;
    }
    if (Array.isArray(value)) {
      this.text += '[';
      for (let i = 0; i < value.length; i++) {
        if (i > 0) this.text += ',';
        this.write(value[i]);
      }
      this.text += ']';
    } else {
      const object = value as Record<string, unknown>;
      const names = [...Object.keys(object)].sort();
      this.text += '{';
      let first = true;
      for (let i = 0; i < names.length; i++) {
        const member = object[names[i]!];
        if (member === undefined) continue;
        this.text += (first ? '' : ',') + JSON.stringify(names[i]) + ':';
        first = false;
        this.write(member);
      }
      this.text += '}';
    }
    if (this.text.length >= 1 << 16) this.flush();
  }
}
