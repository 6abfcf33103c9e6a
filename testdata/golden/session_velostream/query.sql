-- Velostream's WINDOW SESSION form: sessions per user with a 30 s gap;
-- a record bridging two sessions merges them. Default emit: FINAL.
CREATE STREAM events (user_id BIGINT, amount DOUBLE, ts TIMESTAMP)
WITH (subject = 'events', event_time = 'ts', watermark_delay = '1m');

CREATE STREAM sessions WITH (subject = 'events.sessions') AS
SELECT user_id, window_start, window_end, COUNT(*) AS events, SUM(amount) AS total
FROM events
GROUP BY user_id
WINDOW SESSION(ts, INTERVAL '30' SECOND);
