-- Nexmark q19 (auction top-10 price): the 10 highest bids of each
-- auction — a Top-N per key over a derived table (a changelog keyed by
-- the bid's arrival number: a bid pushed out of its auction's top 10 is
-- deleted). Of equal prices the earlier bid ranks first.
CREATE STREAM bid (
    auction   BIGINT,
    bidder    BIGINT,
    price     BIGINT,
    channel   VARCHAR,
    url       VARCHAR,
    date_time TIMESTAMP,
    extra     VARCHAR
) WITH (subject = 'bench.nexmark.q19.bid', format = 'json', event_time = 'date_time');

CREATE STREAM q19_out WITH (subject = 'bench.nexmark.q19.out', format = 'json') AS
SELECT auction, bidder, price, channel, url, date_time, extra
FROM (SELECT auction, bidder, price, channel, url, date_time, extra,
             ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS rank_number
      FROM bid) t
WHERE rank_number <= 10;
