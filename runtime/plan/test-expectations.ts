/**
 * Checks a policy test's `expect` against the decided plan of its records (LANGUAGE.md 2.4).
 *
 * Why separate from running: the expectations are pure over a policy plan, so their wording and
 * edge cases (composite keys, approval gates, `ignored` counts) are tested without any records.
 */
import type { IrFieldType, IrTest, IrTestKey } from '../../language/ir/ir-types.js';
import { coerceValue } from '../observe/field-coercion.js';
import type { PlanItem, PolicyPlan } from './change-plan.js';

/**
 * The declared types of the key fields (in key order) of the policy's two sources, `null` where a
 * source does not declare one. An expected key is written as the test's records are, so it is
 * coerced as they are: `on ["acme", "2026-11-01T00:00:00Z"]` finds the instant a `datetime` key
 * holds, `on 7` the text "7" of a `string` key.
 */
export interface TestKeyTypes {
  desired: readonly (IrFieldType | null)[];
  actual: readonly (IrFieldType | null)[];
}

/**
 * Every failed expectation of `test` over `plan`, one clear sentence each (with the `.recon`
 * location of the expectation); empty when the test passes.
 */
export function checkExpectations(test: IrTest, plan: PolicyPlan, keyTypes?: TestKeyTypes): string[] {
  const failures: string[] = [];
  const items = plan.items;
  if (test.expect.no_drift) {
    const drift = items.filter((item) => item.action !== 'ignore');
    if (drift.length > 0) {
      failures.push(
        `expected no drift, found ${drift.length} item${drift.length === 1 ? '' : 's'}: ${listItems(drift)} (${test.at})`,
      );
    }
    return failures;
  }
  for (const expected of test.expect.counts) {
    const matching =
      expected.kind === 'ignored' ? items.filter((item) => item.action === 'ignore') : items.filter((item) => item.kind === expected.kind);
    if (matching.length !== expected.count) {
      failures.push(
        `expected ${expected.kind} ${expected.count}, got ${matching.length}${matching.length > 0 ? `: ${listItems(matching)}` : ''} (${expected.at})`,
      );
    }
  }
  for (const expected of test.expect.actions) {
    const wanted = `action ${expected.action} on ${formatTestKey(expected.key)}${expected.requires_approval ? ' requires approval' : ''}`;
    const candidates = items.filter((item) => item.kind !== 'invalid' && keyMatches(item, expected.key, keyTypes));
    if (candidates.length === 0) {
      const keys = items.filter((item) => item.kind !== 'invalid').map((item) => formatItemKey(item));
      failures.push(`expected ${wanted}, but no item has that key${keys.length > 0 ? ` (items: ${keys.join(', ')})` : ' (no items)'} (${expected.at})`);
      continue;
    }
    const item = candidates[0];
    if (item.action !== expected.action) {
      failures.push(`expected ${wanted}, got ${item.action} (${describeDecision(item)}) (${expected.at})`);
      continue;
    }
    const gated = item.gate === 'approval';
    if (expected.requires_approval && !gated) {
      failures.push(`expected ${wanted}, but it is not gated by approval (gate ${item.gate}; ${describeDecision(item)}) (${expected.at})`);
    } else if (!expected.requires_approval && gated) {
      failures.push(
        `expected ${wanted}, but it requires approval${item.approvers ? ` from ${item.approvers}` : ''} (${describeDecision(item)}); write "requires approval" to expect that (${expected.at})`,
      );
    }
  }
  return failures;
}

/** A test key as the `.recon` file writes it: `"t2"`, `42`, `["acme", "2026-11-01"]`. */
export function formatTestKey(key: IrTestKey): string {
  if (Array.isArray(key)) return `[${key.map((value) => JSON.stringify(value)).join(', ')}]`;
  return JSON.stringify(key);
}

/**
 * True when the item's key values, in key order, equal the expected key: a number only a
 * number and a text only a text ("1" and 1 are different keys, LANGUAGE.md 2.4), each expected
 * part taken as written or coerced to its key field's declared type (`TestKeyTypes`).
 */
function keyMatches(item: PlanItem, key: IrTestKey, keyTypes: TestKeyTypes | undefined): boolean {
  if (!item.key) return false;
  const actual = Object.values(item.key);
  const expected = Array.isArray(key) ? key : [key];
  if (actual.length !== expected.length) return false;
  return actual.every((value, index) => {
    const written = expected[index];
    if (value === written) return true;
    for (const type of [keyTypes?.desired[index], keyTypes?.actual[index]]) {
      if (!type) continue;
      const coerced = coerceValue(written, type);
      if (coerced.ok && coerced.value === value) return true;
    }
    return false;
  });
}

function formatItemKey(item: PlanItem): string {
  const values = Object.values(item.key ?? {});
  return values.length === 1 ? JSON.stringify(values[0]) : `[${values.map((value) => JSON.stringify(value)).join(', ')}]`;
}

function describeDecision(item: PlanItem): string {
  if (item.reason.rule === null) return item.reason.message ?? 'no rule matched';
  return `rule ${item.reason.rule} at ${item.reason.at}`;
}

function listItems(items: readonly PlanItem[]): string {
  const shown = items.slice(0, 5).map((item) => `${item.kind} ${item.kind === 'invalid' ? item.id : formatItemKey(item)} → ${item.action}`);
  return shown.join(', ') + (items.length > shown.length ? `, … ${items.length - shown.length} more` : '');
}
