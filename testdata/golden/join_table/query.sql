-- Stream–table joins against a NATS KV-backed table, looked up in memory:
-- INNER JOIN on the primary key, LEFT JOIN keeping trades without a match,
-- and a join on a non-key column (an in-memory index).
CREATE TABLE symbols (symbol VARCHAR PRIMARY KEY, name VARCHAR, sector VARCHAR, isin VARCHAR)
WITH (kv = 'golden_symbols', format = 'json');

CREATE STREAM trades (symbol VARCHAR, isin VARCHAR, price DOUBLE, qty BIGINT)
WITH (subject = 'jt.trades.{partition}', partitions = 2, key = 'symbol');

CREATE STREAM enriched WITH (subject = 'jt.enriched') AS
SELECT t.symbol, s.name, s.sector, t.price * t.qty AS notional
FROM trades t JOIN symbols s ON t.symbol = s.symbol
WHERE t.qty > 1;

CREATE STREAM all_trades WITH (subject = 'jt.all') AS
SELECT t.symbol, t.qty, s.sector
FROM trades t LEFT JOIN symbols s ON t.symbol = s.symbol;

CREATE STREAM by_isin WITH (subject = 'jt.isin') AS
SELECT t.isin, s.symbol AS listed_as
FROM trades t JOIN symbols s ON s.isin = t.isin;
