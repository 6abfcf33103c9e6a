-- Nexmark q9 (winning bids): each auction with its winning bid — the
-- highest bid made while it was open, the earliest of equal ones — as
-- Nexmark writes it: a Top-1 (ROW_NUMBER() OVER (PARTITION BY id ORDER BY
-- price DESC, bid_time ASC) <= 1) over auction JOIN bid (a regular join of
-- two append-only streams). The join is a CTE: velort's Top-N reads one
-- stream, not a join ('ORDER BY … LIMIT over a join is not supported
-- yet'). The bid's bidder and extra are left out as in the earlier form
-- (of equal bids of the same millisecond the oracle cannot know which the
-- Top-1 keeps: ROW_NUMBER keeps the earlier arrival).
CREATE STREAM auction (
    id          BIGINT,
    item_name   VARCHAR,
    description VARCHAR,
    initial_bid BIGINT,
    reserve     BIGINT,
    date_time   TIMESTAMP,
    expires     TIMESTAMP,
    seller      BIGINT,
    category    BIGINT,
    extra       VARCHAR
) WITH (subject = 'bench.nexmark.q9.auction', format = 'json', event_time = 'date_time');

CREATE STREAM bid (
    auction   BIGINT,
    bidder    BIGINT,
    price     BIGINT,
    channel   VARCHAR,
    url       VARCHAR,
    date_time TIMESTAMP,
    extra     VARCHAR
) WITH (subject = 'bench.nexmark.q9.bid', format = 'json', event_time = 'date_time');

CREATE STREAM q9_out WITH (subject = 'bench.nexmark.q9.out', format = 'json') AS
WITH open_bids AS (
    SELECT a.id, a.item_name, a.description, a.initial_bid, a.reserve, a.date_time, a.expires, a.seller, a.category, a.extra,
           b.price, b.date_time AS bid_time
    FROM auction a JOIN bid b ON a.id = b.auction
    WHERE b.date_time BETWEEN a.date_time AND a.expires)
SELECT id, item_name, description, initial_bid, reserve, date_time, expires, seller, category, extra, price, bid_time
FROM (SELECT id, item_name, description, initial_bid, reserve, date_time, expires, seller, category, extra, price, bid_time,
             ROW_NUMBER() OVER (PARTITION BY id ORDER BY price DESC, bid_time ASC) AS rownum
      FROM open_bids) t
WHERE rownum <= 1;
