-- Nexmark q7 (highest bid), its windowed-max stage: the highest price in
-- each 10-second tumbling window. (Nexmark's second stage, joining the
-- max back to the bids that reached it, needs a join.)
CREATE STREAM bid (
    auction   BIGINT,
    bidder    BIGINT,
    price     BIGINT,
    channel   VARCHAR,
    url       VARCHAR,
    date_time TIMESTAMP,
    extra     VARCHAR
) WITH (subject = 'bench.nexmark.q7.bid', format = 'json', event_time = 'date_time');

CREATE STREAM q7_out WITH (subject = 'bench.nexmark.q7.out', format = 'json') AS
SELECT MAX(price) AS maxprice, window_start, window_end
FROM bid
GROUP BY TUMBLE(date_time, INTERVAL '10' SECOND);
