/**
 * The examples of LANGUAGE.md section 2 (without the relative import and the `write` fragment of
 * 2.1), put together in one file, check with no diagnostic at all (LANGUAGE.md, introduction).
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultStdlibRoot } from '../../../language/module-host.js';
import { checkText, expectDiagnostics } from '../../helpers/language-helpers.js';

/** Every code block of LANGUAGE.md section 2, in order, minus the two excluded parts. */
export const SECTION_2_EXAMPLE = `import "std/money"                 # standard library module; its names are money.<name>

let big_payment = 10000            # a constant, usable in any expression

group payments_leads = ["alice@example.com", "bob@example.com"]   # who may approve

source ledger {
  from csv("data/ledger.csv")
  key txn_id
  fields {
    txn_id:    string
    amount:    number
    currency:  string
    status:    string
    booked_at: datetime
    memo:      string
    total:     number
  }
}

source gateway {
  from http("http://127.0.0.1:8080/settlements", items: "data", next: "links.next",
            headers: { Authorization: "Bearer \${secret("GATEWAY_TOKEN")}" })
  key txn_id
  select {
    txn_id    = id
    amount    = amount_cents / 100
    currency  = upper(currency)
    status    = status
    booked_at = booked_at
    memo      = memo
    total     = total
    origin    = origin
  }
  where status != "voided"
  write {
    create  POST   "http://127.0.0.1:8080/settlements"
    update  PATCH  "http://127.0.0.1:8080/settlements/\${key.txn_id}"
    delete  DELETE "http://127.0.0.1:8080/settlements/\${key.txn_id}"
    map {
      amount_cents = round(amount * 100, 0)
    }
  }
}

profile cash {
  amount   within 0.005
  currency ignore_case
}

# Every ledger entry must be settled at the gateway with the same amount.
policy settlement_parity {
  description "Gateway settlements match the ledger"
  owner "payments@example.com"
  severity high                   # low | medium | high | critical
  mode enforce                    # audit (default: never acts) | enforce

  desired ledger
  actual  gateway

  compare {
    default exact                 # fields not named below: exact (default) | ignore
    use cash                      # include a profile's rules
    status    normalize trim, lower
    booked_at within 2m
    memo      ignore
    total     by round(desired.total, 2) == round(actual.total, 2)
  }

  remediate {
    on missing when desired.amount > big_payment => create requires approval from payments_leads
    on missing => create
    on extra when actual.origin == "manual" => ignore because "manual entries are tolerated" until "2030-12-31"
    on extra => ticket "Unexpected settlement \${key.txn_id}"
    on changed when only("booked_at") => ticket "Booking time drift on \${key.txn_id}"
    on changed => update
  }

  limits {
    max_changes 100               # more planned actions than this ...
    max_ratio 10%                 # ... or more than this share of desired records ...
    max_deletes 5                 # ... or more deletes than this ...
    on_exceed abort               # ... blocks every action of the policy (abort, the default) or gates them: approve
  }

  retry 3 backoff 200ms..10s      # attempts per action; exponential with jitter between bounds
  rate 20/s                       # actions per second against the actual side (/s, /m, /h)
  concurrency 8                   # actions in flight at once
  schedule every 15m              # used by \`recon watch\`
}

test "tolerated rounding is not drift" {
  policy settlement_parity
  desired [ { txn_id: "t1", amount: 10.00, currency: "EUR", total: 10 } ]
  actual  [ { txn_id: "t1", amount: 10.004, currency: "eur", total: 10 } ]
  expect no_drift
}

test "a big missing payment waits for a lead" {
  policy settlement_parity
  desired [ { txn_id: "t2", amount: 20000, currency: "EUR" } ]
  actual  []
  expect {
    missing 1
    action create on "t2" requires approval
  }
}
`;

describe('the examples of LANGUAGE.md section 2', () => {
  it('check clean with today = 2026-11-26', () => {
    expectDiagnostics(SECTION_2_EXAMPLE, []);
  });

  it('resolve std/money from the standard library', () => {
    const all = checkText(SECTION_2_EXAMPLE);
    expect(all).toEqual([]);
    // the same file with a misspelt std module is reported, so the import really was resolved
    expectDiagnostics(SECTION_2_EXAMPLE.replace('"std/money"', '"std/mony"'), [{ code: 'import-not-found', line: 1 }]);
  });

  it('warn about the until date once it has passed', () => {
    expectDiagnostics(SECTION_2_EXAMPLE, [{ code: 'until-expired' }], {}, { today: '2031-01-01' });
  });
});

describe('the standard library', () => {
  const root = defaultStdlibRoot();
  const modules = readdirSync(root).filter((f) => f.endsWith('.recon'));

  it('has std/money with the profile cents', () => {
    expect(modules).toContain('money.recon');
    expectDiagnostics('import "std/money"\npolicy p {\n  desired a\n  actual a\n  compare { use money.cents }\n}\nsource a {\n  from csv("a.csv")\n  key id\n}\n', []);
  });

  for (const file of modules) {
    it(`std/${file} checks clean and is documented`, () => {
      const text = readFileSync(join(root, file), 'utf8');
      expect(text.startsWith('#')).toBe(true);
      expectDiagnostics(`import "std/${file.replace(/\.recon$/, '')}"\n`, []);
    });
  }
});
