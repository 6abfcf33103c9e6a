-- The chain form of internal/bench/sql/nexmark_q7.sql: one CREATE STREAM … AS SELECT
-- per stage, each reading the stream of the one before (what the nested
-- form desugars to). TestNexmarkChainForms checks it against the same oracle.
-- Nexmark q7 (highest bid): the bids whose price is the highest of
-- their 10-second tumbling window. Chain form: the windowed maximum
-- (append-only, EMIT FINAL), then the bids joined to it by price within
-- the window (an interval join, as Nexmark writes it: the bid's time
-- between window_end - 10 s and window_end).
-- Nested form, once composed queries land:
--   SELECT b.auction, b.price, b.bidder, b.date_time, b.extra FROM bid b
--   JOIN (SELECT MAX(price) AS maxprice, window_end FROM bid GROUP BY TUMBLE(date_time, INTERVAL '10' SECOND)) m
--   ON b.price = m.maxprice AND b.date_time BETWEEN m.window_end - INTERVAL '10' SECOND AND m.window_end
CREATE STREAM bid (
    auction   BIGINT,
    bidder    BIGINT,
    price     BIGINT,
    channel   VARCHAR,
    url       VARCHAR,
    date_time TIMESTAMP,
    extra     VARCHAR
) WITH (subject = 'bench.nexmark.q7.bid', format = 'json', event_time = 'date_time');

CREATE STREAM q7_max WITH (subject = 'bench.nexmark.q7.max', format = 'json') AS
SELECT MAX(price) AS maxprice, window_start, window_end
FROM bid
GROUP BY TUMBLE(date_time, INTERVAL '10' SECOND);

CREATE STREAM q7_out WITH (subject = 'bench.nexmark.q7.out', format = 'json') AS
SELECT b.auction, b.price, b.bidder, b.date_time, b.extra
FROM bid b JOIN q7_max m
  ON b.price = m.maxprice AND b.date_time BETWEEN m.window_end - INTERVAL '10' SECOND AND m.window_end;
