-- Nexmark q11 (user sessions): bids per bidder per session, a session
-- ending after 10 seconds without a bid.
CREATE STREAM bid (
    auction   BIGINT,
    bidder    BIGINT,
    price     BIGINT,
    channel   VARCHAR,
    url       VARCHAR,
    date_time TIMESTAMP,
    extra     VARCHAR
) WITH (subject = 'bench.nexmark.q11.bid', format = 'json', event_time = 'date_time');

CREATE STREAM q11_out WITH (subject = 'bench.nexmark.q11.out', format = 'json') AS
SELECT bidder, COUNT(*) AS bid_count, window_start, window_end
FROM bid
GROUP BY bidder, SESSION(date_time, INTERVAL '10' SECOND);
