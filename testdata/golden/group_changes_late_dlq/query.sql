-- GROUP BY without a window defaults to EMIT CHANGES: one updated row per
-- input record, for the group it changed. A windowed query on a stream with
-- late = 'dlq' sends records behind the watermark to the dead-letter subject.
CREATE STREAM payments (account VARCHAR, amount DECIMAL(10,2), ts TIMESTAMP)
WITH (subject = 'payments', event_time = 'ts', late = 'dlq');

CREATE STREAM balances WITH (subject = 'payments.balances') AS
SELECT account, COUNT(*) AS n, SUM(amount) AS balance, MAX(amount) AS largest,
       STDDEV(amount) AS sd, FIRST_VALUE(amount) AS first_amount, LAST_VALUE(amount) AS last_amount,
       COUNT(DISTINCT amount) AS distinct_amounts
FROM payments
GROUP BY account;

CREATE STREAM per_second WITH (subject = 'payments.1s') AS
SELECT account, window_start, SUM(amount) AS total
FROM payments
GROUP BY account, TUMBLE(ts, INTERVAL '1' SECOND);
