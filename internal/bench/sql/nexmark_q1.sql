-- Nexmark q1 (currency conversion): bid prices in euros.
-- Data: the Nexmark generator's bids (internal/bench/nexmark.go).
CREATE STREAM bid (
    auction   BIGINT,
    bidder    BIGINT,
    price     BIGINT,
    channel   VARCHAR,
    url       VARCHAR,
    date_time TIMESTAMP,
    extra     VARCHAR
) WITH (subject = 'bench.nexmark.q1.bid', format = 'json', event_time = 'date_time');

CREATE STREAM q1_out WITH (subject = 'bench.nexmark.q1.out', format = 'json') AS
SELECT auction, bidder, 0.908 * price AS price, date_time, extra FROM bid;
