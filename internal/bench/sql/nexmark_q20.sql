-- Nexmark q20 (expand bid with auction): bids on category-10 auctions
-- with the auction's columns — in Nexmark's own form: a regular join of
-- two append-only streams (no time bound: both sides kept by key).
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
) WITH (subject = 'bench.nexmark.q20.auction', format = 'json', event_time = 'date_time');

CREATE STREAM bid (
    auction   BIGINT,
    bidder    BIGINT,
    price     BIGINT,
    channel   VARCHAR,
    url       VARCHAR,
    date_time TIMESTAMP,
    extra     VARCHAR
) WITH (subject = 'bench.nexmark.q20.bid', format = 'json', event_time = 'date_time');

CREATE STREAM q20_out WITH (subject = 'bench.nexmark.q20.out', format = 'json') AS
SELECT b.auction, b.bidder, b.price, b.channel, b.url, b.date_time, b.extra,
       a.item_name, a.description, a.initial_bid, a.reserve, a.date_time AS a_date_time,
       a.expires, a.seller, a.category, a.extra AS a_extra
FROM bid AS b JOIN auction AS a ON b.auction = a.id
WHERE a.category = 10;
