-- The chain form of internal/bench/sql/nexmark_q8.sql: one CREATE STREAM … AS SELECT
-- per stage, each reading the stream of the one before (what the nested
-- form desugars to). TestNexmarkChainForms checks it against the same oracle.
-- Nexmark q8 (monitor new users): people who created an auction in the
-- same 10-second tumbling window as they registered. Nexmark joins two
-- windowed GROUP BYs on (id, window); velort does not join two windowed
-- append-only streams yet (check: 'a stream–stream join must be an INNER
-- join with a time bound'), so the chain groups by the window's number,
-- FLOOR(UNIX_TIMESTAMP(date_time) / 10), without a time window: both sides
-- are changelogs and the join is a regular one. Same rows as Nexmark's.
-- Window-join form, once velort runs it:
--   SELECT p.id, p.name, p.window_start FROM (SELECT id, name, window_start FROM person
--     GROUP BY id, name, TUMBLE(date_time, INTERVAL '10' SECOND)) p
--   JOIN (SELECT seller, window_start FROM auction GROUP BY seller, TUMBLE(date_time, INTERVAL '10' SECOND)) a
--   ON p.id = a.seller AND p.window_start = a.window_start
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

CREATE STREAM q8_person WITH (subject = 'bench.nexmark.q8.people', format = 'json') AS
SELECT id, name, FLOOR(UNIX_TIMESTAMP(date_time) / 10) AS w
FROM person
GROUP BY id, name, FLOOR(UNIX_TIMESTAMP(date_time) / 10);

CREATE STREAM q8_seller WITH (subject = 'bench.nexmark.q8.sellers', format = 'json') AS
SELECT seller, FLOOR(UNIX_TIMESTAMP(date_time) / 10) AS w
FROM auction
GROUP BY seller, FLOOR(UNIX_TIMESTAMP(date_time) / 10);

CREATE STREAM q8_out WITH (subject = 'bench.nexmark.q8.out', format = 'json') AS
SELECT p.id, p.name, p.w * 10000 AS window_start
FROM q8_person p JOIN q8_seller a ON p.id = a.seller AND p.w = a.w;
