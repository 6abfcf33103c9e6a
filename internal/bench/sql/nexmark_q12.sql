-- Nexmark q12 (processing-time windows): bids per bidder in 10-second
-- tumbling windows of processing time (velort's TUMBLING(10s) form).
-- Which window a bid falls in depends on when it is processed, so the
-- check is on what does not: each bidder's counts sum to its bids. The
-- stream has no event_time: its windows are of processing time.
CREATE STREAM bid (
    auction   BIGINT,
    bidder    BIGINT,
    price     BIGINT,
    channel   VARCHAR,
    url       VARCHAR,
    date_time TIMESTAMP,
    extra     VARCHAR
) WITH (subject = 'bench.nexmark.q12.bid', format = 'json');

CREATE STREAM q12_out WITH (subject = 'bench.nexmark.q12.out', format = 'json') AS
SELECT bidder, COUNT(*) AS bid_count, window_start, window_end
FROM bid
GROUP BY bidder WINDOW TUMBLING(10s);
