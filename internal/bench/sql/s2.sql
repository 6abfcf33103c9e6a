-- S2 GROUP BY without a window, EMIT CHANGES (the default without a window;
-- Velostream scenario 2; SPEC §5).
-- Data: symbol='SYM'||(i%200), price=100+(i%100), quantity=i%1000.
CREATE STREAM market_data (
    symbol   VARCHAR,
    price    DOUBLE,
    quantity BIGINT
) WITH (subject = 'bench.s2.in', format = 'json');

CREATE STREAM s2_out WITH (subject = 'bench.s2.out', format = 'json') AS
SELECT symbol, COUNT(*) AS trade_count, AVG(price) AS avg_price, MIN(price) AS min_price,
       MAX(price) AS max_price, SUM(quantity) AS total_quantity
FROM market_data
GROUP BY symbol;
