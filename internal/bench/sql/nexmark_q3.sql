-- Nexmark q3 (local item suggestion): auctions in category 10 whose
-- seller lives in Oregon, Idaho or California, with the seller's name and
-- city — a regular join of the auction and person streams, in Nexmark's
-- own form (nexmark_q3_kv.sql is the older KV-table lookup): two
-- append-only streams joined without a time bound keep both sides by key
-- (a changelog keyed by both arrivals; an INNER join never deletes).
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
SELECT p.name, p.city, p.state, a.id
FROM auction AS a JOIN person AS p ON a.seller = p.id
WHERE a.category = 10 AND (p.state = 'OR' OR p.state = 'ID' OR p.state = 'CA');
