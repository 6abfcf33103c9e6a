/* A filter and projection over a declared changelog source: the output is
   keyed like the input; a row that stops passing WHERE is deleted (the
   delete carries the projection of the row last published); a delete of a
   row that never passed publishes nothing. p2 is deleted by a tombstone
   (no row: Velort-Key only). */
CREATE STREAM positions (id VARCHAR, sym VARCHAR, qty BIGINT)
WITH (subject = 'clf.positions', changelog = 'upsert', key = 'id');
CREATE STREAM open_positions WITH (subject = 'clf.open') AS
SELECT id, sym, qty * 2 AS dbl FROM positions WHERE qty > 0;
