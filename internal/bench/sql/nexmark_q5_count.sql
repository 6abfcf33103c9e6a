-- Nexmark q5 (hot items), its windowed-count stage: bids per auction in
-- 10-second windows sliding every 2 seconds. (Nexmark's second stage, the
-- auctions whose count equals the window's maximum, needs a join.)
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
SELECT auction, COUNT(*) AS num, window_start, window_end
FROM bid
GROUP BY auction, HOP(date_time, INTERVAL '2' SECOND, INTERVAL '10' SECOND);
