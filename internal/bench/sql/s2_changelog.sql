-- S2-changelog: S2's GROUP BY over a changelog input (issue 15). Each record
-- upserts the position of its id: the group stage retracts the id's old
-- row and inserts the new one (SPEC §2 "Changelogs").
-- Data: id=i%10000, symbol='SYM'||((id*7 + (i/10000)*(id%2)) % 200) (odd ids
-- move to another symbol on each pass, even ids stay), price=100+(i%100),
-- quantity=i%997 (an even id's update changes its quantity).
CREATE STREAM positions (
    id       BIGINT,
    symbol   VARCHAR,
    price    DOUBLE,
    quantity BIGINT
) WITH (subject = 'bench.s2cl.in', format = 'json', key = 'id', changelog = 'upsert');

CREATE STREAM s2cl_out WITH (subject = 'bench.s2cl.out', format = 'json') AS
SELECT symbol, COUNT(*) AS trade_count, AVG(price) AS avg_price, MIN(price) AS min_price,
       MAX(price) AS max_price, SUM(quantity) AS total_quantity
FROM positions
GROUP BY symbol;
