-- The ETL parity sample's database: raw orders (the source of truth) and the mart table a
-- nightly job fills with revenue per account and day. Run: psql "$ETL_DATABASE_URL" -f seed.sql
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS raw CASCADE;
DROP SCHEMA IF EXISTS mart CASCADE;
CREATE SCHEMA raw;
CREATE SCHEMA mart;

CREATE TABLE raw.orders (
  order_id     text PRIMARY KEY,
  account      text NOT NULL,
  day          date NOT NULL,
  amount_cents bigint NOT NULL,
  status       text NOT NULL
);

CREATE TABLE mart.daily_revenue (
  account       text NOT NULL,
  day           date NOT NULL,
  revenue_cents bigint NOT NULL,
  orders        integer NOT NULL,
  loaded_by     text,
  PRIMARY KEY (account, day)
);

INSERT INTO raw.orders VALUES
  ('o-1001', 'acme',    '2026-11-01', 12000, 'paid'),
  ('o-1002', 'acme',    '2026-11-01',  3450, 'paid'),
  ('o-1003', 'acme',    '2026-11-02',  9900, 'paid'),
  ('o-1004', 'acme',    '2026-11-02',  1500, 'refunded'),
  ('o-1005', 'globex',  '2026-11-01', 25000, 'paid'),
  ('o-1006', 'globex',  '2026-11-02',  4000, 'paid'),
  ('o-1007', 'initech', '2026-11-02',   750, 'paid');

-- What last night's job loaded: acme/11-02 counts a refunded order, initech/11-02 is not loaded
-- at all, someone fixed a row by hand, and a row of a day with no paid orders was left behind.
INSERT INTO mart.daily_revenue VALUES
  ('acme',   '2026-11-01', 15450, 2, 'etl-nightly'),
  ('acme',   '2026-11-02', 11400, 2, 'etl-nightly'),
  ('globex', '2026-11-01', 25000, 1, 'etl-nightly'),
  ('globex', '2026-11-02',  4000, 1, 'etl-nightly'),
  ('umbrella', '2026-11-01', 990, 1, 'manual-fix'),
  ('hooli',  '2026-10-31',    10, 1, 'etl-nightly');
