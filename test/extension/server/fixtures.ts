/**
 * Shared sources for the language server's tests: a small settlement sample that checks clean,
 * with real CSV data for drift previews.
 */

/** A file that checks clean: imports, a let, a group, two typed CSV sources, a profile, a policy, a test. */
export const SAMPLE = `import "std/money"

let big_payment = 10000

group payments_leads = ["alice@example.com"]

# The ledger of record.
source ledger {
  from csv("data/ledger.csv")
  key txn_id
  fields {
    txn_id: string
    amount: number
    currency: string
    status: string
  }
}

source gateway {
  from csv("data/gateway.csv", delimiter: ",")
  key txn_id
  fields {
    txn_id: string
    amount: number
    currency: string
    status: string
    origin: string
  }
}

profile cash {
  amount within 0.005
  currency ignore_case
}

# Every ledger entry is settled at the gateway.
policy settlement_parity {
  description "Gateway settlements match the ledger"
  mode enforce
  desired ledger
  actual gateway
  compare {
    use cash
    status normalize trim, lower
  }
  remediate {
    on missing when desired.amount > big_payment => create requires approval from payments_leads
    on missing => create
    on extra when actual.origin == "manual" => ignore because "manual entries are tolerated"
    on extra => ticket "Unexpected settlement \${key.txn_id}"
    on changed => update
  }
}

test "rounding is not drift" {
  policy settlement_parity
  desired [{ txn_id: "t1", amount: 10.0, currency: "EUR", status: "ok" }]
  actual [{ txn_id: "t1", amount: 10.004, currency: "eur", status: "ok" }]
  expect no_drift
}
`;

/** Ledger rows: t1 matches, t2 differs in amount, t3 is missing at the gateway (big), t4 missing (small). */
export const LEDGER_CSV = `txn_id,amount,currency,status
t1,10.00,EUR,settled
t2,20.00,EUR,settled
t3,25000,EUR,settled
t4,5,EUR,settled
`;

/** Gateway rows: t1 equal (case, rounding), t2 changed, t5 extra (manual: ignored), t6 extra. */
export const GATEWAY_CSV = `txn_id,amount,currency,status,origin
t1,10.004,eur, SETTLED ,api
t2,21.00,EUR,settled,api
t5,7,EUR,settled,manual
t6,8,EUR,settled,api
`;

/** The workspace files of the sample (besides the `.recon` file itself). */
export const SAMPLE_DATA = { 'data/ledger.csv': LEDGER_CSV, 'data/gateway.csv': GATEWAY_CSV };
