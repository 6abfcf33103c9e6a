-- S1 with a WebAssembly user function in the projection.
-- numeric.wasm is testdata/plugins/c_numeric.wasm (plugins/examples/c/numeric.c):
-- fee(price, qty) = max(1, price * qty * 0.001).
CREATE FUNCTION fee(price DOUBLE, qty BIGINT) RETURNS DOUBLE
WITH (module = 'numeric.wasm', export = 'fee');

CREATE STREAM market_data (
    symbol VARCHAR,
    price  DOUBLE,
    ts     TIMESTAMP
) WITH (subject = 'bench.s1u.in', format = 'json');

CREATE STREAM s1u_out WITH (subject = 'bench.s1u.out', format = 'json') AS
SELECT symbol, price,
       AVG(price) OVER (PARTITION BY symbol ORDER BY ts ROWS BETWEEN 99 PRECEDING AND CURRENT ROW) AS moving_avg,
       fee(price, 100) AS fee
FROM market_data;
