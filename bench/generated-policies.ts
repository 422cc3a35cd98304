/**
 * The building blocks of the generated `.recon` files the language and language-server
 * benchmarks measure: one realistic ledger/gateway pair of sources, a parity policy and its test,
 * numbered so a file can hold as many as it needs. One generator, so both benchmarks measure the
 * same kind of text.
 */

/** The names a parity policy refers to: local declarations, or an imported module's (`shared.cash`). */
export interface PolicyRefs {
  profile: string;
  bigPayment: string;
  leads: string;
  /** Adds `retry` and `rate` statements. */
  pacing: boolean;
}

/** `# Ledger number i.` and the two sources of pair `i` (ledger CSV, gateway JSON with select and map). */
export function sourcePair(i: number): string[] {
  return [
    `# Ledger number ${i}.`,
    `source ledger_${i} {`,
    `  from csv("data/ledger_${i}.csv", delimiter: ",")`,
    `  key txn_id`,
    `  fields {`,
    `    txn_id: string`,
    `    amount: number`,
    `    currency: string`,
    `    status: string`,
    `    booked_at: datetime`,
    `  }`,
    `  where status != "voided" and amount >= 0`,
    `}`,
    ``,
    `source gateway_${i} {`,
    `  from json("data/gateway_${i}.json", items: "data")`,
    `  key txn_id`,
    `  select {`,
    `    txn_id = id`,
    `    amount = amount_cents / 100`,
    `    currency = upper(currency)`,
    `    status = status`,
    `    booked_at = booked_at`,
    `  }`,
    `  write {`,
    `    map {`,
    `      amount_cents = round(amount * 100, 0)`,
    `    }`,
    `  }`,
    `}`,
    ``,
  ];
}

/** The parity policy of pair `i`, and a test of it. */
export function parityPolicyAndTest(i: number, refs: PolicyRefs): string[] {
  return [
    `policy parity_${i} {`,
    `  description "Gateway ${i} matches the ledger"`,
    `  owner "payments@example.com"`,
    `  severity high`,
    `  mode enforce`,
    `  desired ledger_${i}`,
    `  actual gateway_${i}`,
    `  compare {`,
    `    use ${refs.profile}`,
    `    status normalize trim, lower`,
    `    booked_at within 2m`,
    `  }`,
    `  remediate {`,
    `    on missing when desired.amount > ${refs.bigPayment} => create requires approval from ${refs.leads}`,
    `    on missing => create`,
    `    on extra => ticket "Unexpected settlement \${key.txn_id} (\${actual.amount})"`,
    `    on changed when only("booked_at") => ignore because "clock skew"`,
    `    on changed => update`,
    `  }`,
    `  limits {`,
    `    max_changes 100`,
    `    max_ratio 10%`,
    `    on_exceed abort`,
    `  }`,
    ...(refs.pacing ? [`  retry 3 backoff 200ms..10s`, `  rate 20/s`] : []),
    `}`,
    ``,
    `test "parity ${i} tolerates rounding" {`,
    `  policy parity_${i}`,
    `  desired [{ txn_id: "t1", amount: 10.00, currency: "EUR", status: "settled" }]`,
    `  actual [{ txn_id: "t1", amount: 10.004, currency: "eur", status: "settled" }]`,
    `  expect no_drift`,
    `}`,
    ``,
  ];
}
