-- Nexmark q21 (add channel id): the channel's id, from a table of the
-- four hot channels or else from the URL's channel_id parameter (Flink's
-- REGEXP_EXTRACT(url, '(&|^)channel_id=([^&]*)', 2) as REGEXP_SUBSTR and
-- REGEXP_REPLACE: velort's regular expressions are RE2, without
-- look-behind).
CREATE STREAM bid (
    auction   BIGINT,
    bidder    BIGINT,
    price     BIGINT,
    channel   VARCHAR,
    url       VARCHAR,
    date_time TIMESTAMP,
    extra     VARCHAR
) WITH (subject = 'bench.nexmark.q21.bid', format = 'json', event_time = 'date_time');

CREATE STREAM q21_out WITH (subject = 'bench.nexmark.q21.out', format = 'json') AS
SELECT auction, bidder, price, channel,
       CASE WHEN LOWER(channel) = 'apple' THEN '0'
            WHEN LOWER(channel) = 'google' THEN '1'
            WHEN LOWER(channel) = 'facebook' THEN '2'
            WHEN LOWER(channel) = 'baidu' THEN '3'
            ELSE REGEXP_REPLACE(REGEXP_SUBSTR(url, '(&|^)channel_id=[^&]*'), '^&?channel_id=', '') END AS channel_id
FROM bid
WHERE REGEXP_SUBSTR(url, '(&|^)channel_id=[^&]*') IS NOT NULL
   OR LOWER(channel) IN ('apple', 'google', 'facebook', 'baidu');
