-- Nexmark q3 (local item suggestion): auctions in category 10 whose
-- seller lives in Oregon, Idaho or California, with the seller's name and
-- city — a regular join of the auction and person streams (Nexmark's form;
-- nexmark_q3_kv.sql is the older KV-table lookup). velort joins two
-- append-only streams only with a time bound, so the people of those
-- states are a CTE grouped by every column (a changelog keyed by id: ids
-- are unique), joined to the auctions.
CREATE STREAM person (
    id            BIGINT,
    name          VARCHAR,
    email_address VARCHAR,
    credit_card   VARCHAR,
    city          VARCHAR,
    state         VARCHAR,
    date_time     TIMESTAMP,
    extra         VARCHAR
) WITH (subject = 'bench.nexmark.q3.person', format = 'json', event_time = 'date_time');

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
WITH local_person AS (
    SELECT id, name, city, state FROM person
    WHERE state IN ('OR', 'ID', 'CA')
    GROUP BY id, name, city, state)
SELECT p.name, p.city, p.state, a.id
FROM auction a JOIN local_person p ON a.seller = p.id
WHERE a.category = 10;
