-- Nexmark q2 (selection): bids on auctions whose id is a multiple of 123.
-- Data: the Nexmark generator's bids (internal/bench/nexmark.go).
CREATE STREAM bid (
    auction   BIGINT,
    bidder    BIGINT,
    price     BIGINT,
    channel   VARCHAR,
    url       VARCHAR,
    date_time TIMESTAMP,
    extra     VARCHAR
) WITH (subject = 'bench.nexmark.q2.bid', format = 'json', event_time = 'date_time');

CREATE STREAM q2_out WITH (subject = 'bench.nexmark.q2.out', format = 'json') AS
SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0;
