/* MIN and MAX over a changelog: an update or delete that removes the current
   extreme falls back to the next value; equal values are counted, not merged;
   a row moving to another group deletes the emptied group. */
CREATE STREAM prices (id VARCHAR, sym VARCHAR, px BIGINT)
WITH (subject = 'clm.prices', changelog = 'upsert', key = 'id');
CREATE STREAM ranges WITH (subject = 'clm.ranges') AS
SELECT sym, MIN(px) AS lo, MAX(px) AS hi, COUNT(*) AS n FROM prices GROUP BY sym;
