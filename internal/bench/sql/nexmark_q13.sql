-- Nexmark q13 (bounded side input join): bids joined to a bounded side
-- input by MOD(auction, 10000). Nexmark reads the side input from a file;
-- velort's bounded side input is a KV-backed table (loaded before the bids
-- arrive, kept live by a watch; `velort run --replay side_input=file`
-- fills it from a file), looked up in memory per bid.
CREATE STREAM bid (
    auction   BIGINT,
    bidder    BIGINT,
    price     BIGINT,
    channel   VARCHAR,
    url       VARCHAR,
    date_time TIMESTAMP,
    extra     VARCHAR
) WITH (subject = 'bench.nexmark.q13.bid', format = 'json', event_time = 'date_time');

CREATE TABLE side_input (
    k BIGINT PRIMARY KEY,
    v VARCHAR
) WITH (kv = 'bench_nexmark_q13_side', format = 'json');

CREATE STREAM q13_out WITH (subject = 'bench.nexmark.q13.out', format = 'json') AS
SELECT b.auction, b.bidder, b.price, b.date_time, s.v
FROM bid b JOIN side_input s ON MOD(b.auction, 10000) = s.k;
