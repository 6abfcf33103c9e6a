-- Filters and projections: arithmetic, CASE, CAST, IN, LIKE, BETWEEN,
-- IS NULL and NULL propagation.
CREATE STREAM orders (
    order_id     BIGINT,
    customer     VARCHAR,
    amount       DOUBLE,
    qty          BIGINT,
    discount     DECIMAL(6,2),
    region       VARCHAR,
    placed       TIMESTAMP
) WITH (subject = 'orders', format = 'json');

CREATE STREAM enriched WITH (subject = 'orders.enriched') AS
SELECT order_id,
       amount * qty AS total,
       qty DIV 3 AS thirds,
       qty % 3 AS rest,
       amount / qty AS unit,
       discount + 1.25 AS disc_plus,
       CASE WHEN amount >= 100 THEN 'big' WHEN amount >= 10 THEN 'medium' ELSE 'small' END AS size,
       CASE region WHEN 'eu' THEN 1 WHEN 'us' THEN 2 END AS region_code,
       CAST(amount AS SIGNED) AS amount_int,
       region IN ('eu', 'apac') AS in_eu_apac,
       customer LIKE 'A%' AS a_customer,
       customer LIKE '_ob' AS three_letter_ob,
       qty BETWEEN 2 AND 5 AS mid_qty,
       region IS NULL AS no_region,
       amount > 50 AND region = 'eu' AS big_eu,
       placed,
       placed > '2024-01-15 12:00:00' AS afternoon
FROM orders
WHERE order_id <> 4 AND (qty > 0 OR qty IS NULL);
