/**
 * Workspaces for the end-to-end tests of `recon apply`: a CSV of desired accounts, a JSON Lines
 * file of actual ones (written natively by the jsonl writer), and a policy whose mode, limits,
 * rate and retry each test chooses.
 */
import { csvText, jsonlText, makeWorkspace } from '../helpers/cli-helpers.js';

export interface AccountsPolicyOptions {
  mode?: 'audit' | 'enforce';
  limits?: string;
  rate?: string;
  retry?: string;
  concurrency?: number;
  schedule?: string;
}

/** The policy file: big missing accounts need a lead's approval; the rest is automatic. */
export function accountsPolicy(options: AccountsPolicyOptions = {}): string {
  return `# Accounts: the CSV is the truth, the JSON Lines file must follow it.
group leads = ["alice@example.com", "bob@example.com"]

source wanted {
  from csv("data/desired.csv")
  key id
  fields {
    id: string
    name: string
    amount: number
  }
}

source live {
  from jsonl("data/actual.jsonl")
  key id
  fields {
    id: string
    name: string
    amount: number
  }
}

policy accounts {
  mode ${options.mode ?? 'enforce'}
  desired wanted
  actual live
  compare {
    amount within 0.01
  }
  remediate {
    on missing when desired.amount > 1000 => create requires approval from leads
    on missing => create
    on changed => update
    on extra => delete
  }
${options.limits ? `  limits {\n${options.limits}\n  }\n` : ''}  retry ${options.retry ?? '3 backoff 10ms..100ms'}
${options.rate ? `  rate ${options.rate}\n` : ''}  concurrency ${options.concurrency ?? 4}
${options.schedule ? `  schedule every ${options.schedule}\n` : ''}}
`;
}

/** Four desired accounts; the actual side has one equal, one changed, one extra; a2 (2000) needs approval. */
export function accountsWorkspace(options: AccountsPolicyOptions = {}): string {
  return makeWorkspace({
    'accounts.recon': accountsPolicy(options),
    'data/desired.csv': csvText(['id', 'name', 'amount'], [
      ['a1', 'Alpha', 10],
      ['a2', 'Beta', 2000],
      ['a3', 'Gamma', 30.5],
      ['a4', 'Delta', 40],
    ]),
    'data/actual.jsonl': jsonlText([
      { id: 'a1', name: 'Alpha', amount: 10 },
      { id: 'a3', name: 'Gamma', amount: 99 },
      { id: 'x9', name: 'Extra', amount: 1 },
    ]),
  });
}

/** `count` desired accounts `k0000…` and an empty actual file: `count` creates, none gated. */
export function bulkWorkspace(count: number, options: AccountsPolicyOptions = {}): string {
  const rows: (string | number)[][] = [];
  for (let i = 0; i < count; i++) rows.push([`k${String(i).padStart(4, '0')}`, `Name ${i}`, i % 1000]);
  return makeWorkspace({
    'accounts.recon': accountsPolicy(options),
    'data/desired.csv': csvText(['id', 'name', 'amount'], rows),
    'data/actual.jsonl': '',
  });
}
