/* Queries chained through NATS: a derived stream feeds a second query,
   and INSERT INTO writes a declared stream. */
CREATE STREAM clicks (user_id BIGINT, page VARCHAR, ms BIGINT)
WITH (subject = 'clicks.{partition}', partitions = 3, key = 'user_id');

CREATE STREAM slow_clicks (user_id BIGINT, page VARCHAR, seconds DOUBLE)
WITH (subject = 'clicks.slow');

CREATE STREAM checkout_clicks WITH (subject = 'clicks.checkout.{partition}', partitions = 2, key = 'user_id') AS
SELECT user_id, page, ms FROM clicks WHERE page LIKE '/checkout%';

INSERT INTO slow_clicks
SELECT user_id, page, ms / 1000 FROM checkout_clicks WHERE ms >= 1500;
