-- The chain form of internal/bench/sql/nexmark_q9.sql: one CREATE STREAM … AS SELECT
-- per stage, each reading the stream of the one before (what the nested
-- form desugars to). TestNexmarkChainForms checks it against the same oracle.
-- Nexmark q9 (winning bids): each auction with its winning bid — the
-- highest bid made while it was open, the earliest of equal ones. Nexmark
-- writes it as a Top-1 (ROW_NUMBER() OVER (PARTITION BY a.id ORDER BY
-- b.price DESC, b.date_time ASC) = 1) over the join; velort's per-key
-- Top-N over a derived table is not there yet (see BENCHMARKS.md), so the
-- chain finds the maximum price per auction, then the earliest bid at that
-- price (a join on (id, price) and MIN), then joins the auction back: the
-- winning bid's price and time. Its bidder and extra are left out: of
-- equal bids of the same millisecond they would need the Top-1's choice.
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

CREATE STREAM q9_auction WITH (subject = 'bench.nexmark.q9.auctions', format = 'json') AS
SELECT id, MAX(item_name) AS item_name, MAX(description) AS description, MAX(initial_bid) AS initial_bid,
       MAX(reserve) AS reserve, MAX(date_time) AS date_time, MAX(expires) AS expires, MAX(seller) AS seller,
       MAX(category) AS category, MAX(extra) AS extra
FROM auction
GROUP BY id;

CREATE STREAM q9_bids WITH (subject = 'bench.nexmark.q9.bids', format = 'json') AS
SELECT a.id, b.price, b.date_time AS bid_time
FROM bid b JOIN q9_auction a ON a.id = b.auction
WHERE b.date_time BETWEEN a.date_time AND a.expires;

CREATE STREAM q9_max WITH (subject = 'bench.nexmark.q9.max', format = 'json') AS
SELECT id, MAX(price) AS price FROM q9_bids GROUP BY id;

CREATE STREAM q9_first WITH (subject = 'bench.nexmark.q9.first', format = 'json') AS
SELECT b.id, b.price, MIN(b.bid_time) AS bid_time
FROM q9_bids b JOIN q9_max m ON b.id = m.id AND b.price = m.price
GROUP BY b.id, b.price;

CREATE STREAM q9_out WITH (subject = 'bench.nexmark.q9.out', format = 'json') AS
SELECT a.id, a.item_name, a.description, a.initial_bid, a.reserve, a.date_time, a.expires, a.seller, a.category, a.extra,
       f.price, f.bid_time
FROM q9_auction a JOIN q9_first f ON a.id = f.id;
