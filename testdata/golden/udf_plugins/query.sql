-- Functions registered from a --plugins directory (each module's manifest):
-- a Go-SDK module with a scalar, a string function and an aggregate, and a
-- C module whose coalesce0 handles NULL itself.
CREATE STREAM positions (desk VARCHAR, account VARCHAR, price DOUBLE, qty BIGINT)
WITH (subject = 'udf.positions');

CREATE STREAM exposures WITH (subject = 'udf.exposures') AS
SELECT desk, mask(account) AS account, risk(price, qty) AS exposure, coalesce0(price) AS price_or_0
FROM positions;

CREATE STREAM desk_vwap WITH (subject = 'udf.vwap') AS
SELECT desk, wavg(price, qty) AS vwap, COUNT(*) AS n
FROM positions
GROUP BY desk
EMIT FINAL;
