-- Misbehaving user functions: each fault dead-letters its record, the
-- instance is replaced, and the next records are processed.
CREATE FUNCTION add1(x BIGINT) RETURNS BIGINT WITH (module = '../plugins/c_faults.wasm');
CREATE FUNCTION spin(x BIGINT) RETURNS BIGINT WITH (module = '../plugins/c_faults.wasm');
CREATE FUNCTION trap(x BIGINT) RETURNS BIGINT WITH (module = '../plugins/c_faults.wasm');
CREATE FUNCTION grow(pages BIGINT) RETURNS BIGINT WITH (module = '../plugins/c_faults.wasm');
CREATE FUNCTION read_file(path VARCHAR) RETURNS BIGINT WITH (module = '../plugins/c_faults.wasm');
CREATE FUNCTION divide(a BIGINT, b BIGINT) RETURNS BIGINT WITH (module = '../plugins/c_faults.wasm');

CREATE STREAM jobs (id BIGINT, op VARCHAR, arg BIGINT, path VARCHAR) WITH (subject = 'faults.jobs');

CREATE STREAM results WITH (subject = 'faults.results') AS
SELECT id, CASE op
             WHEN 'spin' THEN spin(arg)
             WHEN 'trap' THEN trap(arg)
             WHEN 'grow' THEN grow(arg)
             WHEN 'open' THEN read_file(path)
             WHEN 'divide' THEN divide(arg, 0)
             ELSE add1(arg)
           END AS r
FROM jobs;
