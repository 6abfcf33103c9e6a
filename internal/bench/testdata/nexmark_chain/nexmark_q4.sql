-- The chain form of internal/bench/sql/nexmark_q4.sql: one CREATE STREAM … AS SELECT
-- per stage, each reading the stream of the one before (what the nested
-- form desugars to). TestNexmarkChainForms checks it against the same oracle.
-- Nexmark q4 (average price for a category): the winning (highest)
-- bid of each auction among the bids made while it was open, averaged per
-- category. Chain form: auctions as a changelog keyed by id; bids joined
-- to it (a regular join), MAX per auction (a changelog), AVG per category
-- over that changelog (retracting an auction's old maximum).
-- Nested form, once composed queries land:
--   SELECT q.category, AVG(q.final) AS avg_final FROM (
--     SELECT MAX(b.price) AS final, a.category FROM auction a JOIN bid b ON a.id = b.auction
--     WHERE b.date_time BETWEEN a.date_time AND a.expires GROUP BY a.id, a.category) q
--   GROUP BY q.category
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

CREATE STREAM q4_auction WITH (subject = 'bench.nexmark.q4.auctions', format = 'json') AS
SELECT id, category, date_time, expires FROM auction
GROUP BY id, category, date_time, expires;

CREATE STREAM q4_final WITH (subject = 'bench.nexmark.q4.final', format = 'json') AS
SELECT a.id, a.category, MAX(b.price) AS final
FROM bid b JOIN q4_auction a ON a.id = b.auction
WHERE b.date_time BETWEEN a.date_time AND a.expires
GROUP BY a.id, a.category;

CREATE STREAM q4_out WITH (subject = 'bench.nexmark.q4.out', format = 'json') AS
SELECT category, AVG(final) AS avg_final FROM q4_final GROUP BY category;
