/**
 * Language front-end benchmark (issue: parse + check + compile of a generated 10,000-line file).
 *
 * Prints lex+parse throughput in MB/s beside JSON.parse of a JSON document of the same size, run
 * in the same process as the reference, and the full front end (parse, bind, check, compile) in
 * ms. Goals: lex+parse at no less than 1/4 of JSON.parse's MB/s; the full front end under 60 ms.
 */
import { lex } from '../language/lexer.js';
import { parseTokens } from '../language/parser.js';
import { parseFile } from '../language/parse-file.js';
import { MemoryModuleHost } from '../language/module-host.js';
import { compileFile } from '../language/pipeline.js';

/** A realistic policy file of about `lines` lines: sources, profiles, policies and tests. */
export function generateReconFile(lines: number): string {
  const parts: string[] = ['let big_payment = 10000', 'group leads = ["alice@example.com", "bob@example.com"]', ''];
  let i = 0;
  while (parts.join('\n').split('\n').length < lines) {
    parts.push(
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
      `profile cash_${i} {`,
      `  amount within 0.005`,
      `  currency ignore_case`,
      `}`,
      ``,
      `policy parity_${i} {`,
      `  description "Gateway ${i} matches the ledger"`,
      `  owner "payments@example.com"`,
      `  severity high`,
      `  mode enforce`,
      `  desired ledger_${i}`,
      `  actual gateway_${i}`,
      `  compare {`,
      `    use cash_${i}`,
      `    status normalize trim, lower`,
      `    booked_at within 2m`,
      `  }`,
      `  remediate {`,
      `    on missing when desired.amount > big_payment => create requires approval from leads`,
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
      `  retry 3 backoff 200ms..10s`,
      `  rate 20/s`,
      `}`,
      ``,
      `test "parity ${i} tolerates rounding" {`,
      `  policy parity_${i}`,
      `  desired [{ txn_id: "t1", amount: 10.00, currency: "EUR", status: "settled" }]`,
      `  actual [{ txn_id: "t1", amount: 10.004, currency: "eur", status: "settled" }]`,
      `  expect no_drift`,
      `}`,
      ``,
    );
    i++;
  }
  return parts.join('\n');
}

/** A JSON document of about `bytes` bytes (an array of records). */
function generateJson(bytes: number): string {
  const items: unknown[] = [];
  let size = 2;
  let i = 0;
  while (size < bytes) {
    const item = { id: `t${i}`, amount: i * 1.25, currency: 'EUR', status: 'settled', tags: ['a', 'b'], nested: { ok: true, n: null } };
    size += JSON.stringify(item).length + 1;
    items.push(item);
    i++;
  }
  return JSON.stringify(items);
}

function timeBest(runs: number, fn: () => void): number {
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

export function runLanguageBench(): { lexParseMBs: number; jsonMBs: number; ratio: number; frontEndMs: number; lines: number } {
  const text = generateReconFile(10_000);
  const json = generateJson(Buffer.byteLength(text));
  const mb = Buffer.byteLength(text) / 1e6;
  for (let i = 0; i < 5; i++) parseTokens(lex(text).tokens); // warm up
  const lexParse = timeBest(15, () => {
    const { tokens } = lex(text);
    parseTokens(tokens);
  });
  for (let i = 0; i < 5; i++) JSON.parse(json);
  const jsonTime = timeBest(15, () => JSON.parse(json));
  const host = new MemoryModuleHost({ '/bench/recon.json': '{}', '/bench/big.recon': text });
  for (let i = 0; i < 3; i++) compileFile('/bench/big.recon', host);
  const frontEnd = timeBest(10, () => {
    const result = compileFile('/bench/big.recon', host);
    if (!result.ir) throw new Error('the generated file did not compile: ' + result.diagnostics.slice(0, 3).map((d) => d.message).join('; '));
  });
  const parseOnly = timeBest(10, () => parseFile(text));
  const lines = text.split('\n').length;
  const lexParseMBs = mb / (lexParse / 1000);
  const jsonMBs = Buffer.byteLength(json) / 1e6 / (jsonTime / 1000);
  console.log(`language: ${lines} lines, ${(mb * 1000).toFixed(0)} KB`);
  console.log(`  lex+parse (CST)         ${lexParse.toFixed(1)} ms  ${lexParseMBs.toFixed(1)} MB/s`);
  console.log(`  parse to AST            ${parseOnly.toFixed(1)} ms`);
  console.log(`  JSON.parse (reference)  ${jsonTime.toFixed(1)} ms  ${jsonMBs.toFixed(1)} MB/s (same size)`);
  console.log(`  ratio lex+parse / JSON.parse: ${(lexParseMBs / jsonMBs).toFixed(2)} (goal >= 0.25)`);
  console.log(`  full front end (parse, bind, check, compile): ${frontEnd.toFixed(1)} ms (goal < 60 ms)`);
  return { lexParseMBs, jsonMBs, ratio: lexParseMBs / jsonMBs, frontEndMs: frontEnd, lines };
}

if (import.meta.url === `file://${process.argv[1]}`) runLanguageBench();
