-- S0 pure SELECT (Velostream scenario 0; SPEC §5).
-- Data: order_id=i, customer_id=i%1000, order_date='2024-01-15', total_amount=150+(i%100).
CREATE STREAM orders (
    order_id     BIGINT,
    customer_id  BIGINT,
    order_date   VARCHAR,
    total_amount DOUBLE
) WITH (subject = 'bench.s0.in', format = 'json');

CREATE STREAM s0_out WITH (subject = 'bench.s0.out', format = 'json') AS
SELECT order_id, customer_id, order_date, total_amount FROM orders WHERE total_amount > 100;
