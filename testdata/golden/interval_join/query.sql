-- A stream–stream interval join: each impression with the clicks on the
-- same ad within 10 minutes after it, input out of order on both sides,
-- over 2 co-partitioned partitions.
CREATE STREAM impressions (ad BIGINT, campaign VARCHAR, shown TIMESTAMP)
WITH (subject = 'ij.imp.{partition}', partitions = 2, key = 'ad', event_time = 'shown', watermark_delay = '5m');
CREATE STREAM clicks (ad BIGINT, clicked TIMESTAMP)
WITH (subject = 'ij.clk.{partition}', partitions = 2, key = 'ad', event_time = 'clicked', watermark_delay = '5m');

CREATE STREAM conversions WITH (subject = 'ij.conv') AS
SELECT i.ad, i.campaign, c.clicked, TIMESTAMPDIFF(SECOND, i.shown, c.clicked) AS after_s
FROM impressions i JOIN clicks c
  ON i.ad = c.ad AND c.clicked BETWEEN i.shown AND i.shown + INTERVAL '10' MINUTE;
