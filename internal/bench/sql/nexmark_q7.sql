-- Nexmark q7 (highest bid): the bids whose price is the highest of
-- their 10-second tumbling window — Nexmark's nested query: the windowed
-- maximum as a derived table, joined to the bids by price within the
-- window (an interval join).
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
SELECT b.auction, b.price, b.bidder, b.date_time, b.extra
FROM bid b JOIN (
    SELECT MAX(price) AS maxprice, window_end
    FROM bid
    GROUP BY TUMBLE(date_time, INTERVAL '10' SECOND)) m
  ON b.price = m.maxprice AND b.date_time BETWEEN m.window_end - INTERVAL '10' SECOND AND m.window_end;
