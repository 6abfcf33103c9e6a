-- S0 over a WebAssembly codec (issue 17): the same query as s0.sql, its
-- input and output payloads MessagePack maps read and written by
-- c_msgpack.wasm, a copy of testdata/plugins/c_msgpack.wasm
-- (plugins/examples/c/msgpack.c).
CREATE STREAM orders (
    order_id     BIGINT,
    customer_id  BIGINT,
    order_date   VARCHAR,
    total_amount DOUBLE
) WITH (subject = 'bench.s0w.in', format = 'wasm', codec = 'c_msgpack.wasm');

CREATE STREAM s0w_out WITH (subject = 'bench.s0w.out', format = 'wasm', codec = 'c_msgpack.wasm') AS
SELECT order_id, customer_id, order_date, total_amount FROM orders WHERE total_amount > 100;
