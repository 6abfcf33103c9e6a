-- S0 with a WebAssembly user function in the projection.
-- numeric.wasm is testdata/plugins/c_numeric.wasm (plugins/examples/c/numeric.c):
-- fee(price, qty) = max(1, price * qty * 0.001).
CREATE FUNCTION fee(price DOUBLE, qty BIGINT) RETURNS DOUBLE
WITH (module = 'numeric.wasm', export = 'fee');

CREATE STREAM orders (
    order_id     BIGINT,
    customer_id  BIGINT,
    order_date   VARCHAR,
    total_amount DOUBLE
) WITH (subject = 'bench.s0u.in', format = 'json');

CREATE STREAM s0u_out WITH (subject = 'bench.s0u.out', format = 'json') AS
SELECT order_id, customer_id, order_date, total_amount, fee(total_amount, customer_id) AS fee
FROM orders WHERE total_amount > 100;
