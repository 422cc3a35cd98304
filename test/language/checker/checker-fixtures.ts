/**
 * Shared inputs of the checker tests: typed and untyped sources, and builders that put one
 * expression or statement into an otherwise clean file.
 */

/** Two typed sources (`ledger` with every type, `bank` with a few fields) and an untyped one. */
export const SOURCES = `source ledger {
  from csv("ledger.csv")
  key id
  fields {
    id: string
    amount: number
    count: integer
    note: string
    at: datetime
    meta: json
    ok: bool
  }
}
source bank {
  from csv("bank.csv")
  key id
  fields { id: string  amount: number  at: datetime  extra_only: string }
}
source loose {
  from csv("loose.csv")
  key id
}
`;

/** A clean file whose one `when` condition is `condition` (desired ledger, actual bank). */
export function withWhen(condition: string, prelude = ''): string {
  return `${prelude}${SOURCES}policy p {
  desired ledger
  actual bank
  remediate {
    on changed when ${condition} => report
  }
}
`;
}

/** A clean file with `where condition` on a copy of `ledger` named `w`. */
export function withWhere(condition: string, prelude = ''): string {
  return `${prelude}${SOURCES}source w {
  from csv("w.csv")
  key id
  fields { id: string  amount: number  note: string  at: datetime  meta: json }
  where ${condition}
}
`;
}

/** A clean file with one policy over ledger and bank whose body is `body`. */
export function withPolicy(body: string, prelude = ''): string {
  return `${prelude}${SOURCES}policy p {
  desired ledger
  actual bank
${body}
}
`;
}
