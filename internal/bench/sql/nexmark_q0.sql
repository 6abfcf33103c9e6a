-- Nexmark q0 (pass-through): every bid, projected.
-- Data: the Nexmark generator's bids (internal/bench/nexmark.go).
CREATE STREAM bid (
    auction   BIGINT,
    bidder    BIGINT,
    price     BIGINT,
    channel   VARCHAR,
    url       VARCHAR,
    date_time TIMESTAMP,
    extra     VARCHAR
) WITH (subject = 'bench.nexmark.q0.bid', format = 'json', event_time = 'date_time');

CREATE STREAM q0_out WITH (subject = 'bench.nexmark.q0.out', format = 'json') AS
SELECT auction, bidder, price, date_time, extra FROM bid;
