-- The chain form of internal/bench/sql/nexmark_q3.sql: one CREATE STREAM … AS SELECT
-- per stage, each reading the stream of the one before (what the nested
-- form desugars to). TestNexmarkChainForms checks it against the same oracle.
-- Nexmark q3 (local item suggestion): auctions in category 10 whose
-- seller lives in Oregon, Idaho or California, with the seller's name and
-- city — a regular join of the auction and person streams (Nexmark's form;
-- nexmark_q3_kv.sql is the older KV-table lookup).
-- Chain form: the people of those states become a changelog keyed by id
-- (a GROUP BY of every column; ids are unique), so that the join is an
-- append-only stream joined to a changelog, which velort runs today.
-- Nested form, once composed queries land:
--   SELECT p.name, p.city, p.state, a.id FROM auction a JOIN person p ON a.seller = p.id
--   WHERE a.category = 10 AND p.state IN ('OR', 'ID', 'CA')
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

CREATE STREAM q3_person WITH (subject = 'bench.nexmark.q3.local', format = 'json') AS
SELECT id, name, city, state FROM person
WHERE state IN ('OR', 'ID', 'CA')
GROUP BY id, name, city, state;

CREATE STREAM q3_out WITH (subject = 'bench.nexmark.q3.out', format = 'json') AS
SELECT p.name, p.city, p.state, a.id
FROM auction a JOIN q3_person p ON a.seller = p.id
WHERE a.category = 10;
