-- S1 ROWS window of 100 rows (Velostream scenario 1; SPEC §5).
-- Data: symbol='SYM'||(i%10), price=100+(i%50), ts=i*1000.
CREATE STREAM market_data (
    symbol VARCHAR,
    price  DOUBLE,
    ts     TIMESTAMP
) WITH (subject = 'bench.s1.in', format = 'json');

CREATE STREAM s1_out WITH (subject = 'bench.s1.out', format = 'json') AS
SELECT symbol, price,
       AVG(price) OVER (PARTITION BY symbol ORDER BY ts ROWS BETWEEN 99 PRECEDING AND CURRENT ROW) AS moving_avg
FROM market_data;
