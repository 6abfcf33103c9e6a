-- User functions from modules written in C (not built with the Go SDK),
-- declared with CREATE FUNCTION; module paths are relative to this file.
CREATE FUNCTION fee(price DOUBLE, qty BIGINT) RETURNS DOUBLE
WITH (module = '../../plugins/c_numeric.wasm', export = 'fee');
CREATE FUNCTION is_even(x BIGINT) RETURNS BOOLEAN WITH (module = '../../plugins/c_numeric.wasm');
CREATE FUNCTION day_start(ts TIMESTAMP) RETURNS TIMESTAMP WITH (module = '../../plugins/c_numeric.wasm');
CREATE FUNCTION safe_div(a DOUBLE, b DOUBLE) RETURNS DOUBLE WITH (module = '../../plugins/c_numeric.wasm');
CREATE FUNCTION mask_c(s VARCHAR) RETURNS VARCHAR WITH (module = '../../plugins/c_strings.wasm');
CREATE FUNCTION concat3(a VARCHAR, b VARCHAR, c VARCHAR) RETURNS VARCHAR WITH (module = '../../plugins/c_strings.wasm');

CREATE STREAM orders (id BIGINT, price DOUBLE, qty BIGINT, name VARCHAR, ts TIMESTAMP)
WITH (subject = 'udf.orders');

CREATE STREAM priced WITH (subject = 'udf.priced') AS
SELECT id, fee(price, qty) AS fee, is_even(qty) AS even_qty, day_start(ts) AS day,
       safe_div(price, qty) AS unit, mask_c(name) AS masked,
       concat3(UPPER(name), '-', CAST(id AS CHAR)) AS label
FROM orders
WHERE fee(price, qty) IS NULL OR fee(price, qty) < 100;
