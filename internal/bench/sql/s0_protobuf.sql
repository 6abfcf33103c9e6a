-- S0 over Protobuf (issue 17): the same query as s0.sql, its input and
-- output payloads bench.Order messages (s0.binpb, the descriptor set of
--   syntax = "proto3"; package bench;
--   message Order { int64 order_id = 1; int64 customer_id = 2;
--                   string order_date = 3; double total_amount = 4; }
-- as protoc --descriptor_set_out writes it).
CREATE STREAM orders (
    order_id     BIGINT,
    customer_id  BIGINT,
    order_date   VARCHAR,
    total_amount DOUBLE
) WITH (subject = 'bench.s0p.in', format = 'protobuf', schema = 's0.binpb', message = 'bench.Order');

CREATE STREAM s0p_out WITH (subject = 'bench.s0p.out', format = 'protobuf', schema = 's0.binpb', message = 'bench.Order') AS
SELECT order_id, customer_id, order_date, total_amount FROM orders WHERE total_amount > 100;
