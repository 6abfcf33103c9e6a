/* A filter and projection over a declared changelog source: the output is
   keyed like the input; a row that stops passing WHERE is deleted (the
   delete carries the projection of the row last published); a delete of a
   row that never passed publishes nothing. p2 is deleted by a tombstone
   (no row: Velort-Key only). The capture of the source itself shows each
   replayed change as published: a plain row as an upsert of its key, the
   tombstone with "row":null. */
CREATE STREAM positions (id VARCHAR, sym VARCHAR, qty BIGINT)
WITH (subject = 'clf.positions', changelog = 'upsert', key = 'id');
CREATE STREAM open_positions WITH (subject = 'clf.open') AS
SELECT id, sym, qty * 2 AS dbl FROM positions WHERE qty > 0;
