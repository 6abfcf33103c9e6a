-- Nexmark q8 (monitor new users): people who created an auction in the
-- same 10-second tumbling window as they registered — Nexmark's form: two
-- windowed GROUP BYs (append-only, EMIT FINAL) in derived tables, joined on
-- the key and window_start (a window join). Nexmark's GROUP BY selects no
-- aggregate; velort needs one to select window_start (check: 'expression
-- 'person.window_start' doesn't appear in the group by expressions'), so
-- each counts its rows.
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
SELECT p.id, p.name, p.window_start
FROM (SELECT id, name, COUNT(*) AS n, window_start, window_end
      FROM person
      GROUP BY id, name, TUMBLE(date_time, INTERVAL '10' SECOND)) p
JOIN (SELECT seller, COUNT(*) AS n, window_start, window_end
      FROM auction
      GROUP BY seller, TUMBLE(date_time, INTERVAL '10' SECOND)) a
  ON p.id = a.seller AND p.window_start = a.window_start;
