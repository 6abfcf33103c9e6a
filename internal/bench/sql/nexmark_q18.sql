-- Nexmark q18 (find last bid): each bidder's last bid on each auction,
-- as Nexmark writes it: a Top-1 per (bidder, auction) by date_time. Of
-- bids of the same millisecond the earlier one ranks first.
CREATE STREAM bid (
    auction   BIGINT,
    bidder    BIGINT,
    price     BIGINT,
    channel   VARCHAR,
    url       VARCHAR,
    date_time TIMESTAMP,
    extra     VARCHAR
) WITH (subject = 'bench.nexmark.q18n.bid', format = 'json', event_time = 'date_time');

CREATE STREAM q18_out WITH (subject = 'bench.nexmark.q18.out', format = 'json') AS
SELECT auction, bidder, price, channel, url, date_time, extra
FROM (SELECT auction, bidder, price, channel, url, date_time, extra,
             ROW_NUMBER() OVER (PARTITION BY bidder, auction ORDER BY date_time DESC) AS rank_number
      FROM bid) t
WHERE rank_number <= 1;
