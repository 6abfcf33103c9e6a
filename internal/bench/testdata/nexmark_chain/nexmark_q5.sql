-- The chain form of internal/bench/sql/nexmark_q5.sql: one CREATE STREAM … AS SELECT
-- per stage, each reading the stream of the one before (what the nested
-- form desugars to). TestNexmarkChainForms checks it against the same oracle.
-- Nexmark q5 (hot items): the auctions with the most bids in each
-- 10-second window sliding every 2 seconds. Chain form, append-only and
-- bounded throughout: the windowed count per auction (EMIT FINAL); the
-- maximum count per window, itself a window over the counts' window_start
-- (a 2-second TUMBLE holds exactly one HOP window's counts); and the counts
-- joined to their window's maximum by an interval join (key: the count;
-- bound: the same window_start).
-- Nested form, once composed queries land:
--   SELECT c.auction, c.num, c.window_start FROM (SELECT auction, COUNT(*) AS num, window_start
--     FROM bid GROUP BY auction, HOP(date_time, INTERVAL '2' SECOND, INTERVAL '10' SECOND)) c
--   JOIN (SELECT window_start, MAX(num) AS maxn FROM (…the same count…) x GROUP BY window_start) m
--   ON c.window_start = m.window_start WHERE c.num >= m.maxn
CREATE STREAM bid (
    auction   BIGINT,
    bidder    BIGINT,
    price     BIGINT,
    channel   VARCHAR,
    url       VARCHAR,
    date_time TIMESTAMP,
    extra     VARCHAR
) WITH (subject = 'bench.nexmark.q5.bid', format = 'json', event_time = 'date_time');

CREATE STREAM q5_counts WITH (subject = 'bench.nexmark.q5.counts', format = 'json') AS
SELECT auction, COUNT(*) AS num, window_start, window_end
FROM bid
GROUP BY auction, HOP(date_time, INTERVAL '2' SECOND, INTERVAL '10' SECOND);

CREATE STREAM q5_max WITH (subject = 'bench.nexmark.q5.max', format = 'json') AS
SELECT MAX(num) AS maxn, window_start AS ws
FROM q5_counts
GROUP BY TUMBLE(window_start, INTERVAL '2' SECOND);

CREATE STREAM q5_out WITH (subject = 'bench.nexmark.q5.out', format = 'json') AS
SELECT c.auction, c.num, c.window_start
FROM q5_counts c JOIN q5_max m
  ON c.num = m.maxn AND c.window_start BETWEEN m.ws AND m.ws + INTERVAL '1' SECOND;
