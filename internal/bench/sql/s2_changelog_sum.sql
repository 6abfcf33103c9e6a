-- S2-changelog-sum: S2-changelog with the aggregates that retract by
-- subtraction only (COUNT, SUM, AVG; no MIN/MAX value counts). Same data
-- and input as S2-changelog (see s2_changelog.sql).
CREATE STREAM positions (
    id       BIGINT,
    symbol   VARCHAR,
    price    DOUBLE,
    quantity BIGINT
) WITH (subject = 'bench.s2cls.in', format = 'json', key = 'id', changelog = 'upsert');

CREATE STREAM s2cls_out WITH (subject = 'bench.s2cls.out', format = 'json') AS
SELECT symbol, COUNT(*) AS trade_count, AVG(price) AS avg_price, SUM(quantity) AS total_quantity
FROM positions
GROUP BY symbol;
