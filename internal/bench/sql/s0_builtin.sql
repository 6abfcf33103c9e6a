-- S0 with the built-in equivalent of the fee UDF in the projection: the
-- baseline that S0-udf is compared with.

CREATE STREAM orders (
    order_id     BIGINT,
    customer_id  BIGINT,
    order_date   VARCHAR,
    total_amount DOUBLE
) WITH (subject = 'bench.s0b.in', format = 'json');

CREATE STREAM s0b_out WITH (subject = 'bench.s0b.out', format = 'json') AS
SELECT order_id, customer_id, order_date, total_amount, GREATEST(total_amount * customer_id * 0.001, 1.0) AS fee
FROM orders WHERE total_amount > 100;
