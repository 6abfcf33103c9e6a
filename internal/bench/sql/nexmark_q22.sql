-- Nexmark q22 (get URL directories): the first three directories of
-- each bid's URL (Flink's SPLIT_INDEX(url, '/', 3..5) as SUBSTRING_INDEX).
CREATE STREAM bid (
    auction   BIGINT,
    bidder    BIGINT,
    price     BIGINT,
    channel   VARCHAR,
    url       VARCHAR,
    date_time TIMESTAMP,
    extra     VARCHAR
) WITH (subject = 'bench.nexmark.q22.bid', format = 'json', event_time = 'date_time');

CREATE STREAM q22_out WITH (subject = 'bench.nexmark.q22.out', format = 'json') AS
SELECT auction, bidder, price, channel,
       SUBSTRING_INDEX(SUBSTRING_INDEX(url, '/', 4), '/', -1) AS dir1,
       SUBSTRING_INDEX(SUBSTRING_INDEX(url, '/', 5), '/', -1) AS dir2,
       SUBSTRING_INDEX(SUBSTRING_INDEX(url, '/', 6), '/', -1) AS dir3
FROM bid;
