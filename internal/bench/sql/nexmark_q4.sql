-- Nexmark q4 (average price for a category): the winning (highest)
-- bid of each auction among the bids made while it was open, averaged per
-- category — Nexmark's nested query in its own form: auction JOIN bid
-- without a time bound is a regular join of two append-only streams (both
-- sides kept), the MAX per auction a GROUP BY over its changelog.
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
) WITH (subject = 'bench.nexmark.q4.auction', format = 'json', event_time = 'date_time');

CREATE STREAM bid (
    auction   BIGINT,
    bidder    BIGINT,
    price     BIGINT,
    channel   VARCHAR,
    url       VARCHAR,
    date_time TIMESTAMP,
    extra     VARCHAR
) WITH (subject = 'bench.nexmark.q4.bid', format = 'json', event_time = 'date_time');

CREATE STREAM q4_out WITH (subject = 'bench.nexmark.q4.out', format = 'json') AS
SELECT q.category, AVG(q.final) AS avg_final
FROM (
    SELECT MAX(b.price) AS final, a.category
    FROM auction a JOIN bid b ON a.id = b.auction
    WHERE b.date_time BETWEEN a.date_time AND a.expires
    GROUP BY a.id, a.category) q
GROUP BY q.category;
