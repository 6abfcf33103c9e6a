-- Nexmark q6 (average selling price by seller): per seller, the average
-- winning bid of their 10 auctions that close last (ORDER BY expires DESC,
-- then id: a total order). The winning bids are q4's (the highest bid made
-- while the auction was open); the last 10 per seller are a Top-N per key
-- over that changelog, averaged per seller. Flink's nexmark has no q6
-- (FLINK-19059: an OVER window over a changelog); velort's Top-N per key
-- over a changelog is this query's form. The join is Nexmark's, auction
-- JOIN bid (two append-only streams), as in q4; until 2026-12-03 night the
-- auctions were first grouped by id (a changelog), a form from before
-- velort joined two append-only streams without a time bound.
CREATE STREAM auction (
    id          BIGINT,
    item_name   VARCHAR,
    description VARCHAR,
    initial_bid BIGINT,
    reserve     BIGINT,
    date_time   TIMESTAMP,
    expires     TIMESTAMP,
    seller      BIGINT,
    category    BIGINT,
    extra       VARCHAR
) WITH (subject = 'bench.nexmark.q6.auction', format = 'json', event_time = 'date_time');

CREATE STREAM bid (
    auction   BIGINT,
    bidder    BIGINT,
    price     BIGINT,
    channel   VARCHAR,
    url       VARCHAR,
    date_time TIMESTAMP,
    extra     VARCHAR
) WITH (subject = 'bench.nexmark.q6.bid', format = 'json', event_time = 'date_time');

CREATE STREAM q6_out WITH (subject = 'bench.nexmark.q6.out', format = 'json') AS
WITH winning AS (
    SELECT a.id, a.seller, a.expires, MAX(b.price) AS final
    FROM auction a JOIN bid b ON a.id = b.auction
    WHERE b.date_time BETWEEN a.date_time AND a.expires
    GROUP BY a.id, a.seller, a.expires),
last10 AS (
    SELECT seller, final
    FROM (SELECT seller, final, ROW_NUMBER() OVER (PARTITION BY seller ORDER BY expires DESC, id DESC) AS rn
          FROM winning) t
    WHERE rn <= 10)
SELECT seller, AVG(final) AS avg_final FROM last10 GROUP BY seller;
