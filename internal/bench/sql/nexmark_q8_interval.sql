-- Nexmark q8 (monitor new users): people who created an auction within
-- 10 seconds of registering, as a stream–stream interval join. (Nexmark's
-- q8 pairs people and sellers of the same 10-second tumbling window; the
-- interval join is velort's form of "registered in the last 10 seconds".)
-- Data: the Nexmark generator's people and auctions in event order.
CREATE STREAM person (
    id            BIGINT,
    name          VARCHAR,
    email_address VARCHAR,
    credit_card   VARCHAR,
    city          VARCHAR,
    state         VARCHAR,
    date_time     TIMESTAMP,
    extra         VARCHAR
) WITH (subject = 'bench.nexmark.q8.person', format = 'json', event_time = 'date_time');

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
) WITH (subject = 'bench.nexmark.q8.auction', format = 'json', event_time = 'date_time');

CREATE STREAM q8_out WITH (subject = 'bench.nexmark.q8.out', format = 'json') AS
SELECT p.id, p.name, a.id AS auction, a.date_time
FROM person p JOIN auction a
  ON p.id = a.seller AND a.date_time BETWEEN p.date_time AND p.date_time + INTERVAL '10' SECOND;
