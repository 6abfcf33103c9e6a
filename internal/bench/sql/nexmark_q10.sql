-- Nexmark q10 (log to file system): every bid with its day and minute,
-- for a file sink partitioned by them. velort's sinks are NATS subjects:
-- the rows go to a subject per day and minute would be written
-- 'bench.nexmark.q10.{dt}.{hm}'; here one subject, and a file is
-- `velort run --capture q10_out=bids.jsonl` (one JSON line per row).
CREATE STREAM bid (
    auction   BIGINT,
    bidder    BIGINT,
    price     BIGINT,
    channel   VARCHAR,
    url       VARCHAR,
    date_time TIMESTAMP,
    extra     VARCHAR
) WITH (subject = 'bench.nexmark.q10.bid', format = 'json', event_time = 'date_time');

CREATE STREAM q10_out WITH (subject = 'bench.nexmark.q10.out', format = 'json') AS
SELECT auction, bidder, price, date_time, extra,
       DATE_FORMAT(date_time, '%Y-%m-%d') AS dt, DATE_FORMAT(date_time, '%H:%i') AS hm
FROM bid;
