-- S2 with a WebAssembly user function in the projection (over aggregates).
-- numeric.wasm is testdata/plugins/c_numeric.wasm (plugins/examples/c/numeric.c):
-- fee(price, qty) = max(1, price * qty * 0.001).
CREATE FUNCTION fee(price DOUBLE, qty BIGINT) RETURNS DOUBLE
WITH (module = 'numeric.wasm', export = 'fee');

CREATE STREAM market_data (
    symbol   VARCHAR,
    price    DOUBLE,
    quantity BIGINT
) WITH (subject = 'bench.s2u.in', format = 'json');

CREATE STREAM s2u_out WITH (subject = 'bench.s2u.out', format = 'json') AS
SELECT symbol, COUNT(*) AS trade_count, AVG(price) AS avg_price, MIN(price) AS min_price,
       MAX(price) AS max_price, SUM(quantity) AS total_quantity,
       fee(AVG(price), SUM(quantity)) AS fee
FROM market_data
GROUP BY symbol;
