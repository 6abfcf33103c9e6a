-- Nexmark q20 (expand bid with auction): bids on category-10 auctions
-- with the auction's columns — a regular join. Chain form: the category-10
-- auctions as a changelog keyed by id (ids are unique).
-- Nested form, once composed queries land:
--   SELECT … FROM bid b JOIN auction a ON b.auction = a.id WHERE a.category = 10
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

CREATE STREAM q20_auction WITH (subject = 'bench.nexmark.q20.auctions', format = 'json') AS
SELECT id, item_name, description, initial_bid, reserve, date_time, expires, seller, category, extra
FROM auction
WHERE category = 10
GROUP BY id, item_name, description, initial_bid, reserve, date_time, expires, seller, category, extra;

CREATE STREAM q20_out WITH (subject = 'bench.nexmark.q20.out', format = 'json') AS
SELECT b.auction, b.bidder, b.price, b.channel, b.url, b.date_time, b.extra,
       a.item_name, a.description, a.initial_bid, a.reserve, a.date_time AS a_date_time,
       a.expires, a.seller, a.category, a.extra AS a_extra
FROM bid b JOIN q20_auction a ON b.auction = a.id;
