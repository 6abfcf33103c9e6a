/* A projection of a changelog that drops the key column: its records are
   still keyed by the source key (Velort-Key = id, not in the payload), and a
   GROUP BY reading it relies on that header. SUM of a DECIMAL and
   SUM(DISTINCT) retract exactly. A global aggregate over a changelog that
   received nothing has its one row at end of input (COUNT 0, SUM NULL). */
CREATE STREAM positions (id VARCHAR, sym VARCHAR, qty BIGINT, px DECIMAL(10,2))
WITH (subject = 'clpc.positions', changelog = 'upsert', key = 'id');
CREATE STREAM proj WITH (subject = 'clpc.proj') AS SELECT sym, qty, px FROM positions;
CREATE STREAM bysym WITH (subject = 'clpc.bysym') AS
SELECT sym, SUM(qty) AS q, SUM(px) AS p, SUM(DISTINCT qty) AS dq, COUNT(*) AS n FROM proj GROUP BY sym;
CREATE STREAM nothing (id VARCHAR, v BIGINT) WITH (subject = 'clpc.nothing', changelog = 'upsert', key = 'id');
CREATE STREAM glob WITH (subject = 'clpc.glob') AS SELECT COUNT(*) AS n, SUM(v) AS s FROM nothing;
