-- Nexmark q3 (local item suggestion): auctions in category 10 whose
-- seller lives in Oregon, Idaho or California, with the seller's name and
-- city. The people are a KV-backed table (loaded before the auctions
-- arrive); the auctions are the stream. Data: the Nexmark generator's
-- auctions and people (internal/bench/nexmark.go).
CREATE TABLE person (
    id            BIGINT PRIMARY KEY,
    name          VARCHAR,
    email_address VARCHAR,
    credit_card   VARCHAR,
    city          VARCHAR,
    state         VARCHAR,
    date_time     TIMESTAMP,
    extra         VARCHAR
) WITH (kv = 'bench_nexmark_q3_person', format = 'json');

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
) WITH (subject = 'bench.nexmark.q3.auction', format = 'json', event_time = 'date_time');

CREATE STREAM q3_out WITH (subject = 'bench.nexmark.q3.out', format = 'json') AS
SELECT p.name, p.city, p.state, a.id
FROM auction a JOIN person p ON a.seller = p.id
WHERE a.category = 10 AND p.state IN ('OR', 'ID', 'CA');
