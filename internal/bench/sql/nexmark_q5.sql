-- Nexmark q5 (hot items): the auctions with the most bids in each
-- 10-second window sliding every 2 seconds — Nexmark's nested query, with
-- the maximum per window itself a window over the counts' window_start (a
-- 2-second TUMBLE holds exactly one HOP window's counts) and the counts
-- joined to it by an interval join (key: the count; bound: the same
-- window), so every stage is append-only and its state bounded.
CREATE STREAM bid (
    auction   BIGINT,
    bidder    BIGINT,
    price     BIGINT,
    channel   VARCHAR,
    url       VARCHAR,
    date_time TIMESTAMP,
    extra     VARCHAR
) WITH (subject = 'bench.nexmark.q5.bid', format = 'json', event_time = 'date_time');

CREATE STREAM q5_out WITH (subject = 'bench.nexmark.q5.out', format = 'json') AS
WITH counts AS (
    SELECT auction, COUNT(*) AS num, window_start
    FROM bid
    GROUP BY auction, HOP(date_time, INTERVAL '2' SECOND, INTERVAL '10' SECOND)),
maxima AS (
    SELECT MAX(num) AS maxn, window_start AS ws
    FROM counts
    GROUP BY TUMBLE(window_start, INTERVAL '2' SECOND))
SELECT c.auction, c.num, c.window_start
FROM counts c JOIN maxima m
  ON c.num = m.maxn AND c.window_start BETWEEN m.ws AND m.ws + INTERVAL '1' SECOND;
