/**
 * A two-file workspace for definition, references and rename: `shared.recon` declares sources,
 * a profile, a let and a group; `main.recon` imports it and uses them.
 */
export const SHARED = `# Shared settlement sources.
let threshold = 100

group leads = ["lead@example.com"]

source ledger {
  from csv("ledger.csv")
  key txn_id
  fields {
    txn_id: string
    amount: number
  }
}

profile strict {
  amount exact
}
`;

export const MAIN = `import "./shared.recon" as shared

source gateway {
  from csv("gateway.csv")
  key txn_id
  fields {
    txn_id: string
    amount: number
  }
}

policy parity {
  desired shared.ledger
  actual gateway
  compare {
    use shared.strict
    amount within 0.01
  }
  remediate {
    on missing when desired.amount > shared.threshold => create requires approval from shared.leads
    on changed when actual.amount > 0 => update
  }
}

test "parity holds" {
  policy parity
  desired []
  actual []
  expect no_drift
}
`;
