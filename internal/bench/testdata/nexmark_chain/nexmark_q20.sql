-- The chain form of internal/bench/sql/nexmark_q20.sql: one CREATE STREAM … AS SELECT
-- per stage, each reading the stream of the one before (what the nested
-- form desugars to). TestNexmarkChainForms checks it against the same oracle.
-- Nexmark q20 (expand bid with auction): bids on category-10 auctions
-- with the auction's columns — a regular join. Chain form: the category-10
-- auctions as a changelog keyed by id (ids are unique, so each MAX is
-- the auction's value).
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
SELECT id, MAX(item_name) AS item_name, MAX(description) AS description, MAX(initial_bid) AS initial_bid,
       MAX(reserve) AS reserve, MAX(date_time) AS date_time, MAX(expires) AS expires, MAX(seller) AS seller,
       MAX(category) AS category, MAX(extra) AS extra
FROM auction
WHERE category = 10
GROUP BY id;

CREATE STREAM q20_out WITH (subject = 'bench.nexmark.q20.out', format = 'json') AS
SELECT b.auction, b.bidder, b.price, b.channel, b.url, b.date_time, b.extra,
       a.item_name, a.description, a.initial_bid, a.reserve, a.date_time AS a_date_time,
       a.expires, a.seller, a.category, a.extra AS a_extra
FROM bid b JOIN q20_auction a ON b.auction = a.id;
