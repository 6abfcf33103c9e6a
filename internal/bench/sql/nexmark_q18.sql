-- Nexmark q18 (find last bid): each bidder's last bid on each auction.
-- Nexmark writes it as a Top-1 (ROW_NUMBER() OVER (PARTITION BY bidder,
-- auction ORDER BY date_time DESC) = 1); velort's chain form keeps the
-- last arrived row's values per group with LAST_VALUE (bids arrive in
-- time order, so that is the latest; of bids of the same millisecond, the
-- last, which is one of the rows ROW_NUMBER may pick).
-- Nested form, once composed queries land:
--   SELECT auction, bidder, price, channel, url, date_time, extra FROM (SELECT *,
--     ROW_NUMBER() OVER (PARTITION BY bidder, auction ORDER BY date_time DESC) AS rn FROM bid) t
--   WHERE rn <= 1
CREATE STREAM bid (
    auction   BIGINT,
    bidder    BIGINT,
    price     BIGINT,
    channel   VARCHAR,
    url       VARCHAR,
    date_time TIMESTAMP,
    extra     VARCHAR
) WITH (subject = 'bench.nexmark.q18.bid', format = 'json', event_time = 'date_time');

CREATE STREAM q18_out WITH (subject = 'bench.nexmark.q18.out', format = 'json') AS
SELECT auction, bidder, LAST_VALUE(price) AS price, LAST_VALUE(channel) AS channel,
       LAST_VALUE(url) AS url, MAX(date_time) AS date_time, LAST_VALUE(extra) AS extra
FROM bid
GROUP BY bidder, auction;
