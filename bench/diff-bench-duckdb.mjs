/**
 * The reference side of the diff benchmark: DuckDB doing the same diff as Recon's policy.
 *
 * Why DuckDB: it is the fastest general tool a user would reach for to diff two CSV files (a
 * vectorised, multi-threaded FULL OUTER JOIN); the goal is to match its time with a third of its
 * memory. Run as a child process by `diff-bench.mjs` so its peak RSS is measured on its own:
 *   node bench/diff-bench-duckdb.mjs DESIRED.csv ACTUAL.csv OUT.json
 * It prints one JSON line: { ms, cpuMs, rows, maxRssKb } (cpuMs: all threads).
 *
 * Same comparisons as the benchmark policy: key `id`; amount within 0.005; currency ignore_case;
 * booked_at within 2m (as instants); memo ignore; every other field exact; null-safe throughout.
 * The drift rows (kind, id, desired record, actual record) are written as JSON lines by DuckDB
 * itself (`COPY ... TO ... (FORMAT JSON)`), its fastest way to write them.
 */
import { DuckDBInstance } from '@duckdb/node-api';

const [desiredFile, actualFile, outFile] = process.argv.slice(2);

const COLUMNS = `{'id': 'VARCHAR', 'amount': 'DOUBLE', 'currency': 'VARCHAR', 'status': 'VARCHAR',
  'booked_at': 'TIMESTAMPTZ', 'qty': 'BIGINT', 'sku': 'VARCHAR', 'region': 'VARCHAR',
  'memo': 'VARCHAR', 'flag': 'BOOLEAN'}`;

const read = (file) => `read_csv('${file}', header = true, types = ${COLUMNS}, quote = '"')`;

const SQL = `
COPY (
  SELECT
    CASE WHEN a.id IS NULL THEN 'missing' WHEN d.id IS NULL THEN 'extra' ELSE 'changed' END AS kind,
    coalesce(d.id, a.id) AS id,
    d AS desired,
    a AS actual
  FROM ${read(desiredFile)} d
  FULL OUTER JOIN ${read(actualFile)} a ON d.id = a.id
  WHERE a.id IS NULL OR d.id IS NULL OR NOT (
        ((d.amount IS NULL AND a.amount IS NULL) OR abs(d.amount - a.amount) <= 0.005 + 1e-9)
    AND lower(d.currency) IS NOT DISTINCT FROM lower(a.currency)
    AND d.status IS NOT DISTINCT FROM a.status
    AND ((d.booked_at IS NULL AND a.booked_at IS NULL)
         OR abs(epoch_ms(d.booked_at) - epoch_ms(a.booked_at)) <= 120000)
    AND d.qty IS NOT DISTINCT FROM a.qty
    AND d.sku IS NOT DISTINCT FROM a.sku
    AND d.region IS NOT DISTINCT FROM a.region
    AND d.flag IS NOT DISTINCT FROM a.flag)
  ORDER BY kind, id
) TO '${outFile}' (FORMAT JSON)`;

const t0 = performance.now();
const cpu0 = process.cpuUsage();
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const result = await connection.run(SQL);
const rows = result.rowsChanged;
const ms = performance.now() - t0;
connection.closeSync?.();
const cpu = process.cpuUsage(cpu0);
process.stdout.write(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, rows, maxRssKb: process.resourceUsage().maxRSS }) + '\n');
