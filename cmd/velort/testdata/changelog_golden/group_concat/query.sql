/* GROUP_CONCAT with ORDER BY over a changelog: a retracted value leaves the
   list (one copy of it: duplicates are kept per copy), with DISTINCT a value
   leaves only with its last copy. */
CREATE STREAM m (id VARCHAR, team VARCHAR, name VARCHAR) WITH (subject = 'clgc.m', changelog = 'upsert', key = 'id');
CREATE STREAM t WITH (subject = 'clgc.t') AS
SELECT team, GROUP_CONCAT(name ORDER BY name SEPARATOR ',') AS names, GROUP_CONCAT(DISTINCT name ORDER BY name DESC) AS dn
FROM m GROUP BY team;
